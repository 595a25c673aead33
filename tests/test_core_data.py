"""Reading user files: every delimiter, encodings, Parquet, and a plain-words
DataError for every way a file can be wrong."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import core
import core.data
from core import DataError, labeled_features, load_table, scored_data

ROWS = [("1", "0.9", "2"), ("0", "0.2", "1"), ("1", "0.65", "1"), ("0", "0.4", "3")]


def _csv(sep: str, header=("label", "score", "weight"), rows=ROWS) -> bytes:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _check_table(df):
    assert list(df.columns) == ["label", "score", "weight"]
    assert df["label"].tolist() == [1, 0, 1, 0]
    assert df["score"].tolist() == [0.9, 0.2, 0.65, 0.4]
    assert df["weight"].tolist() == [2, 1, 1, 3]


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_from_bytes_paths_and_file_objects(tmp_path, sep):
    data = _csv(sep)
    _check_table(load_table(data))
    path = tmp_path / "scores.csv"
    path.write_bytes(data)
    _check_table(load_table(path))
    _check_table(load_table(str(path)))
    _check_table(load_table(io.BytesIO(data)))
    _check_table(load_table(io.StringIO(data.decode())))
    with path.open("rb") as handle:
        _check_table(load_table(handle))


def test_utf8_with_bom_and_non_ascii_text():
    data = "\ufefflabel;score;weight\n1;0.9;2\n0;0.2;1\n1;0.65;1\n0;0.4;3\n"
    _check_table(load_table(data.encode("utf-8")))
    df = load_table("naïve,größe\ncafé,1\nthé,2\n".encode())
    assert list(df.columns) == ["naïve", "größe"] and df["naïve"].tolist() == ["café",
                                                                              "thé"]


def test_a_file_object_already_read_is_read_from_the_start():
    handle = io.BytesIO(_csv(","))
    handle.read()
    _check_table(load_table(handle))


def test_parquet_from_path_bytes_and_file_object(tmp_path):
    frame = pd.DataFrame({"label": [1, 0, 1, 0], "score": [0.9, 0.2, 0.65, 0.4],
                          "weight": [2, 1, 1, 3]})
    path = tmp_path / "scores.parquet"
    frame.to_parquet(path)
    for source in (path, path.read_bytes(), io.BytesIO(path.read_bytes())):
        _check_table(load_table(source))
    with pytest.raises(DataError, match="looks like Parquet but could not be read"):
        load_table(b"PAR1 this is not really parquet at all")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is empty"),
        (b"   \n\n  \n", "is empty"),
        (b"label,score\n", "header but no data rows"),
        (bytes(range(256)) * 40, "not a text table"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "not a text table"),
        ("label,score\ncafé,0.5\n".encode("latin-1"), "not UTF-8 text .* line 2"),
        (b"a,b\n1,2\n3,4,5\n", "line 3 has 3 values but the header has 2 columns"),
        (b"a,b\n1,2,3,4\n5,6\n", "more values than the header"),
        (b"score;label;score\n1;0;2\n", "more than one column named 'score'"),
    ],
)
def test_unreadable_files_raise_data_error(data, words):
    with pytest.raises(DataError, match=words):
        load_table(data)


def test_data_error_is_a_value_error_and_names_the_file(tmp_path):
    assert issubclass(DataError, ValueError)
    path = tmp_path / "empty_upload.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty_upload\.csv is empty"):
        load_table(path)
    named = io.BytesIO(b"")
    named.name = "from_browser.csv"
    with pytest.raises(DataError, match=r"from_browser\.csv is empty"):
        load_table(named)
    with pytest.raises(DataError, match="Could not open"):
        load_table(tmp_path / "no_such_file.csv")


def test_too_large_files_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(core.data, "MAX_BYTES", 50)
    data = _csv(",", rows=ROWS * 5)
    assert len(data) > 50
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    for source in (data, path, io.BytesIO(data)):
        with pytest.raises(DataError, match="limit is"):
            load_table(source)
    assert load_table(b"a,b\n1,2\n").shape == (1, 2)  # small files still pass


def _df(data: bytes) -> pd.DataFrame:
    return load_table(data)


def test_scored_data_returns_float_arrays_ready_for_a_sweep():
    y, s, w = scored_data(_df(_csv(",")), "label", "score", "weight")
    assert y.dtype == s.dtype == w.dtype == np.float64
    assert y.tolist() == [1, 0, 1, 0] and s.tolist() == [0.9, 0.2, 0.65, 0.4]
    assert w.tolist() == [2, 1, 1, 3]
    sweep = core.threshold_sweep(y, s, sample_weight=w)
    assert sweep.total == 7.0
    y, s, w = scored_data(_df(_csv(",")), "label", "score")
    assert w is None


@pytest.mark.parametrize(
    ("labels", "positive_label", "expected"),
    [
        (["0", "1", "1", "0"], None, [0, 1, 1, 0]),
        (["-1", "1", "1", "-1"], None, [0, 1, 1, 0]),
        (["True", "False", "False", "True"], None, [1, 0, 0, 1]),
        (["true", "false", "false", "true"], None, [1, 0, 0, 1]),
        (["no", "yes", "yes", "no"], None, [0, 1, 1, 0]),
        (["benign", "malignant", "benign", "benign"], None, [0, 1, 0, 0]),
        (["cat", "dog", "dog", "cat"], None, [0, 1, 1, 0]),  # last alphabetically
        (["cat", "dog", "dog", "cat"], "cat", [1, 0, 0, 1]),
        (["0", "1", "1", "0"], 0, [1, 0, 0, 1]),
        (["0", "1", "1", "0"], "0", [1, 0, 0, 1]),  # typed as text, read as numbers
        (["-1", "1", "1", "-1"], -1, [1, 0, 0, 1]),
    ],
)
def test_label_conventions(labels, positive_label, expected):
    rows = [(lab, s, "1") for lab, (_, s, _) in zip(labels, ROWS, strict=True)]
    y, _, _ = scored_data(_df(_csv(",", rows=rows)), "label", "score",
                          positive_label=positive_label)
    assert y.tolist() == expected
    X, y2 = labeled_features(_df(_csv(",", rows=rows)), "label", ["score", "weight"],
                             positive_label=positive_label)
    assert y2.tolist() == expected and X.shape == (4, 2) and X.dtype == np.float64


def test_default_positive_label_rules():
    assert core.default_positive_label([0, 1, 1]) == 1
    assert core.default_positive_label([-1, 1]) == 1
    assert core.default_positive_label([True, False]) is True
    assert core.default_positive_label(["No", "Yes"]) == "Yes"
    assert core.default_positive_label(["b", "a"]) == "b"
    with pytest.raises(DataError, match="two label values"):
        core.default_positive_label(["a", "b", "c"])


@pytest.mark.parametrize(
    ("data", "kwargs", "words"),
    [
        (b"label,score\n1,0.5\n0,0.2\n", {"label_column": "y"},
         "no label column 'y'; the columns are 'label', 'score'"),
        (b"label,score\n1,0.5\n0,0.2\n", {"score_column": "prob"}, "no score column"),
        (b"label,score\n1,0.5\n0,0.2\n", {"weight_column": "n"}, "no weight column"),
        (b"label,score\n1,0.5\n1,0.2\n", {}, "exactly two classes.*only one class: 1"),
        (b"label,score\na,0.5\nb,0.2\nc,0.1\n", {},
         "exactly two classes.*3 classes: 'a', 'b', 'c'"),
        (b"label,score\n1,0.5\n,0.2\n0,0.3\n", {}, "label column 'label' has 1 missing"
         r" value\(s\), the first at row 2 \(line 3"),
        (b"label,score\n1,0.5\n0,abc\n1,0.3\n", {},
         r"score column 'score' must hold numbers, but row 2 \(line 3 of the file\) "
         "has 'abc'"),
        (b"label,score\n1,0.5\n0,\n1,0.3\n", {}, "score column 'score' has 1 missing"),
        (b"label,score\n1,0.5\n0,0.1\n1,inf\n", {}, "infinite value at row 3"),
        (b"label,score\n1,0.5\n0,0.1\n1,-inf\n", {}, "infinite value at row 3"),
        (b"label,score\n1,True\n0,False\n", {}, "holds true/false, not numbers"),
        (b"label,score,weight\n1,0.5,1\n0,0.2,-2\n", {"weight_column": "weight"},
         r"negative value \(-2\) at row 2"),
        (b"label,score,weight\n1,0.5,0\n0,0.2,0\n", {"weight_column": "weight"},
         "adds up to zero"),
        (b"label,score,weight\n1,0.5,0\n0,0.2,3\n", {"weight_column": "weight"},
         "All positive rows have weight zero"),
        (b"label,score\ncat,0.5\ndog,0.2\n", {"positive_label": "cow"},
         "positive label 'cow' is not one of the label values 'cat' and 'dog'"),
        (b"label;score\n1;0,5\n0;0,25\n", {},
         r"has '0,5'\. It looks like a decimal comma"),
        (b"label,score\n1,0.5\n2,0.2\n3,0.1\n", {}, "3 classes: 1, 2, 3"),
    ],
)
def test_scored_data_errors_say_what_and_where(data, kwargs, words):
    args = {"label_column": "label", "score_column": "score"} | kwargs
    with pytest.raises(DataError, match=words):
        scored_data(_df(data), **args)


def test_labeled_features_errors():
    df = _df(b"label,a,b\n1,0.5,x\n0,0.2,3\n")
    with pytest.raises(DataError, match=r"feature column 'b' must hold numbers.*row 1"):
        labeled_features(df, "label", ["a", "b"])
    with pytest.raises(DataError, match="at least one feature"):
        labeled_features(df, "label", [])
    with pytest.raises(DataError, match="cannot also be a feature"):
        labeled_features(df, "label", ["label", "a"])
    with pytest.raises(DataError, match="no feature column 'c'"):
        labeled_features(df, "label", ["a", "c"])
    with pytest.raises(DataError, match="no rows"):
        labeled_features(df.iloc[:0], "label", ["a"])
    with pytest.raises(DataError, match="no rows"):
        scored_data(df.iloc[:0], "label", "a")


def test_quote_shows_plain_python_values_on_one_short_line():
    assert core.data.quote(np.int64(1)) == "1"
    assert core.data.quote(np.float64(0.5)) == "0.5"
    assert core.data.quote(np.bool_(True)) == "True"
    assert core.data.quote("a\nb\x1bc\u202ed") == "'a b c d'"
    long = core.data.quote("x" * 10_000)
    assert len(long) <= core.data.QUOTE_CHARS + 2 and long.endswith("…'")


@pytest.mark.parametrize(
    ("column", "limit"),
    [("score", core.data.SCORE_LIMIT), ("weight", core.data.WEIGHT_LIMIT)],
)
def test_scores_and_weights_at_their_bounds(column, limit):
    for value, ok in ((limit, True), (limit * 1.001, False)):
        score = value if column == "score" else 0.5
        weight = value if column == "weight" else 1
        df = pd.DataFrame({"label": [0, 1, 0, 1], "score": [0.1, 0.9, score, 0.4],
                           "weight": [1, 1, weight, 1]})
        if ok:
            scored_data(df, "label", "score", "weight")
        else:
            with pytest.raises(DataError, match=rf"{column} column '{column}' has "
                               r".* at row 3 \(line 4 of the file\)"):
                scored_data(df, "label", "score", "weight")


def test_features_at_their_bound_and_polynomials_of_them_stay_finite():
    bound = core.data.FEATURE_LIMIT
    df = pd.DataFrame({"x": [-bound, bound, 0.0, 1.0], "label": [0, 1, 0, 1]})
    X, _ = labeled_features(df, "label", ["x"])
    pre = core.fitting.fit_preprocessor(np.repeat(X, 1000, axis=0), degree=12)
    assert np.isfinite(pre.mean).all() and np.isfinite(pre.scale).all()
    df.loc[1, "x"] = bound * 1.001
    with pytest.raises(DataError, match=r"feature column 'x' has 1.001e\+12 at row 2"):
        labeled_features(df, "label", ["x"])


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\n\nx,,label\n1,2,0\n", r"column 2 has no name in the header \(line 3, "
         "the first that is not blank"),
        (b"\n\nx,x\n1,2\n", "more than one column named 'x'"),
        (b"x;y;\n1;2;\n", "ends with ';'"),
        (b"0.5,1\n0.2,0\n", "has no header"),
        ("label,score\n1,0.5\n".encode("utf-16-be"), "UTF-16"),
        (b'{"a": 1}\n', "is JSON"),
        (b"x,label\n" + b"1,0\n" * 3 + b"2,\x001\n", "NUL byte on line 5"),
    ],
)
def test_headers_and_formats_named(data, words):
    with pytest.raises(DataError, match=words):
        load_table(data)


def test_line_numbers_count_blank_lines_before_the_header_and_parquet_has_rows():
    df = load_table(b"\n\nlabel,score\n1,0.5\n0,abc\n")
    with pytest.raises(DataError, match=r"row 2 \(line 5 of the file\) has 'abc'"):
        scored_data(df, "label", "score")
    buffer = io.BytesIO()
    pd.DataFrame({"label": [1, 0], "score": [0.5, np.nan]}).to_parquet(buffer)
    with pytest.raises(DataError, match=r"the first at row 2\.$"):
        scored_data(load_table(buffer.getvalue()), "label", "score")
