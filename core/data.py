"""Reading user files into arrays, with errors a non-programmer can act on.

Every failure raises :class:`DataError` naming the file, column and row; nothing
half-read is ever returned.

Hostile files are refused before the work, by checks linear in the input: the size
(:data:`MAX_BYTES`), the number of columns (:data:`MAX_COLUMNS`), the longest line
(:data:`MAX_LINE_CHARS`), the number of cells (:data:`MAX_CELLS`) and, for Parquet, the
size the table expands to in memory, read from the file's metadata before a single
value is decoded (:data:`MAX_TABLE_BYTES`). Columns must hold numbers, true/false or
short text (:data:`MAX_CELL_CHARS`); timestamps, lists, structs and binary data are
refused by name. Files that are something else (UTF-16 text, an Excel workbook, a zip
or gzip archive, JSON) are named for what they are, with how to save them as a UTF-8
CSV. Every number a formula will see is finite and within a bound
(:data:`FEATURE_LIMIT`, :data:`SCORE_LIMIT`, :data:`WEIGHT_LIMIT`,
:data:`TOTAL_WEIGHT_LIMIT`). A message quotes at most :data:`QUOTE_CHARS` characters
of a value or a name, as plain Python values (``1``, never ``np.int64(1)``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

MAX_BYTES = 200 * 1024 * 1024  # matches server.maxUploadSize in .streamlit/config.toml
MAX_COLUMNS = 1_000
MAX_LINE_CHARS = 100_000  # bytes of one line (1,000 columns of 100 characters)
MAX_CELL_CHARS = 1_000  # a text cell: a label or a category, not a document
MAX_NAME_CHARS = 120  # a column name (the URL keeps chosen names: ui.models)
MAX_CELLS = 40_000_000  # rows x columns: 10 million rows of label, score and count
MAX_TABLE_BYTES = 512 * 1024 * 1024  # a Parquet table, expanded, before reading
# Polynomial features (degree <= 12) are computed from the raw values and then
# standardised: |x| <= 1e12 keeps x**12 <= 1e144 and its square, summed over
# 40 million rows, below the largest float (1.8e308). Larger values are not
# measurements a logistic regression can use as they are: rescale them.
FEATURE_LIMIT = 1e12
# A score is a probability, a logit or a decision value; beyond 1e9 it is a unit
# mistake, and the threshold's scale (its range / 1,000 per slider step) breaks.
SCORE_LIMIT = 1e9
# Frequency weights: a count per row up to 1e12, and a total below 1e15 cases,
# so that counts stay exact integers in float64 (2**53 = 9.0e15) and in the
# bootstrap's int64 draws.
WEIGHT_LIMIT = 1e12
TOTAL_WEIGHT_LIMIT = 1e15
QUOTE_CHARS = 80
DELIMITERS = ",;\t|"
POSITIVE_WORDS = ("1", "true", "yes", "y", "t", "positive", "pos", "malignant")
SUMMARISE = (
    "Summarise the data first: for scores, one row per label and rounded score "
    "with a count column (SELECT label, ROUND(score, 3) AS score, COUNT(*) AS "
    "count FROM scored GROUP BY label, ROUND(score, 3)); for training data, a "
    "sample of the rows and only the columns you need."
)
SAVE_AS_CSV = (
    "Save it as a CSV file in UTF-8 (in Excel: File > Save As > \"CSV UTF-8 "
    "(Comma delimited)\"; in LibreOffice: Save As > Text CSV, character set "
    "Unicode (UTF-8)) and upload that."
)


class DataError(ValueError):
    """Input data the app cannot use; the message says what and where, in plain
    words."""


# control characters, and the bidirectional overrides that would turn the rest of a
# message around
_UNSHOWN = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def quote(value, limit: int = QUOTE_CHARS) -> str:
    """A value or a name as a message shows it: ``1`` or ``'abc'`` (never
    ``np.int64(1)``), on one line, at most about ``limit`` characters (an ellipsis
    inside the quotes when cut)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        text = _UNSHOWN.sub(" ", value)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        return repr(text)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return getattr(source, "name", None) or "the file"


