"""The shared sidebar: one dataset picker whose choice every page uses.

The choice is a :class:`ui.models.DatasetState` (``ui/state.py``: kept in the
session, mirrored in the URL). Each built-in dataset remembers its own generator
settings while another one is shown (``ds.memory``, session only: the URL holds the
dataset on screen). ``render_sidebar()`` runs in ``app.py`` before the page; pages
call ``current_dataset()``.

Uploads: :func:`handle_upload` and :func:`apply_columns` work on any mapping (the
session state, or a dict in tests): a bad file or a bad column choice leaves an
error message and the previous dataset untouched. The session holds one upload,
once, identified by the SHA-256 of its bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field, replace

import pandas as pd
import streamlit as st

import core
from core.data import quote
from ui import state
from ui.format import plain, short
from ui.memo import digest
from ui.models import BUILT_IN, MAX_FILE_NAME, UPLOADED, DatasetState

MAX_UPLOAD_MB = 200  # server.maxUploadSize in .streamlit/config.toml
# CSV and Parquet are read; the others are accepted only to be told what they are
# and how to save them as a UTF-8 CSV (the browser would refuse them without a word)
UPLOAD_TYPES = ("csv", "tsv", "txt", "parquet", "pq", "xlsx", "xls", "json", "jsonl",
                "zip", "gz")
UPLOAD = "ds.upload"  # session key of the session's UploadState
MEMORY = "ds.memory"  # session key: built-in dataset -> its generator settings

# key -> (label in the picker, generator controls it uses, what it teaches)
DATASETS = {
    "tumour": (
        "Tumour size (toy, 6 points)",
        (),
        "Small enough to check every number by hand: one feature, no noise.",
    ),
    "one_d": (
        "1-D overlapping classes",
        ("n", "separation", "noise", "balance", "seed"),
        "Two Gaussian classes on one feature; they overlap, so no weight is "
        "perfect and log loss has a finite minimum.",
    ),
    "blobs": (
        "2-D blobs",
        ("n", "noise", "seed"),
        "scikit-learn's two Gaussian blobs: they overlap more as the noise grows; "
        "at the default noise many points sit inside the other class's blob.",
    ),
    "moons": (
        "2-D moons",
        ("n", "noise", "seed"),
        "scikit-learn's interleaving half-moons: no straight line separates them.",
    ),
    "circles": (
        "2-D circles",
        ("n", "noise", "seed"),
        "scikit-learn's ring around a disc: a linear model can barely do better "
        "than chance.",
    ),
    "breast_cancer": (
        "Breast cancer (real, 30 features)",
        (),
        "scikit-learn's Wisconsin data, shipped offline, standardised.",
    ),
}
assert tuple(DATASETS) == BUILT_IN

# Generator settings: control -> (label, min, max, step); defaults in DatasetState.
CONTROLS = {
    "n": ("Points", 20, 10_000, 0),  # log-spaced: one of POINTS
    "separation": ("Class separation", 0.0, 6.0, 0.1),
    "noise": ("Noise", 0.1, 3.0, 0.1),
    "balance": ("Share of positives", 0.05, 0.95, 0.05),
    "seed": ("Seed", 0, 10_000, 1),
}
DEFAULT_DATASET = DatasetState().name
# The Points control steps through nice values, evenly on a log scale (a link may
# hold any whole number in [20, 10000]: it joins the list).
POINTS = (20, 30, 50, 100, 200, 300, 500, 1_000, 2_000, 3_000, 5_000, 10_000)
# scikit-learn's generators want a smaller noise than the 1-D one (its blobs' std
# is 1 + 5 noise): the slider's value is divided by this before it reaches them.
TWO_D_NOISE_SCALE = 4
TWO_D_WORDS = {
    "blobs": "two Gaussian blobs that overlap more as the noise grows",
    "moons": "two interleaving half-moons: a straight line cannot separate them",
    "circles": "a ring around a disc: needs polynomial features",
}


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def built_in(key: str, n: int, separation: float, noise: float, balance: float,
             seed: int) -> core.Dataset:
    """A built-in dataset (the same for everyone: a function of these arguments)."""
    if key == "tumour":
        return core.tumour()
    if key == "one_d":
        return core.one_d(n=n, separation=separation, noise=noise, balance=balance,
                          seed=seed)
    if key in ("blobs", "moons", "circles"):
        data = core.two_d(key, n=n, noise=noise / TWO_D_NOISE_SCALE, seed=seed)
        # the words name the slider's noise, the one the reader set
        return replace(data, description=f"{n} points, {TWO_D_WORDS[key]} "
                       f"(noise {noise:g}, seed {seed}).")
    if key == "breast_cancer":
        return core.breast_cancer()
    raise ValueError(f"Unknown dataset {key!r}.")


# ---------------------------------------------------------------------------
# Uploads: state updates on any mapping
# ---------------------------------------------------------------------------


@dataclass
class UploadState:
    """The session's upload: the table being set up (file name, SHA-256 of its
    bytes, the parsed table) with its column choices, the last dataset that parsed,
    and the message of the last attempt."""

    name: str = ""
    digest: str = ""
    table: pd.DataFrame | None = None
    label: object = None
    features: list = field(default_factory=list)
    positive: object = None
    dataset: core.Dataset | None = None
    key: str = ""  # what ``dataset`` is: its file's hash and the column choices
    error: str = ""
    ok: str = ""


def guess_label_column(df: pd.DataFrame) -> str:
    """The column most likely to be the label: the last one with exactly two values,
    else the last column."""
    for column in reversed(df.columns):
        if df[column].nunique(dropna=True) == 2:
            return column
    return df.columns[-1]


def default_features(df: pd.DataFrame, label_column) -> list:
    """Every numeric column except the label (every other column if none is numeric,
    so the error names the column that is not numeric)."""
    others = [c for c in df.columns if c != label_column]
    numeric = [c for c in others if pd.api.types.is_numeric_dtype(df[c])]
    return numeric or others


def default_positive(df: pd.DataFrame, label) -> object:
    values = df[label].dropna()
    return core.default_positive_label(values) if values.nunique() == 2 else None


def dataset_from_table(df: pd.DataFrame, name: str, label_column=None,
                       feature_columns=None, positive_label=None) -> core.Dataset:
    """A ``core.Dataset`` named ``"Uploaded: <name>"`` from a table and column choices.

    Missing choices get defaults (:func:`guess_label_column`, :func:`default_features`,
    ``core.default_positive_label``). Raises ``core.DataError`` in plain words.
    """
    if label_column is None:
        label_column = guess_label_column(df)
    if feature_columns is None:
        feature_columns = default_features(df, label_column)
    feature_columns = list(feature_columns)
    if label_column not in df.columns:
        raise core.DataError(f"{name} has no column {quote(label_column)}.")
    if positive_label is None:
        positive_label = default_positive(df, label_column)
    X, y = core.labeled_features(df, label_column, feature_columns, positive_label)
    if positive_label is None:  # labeled_features chose it (and validated the labels)
        positive_label = core.default_positive_label(df[label_column])
    shown = ", ".join(short(c, 40) for c in feature_columns[:4])
    if len(feature_columns) > 4:
        shown += f" and {len(feature_columns) - 4} more"
    return core.Dataset(
        f"Uploaded: {name}",
        X,
        y,
        tuple(str(c) for c in feature_columns),
        f"{len(y)} rows from {name}: label {quote(label_column, 40)} (positive = "
        f"{quote(positive_label, 40)}, {y.mean():.0%} of rows), features {shown}.",
    )


def parse_upload(data: bytes, name: str, label_column=None, feature_columns=None,
                 positive_label=None) -> core.Dataset:
    """Bytes of a CSV or Parquet file plus column choices -> ``core.Dataset``.

    Raises ``core.DataError`` (a ``ValueError``) with a plain-words message for any
    bad file or choice; never returns a half-read dataset.
    """
    return dataset_from_table(core.read_upload(data, name), name, label_column,
                              feature_columns, positive_label)


def upload_of(s: MutableMapping) -> UploadState:
    """The session's upload record (created empty the first time)."""
    if not isinstance(s.get(UPLOAD), UploadState):
        s[UPLOAD] = UploadState()
    return s[UPLOAD]


