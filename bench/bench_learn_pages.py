"""Warm load times of every page, and repaint times of the two Learn pages (Loss
functions, Cost surfaces), against a bare one-slider Streamlit app, in Debian's
Chromium via Playwright, both servers running side by side in the same run.

- warm page load of each page in ``PAGES``: ``page.goto`` of the page from a blank
  page (after the server has served it once) until the app is idle and its charts
  are drawn (each chart's traces, the surface pair); against the bare
  app's load, timed the same way;
- Cost surfaces: the slice slider moved one step (ArrowRight) until its heading
  shows the new position and the slice line and the slice are redrawn; a
  w-range change (the first range slider's upper thumb one step) at 101 x 101
  over 200 points until the minima's text has changed, the app is idle and the
  surface pair (``static/surface_chart.js``) has drawn the new w range (its
  ``data-a-range``, and ``data-drawn`` equal to the data it was given);
- Loss functions: the z slider moved one step until the point's line shows it
  and the point is redrawn on both charts (``static/chart_overlay.js``);
- against the bare slider moved one step until its text shows the new value.

Each time is a median over N repetitions; the ratio is printed with its bound:

    cost surfaces slice slider: X ms vs bare slider Y ms = R x (bound 2x)

Run: ``python bench/bench_learn_pages.py [--loads 5] [--moves 10]``. Exits
non-zero when a ratio exceeds its bound. ``--against REV`` also serves git revision
REV (``git archive``) and loads its pages interleaved with this checkout's, in the
same run against the same bare app, then times the moves on both (twice each,
alternating): a change's effect, free of the machine's speed on the day.
``--without-charts`` serves this checkout's HEAD whose ``ui/chart.py`` ``chart()``
draws nothing (``NO_CHARTS``) the same way, loads only: what the pages cost without
their charts (the overlays and the surface pair still mount, and the surface pair is
waited for). ``--frame-only`` serves HEAD with every page cut to its title
(``FRAME_ONLY``), loads only: what the frame around every page (sidebar, dataset
controls, lessons, presentation toggle, link copier) costs by itself.
``--surfaces-only`` serves HEAD whose Cost surfaces page stops after the surfaces
and their minima (no contours, no slice) and times its w-range move beside this
checkout's: the floor of a move that must compute and draw new surfaces.

A move is timed until it is on screen, whether or not the server's run after it
has ended (the Loss functions point's readout shows a move before the run, which
then changes nothing on screen; the bare slider's text shows a frame or so before
its app reports idle); the time until each run's last message is printed too, for
information. The bare slider is timed in a block of moves before each block of the
app's moves (``--moves`` each), so the machine's state drifting during the run weighs on
both sides of every ratio alike.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from harness import (
    CHROMIUM_ARGS,
    IDLE_JS,
    REPO_ROOT,
    streamlit_server,
    write_bare_app,
)
from playwright.sync_api import Page, sync_playwright

BOUNDS = {"load": 2.0, "slice": 2.0, "w_range": 4.0, "z": 2.0}

BARE_APP = '''import streamlit as st

st.slider("Value", 0.0, 1.0, 0.5, step=0.001, key="s", format="%.3f")
st.container(key="bare_at").markdown(f"At value {st.session_state['s']:.4g}")
'''

# idle, and the text of `selector` contains `text`
SHOWS_JS = """([selector, text]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  return [...document.querySelectorAll(selector)]
    .some(el => el.textContent.includes(text));
}"""

# idle, `count` charts have drawn (static/chart.js, or Plotly in a revision before
# it, for --against: traces in their SVG) and, with
# `surfaces`, the surface pair (static/surface_chart.js) has drawn the data it was
# last given
CHARTS_JS = """([count, surfaces]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  const drawn = [...document.querySelectorAll('.ll-chart')]
    .filter(c => c.querySelector('svg.ll-main .ll-trace')).length
    + [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]  // --against
    .filter(c => c.querySelector('.main-svg g.trace, .main-svg g.hm')).length;
  const pair = document.querySelector('.ll-surfaces');
  return drawn >= count
    && (!surfaces || (!!pair && pair.dataset.drawn === pair.dataset.version));
}"""

# Every page of the app at its defaults (its path, its charts, whether it
# draws the surface pair), in navigation order. The Training page's live chart
# shows once a run starts; before, the page draws its data as a chart.
PAGES = {
    "home": ("", 1, False),
    "loss_functions": ("loss_functions", 3, False),
    "cost_surfaces": ("cost_surfaces", 2, True),
    "walk": ("walk", 1, False),
    "training": ("training", 1, False),
    "threshold": ("threshold", 1, False),
}


# Appended to a copy's ui/chart.py for --without-charts: its callers import this
# chart(), which draws nothing.
NO_CHARTS = """

