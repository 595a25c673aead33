"""Make sure every page runs inside the frame of ``app.py``.

The product's layout keeps pages in ``pages/``, which Streamlit also reads as its
legacy multipage folder: until ``st.navigation`` has run once in a server (or in every
AppTest run), a URL such as ``/training`` executes the page file alone, without
``app.py``'s page config, sidebar and navigation, and ``app.py`` itself runs as a
page (so its widgets get other ids and lose their state). ``app.py`` and each page
call :func:`require_frame` first; in that legacy mode it switches Streamlit to
``st.navigation`` mode (which ``st.navigation`` itself would do) and reruns, so the
same URL is served through ``app.py`` as the main script.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_frame() -> None:
    """Rerun through ``app.py`` when Streamlit ran this page without it."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