def _short_name(name) -> str:
    """A file name fit for a message: one line, at most 120 characters."""
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]+", " ", str(name)).split())
    return (text if len(text) <= 120 else text[:119] + "…") or "the file"


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
        + SUMMARISE
    )


def load_table(source) -> pd.DataFrame:
    """Read a CSV (comma, semicolon, tab or pipe; UTF-8 with or without BOM) or a
    Parquet file from a path, bytes or a file-like object into a DataFrame.

    Raises :class:`DataError` for an empty, unreadable, binary, too large or
    otherwise hostile file (see the module's docstring for the limits).
    """
    name = _short_name(_name(source))
    return _parse_table(_read_bytes(source, name), name)


def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """Read an uploaded file (its bytes and the name the user gave it) into a
    DataFrame, as :func:`load_table` reads files; errors name the file by ``name``.

    The one parser behind both uploads (a dataset to train on, a scored file).
    """
    name = _short_name(name)
    return _parse_table(_read_bytes(bytes(data), name), name)


def _parse_table(data: bytes, name: str) -> pd.DataFrame:
    """CSV or Parquet bytes -> DataFrame; every failure names the file."""
    if not data or data.isspace() or (
        data.startswith(b"\xef\xbb\xbf") and (len(data) == 3 or data[3:].isspace())
    ):
        raise DataError(f"{name} is empty.")
    _refuse_other_formats(data, name)
    if data[:4] == b"PAR1":
        df = _read_parquet(data, name)
        df.attrs["header_line"] = None  # rows, not lines
    else:
        df = _read_csv(data, name)
    if df.shape[1] == 0:
        raise DataError(f"{name} has no columns.")
    if df.shape[0] == 0:
        raise DataError(f"{name} has a header but no data rows.")
    df.columns = [str(c).strip() for c in df.columns]
    _check_names(list(df.columns), name)
    return _check_cells(df, name)


UTF16 = "UTF-16 text (what Excel calls \"Unicode Text\")"