def chart(fig, *, key, alt=""):  # bench_learn_pages.py --without-charts
    return None
"""


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


# Counts the bytes the page's WebSockets receive (Streamlit's messages), from the
# page's start, in window.__llBytes; window.__llLast is when the last one came.
BYTES_JS = """(() => {
  window.__llBytes = 0;
  window.__llLast = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        window.__llBytes += e.data.byteLength ?? e.data.size ?? e.data.length ?? 0;
        window.__llLast = performance.now();
      });
    }
  };
})();"""


def _received(page: Page) -> int:
    return int(page.evaluate("() => window.__llBytes ?? 0"))


def _load(page: Page, url: str, wait, received: list[int] | None = None) -> float:
    """From a blank page, so the time to unload the page before is not counted;
    the bytes the load received go to ``received``."""
    page.goto("about:blank")
    t0 = time.perf_counter()
    page.goto(url)
    wait()
    seconds = time.perf_counter() - t0
    if received is not None:
        received.append(_received(page))
    return seconds


# the text of the element matching `selector` that holds `marker` changed, every
# chart overlay named has drawn the new position and, with `range` (the surfaces'
# w range before), the surface pair has drawn a new w range: the new value is on
# screen (the app need not be idle: the Loss functions point's readout shows it
# before the server's run, which then changes nothing on screen)
CHANGED_JS = """([selector, marker, before, overlays, range]) => {
  const el = [...document.querySelectorAll(selector)]
    .find(e => e.textContent.includes(marker));
  if (!el || el.textContent === before) return false;
  const drawn = Object.entries(overlays).every(([key, version]) => {
    const svg = document.querySelector(`.st-key-${key} svg.ll-overlay`);
    return !!svg && svg.dataset.version !== version;
  });
  if (!drawn || range === null) return drawn;
  const pair = document.querySelector('.ll-surfaces');
  return !!pair && pair.dataset.aRange !== range
    && pair.dataset.drawn === pair.dataset.version;
}"""

# the server's run after a move has ended: idle, its messages came (the page had
# received `start` bytes before the move), and none for 150 ms since
SETTLED_JS = """(start) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning'
    && window.__llBytes > start && performance.now() - window.__llLast > 150;
}"""

# the version of each chart overlay (static/chart_overlay.js counts its draws)
VERSIONS_JS = """(keys) => Object.fromEntries(keys.map(key => [key,
  document.querySelector(`.st-key-${key} svg.ll-overlay`)?.dataset.version ?? '']))"""


def _press(page: Page, thumb, selector: str, marker: str,
           overlays: tuple[str, ...] = (), surfaces: bool = False,
           received: list[int] | None = None,
           settled: list[float] | None = None) -> float:
    """One ArrowRight on ``thumb``, timed until the element matching ``selector``
    whose text holds ``marker`` shows a new text and the overlays over the charts
    keyed ``overlays`` have drawn the new position (with ``surfaces``, also until
    the surface pair has drawn its new w range): the move is on screen. Then
    waits until the server's run after it has ended, so the next move starts
    from rest, and puts the time until its last message in ``settled``. The bytes
    the move received go to ``received``."""
    before = page.evaluate(
        """([selector, marker]) => [...document.querySelectorAll(selector)]
             .find(e => e.textContent.includes(marker)).textContent""",
        [selector, marker])
    versions = page.evaluate(VERSIONS_JS, list(overlays))
    w_range = (page.evaluate("() => document.querySelector('.ll-surfaces')"
                             ".dataset.aRange") if surfaces else None)
    start = _received(page)
    thumb.focus()
    pressed = page.evaluate("() => performance.now()")
    t0 = time.perf_counter()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(CHANGED_JS, arg=[selector, marker, before, versions,
                                            w_range],
                           polling="raf", timeout=120_000)
    seconds = time.perf_counter() - t0
    page.wait_for_function(SETTLED_JS, arg=start, polling="raf", timeout=120_000)
    if settled is not None:  # until the run's last message (the page's clock)
        settled.append((page.evaluate("() => window.__llLast") - pressed) / 1000)
    if received is not None:
        received.append(_received(page) - start)
    return seconds


def _thumb(page: Page, label: str, index: int = 0):
    slider = page.get_by_test_id("stSlider").filter(has_text=label).first
    return slider.get_by_role("slider").nth(index)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--moves", type=int, default=10)
    other_app = ap.add_mutually_exclusive_group()
    other_app.add_argument("--against", metavar="REV",
                           help="also load every page of git revision REV and time "
                           "its moves, served side by side and interleaved")
    other_app.add_argument("--without-charts", action="store_true",
                           help="also load every page of HEAD without its charts, "
                           "side by side and interleaved (loads only)")
    other_app.add_argument("--frame-only", action="store_true",
                           help="also load every page of HEAD cut to its title (the "
                           "frame alone), side by side and interleaved (loads only)")
    other_app.add_argument("--surfaces-only", action="store_true",
                           help="also time the w-range move on HEAD whose Cost "
                           "surfaces page stops after the surfaces and their minima "
                           "(no contours, no slice): the move's floor")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Needs Debian's chromium (apt-get install -y chromium).")
    results: dict[str, tuple[float, float]] = {}
    print(f"load average {os.getloadavg()[0]:.1f} at start (2 CPUs: above 2, other "
          "work shares the machine and the times are noisy)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bare = write_bare_app(tmp, "bare_slider.py", BARE_APP)
        other = tmp / "other"
        label = (f"@{args.against}" if args.against else
                 " frame only" if args.frame_only else
                 " surfaces only" if args.surfaces_only else " without charts")
        loads_only = args.without_charts or args.frame_only
        if args.against or loads_only or args.surfaces_only:
            other.mkdir()
            archive = subprocess.run(["git", "archive", args.against or "HEAD"],
                                     cwd=REPO_ROOT, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
        if args.without_charts:
            with (other / "ui" / "chart.py").open("a") as chart_py:
                chart_py.write(NO_CHARTS)
        if args.frame_only:
            for page_py in (other / "pages").glob("*.py"):
                page_py.write_text(FRAME_ONLY.format(title=page_py.stem))
        if args.surfaces_only:
            page_py = other / "pages" / "cost_surfaces.py"
            page_py.write_text(_surfaces_only(page_py.read_text()))
        with (streamlit_server("app.py", log_path=tmp / "app.log") as app_url,
              streamlit_server(bare, cwd=tmp, log_path=tmp / "bare.log") as bare_url,
              (streamlit_server("app.py", cwd=other, log_path=tmp / "other.log")
               if other.exists() else contextlib.nullcontext()) as other_url,
              sync_playwright() as pw):
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(120_000)
            page.add_init_script(BYTES_JS)
            received: dict[str, list[int]] = {}  # per load or move, by name

            def idle():
                page.wait_for_function(IDLE_JS, timeout=120_000)

            def bare_ready():
                page.wait_for_function(SHOWS_JS, arg=[".st-key-bare_at", "At value"],
                                       timeout=120_000)

            def charts(count: int, surfaces: bool):
                return lambda: page.wait_for_function(
                    CHARTS_JS, arg=[count, surfaces], timeout=120_000)

            pages = {name: charts(*spec[1:]) for name, spec in PAGES.items()}
            urls = {name: f"{app_url}/{spec[0]}" for name, spec in PAGES.items()}
            if other_url:
                for name, spec in PAGES.items():
                    pages[name + label] = (
                        charts(0, spec[2] and args.without_charts) if loads_only
                        else charts(0, True) if args.surfaces_only
                        and name == "cost_surfaces" else pages[name])
                    urls[name + label] = f"{other_url}/{spec[0]}"
            # warm the server: the frame once, then each page once
            page.goto(app_url)
            idle()
            for name, ready in pages.items():
                _load(page, urls[name], ready)
            _load(page, bare_url, bare_ready)

            loads = {name: [] for name in (*pages, "bare")}
            for _ in range(args.loads):  # interleaved: a noisy neighbour hurts all
                loads["bare"].append(_load(page, bare_url, bare_ready))
                for name, ready in pages.items():
                    loads[name].append(_load(page, urls[name], ready,
                                             received.setdefault(f"load {name}", [])))
            bare_load = _median_ms(loads["bare"])
            for name in pages:
                results[f"load {name}"] = (_median_ms(loads[name]), bare_load)
            bounds = {name: BOUNDS["load"] for name in results}
            if loads_only:  # the moves need the charts and the pages
                browser.close()
                return _report(results, bounds, received)

            def bare_block() -> list[float]:
                """The bare slider moved ``--moves`` times (after one not counted)."""
                _load(page, bare_url, bare_ready)
                thumb = _thumb(page, "Value")
                return [_press(page, thumb, ".st-key-bare_at", "At value",
                               settled=settled["bare slider"] if k else None)
                        for k in range(args.moves + 1)][1:]

            bare_moves: list[float] = []
            collected: dict[str, list[float]] = {}
            # until the server's run ended
            settled: dict[str, list[float]] = {"bare slider": []}
            draws: list[float] = []
            served = [("", app_url)] + ([(label, other_url)] if other_url else [])
            for _ in range(2 if other_url else 1):  # interleaved, as the loads
                for suffix, url in served:
                    for move in MOVES:
                        if suffix and args.surfaces_only and move != "w range":
                            continue
                        bare_moves += bare_block()
                        times = _moves(page, url, {name: pages[name + suffix]
                                                   for name in PAGES}, move, args.moves,
                                       [] if suffix else draws,  # this checkout's
                                       received.setdefault(move + suffix, []),
                                       settled.setdefault(move + suffix, []))
                        collected.setdefault(move + suffix, []).extend(times)
            bare_move = _median_ms(bare_moves)
            for name, times in collected.items():
                results[name] = (_median_ms(times), bare_move)
                bounds[name] = BOUNDS[MOVES[name.removesuffix(label)][0]]
            print("until the server's run after the move ended (for information: "
                  "what is on screen by then is timed above): " + ", ".join(
                      f"{name} {_median_ms(times):.0f} ms"
                      for name, times in settled.items()), flush=True)
            print(f"of which the surface pair's canvas drawing: median "
                  f"{statistics.median(draws):.0f} ms (static/surface_chart.js, "
                  "both 101 x 101 surfaces)", flush=True)
            browser.close()

    return _report(results, bounds, received)


# each move's name: its bound in BOUNDS and its page
MOVES = {"z slider": ("z", "loss_functions"),
         "slice slider": ("slice", "cost_surfaces"),
         "w range": ("w_range", "cost_surfaces")}

# Each page of a --frame-only copy: the frame draws around its title alone.
FRAME_ONLY = """import streamlit as st