def handle_upload(s: MutableMapping, data: bytes | None, name: str) -> bool:
    """A new file arrived: read its table (once per content), pick default columns,
    try to use it. On success the upload becomes the chosen dataset; on any failure
    the record gets an error message and the previous dataset and choice stay.
    Returns success."""
    up = upload_of(s)
    up.ok = up.error = ""
    name = short(name, MAX_FILE_NAME) or "the file"
    if data is None:  # the file was removed from the box: the dataset stays
        up.name, up.digest, up.table = "", "", None
        return False
    digest = hashlib.sha256(data).hexdigest()
    if digest != up.digest or up.table is None:
        try:
            table = core.read_upload(data, name)
        except (core.DataError, ValueError) as exc:
            up.name, up.digest, up.table = "", "", None
            up.error = _could_not(exc, name)
            return False
        up.digest, up.table = digest, table
        up.label = guess_label_column(table)
        up.features = default_features(table, up.label)
        up.positive = default_positive(table, up.label)
    up.name = name
    return apply_columns(s)


def apply_columns(s: MutableMapping) -> bool:
    """Re-parse the uploaded table with the record's column choices."""
    up = upload_of(s)
    up.ok = ""
    if up.table is None:
        return False
    try:
        dataset = dataset_from_table(up.table, up.name, up.label, up.features,
                                     up.positive)
    except (core.DataError, ValueError) as exc:
        up.error = _could_not(exc, up.name)
        return False
    up.error = ""
    up.dataset = dataset
    up.key = digest("upload", up.digest, up.label, up.features, up.positive)
    up.ok = f"Loaded {len(dataset.y)} rows from {up.name}."
    _switch(s, UPLOADED)
    return True