def _refuse_other_formats(data: bytes, name: str) -> None:
    """Files that are not CSV or Parquet, named for what they are."""
    head = data[:4096]
    what = None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        what = "UTF-32 text"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        what = UTF16
    elif head.startswith(b"PK\x03\x04"):
        if b"xl/" in data or name.lower().endswith((".xlsx", ".xlsm")):
            what = "an Excel workbook (.xlsx), not a CSV file"
        elif b"opendocument.spreadsheet" in head:
            what = "a LibreOffice spreadsheet (.ods), not a CSV file"
        else:
            what = "a zip archive"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        what = "an old-style Excel workbook (.xls), not a CSV file"
    elif head.startswith(b"\x1f\x8b"):
        what = "compressed with gzip; decompress it first"
    elif head.startswith(b"%PDF"):
        what = "a PDF document"
    elif _looks_utf16(head):
        what = UTF16
    if what is not None:
        raise DataError(f"{name} is {what}. {SAVE_AS_CSV}")


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte order mark: ASCII text with a NUL in every other
    byte."""
    sample = head[:200] if len(head) >= 200 else head[: len(head) // 2 * 2]
    if len(sample) < 4:
        return False
    for zeros in (sample[1::2], sample[0::2]):
        if zeros.count(0) >= 0.9 * len(zeros):
            return True
    return False


# ---------------------------------------------------------------------------------
# Parquet: types, columns and expanded size from the metadata, before reading
# ---------------------------------------------------------------------------------


def _arrow_kind(t) -> str | None:
    """What an Arrow type holds, in words; None for numbers, booleans and text."""
    import pyarrow.types as pt

    if pt.is_dictionary(t):
        return _arrow_kind(t.value_type)
    if (pt.is_integer(t) or pt.is_floating(t) or pt.is_boolean(t) or pt.is_null(t)
            or pt.is_string(t) or pt.is_large_string(t)):
        return None
    for test, words in (
        (pt.is_timestamp, "timestamps"),
        (pt.is_date, "dates"),
        (pt.is_time, "times of day"),
        (pt.is_duration, "durations"),
        (pt.is_interval, "time intervals"),
        (pt.is_decimal, "decimal numbers (a decimal type; store them as float64)"),
        (pt.is_list, "lists"),
        (pt.is_large_list, "lists"),
        (pt.is_fixed_size_list, "lists"),
        (pt.is_struct, "structs"),
        (pt.is_map, "maps"),
        (pt.is_union, "unions"),
        (pt.is_binary, "binary data"),
        (pt.is_large_binary, "binary data"),
        (pt.is_fixed_size_binary, "binary data"),
    ):
        if test(t):
            return words
    return f"values of type {quote(str(t), 40)}"


def _refuse_kind(name: str, column, kind: str) -> DataError:
    return DataError(
        f"{name}: column {quote(column)} holds {kind}. Loss Lab reads numbers, "
        "true/false and short text; convert that column to numbers (for example "
        "days since a date) or leave it out, and upload again."
    )


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    import pyarrow.parquet as pq
    import pyarrow.types as pq_types

    try:
        file = pq.ParquetFile(io.BytesIO(data))
        meta, schema = file.metadata, file.schema_arrow
    except Exception as exc:
        raise DataError(f"{name} looks like Parquet but could not be read.") from exc
    if meta.num_columns > MAX_COLUMNS:
        raise DataError(_too_many_columns(name, meta.num_columns))
    for field in schema:
        kind = _arrow_kind(field.type)
        if kind is not None:
            raise _refuse_kind(name, field.name, kind)
    _check_names([str(n).strip() for n in schema.names], name)
    if meta.num_rows * max(meta.num_columns, 1) > MAX_CELLS:
        raise DataError(_too_many_cells(name, meta.num_rows, meta.num_columns))
    expanded = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        # 8 bytes a cell as NumPy holds it, plus the text itself for text columns
        expanded += 8 * group.num_rows * group.num_columns
        for c in range(group.num_columns):
            column = group.column(c)
            if column.physical_type == "BYTE_ARRAY":
                expanded += column.total_uncompressed_size
    if expanded > MAX_TABLE_BYTES:
        raise DataError(
            f"{name} would take {expanded / 2**20:,.0f} MB once read "
            f"({meta.num_rows:,} rows); the limit is {MAX_TABLE_BYTES / 2**20:,.0f} "
            "MB. " + SUMMARISE
        )
    # Text columns stay dictionary-encoded while read: a few distinct long strings
    # repeated on every row do not expand to one copy per row.
    text = [f.name for f in schema
            if pq_types.is_string(f.type) or pq_types.is_large_string(f.type)]
    try:
        if text:
            file = pq.ParquetFile(io.BytesIO(data), read_dictionary=text)
        return file.read().to_pandas()
    except Exception as exc:
        raise DataError(f"{name} looks like Parquet but could not be read.") from exc


# ---------------------------------------------------------------------------------
# CSV: columns, line lengths and cells counted on the bytes, before parsing
# ---------------------------------------------------------------------------------


def _too_many_columns(name: str, n_columns: int) -> str:
    return (
        f"{name} has {n_columns:,} columns; the limit is {MAX_COLUMNS:,}. Keep only "
        "the columns you need (a label and the features, or a label, a score and a "
        "count) and upload again."
    )


def _too_many_cells(name: str, n_rows: int, n_columns: int) -> str:
    return (
        f"{name} has about {n_rows:,} rows of {n_columns:,} columns; the limit is "
        f"{MAX_CELLS:,} values. " + SUMMARISE
    )


def _scan_lines(data: bytes) -> tuple[int, int, int]:
    """``(number of lines, length of the longest, its line number)``: one pass over
    the bytes in chunks, without making a Python object per line."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    chunk = 1 << 24
    n_lines, longest, where, last = 0, 0, 1, -1  # last: index of the previous "\n"
    for start in range(0, buffer.size, chunk):
        ends = np.flatnonzero(buffer[start : start + chunk] == 10) + start
        if ends.size:
            gaps = np.diff(ends, prepend=last) - 1
            k = int(np.argmax(gaps))
            if gaps[k] > longest:
                longest, where = int(gaps[k]), n_lines + k + 1
            n_lines += int(ends.size)
            last = int(ends[-1])
    tail = buffer.size - last - 1
    if tail > 0:
        n_lines += 1
        if tail > longest:
            longest, where = tail, n_lines
    return n_lines, longest, where