from ui.frame import require_frame

require_frame()
st.title("{title}")
"""


# For --surfaces-only: the Cost surfaces page's source up to its contours, and from
# the line that runs its grid's fragment.
CONTOURS, RUN_GRID = '    st.subheader("Contours")', "st.fragment(the_grid)()"


def _surfaces_only(source: str) -> str:
    """The Cost surfaces page without its contours and slice (``--surfaces-only``)."""
    start, end = source.index(CONTOURS), source.index(RUN_GRID)
    return source[:start] + "\n\n" + source[end:]


def _moves(page: Page, url: str, pages: dict, move: str, count: int,
           draws: list[float], received: list[int],
           settled: list[float]) -> list[float]:
    """One of the Learn pages' three moves (``MOVES``) on the app at ``url``,
    ``count`` times (after one not counted), from its page freshly loaded (ready
    when ``pages[name]`` returns); the surface pair's drawing times go to
    ``draws``, each move's bytes to ``received``, its times until the server's run
    ended to ``settled``."""
    name = MOVES[move][1]
    _load(page, f"{url}/{name}", pages[name])
    if move == "z slider":  # default z = -4, step 0.1
        thumb = _thumb(page, "Logit z")
        # the readout (or, in a revision before it, Streamlit's Markdown)
        return [_press(page, thumb, '.ll-slider-readout p, [data-testid="stMarkdown"]',
                       "p = sigmoid(z)",
                       ("lf_curves", "lf_gradient"), received=received if k else None,
                       settled=settled if k else None)
                for k in range(count + 1)][1:]
    if move == "slice slider":  # default 0.5, step 0.01
        thumb = _thumb(page, "Slice at")
        page.locator(".st-key-cs_slice").scroll_into_view_if_needed()
        return [_press(page, thumb, "h3", "A slice along", ("cs_contours", "cs_slice"),
                       received=received if k else None,
                       settled=settled if k else None) for k in range(count + 1)][1:]
    # the w range's upper end, one step each (new surfaces)
    thumb = _thumb(page, "from / to", 1)
    moves, drawn = [], []
    for k in range(count + 1):
        moves.append(_press(page, thumb, '[data-testid="stMarkdown"]',
                            "lowest grid point", surfaces=True,
                            received=received if k else None,
                            settled=settled if k else None))
        drawn.append(float(page.evaluate(
            "() => document.querySelector('.ll-surfaces').dataset.drawMs")))
    draws.extend(drawn[1:])  # as the times: not the first move's
    return moves[1:]


def _report(results: dict[str, tuple[float, float]], bounds: dict[str, float],
            received: dict[str, list[int]]) -> int:
    """Print the bytes each load and move received (median), then each time
    against its baseline and bound; 1 when one exceeds it."""
    print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)
    print("received (median): " + ", ".join(
        f"{name} {statistics.median(sizes) / 1024:.0f} KB"
        for name, sizes in received.items() if sizes))
    failed = False
    for name, (x, y) in results.items():
        ratio = x / y
        ok = ratio <= bounds[name]
        failed |= not ok
        base = "bare load" if name.startswith("load") else "bare slider"
        print(f"{name}: {x:.0f} ms vs {base} {y:.0f} ms = {ratio:.2f} x "
              f"(bound {bounds[name]:g}x) {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
