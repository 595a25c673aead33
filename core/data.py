"""Reading user files into arrays, with errors a non-programmer can act on.

Every failure raises :class:`DataError` naming the file, column and row; nothing
half-read is ever returned.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

MAX_BYTES = 200 * 1024 * 1024  # matches server.maxUploadSize in .streamlit/config.toml
DELIMITERS = ",;\t|"
POSITIVE_WORDS = ("1", "true", "yes", "y", "t", "positive", "pos", "malignant")


class DataError(ValueError):
    """Input data the app cannot use; the message says what and where, in plain
    words."""


def _name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return getattr(source, "name", None) or "the file"


def _read_bytes(source, name: str) -> bytes:
    try:
        if isinstance(source, (str, os.PathLike)):
            size = os.path.getsize(source)
            if size > MAX_BYTES:
                raise DataError(_too_large(name, size))
            return Path(source).read_bytes()
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            data = source.read(MAX_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    except DataError:
        raise
    except OSError as exc:
        raise DataError(f"Could not open {name}: {exc.strerror or exc}.") from exc
    if len(data) > MAX_BYTES:
        raise DataError(_too_large(name, len(data)))
    return data


def _too_large(name: str, size: int) -> str:
    return (
        f"{name} is {size / 2**20:,.0f} MB; the limit is {MAX_BYTES / 2**20:,.0f} MB. "
        "Summarise it first (for example one row per score bin with a count column)."
    )


def load_table(source) -> pd.DataFrame:
    """Read a CSV (comma, semicolon, tab or pipe; UTF-8 with or without BOM) or a
    Parquet file from a path, bytes or a file-like object into a DataFrame.

    Raises :class:`DataError` for an empty, unreadable, binary or too large file.
    """
    name = _name(source)
    return _parse_table(_read_bytes(source, name), name)


def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """Read an uploaded file (its bytes and the name the user gave it) into a
    DataFrame, as :func:`load_table` reads files; errors name the file by ``name``.

    The one parser behind both uploads (a dataset to train on, a scored file).
    """
    return _parse_table(_read_bytes(bytes(data), name), name)


def _parse_table(data: bytes, name: str) -> pd.DataFrame:
    """CSV or Parquet bytes -> DataFrame; every failure names the file."""
    if not data.strip():
        raise DataError(f"{name} is empty.")
    if data[:4] == b"PAR1":
        try:
            df = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:
            message = f"{name} looks like Parquet but could not be read."
            raise DataError(message) from exc
    else:
        df = _read_csv(data, name)
    if df.shape[0] == 0:
        raise DataError(f"{name} has a header but no data rows.")
    if df.shape[1] == 0:
        raise DataError(f"{name} has no columns.")
    df.columns = [str(c).strip() for c in df.columns]
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise DataError(f"{name} has more than one column named {dupes[0]!r}.")
    return df


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    if b"\x00" in data[:4096]:
        raise DataError(
            f"{name} is not a text table (it contains binary data). "
            "Upload a CSV or Parquet file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{name} is not UTF-8 text (first bad byte on line {line}). "
            "Save it as UTF-8 CSV and upload again."
        ) from exc
    sample = "\n".join(text.splitlines()[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.splitlines()[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    # pandas renames a repeated column "a" to "a.1"; the user should hear about it
    first_line = next(iter(text.splitlines()), "")
    cells = next(csv.reader([first_line], delimiter=delimiter), [])
    header = [c.strip() for c in cells]
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated:
        raise DataError(f"{name} has more than one column named {repeated[0]!r}.")
    try:
        with warnings.catch_warnings():
            # index_col=False: a first row longer than the header is an error, not
            # silently turned into row labels
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text), sep=delimiter, skipinitialspace=True, index_col=False
            )
    except pd.errors.ParserWarning as exc:
        raise DataError(
            f"{name} has rows with more values than the header has column names."
        ) from exc
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            expected, line, saw = found.groups()
            raise DataError(
                f"{name} could not be read as a table: line {line} has {saw} values "
                f"but the header has {expected} columns."
            ) from exc
        raise DataError(f"{name} could not be read as a table: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{name} has no columns.") from exc


def _column(df: pd.DataFrame, column, what: str) -> pd.Series:
    if column not in df.columns:
        shown = ", ".join(map(repr, list(df.columns)[:10]))
        raise DataError(
            f"There is no {what} column {column!r}; the columns are {shown}."
        )
    return df[column]


def _row(index: int) -> str:
    """Row numbers as a spreadsheet user counts them: data row 1 is line 2."""
    return f"row {index + 1} (line {index + 2} of the file)"


def _numeric(
    series: pd.Series, what: str, *, allow_negative: bool = True
) -> np.ndarray:
    name = series.name
    if series.dtype == bool:
        raise DataError(f"The {what} column {name!r} holds true/false, not numbers.")
    values = pd.to_numeric(series, errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    missing = series.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"The {what} column {name!r} has {int(missing.sum())} missing value(s), "
            f"the first at {_row(i)}."
        )
    bad = np.isnan(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = series.iloc[i]
        hint = ""
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d*,\d+\s*", value):
            hint = (
                " It looks like a decimal comma: save the file with a point as the "
                "decimal separator."
            )
        raise DataError(
            f"The {what} column {name!r} must hold numbers, but {_row(i)} has "
            f"{_show(value)}.{hint}"
        )
    inf = np.isinf(values)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise DataError(
            f"The {what} column {name!r} has an infinite value at {_row(i)}."
        )
    if not allow_negative and (values < 0).any():
        i = int(np.flatnonzero(values < 0)[0])
        raise DataError(
            f"The {what} column {name!r} has a negative value ({values[i]:g}) at "
            f"{_row(i)}; weights and counts must be 0 or more."
        )
    return values


def _show(value) -> str:
    """A value as a user typed it: ``1``, not ``np.int64(1)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def default_positive_label(values) -> object:
    """Which of two label values counts as positive when the user has not said.

    1 for 0/1 and -1/1, True for booleans, the larger of two other numbers, and for
    text a word like "yes", "true" or "positive" if present, else the last in
    alphabetical order.
    """
    classes = list(pd.unique(pd.Series(values).dropna()))
    if len(classes) != 2:
        raise DataError(f"Expected exactly two label values, found {len(classes)}.")
    if all(isinstance(c, (bool, np.bool_)) for c in classes):
        return True
    if all(isinstance(c, (int, float, np.number)) for c in classes):
        return max(classes)
    for c in classes:
        if str(c).strip().lower() in POSITIVE_WORDS:
            return c
    return sorted(classes, key=str)[-1]