_LEADING_BLANK = re.compile(rb"(?:[ \t\r]*\n)*")


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise DataError(
            f"{name} is not a text table (it contains binary data: a NUL byte on "
            f"line {line}). Upload a CSV or Parquet file."
        )
    if b"\n" not in data and b"\r" in data:  # old Mac line ends: "\r" alone
        data = data.replace(b"\r", b"\n")
    # The header is the first line that is not blank (pandas skips blank lines).
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    start = _LEADING_BLANK.match(data, bom).end()
    end = data.find(b"\n", start)
    header_bytes = data[start:] if end < 0 else data[start:end]
    header_line = data.count(b"\n", 0, start) + 1
    n_columns = max(header_bytes.count(d.encode()) for d in DELIMITERS) + 1
    if n_columns > MAX_COLUMNS:
        raise DataError(_too_many_columns(name, n_columns))
    n_lines, longest, where = _scan_lines(data)
    if longest > MAX_LINE_CHARS:
        raise DataError(
            f"{name} has a line of {longest:,} characters (line {where:,}); the limit "
            f"is {MAX_LINE_CHARS:,}. A table of labels, scores and numbers has short "
            "lines: check that this is the right file, keep only the columns you "
            "need, and upload again."
        )
    if n_lines * n_columns > MAX_CELLS:
        raise DataError(_too_many_cells(name, n_lines - 1, n_columns))
    try:
        data.decode("utf-8")  # only to check it: pandas decodes it again, faster
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{name} is not UTF-8 text (first bad byte on line {line}). "
            + SAVE_AS_CSV
        ) from exc
    header_text = header_bytes.decode("utf-8", errors="replace").lstrip("\ufeff")
    head = data[: 64 * 1024].decode("utf-8-sig", errors="ignore")
    if len(data) > 64 * 1024:  # the last line of the sample may be cut
        head = head[: head.rfind("\n") + 1] or head
    _refuse_json_or_html(header_text, name)
    delimiter = _delimiter(head, header_text)
    try:
        cells = next(csv.reader([header_text.split("\r")[0]], delimiter=delimiter),
                     [])
    except csv.Error as exc:
        raise DataError(f"{name}: the header ({_header_where(header_line)}) "
                        "could not be read.") from exc
    header = [c.strip() for c in cells]
    _check_names(header, name, _header_where(header_line), delimiter)
    if header and all(_is_number(c) for c in header):
        shown = delimiter.join(header)
        raise DataError(
            f"{name} has no header: its first line ({quote(shown)}) holds only "
            "numbers, so it would be read as column names and its row lost. Add a "
            "first line with the column names (for example label,score) and upload "
            "again."
        )
    try:
        with warnings.catch_warnings():
            # index_col=False: a first row longer than the header is an error, not
            # silently turned into row labels
            warnings.simplefilter("error", pd.errors.ParserWarning)
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            df = pd.read_csv(
                io.BytesIO(data), sep=delimiter, skipinitialspace=True,
                index_col=False, encoding="utf-8-sig",
            )
        df.attrs["header_line"] = header_line  # for the line numbers in messages
        return df
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
        raise DataError(
            f"{name} could not be read as a table: {quote(str(exc), 160)[1:-1]}"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{name} has no columns.") from exc
    except Exception as exc:  # anything else the parser meets in a hostile file
        raise DataError(
            f"{name} could not be read as a table ({type(exc).__name__})."
        ) from exc


def _header_where(header_line: int) -> str:
    if header_line == 1:
        return "line 1"
    return f"line {header_line:,}, the first that is not blank"


def _refuse_json_or_html(header: str, name: str) -> None:
    first = header.strip()
    if first[:1] in ("{", "["):
        is_json = first in ("{", "[")
        if not is_json:
            try:
                value, _ = json.JSONDecoder().raw_decode(first)
                is_json = isinstance(value, (dict, list))
            except ValueError:
                is_json = False
        if is_json:
            raise DataError(
                f"{name} is JSON, not a table of comma-separated values. Convert it "
                "to CSV (for example with pandas: pd.read_json(path).to_csv("
                "\"data.csv\", index=False)) and upload that."
            )
    if first.lower().startswith(("<!doctype html", "<html")):
        raise DataError(f"{name} is a web page (HTML). {SAVE_AS_CSV}")


def _delimiter(head: str, header: str) -> str:
    """The delimiter, sniffed on a bounded sample (at most 20 lines, 64 KB)."""
    lines = head.splitlines()
    sample = "\n".join(line for line in lines[:20] if line.strip()) or header
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: header.count(d) for d in DELIMITERS}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_names(names: list, name: str, where: str = "the file",
                 delimiter: str | None = None) -> None:
    """Column names: none missing, none repeated (counted once: linear)."""
    seen: set = set()
    for i, column in enumerate(names):
        if column == "":
            if delimiter is not None and i == len(names) - 1 and i > 0:
                raise DataError(
                    f"{name}: the header ({where}) ends with {delimiter!r}, so its "
                    f"last column has no name. Remove the {delimiter!r} at the end "
                    "of the lines, or give that column a name."
                )
            raise DataError(
                f"{name}: column {i + 1:,} has no name in the header ({where}). Give "
                "every column a name and upload again."
            )
        if len(column) > MAX_NAME_CHARS:
            raise DataError(
                f"{name}: column {i + 1:,} has a name of {len(column):,} characters, "
                f"starting {quote(column, 40)}; the limit is {MAX_NAME_CHARS}. "
                "Give it a shorter name and upload again."
            )
        if column in seen:
            raise DataError(
                f"{name} has more than one column named {quote(column)}."
            )
        seen.add(column)


