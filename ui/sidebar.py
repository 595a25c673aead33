"""The shared sidebar: one dataset picker whose choice persists across pages.

``render_sidebar()`` runs in ``app.py`` before the page; pages call
``current_dataset()`` to get the chosen :class:`core.Dataset`.
"""

from __future__ import annotations

import streamlit as st

import core

# key -> (label in the picker, generator controls it uses)
DATASETS = {
    "tumour": ("Tumour size (toy, 6 points)", ()),
    "one_d": ("1-D overlapping classes", ("n", "separation", "noise", "balance", "seed")),
    "blobs": ("2-D blobs", ("n", "noise", "seed")),
    "moons": ("2-D moons", ("n", "noise", "seed")),
    "circles": ("2-D circles", ("n", "noise", "seed")),
    "breast_cancer": ("Breast cancer (real, 30 features)", ()),
}

DEFAULTS = {
    "dataset": "one_d",
    "ds_n": 200,
    "ds_separation": 2.0,
    "ds_noise": 1.0,
    "ds_balance": 0.5,
    "ds_seed": 0,
}


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


def _init_state() -> None:
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def render_sidebar() -> None:
    """Dataset picker plus the generator controls of the chosen dataset."""
    _init_state()
    with st.sidebar:
        st.header("Dataset")
        key = st.selectbox(
            "Dataset",
            list(DATASETS),
            format_func=lambda k: DATASETS[k][0],
            key="dataset",
            label_visibility="collapsed",
        )
        controls = DATASETS[key][1]
        if "n" in controls:
            st.slider("Points", 20, 10_000, key="ds_n", step=10)
        if "separation" in controls:
            st.slider("Class separation", 0.0, 6.0, key="ds_separation", step=0.1)
        if "noise" in controls:
            st.slider("Noise", 0.1, 3.0, key="ds_noise", step=0.1)
        if "balance" in controls:
            st.slider("Share of positives", 0.05, 0.95, key="ds_balance", step=0.05)
        if "seed" in controls:
            st.number_input("Seed", 0, 10_000, key="ds_seed", step=1)
        st.caption(current_dataset().description)


def current_dataset() -> core.Dataset:
    """The dataset chosen in the sidebar (defaults before the sidebar has run)."""
    _init_state()
    s = st.session_state
    return built_in(s["dataset"], int(s["ds_n"]), float(s["ds_separation"]),
                    float(s["ds_noise"]), float(s["ds_balance"]), int(s["ds_seed"]))