def _labels(df: pd.DataFrame, label_column, positive_label) -> np.ndarray:
    series = _column(df, label_column, "label")
    missing = series.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"The label column {label_column!r} has {int(missing.sum())} missing "
            f"value(s), the first at {_row(i)}."
        )
    classes = list(pd.unique(series))
    if len(classes) != 2:
        more = " ..." if len(classes) > 5 else ""
        shown = ", ".join(map(_show, classes[:5])) + more
        kind = "only one class" if len(classes) < 2 else f"{len(classes)} classes"
        raise DataError(
            f"The label column {label_column!r} must hold exactly two classes, but it "
            f"has {kind}: {shown}."
        )
    if positive_label is None:
        positive_label = default_positive_label(classes)
    elif positive_label not in classes:
        # a label typed as text may match numbers read from the file
        matches = [c for c in classes if str(c) == str(positive_label)]
        if not matches:
            raise DataError(
                f"The positive label {positive_label!r} is not one of the label values "
                f"{_show(classes[0])} and {_show(classes[1])}."
            )
        positive_label = matches[0]
    return (series == positive_label).to_numpy(dtype=float)


def scored_data(
    df: pd.DataFrame,
    label_column,
    score_column,
    weight_column=None,
    positive_label=None,
):
    """Labels, scores and optional weights from a scored table, ready for
    :func:`core.threshold_sweep`.

    Returns ``(y_true, scores, sample_weight)`` as float arrays (``sample_weight`` is
    None without a weight column). Labels may be 0/1, -1/1, booleans or two strings.
    A weight (or count) column lets one row stand for many cases.
    """
    if len(df) == 0:
        raise DataError("The table has no rows.")
    y = _labels(df, label_column, positive_label)
    scores = _numeric(_column(df, score_column, "score"), "score")
    weights = None
    if weight_column is not None:
        weights = _numeric(_column(df, weight_column, "weight"), "weight",
                           allow_negative=False)
        if not weights.sum() > 0:
            raise DataError(f"The weight column {weight_column!r} adds up to zero.")
        for cls, name in ((1.0, "positive"), (0.0, "negative")):
            if not weights[y == cls].sum() > 0:
                raise DataError(
                    f"All {name} rows have weight zero: only one class is left."
                )
    return y, scores, weights


def labeled_features(
    df: pd.DataFrame, label_column, feature_columns, positive_label=None
):
    """``(X, y_true)`` for training: X float of shape (n_samples, n_features)."""
    if len(df) == 0:
        raise DataError("The table has no rows.")
    feature_columns = list(feature_columns)
    if not feature_columns:
        raise DataError("Choose at least one feature column.")
    if label_column in feature_columns:
        raise DataError(f"The label column {label_column!r} cannot also be a feature.")
    y = _labels(df, label_column, positive_label)
    X = np.column_stack(
        [_numeric(_column(df, c, "feature"), "feature") for c in feature_columns]
    )
    return X, y