_TEXT_KINDS = ("string", "empty", "boolean", "integer", "floating",
               "mixed-integer-float")


def _check_cells(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Every column holds numbers, true/false or short text, as plain NumPy or
    Python values."""
    for column in df.columns:
        series = df[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            try:  # the categories' own type: text stays text, numbers numbers
                series = series.astype(series.cat.categories.dtype)
            except (TypeError, ValueError):
                series = series.astype(object)
            df[column] = series
        kind = series.dtype.kind
        if kind in "mM":
            raise _refuse_kind(name, column, "timestamps" if kind == "M" else
                               "durations")
        if kind != "O":
            continue
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred not in _TEXT_KINDS:
            raise _refuse_kind(name, column, f"values of kind {inferred}")
        if inferred == "string":
            lengths = series.str.len().to_numpy(dtype=float, na_value=0.0)
            if lengths.size and lengths.max() > MAX_CELL_CHARS:
                i = int(np.argmax(lengths))
                raise DataError(
                    f"{name}: column {quote(column)} has a text of "
                    f"{int(lengths[i]):,} characters at {_row(i, df)}, starting "
                    f"{quote(series.iloc[i], 40)}; text cells are limited to "
                    f"{MAX_CELL_CHARS:,} characters (a label or a category). Leave "
                    "that column out or shorten its text."
                )
    return df


def _column(df: pd.DataFrame, column, what: str) -> pd.Series:
    if column not in df.columns:
        shown = ", ".join(quote(c, 40) for c in list(df.columns)[:10])
        more = f" and {len(df.columns) - 10:,} more" if len(df.columns) > 10 else ""
        raise DataError(
            f"There is no {what} column {quote(column)}; the columns are "
            f"{shown}{more}."
        )
    return df[column]


def _row(index: int, source=None) -> str:
    """Row numbers as a spreadsheet user counts them: data row 1 is the line after
    the header (line 2, unless blank lines come first: ``attrs["header_line"]`` of
    the table read); a Parquet file has rows, not lines."""
    header_line = getattr(source, "attrs", {}).get("header_line", 1)
    if header_line is None:
        return f"row {index + 1}"
    return f"row {index + 1} (line {index + header_line + 1} of the file)"


def _numeric(
    series: pd.Series, what: str, *, limit: float, why: str,
    allow_negative: bool = True,
) -> np.ndarray:
    """The column as finite floats within ``±limit``, or a DataError naming the
    column, the row and the value (``why`` says why the limit is there)."""
    name = quote(series.name)
    if series.dtype == bool:
        raise DataError(f"The {what} column {name} holds true/false, not numbers.")
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = pd.to_numeric(series, errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
    missing = series.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"The {what} column {name} has {int(missing.sum())} missing value(s), "
            f"the first at {_row(i, series)}."
        )
    bad = np.isnan(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = series.iloc[i]
        hint = ""
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d*,\d+\s*",
                                                   value[:100]):
            hint = (
                " It looks like a decimal comma: save the file with a point as the "
                "decimal separator."
            )
        raise DataError(
            f"The {what} column {name} must hold numbers, but {_row(i, series)} has "
            f"{quote(value)}.{hint}"
        )
    inf = np.isinf(values)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise DataError(
            f"The {what} column {name} has an infinite value at {_row(i, series)}."
        )
    if not allow_negative and (values < 0).any():
        i = int(np.flatnonzero(values < 0)[0])
        raise DataError(
            f"The {what} column {name} has a negative value ({values[i]:g}) at "
            f"{_row(i, series)}; weights and counts must be 0 or more."
        )
    beyond = np.abs(values) > limit
    if beyond.any():
        i = int(np.flatnonzero(beyond)[0])
        raise DataError(
            f"The {what} column {name} has {values[i]:g} at {_row(i, series)}; "
            f"{what} values must lie between -{limit:g} and {limit:g} ({why})."
        )
    return values


def _show(value) -> str:
    """A value as a user typed it: ``1``, not ``np.int64(1)``; at most about
    :data:`QUOTE_CHARS` characters."""
    return quote(value)


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
            f"The label column {quote(label_column)} has {int(missing.sum())} "
            f"missing value(s), the first at {_row(i, series)}."
        )
    classes = list(pd.unique(series))
    if len(classes) != 2:
        more = " ..." if len(classes) > 5 else ""
        shown = ", ".join(map(_show, classes[:5])) + more
        kind = "only one class" if len(classes) < 2 else f"{len(classes)} classes"
        raise DataError(
            f"The label column {quote(label_column)} must hold exactly two classes, "
            f"but it has {kind}: {shown}."
        )
    if positive_label is None:
        positive_label = default_positive_label(classes)
    elif positive_label not in classes:
        # a label typed as text may match numbers read from the file
        matches = [c for c in classes if str(c) == str(positive_label)]
        if not matches:
            raise DataError(
                f"The positive label {quote(positive_label)} is not one of the label "
                f"values {_show(classes[0])} and {_show(classes[1])}."
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
    scores = _numeric(_column(df, score_column, "score"), "score", limit=SCORE_LIMIT,
                      why="probabilities, logits and model scores do; rescale the "
                      "scores")
    weights = None
    if weight_column is not None:
        weights = _numeric(_column(df, weight_column, "weight"), "weight",
                           limit=WEIGHT_LIMIT, allow_negative=False,
                           why="a count per row; with more cases, summarise them "
                           "with the README's SQL and a count column")
        total = float(weights.sum())
        if not total > 0:
            raise DataError(
                f"The weight column {quote(weight_column)} adds up to zero.")
        if total > TOTAL_WEIGHT_LIMIT:
            raise DataError(
                f"The weight column {quote(weight_column)} adds up to {total:.3g} "
                f"cases; the limit is {TOTAL_WEIGHT_LIMIT:g}, so that counts stay "
                "exact. Divide the counts by a common factor and upload again."
            )
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
        raise DataError(
            f"The label column {quote(label_column)} cannot also be a feature.")
    y = _labels(df, label_column, positive_label)
    why = ("polynomial features of larger values overflow; rescale the column, for "
           "example to thousands or millions")
    X = np.column_stack(
        [_numeric(_column(df, c, "feature"), "feature", limit=FEATURE_LIMIT, why=why)
         for c in feature_columns]
    )
    return X, y
