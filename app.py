"""Loss Lab: the frame around every page.

Run with ``streamlit run app.py`` (or ``make run``). Pages live in ``pages/``.
"""

import streamlit as st

from ui import lessons, presentation, state
from ui.copy_link import copy_link
from ui.frame import require_frame
from ui.memory import start_memory_reaper
from ui.sidebar import render_sidebar, reupload_notice

require_frame()  # leave Streamlit's legacy pages/ mode before drawing anything

# (file relative to this script, title, icon, whether it uses the dataset), in
# navigation order.
PAGES = (
    ("pages/home.py", "Home", ":material/home:", False),
    ("pages/loss_functions.py", "Loss functions", ":material/functions:", False),
    ("pages/cost_surfaces.py", "Cost surfaces", ":material/landscape:", True),
    ("pages/walk.py", "Walk one example", ":material/route:", True),
    ("pages/training.py", "Training", ":material/model_training:", True),
    ("pages/threshold.py", "Threshold & cost", ":material/tune:", True),
)

st.set_page_config(
    page_title="Loss Lab",
    page_icon=":material/science:",
    layout="wide",
    initial_sidebar_state="expanded",
)

start_memory_reaper()  # closed browser sessions give their memory back
state.check_url()  # a new session: note link parameters no page knows
# Registered first, so a lesson's Previous/Next can switch to a page below.
pages = {file: st.Page(file, title=title, icon=icon, default=(file == "pages/home.py"))
         for file, title, icon, _ in PAGES}
navigation = st.navigation(list(pages.values()))
lessons.follow(navigation.url_path)  # a lesson button's page
with st.sidebar:
    copy_link()  # the address bar always holds the view: this copies it
    presentation.draw_toggle()
# the dataset choice the data pages share, drawn only where it acts: its widgets
# are a good part of a page's load in the browser
uses_data = {pages[file].url_path: uses for file, _, _, uses in PAGES}
render_sidebar(uses_data[navigation.url_path])
with st.sidebar, st.expander("Lessons", icon=":material/school:"):
    lessons.draw_starts(where="sidebar")
presentation.apply()  # its styles, its Exit bar, and the keyboard
notice = reupload_notice()
if notice:
    st.warning(notice, icon=":material/upload_file:")
lessons.draw_bar()  # the lesson step on screen, if any
navigation.run()
