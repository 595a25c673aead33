"""The app's own JavaScript modules (``static/``), each fetched once per page.

A ``st.components.v2`` component's ``js`` travels inside every element that uses
it, on every rerun: ``static/chart.js`` alone is 57 KB, so a Cost surfaces w-range
move re-sent about 140 KB of the same code and a Loss functions load about 180 KB.
Streamlit serves the app's ``static/`` folder at ``app/static/``
(``server.enableStaticServing`` in ``.streamlit/config.toml``); a component's
``js`` is then three lines that import the module from there. The browser
evaluates a module once per page however many elements use it, and the address
carries the file's hash, so a changed file is fetched anew, never a stale copy.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def address(name: str) -> str:
    """Where the page fetches ``static/<name>``, with the file's hash: relative to
    the page, as Streamlit's own "./static/..." assets are (the same under a base
    URL path or a page's path). One address per file, so a module that imports
    another by it shares that module's state with its component."""
    digest = hashlib.blake2b((STATIC / name).read_bytes(), digest_size=8).hexdigest()
    return f"./app/static/{name}?v={digest}"


def loader(name: str) -> str:
    """A component's ``js`` that hands each update to ``static/<name>``'s default
    export (what that returns, a cleanup function or nothing, is returned)."""
    url = json.dumps(address(name))
    return (f"const url = new URL({url}, document.baseURI).href;\n"
            "export default (component) => import(url)"
            ".then((module) => module.default(component));\n")