def remove_upload(s: MutableMapping) -> None:
    """Forget the session's upload; a built-in dataset is shown instead."""
    s[UPLOAD] = UploadState()
    if _model(s).name == UPLOADED:
        _switch(s, DEFAULT_DATASET)


def _could_not(exc: Exception, name: str) -> str:
    return f"Could not use {name}: {exc} The previous dataset is still loaded."


# ---------------------------------------------------------------------------
# The dataset choice
# ---------------------------------------------------------------------------


def _model(s: MutableMapping) -> DatasetState:
    model = s.get(DatasetState.KEY)
    return model if isinstance(model, DatasetState) else DatasetState()


def _settings(model: DatasetState) -> dict:
    return {c: getattr(model, c) for c in CONTROLS}


def _switch(s: MutableMapping, name: str, **settings) -> None:
    """Show dataset ``name``: the current one's settings are remembered, the new
    one's come back (or its defaults), then ``settings`` apply."""
    model = _model(s)
    memory = s.setdefault(MEMORY, {})
    if model.name in DATASETS:
        memory[model.name] = _settings(model)
    kept = memory.get(name, _settings(DatasetState())) | settings
    upload = upload_of(s).dataset if name == UPLOADED else None
    s[DatasetState.KEY] = replace(
        model, name=name, **kept,
        file=short(upload.name.removeprefix("Uploaded: "), MAX_FILE_NAME)
        if upload else "",
        rows=len(upload.y) if upload else None,
    )


def choose_dataset(key: str, **settings) -> None:
    """Pick a built-in dataset, and optionally its generator settings by control
    name (``n``, ``separation``, ``noise``, ``balance``, ``seed``): for widget
    callbacks, such as a lecture story's button."""
    if key not in DATASETS:
        raise ValueError(f"Unknown dataset {key!r}.")
    unknown = set(settings) - set(DATASETS[key][1])
    if unknown:
        raise ValueError(f"{key!r} has no setting {sorted(unknown)[0]!r}.")
    state.current(DatasetState)  # read the URL first if this is the first use
    _switch(st.session_state, key, **settings)
    state.publish()


@dataclass(frozen=True)
class Chosen:
    """The data on screen, what they are (a content key: the hash of the upload's
    bytes and column choices, or the generator's name and settings), and whether
    they are the same for everyone (built-in) or one person's (an upload)."""

    dataset: core.Dataset
    key: str
    shared: bool


def chosen_data() -> Chosen:
    """The dataset chosen in the sidebar; the default one while a link's upload has
    not been uploaded again in this session."""
    model = state.current(DatasetState)
    if model.name == UPLOADED:
        up = upload_of(st.session_state)
        if up.dataset is not None:
            return Chosen(up.dataset, up.key, shared=False)
        model = DatasetState()
    settings = (model.n, model.separation, model.noise, model.balance, model.seed)
    return Chosen(built_in(model.name, *settings), digest(model.name, *settings),
                  shared=True)


def current_dataset() -> core.Dataset:
    """The dataset chosen in the sidebar (see :func:`chosen_data`)."""
    return chosen_data().dataset


def reupload_notice() -> str | None:
    """Words (Markdown-safe) for a link whose uploaded file this session lacks."""
    model = state.current(DatasetState)
    if model.name != UPLOADED or upload_of(st.session_state).dataset is not None:
        return None
    rows = f", {model.rows:,} rows" if model.rows is not None else ""
    name = plain(model.file) if model.file else "an uploaded file"
    return (f"This link was made with {name}{rows}. Upload it again (sidebar, "
            "\"Upload your own data\") to see the same view; until then the "
            f"{DATASETS[DEFAULT_DATASET][0]} are shown.")


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def _on_name() -> None:
    _switch(st.session_state, st.session_state[f"{DatasetState.KEY}.name"])


def _on_file() -> None:
    file = st.session_state.get("ds.file_widget")
    if file is None:
        handle_upload(st.session_state, None, "")
    else:
        handle_upload(st.session_state, file.getvalue(), file.name)


def _on_remove() -> None:
    remove_upload(st.session_state)


def _on_label() -> None:
    up = upload_of(st.session_state)
    label = st.session_state["ds.upload_label"]
    if up.table is None or label not in up.table.columns:
        return  # the choice was made for the previous file's columns
    up.label = label
    up.positive = default_positive(up.table, up.label)
    up.features = [c for c in up.features if c != up.label] or default_features(
        up.table, up.label)
    apply_columns(st.session_state)


