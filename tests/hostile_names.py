"""Hostile user text (file and column names) for the escaping tests: each would
render as something other than itself if it reached Markdown, LaTeX, HTML or a
Plotly label unescaped. The host is a closed local port: a request to it is what the
browser test looks for, and it can never fetch anything."""

import io

import numpy as np
import pandas as pd

HOST = "127.0.0.1:9"
NAMES = {
    "markdown image": f"![f](http://{HOST}/md.png)",
    "latex": r"$\gamma$ and $$x^2$$",
    "html": f"<img src=http://{HOST}/tag.png><b>bold</b>",
    "link": f'<a href="http://{HOST}/a">click</a>',
    "markdown link": f"[here](http://{HOST}/md) http://{HOST}/bare",
    "formula": f'=HYPERLINK("http://{HOST}/f","x")',
}
FILE_NAME = f"<b>![n](http://{HOST}/file.png)</b> $x$.csv"


def hostile_csv(names: list[str], rows: int = 120, seed: int = 0) -> bytes:
    """A CSV whose feature columns carry ``names`` and whose label is ``y``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, len(names)))
    y = (X.sum(axis=1) + rng.normal(size=rows) > 0).astype(int)
    df = pd.DataFrame(X, columns=names)
    df["y"] = y
    out = io.StringIO()
    df.to_csv(out, index=False)
    return out.getvalue().encode()
