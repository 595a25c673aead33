"""The shared sidebar: one dataset picker whose choice persists across pages.

``render_sidebar()`` runs in ``app.py`` before the page; pages call
``current_dataset()`` to get the chosen :class:`core.Dataset`.

Why values live outside the widgets: Streamlit deletes the state of a widget that is
not drawn in a run, so the "Points" slider of the 1-D generator would forget its value
as soon as the tumour data (which has no such slider) is picked. Every choice is
therefore kept in a plain session key (``_ds_values``: one dict of settings per
dataset) and copied into the widget keys before the widgets are drawn.

Uploads: :func:`parse_upload` turns bytes and a file name into a ``core.Dataset`` (a
pure function, tested without a browser); :func:`handle_upload` and
:func:`apply_columns` update a session-state mapping so that a bad file or a bad
column choice leaves an error message and the previous dataset untouched.
"""

from __future__ import annotations

from collections.abc import MutableMapping

import pandas as pd
import streamlit as st

import core

UPLOADED = "uploaded"
MAX_UPLOAD_MB = 200  # server.maxUploadSize in .streamlit/config.toml

# key -> (label in the picker, generator controls it uses, what it teaches)
DATASETS = {
    "tumour": (
        "Tumour size (toy, 6 points)",
        (),
        "The classic toy set: sizes 0 to 5, the three largest malignant.",
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
        "scikit-learn's two Gaussian blobs: nearly linearly separable.",
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

# Generator settings: (widget key, label, min, max, step, default).
CONTROLS = {
    "n": ("ds_n", "Points", 20, 10_000, 10, 200),
    "separation": ("ds_separation", "Class separation", 0.0, 6.0, 0.1, 2.0),
    "noise": ("ds_noise", "Noise", 0.1, 3.0, 0.1, 1.0),
    "balance": ("ds_balance", "Share of positives", 0.05, 0.95, 0.05, 0.5),
    "seed": ("ds_seed", "Seed", 0, 10_000, 1, 0),
}

DEFAULT_DATASET = "one_d"
# Kept for pages and tests written against the first version of this module.
DEFAULTS = {"dataset": DEFAULT_DATASET} | {
    widget: default for widget, _, _, _, _, default in CONTROLS.values()
}

_VALUES = "_ds_values"  # dataset key -> {control: value}
_OWNER = "_ds_owner"  # the dataset whose values the widget keys currently hold
_CHOICE = "_ds_choice"  # the dataset picked last, survives any widget cleanup
_UPLOADED_DS = "_uploaded_dataset"  # the last upload that parsed, a core.Dataset
_UPLOAD_TABLE = "_upload_table"  # (file name, DataFrame) of the file being set up
_UPLOAD_ERROR = "_upload_error"  # plain-words message of the last failed attempt
_UPLOAD_OK = "_upload_ok"  # plain-words message of the last successful attempt
_RUN = "_run_number"  # counts the app's runs (kept values need "the last run")
_DRAWN = "_kept_drawn"  # widget key -> the run in which it was last drawn


@st.cache_data(show_spinner=False, max_entries=64)
def built_in(key: str, n: int, separation: float, noise: float, balance: float,
             seed: int) -> core.Dataset:
    """A built-in dataset; cached, since the same choice comes back on every rerun."""
    if key == "tumour":
        return core.tumour()
    if key == "one_d":
        return core.one_d(n=n, separation=separation, noise=noise, balance=balance,
                          seed=seed)
    if key in ("blobs", "moons", "circles"):
        return core.two_d(key, n=n, noise=noise / 4, seed=seed)
    if key == "breast_cancer":
        return core.breast_cancer()
    raise ValueError(f"Unknown dataset {key!r}.")


# ---------------------------------------------------------------------------
# Uploads: pure parsing, then state updates on any mapping
# ---------------------------------------------------------------------------


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
        raise core.DataError(f"{name} has no column {label_column!r}.")
    if positive_label is None:
        labels = df[label_column].dropna()
        if labels.nunique() == 2:
            positive_label = core.default_positive_label(labels)
    X, y = core.labeled_features(df, label_column, feature_columns, positive_label)
    if positive_label is None:  # labeled_features chose it (and validated the labels)
        positive_label = core.default_positive_label(df[label_column])
    shown = ", ".join(map(str, feature_columns[:4]))
    if len(feature_columns) > 4:
        shown += f" and {len(feature_columns) - 4} more"
    return core.Dataset(
        f"Uploaded: {name}",
        X,
        y,
        tuple(str(c) for c in feature_columns),
        f"{len(y)} rows from {name}: label {label_column!r} (positive = "
        f"{positive_label!r}, {y.mean():.0%} of rows), features {shown}.",
    )


def parse_upload(data: bytes, name: str, label_column=None, feature_columns=None,
                 positive_label=None) -> core.Dataset:
    """Bytes of a CSV or Parquet file plus column choices -> ``core.Dataset``.

    Raises ``core.DataError`` (a ``ValueError``) with a plain-words message for any
    bad file or choice; never returns a half-read dataset.
    """
    return dataset_from_table(
        core.load_table(_named(data, name)), name, label_column, feature_columns,
        positive_label,
    )


class _named(bytes):
    """Bytes that carry a file name, so ``core.load_table``'s errors can name it."""

    def __new__(cls, data: bytes, name: str):
        obj = super().__new__(cls, data)
        obj.name = name
        return obj

    def read(self, size: int = -1) -> bytes:  # core.load_table reads file-likes
        return bytes(self)


def handle_upload(state: MutableMapping, data: bytes | None, name: str) -> bool:
    """A new file arrived: read its table, pick default columns, try to use it.

    On success the upload becomes the chosen dataset; on any failure ``state`` gets
    an error message and keeps its previous dataset and choice. Returns success.
    """
    state.pop(_UPLOAD_OK, None)
    if data is None:  # the file was removed: the parsed dataset stays available
        state.pop(_UPLOAD_TABLE, None)
        state.pop(_UPLOAD_ERROR, None)
        return False
    try:
        df = core.load_table(_named(data, name))
    except (core.DataError, ValueError) as exc:
        state.pop(_UPLOAD_TABLE, None)
        state[_UPLOAD_ERROR] = _plain(exc, name)
        return False
    label = guess_label_column(df)
    state[_UPLOAD_TABLE] = (name, df)
    state["upload_label"] = label
    state["upload_features"] = default_features(df, label)
    state["upload_positive"] = _default_positive(df, label)
    return apply_columns(state)


def apply_columns(state: MutableMapping) -> bool:
    """Re-parse the uploaded table with the column choices held in ``state``."""
    state.pop(_UPLOAD_OK, None)
    if _UPLOAD_TABLE not in state:
        return False
    name, df = state[_UPLOAD_TABLE]
    try:
        dataset = dataset_from_table(
            df, name, state.get("upload_label"), state.get("upload_features", []),
            state.get("upload_positive"),
        )
    except (core.DataError, ValueError) as exc:
        state[_UPLOAD_ERROR] = _plain(exc, name)
        return False
    state.pop(_UPLOAD_ERROR, None)
    state[_UPLOADED_DS] = dataset
    state[_CHOICE] = UPLOADED
    state[_UPLOAD_OK] = f"Loaded {len(dataset.y)} rows from {name}."
    return True


def _plain(exc: Exception, name: str) -> str:
    return (
        f"Could not use {name}: {exc} The previous dataset is still loaded."
    )


def _default_positive(df: pd.DataFrame, label) -> object:
    values = df[label].dropna()
    if values.nunique() != 2:
        return None
    return core.default_positive_label(values)


def _on_file() -> None:
    file = st.session_state.get("upload_file")
    if file is None:
        handle_upload(st.session_state, None, "")
    else:
        handle_upload(st.session_state, file.getvalue(), file.name)


def _on_label() -> None:
    state = st.session_state
    if _UPLOAD_TABLE in state:
        _, df = state[_UPLOAD_TABLE]
        label = state["upload_label"]
        state["upload_positive"] = _default_positive(df, label)
        state["upload_features"] = [
            c for c in state.get("upload_features", []) if c != label
        ] or default_features(df, label)
    apply_columns(state)


def _on_columns() -> None:
    apply_columns(st.session_state)


# ---------------------------------------------------------------------------
# Persistent choices
# ---------------------------------------------------------------------------


def _init_state() -> None:
    s = st.session_state
    if _VALUES not in s:
        s[_VALUES] = {
            key: {c: CONTROLS[c][5] for c in controls}
            for key, (_, controls, _) in DATASETS.items()
        }
    s.setdefault(_CHOICE, DEFAULT_DATASET)


def _options() -> list[str]:
    options = list(DATASETS)
    if _UPLOADED_DS in st.session_state:
        options.append(UPLOADED)
    return options


def _labels() -> dict[str, str]:
    """Picker labels, built now: a format function must not read session state
    when it is called later (AppTest calls it outside the script run)."""
    labels = {key: spec[0] for key, spec in DATASETS.items()}
    if _UPLOADED_DS in st.session_state:
        labels[UPLOADED] = st.session_state[_UPLOADED_DS].name
    return labels


def _sync_choice() -> str:
    """The chosen dataset: the picker's value if it is there, else the stored one."""
    s = st.session_state
    options = _options()
    if s.get(_CHOICE) not in options:
        s[_CHOICE] = DEFAULT_DATASET
    picked = s.get("dataset")
    if picked in options and picked != s.get(_LAST_PICKED):
        s[_CHOICE] = picked  # the user (or a test) changed the picker
    s["dataset"] = s[_LAST_PICKED] = s[_CHOICE]
    return s[_CHOICE]


_LAST_PICKED = "_ds_last_picked"  # the picker value seeded last run


def _sync_controls(key: str) -> None:
    """Copy the widget values into the store, or the store into the widgets when the
    dataset changed or the widgets were cleaned up."""
    s = st.session_state
    values = s[_VALUES].setdefault(key, {})
    owner_changed = s.get(_OWNER) != key
    for control in DATASETS.get(key, ("", ()))[1]:
        widget = CONTROLS[control][0]
        if owner_changed or widget not in s:
            s[widget] = values[control]
        else:
            values[control] = s[widget]
    s[_OWNER] = key


def render_sidebar() -> None:
    """Dataset picker, the generator controls of the chosen dataset, the upload."""
    st.session_state[_RUN] = st.session_state.get(_RUN, 0) + 1
    _init_state()
    key = _sync_choice()
    if key == UPLOADED:
        # No generator widgets now: their keys go stale, so reseed on the way back.
        st.session_state[_OWNER] = UPLOADED
    else:
        _sync_controls(key)
    with st.sidebar:
        st.header("Dataset")
        labels = _labels()
        key = st.selectbox(
            "Dataset",
            _options(),
            format_func=labels.__getitem__,
            key="dataset",
            label_visibility="collapsed",
        )
        if key in DATASETS:
            st.caption(DATASETS[key][2])
        for control in DATASETS.get(key, ("", ()))[1]:
            widget, label, low, high, step, _ = CONTROLS[control]
            if control == "seed":
                st.number_input(label, low, high, key=widget, step=step)
            else:
                st.slider(label, low, high, key=widget, step=step)
        st.caption(current_dataset().description)
        _render_upload()


def _render_upload() -> None:
    s = st.session_state
    with st.expander("Upload your own data",
                     expanded=_UPLOAD_TABLE in s or _UPLOAD_ERROR in s):
        st.file_uploader(
            "CSV or Parquet file",
            type=["csv", "tsv", "txt", "parquet", "pq"],
            key="upload_file",
            on_change=_on_file,
            help=(
                f"Up to {MAX_UPLOAD_MB} MB. One row per example: a label column with "
                "two values and numeric feature columns. CSV may be comma, "
                "semicolon, tab or pipe separated, UTF-8."
            ),
        )
        if _UPLOAD_ERROR in s:
            st.error(s[_UPLOAD_ERROR], icon=":material/error:")
        elif _UPLOAD_OK in s:
            st.success(s[_UPLOAD_OK], icon=":material/check_circle:")
        if _UPLOAD_TABLE in s:
            _, df = s[_UPLOAD_TABLE]
            columns = list(df.columns)
            st.selectbox("Label column", columns, key="upload_label",
                         on_change=_on_label)
            st.multiselect("Feature columns", columns, key="upload_features",
                           on_change=_on_columns)
            values = list(pd.unique(df[s["upload_label"]].dropna()))[:20]
            if s.get("upload_positive") not in values:
                s["upload_positive"] = values[-1] if values else None
            st.selectbox("Positive label", values, key="upload_positive",
                         on_change=_on_columns, format_func=str)


def keep_values(defaults: dict, scope: str, signature=None) -> None:
    """Make a page's widgets remember their values when the user visits other pages.

    Streamlit deletes the state of widgets that are not drawn in a run (and what is
    left of such a key can be stale). So each value is also kept in a plain session
    dict (one per ``scope``). A widget drawn in the previous run is trusted as it
    is; any other gets its kept value written back before it is drawn. (Writing a
    live widget's key on every run would push the value to the browser and could
    swallow a slider move made during the run.) Draw each widget with
    ``**kept(scope, key)`` and no ``value=``. When ``signature`` (for example the
    dataset) differs from the last call's, every value goes back to its default.
    """
    s = st.session_state
    store = s.setdefault("_kept_values", {}).setdefault(scope, {})
    drawn = s.setdefault(_DRAWN, {})
    previous_run = s.get(_RUN, 0) - 1
    reset = signature is not None and store.get("__signature__") != signature
    if reset:
        store.clear()
        store["__signature__"] = signature
    for key, default in defaults.items():
        live = key in s and drawn.get(key) == previous_run
        if reset or not (live or key in store):
            s[key] = store[key] = default
        elif live:
            store[key] = s[key]
        else:
            s[key] = store[key]


def _remember(scope: str, key: str) -> None:
    st.session_state["_kept_values"][scope][key] = st.session_state[key]


def kept(scope: str, key: str) -> dict:
    """Widget arguments for a value kept by :func:`keep_values`; call it while
    drawing the widget (it notes that the widget was drawn in this run)."""
    st.session_state.setdefault(_DRAWN, {})[key] = st.session_state.get(_RUN, 0)
    return {"key": key, "on_change": _remember, "args": (scope, key)}


def choose_dataset(key: str, **settings) -> None:
    """Pick a built-in dataset, and optionally its generator settings by control
    name (``n``, ``separation``, ``noise``, ``balance``, ``seed``).

    For widget callbacks (for example a "lecture story" button): it must run before
    the sidebar is drawn in the run, which is always the case for a callback.
    """
    if key not in DATASETS:
        raise ValueError(f"Unknown dataset {key!r}.")
    unknown = set(settings) - set(DATASETS[key][1])
    if unknown:
        raise ValueError(f"{key!r} has no setting {sorted(unknown)[0]!r}.")
    _init_state()
    s = st.session_state
    s[_VALUES].setdefault(key, {}).update(settings)
    s[_CHOICE] = s["dataset"] = key
    s.pop(_OWNER, None)  # the widgets take the stored values on the next run


def current_dataset() -> core.Dataset:
    """The dataset chosen in the sidebar (defaults before the sidebar has run)."""
    _init_state()
    s = st.session_state
    key = s[_CHOICE]
    if key == UPLOADED and _UPLOADED_DS in s:
        return s[_UPLOADED_DS]
    if key not in DATASETS:
        key = DEFAULT_DATASET
    values = {c: CONTROLS[c][5] for c in CONTROLS} | s[_VALUES].get(key, {})
    return built_in(key, int(values["n"]), float(values["separation"]),
                    float(values["noise"]), float(values["balance"]),
                    int(values["seed"]))