def _on_choice(what: str) -> None:
    up = upload_of(st.session_state)
    value = st.session_state[f"ds.upload_{what}"]
    if up.table is None or (what == "features" and not set(value) <= set(
            up.table.columns)) or (what == "positive" and value not in set(
            up.table[up.label].dropna())):
        return  # the choice was made for the previous file's columns
    setattr(up, what, value)
    apply_columns(st.session_state)


# A page that can use data of its own (the Threshold page's scored file) registers
# a check here, by its model's KEY: it returns a sentence naming the data in use when
# the sidebar's dataset does not apply to that page, else None.
OWN_DATA: dict[str, Callable[[], str | None]] = {}


def _own_data() -> str | None:
    check = OWN_DATA.get(st.session_state.get(state.PAGE_KEY))
    return check() if check is not None else None


NO_DATA = ("This page uses no dataset. The dataset's controls are on the pages "
           "that use one: Cost surfaces, Walk one example, Training, Threshold.")


def render_sidebar(uses_data: bool = True) -> None:
    """Dataset picker, the generator controls of the chosen dataset, the upload;
    on a page that uses no dataset, a line that says so (the choice stays)."""
    if not uses_data:
        with st.sidebar:
            st.header("Dataset")
            st.caption(NO_DATA)
        return
    model = state.current(DatasetState)
    up = upload_of(st.session_state)
    options = list(DATASETS)
    labels = {key: spec[0] for key, spec in DATASETS.items()}
    if up.dataset is not None or model.name == UPLOADED:
        options.append(UPLOADED)
        labels[UPLOADED] = (up.dataset.name if up.dataset is not None else
                            f"Upload again: {model.file or 'your file'}")
        labels[UPLOADED] = short(labels[UPLOADED], MAX_FILE_NAME)
    with st.sidebar:
        st.header("Dataset")
        name = st.selectbox("Dataset", options, format_func=labels.__getitem__,
                            label_visibility="collapsed",
                            **state.bind(DatasetState, "name") | {
                                "on_change": _on_name, "args": ()})
        own = _own_data()
        if own is not None:  # the generator's controls do not apply to this page
            st.caption(plain(own, 300))
            _render_upload(up)
            return
        if name in DATASETS and DATASETS[name][2]:
            st.caption(DATASETS[name][2])
        for control in DATASETS.get(name, ("", ()))[1]:
            label, low, high, step = CONTROLS[control]
            if control == "n":
                st.select_slider(label, sorted({*POINTS, model.n}),
                                 format_func=lambda v: f"{v:,}",
                                 **state.bind(DatasetState, control))
            elif control == "seed":
                # No min or max here: the browser would clamp a typed value to
                # them silently; the model refuses it and says why instead.
                st.number_input(f"{label} ({low} to {high:,})",
                                value=getattr(state.current(DatasetState), control),
                                step=step, **state.bind(DatasetState, control))
            else:
                st.slider(label, low, high, step=step,
                          **state.bind(DatasetState, control))
        state.show_refusals(DatasetState)
        st.caption(plain(current_dataset().description, 400))
        _render_upload(up)


def _render_upload(up: UploadState) -> None:
    with st.expander("Upload your own data",
                     expanded=up.table is not None or bool(up.error)):
        st.file_uploader(
            "CSV or Parquet file",
            type=list(UPLOAD_TYPES),
            key="ds.file_widget",
            on_change=_on_file,
            help=(
                f"Up to {MAX_UPLOAD_MB} MB. One row per example: a label column with "
                "two values and numeric feature columns. CSV may be comma, "
                "semicolon, tab or pipe separated, UTF-8."
            ),
        )
        if up.error:
            st.error(plain(up.error, 600), icon=":material/error:")
        elif up.ok:
            st.success(plain(up.ok, 300), icon=":material/check_circle:")
        if up.table is not None:
            columns = list(up.table.columns)
            values = list(pd.unique(up.table[up.label].dropna()))[:20]
            if up.positive not in values:
                up.positive = values[-1] if values else None
            for what, value in (("label", up.label), ("features", up.features),
                                ("positive", up.positive)):
                state.seed(f"ds.upload_{what}", value)
            # a file's names and values are shown as text, one line, shortened
            st.selectbox("Label column", columns, key="ds.upload_label",
                         on_change=_on_label, format_func=short)
            st.multiselect("Feature columns", columns, key="ds.upload_features",
                           on_change=_on_choice, args=("features",),
                           format_func=short)
            st.selectbox("Positive label", values, key="ds.upload_positive",
                         on_change=_on_choice, args=("positive",), format_func=short)
        if up.dataset is not None:
            st.button("Remove the uploaded data", key="ds.remove_upload",
                      on_click=_on_remove, icon=":material/delete:")
