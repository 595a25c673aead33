"""A classroom: 30 browser sessions against one Loss Lab server on this machine.

Starts its own ``streamlit run app.py`` on a free port and one Debian Chromium
(Playwright, async: one browser context per session, all at once). Each session opens
a different page (home, loss functions, cost surfaces, training, threshold) with a
different built-in dataset and generator seed in its link, types its own seed into
the sidebar's seed field, then moves the sidebar's noise slider ``MOVES`` times,
timing each repaint (key press to the end of the script run it caused, read from the
app's ``data-test-script-state`` in the page). After every move it reads its seed
back from the field and the address bar: a session that sees a number it did not
set has met another session's state. Three sessions upload a CSV of their own (a
distinct row count, read back from the sidebar's message) instead of picking a
built-in dataset.

Before the classroom, one session at a time does the same moves, once on each
page: the baseline for the p95 repaint. The whole run is bounded (``TOTAL_S``);
sessions still going then are counted as unfinished.

Reports: server tracebacks (its log), JavaScript errors (``pageerror`` and console
errors; the favicon's blocked fetch from Google's font host excepted: this machine
is offline), sessions that saw another's numbers, p95 repaint against one session
(goal <= 3x), server memory per open session (goal <= 20 MB) and after all close
(goal: within 200 MB of the start), from ``/proc/<pid>/status`` (VmRSS).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from harness import CHROMIUM_ARGS, REPO_ROOT, streamlit_process
from playwright.async_api import async_playwright

SESSIONS = 30
UPLOADERS = 3
MOVES = 4
TOTAL_S = 200.0  # the classroom part, all sessions together
BASELINE_S = 120.0  # the one-at-a-time part
STEP_TIMEOUT_MS = 90_000
ARRIVAL_S = 2.0  # students come in one every 2 s, not all in the same instant
SETTLE_AFTER_CLOSE_S = 10.0
PAGES = ("", "loss_functions", "cost_surfaces", "training", "threshold")
DATASETS = ("one_d", "blobs", "moons", "circles")  # those with noise and seed
FAVICON = "fonts.gstatic.com"
GOALS = {"repaint": 3.0, "per_session_mb": 20.0, "after_close_mb": 200.0}

# Timestamps (performance.now) of every end of a script run, kept in the page.
WATCH_JS = """() => {
  if (window.__llWatch) return;
  window.__llWatch = true;
  window.__llDone = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'notRunning')
      window.__llDone.push(performance.now());
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
IDLE_AFTER_JS = """(t0) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app.getAttribute('data-test-script-state') === 'notRunning'
    && window.__llDone.some((t) => t > t0)
    && !document.querySelector('[data-testid="stSkeleton"]');
}"""
LAST_DONE_JS = "() => Math.max(...window.__llDone)"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def wait_idle(page, t0: float) -> float:
    """Wait until a script run that ended after ``t0`` left the app idle; its end."""
    await page.wait_for_function(IDLE_AFTER_JS, arg=t0, timeout=STEP_TIMEOUT_MS)
    return await page.evaluate(LAST_DONE_JS)


async def open_app(page, url: str) -> None:
    # "commit", not "load": the app's own idle state is what counts, and 30 pages
    # loading scripts at once on two cores miss "load" by far
    await page.goto(url, wait_until="commit")
    await page.get_by_test_id("stApp").wait_for(state="attached")
    await page.evaluate(WATCH_JS)
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=STEP_TIMEOUT_MS)


async def seed_shown(page) -> tuple[str, str]:
    field = page.get_by_test_id("stSidebar").get_by_test_id("stNumberInputField")
    value = await field.input_value()
    params = dict(p.split("=", 1) for p in page.url.split("?", 1)[-1].split("&")
                  if "=" in p)
    return value, params.get("ds.seed", "0")


async def session(browser, base: str, i: int, out: dict, files: Path,
                  arrive_s: float = 0.0) -> None:
    """One student: a page, a dataset, its own seed (or file), then moves."""
    await asyncio.sleep(arrive_s)
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    page.on("pageerror", lambda e: out["js_errors"].append(f"{i}: {e}"))
    page.on("console", lambda m: out["js_errors"].append(f"{i}: {m.text}")
            if m.type == "error" and "Failed to load resource" not in m.text
            else None)
    page.on("requestfailed", lambda r: out["js_errors"].append(
        f"{i}: request failed {r.url}") if FAVICON not in r.url
            and "127.0.0.1" not in r.url else None)
    try:
        path = PAGES[i % len(PAGES)]
        if i < UPLOADERS:
            await open_app(page, f"{base}/{path}")
            out["opened"] += 1
            rows = 40 + i  # this session's own number
            csv = files / f"student{i}.csv"
            csv.write_text("size,label\n" + "".join(
                f"{k % 9},{int(k % 9 > 4)}\n" for k in range(rows)))
            sidebar = page.get_by_test_id("stSidebar")
            expander = sidebar.get_by_test_id("stExpander")
            await expander.get_by_text("Upload your own data").click()
            t0 = await page.evaluate("performance.now()")
            await expander.get_by_test_id("stFileUploaderDropzoneInput") \
                .set_input_files(str(csv))
            await wait_idle(page, t0)
            message = await sidebar.get_by_test_id("stAlert") \
                .filter(has_text="rows from").first.inner_text()
            if f"Loaded {rows} rows" not in message:
                out["crossed"].append(f"{i}: uploaded {rows} rows, sees {message!r}")
            out["done"] += 1
            return
        data = DATASETS[i % len(DATASETS)]
        await open_app(page, f"{base}/")  # st.navigation owns the routes from here
        await open_app(page, f"{base}/{path}?ds.name={data}")
        out["opened"] += 1
        seed = str(100 + i)
        field = page.get_by_test_id("stSidebar").get_by_test_id("stNumberInputField")
        t0 = await page.evaluate("performance.now()")
        await field.fill(seed)
        await field.press("Enter")
        await wait_idle(page, t0)
        slider = page.get_by_test_id("stSidebar").get_by_test_id("stSlider") \
            .filter(has_text="Noise").get_by_role("slider")
        for move in range(MOVES):
            await slider.focus()
            t0 = await page.evaluate("performance.now()")
            await slider.press("ArrowRight" if move % 2 == 0 else "ArrowLeft")
            done = await wait_idle(page, t0)
            out["repaints"].append((done - t0) / 1000)
            shown = await seed_shown(page)
            if shown != (seed, seed):
                out["crossed"].append(f"{i}: set seed {seed}, sees {shown}")
        out["done"] += 1
    except Exception as exc:  # a timeout: counted, the classroom goes on
        out["failed"].append(f"{i}: {type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await context.close()


def new_out() -> dict:
    return {"repaints": [], "js_errors": [], "crossed": [], "failed": [], "done": 0,
            "opened": 0}


async def classroom(base: str, pid: int, files: Path) -> dict:
    result = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"),
                                           args=CHROMIUM_ARGS)
        # one session at a time first, once on each page: warms the server and
        # gives the baseline
        single = new_out()
        t0 = time.monotonic()
        for i in range(UPLOADERS, UPLOADERS + len(PAGES)):
            left = BASELINE_S - (time.monotonic() - t0)
            if left <= 0:
                break
            try:
                await asyncio.wait_for(session(browser, base, i, single, files), left)
            except TimeoutError:
                break
        print(f"baseline: {len(single['repaints'])} moves, one session at a time, in "
              f"{time.monotonic() - t0:.0f} s", flush=True)
        await asyncio.sleep(2)
        result["rss_warm"] = rss_mb(pid)
        result["single"] = single

        out = new_out()
        peak = {"rss": 0.0}
        stop = asyncio.Event()

        async def sample():
            while not stop.is_set():
                peak["rss"] = max(peak["rss"], rss_mb(pid))
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        t0 = time.monotonic()
        tasks = [asyncio.create_task(session(browser, base, i, out, files,
                                             i * ARRIVAL_S))
                 for i in range(SESSIONS)]
        _, pending = await asyncio.wait(tasks, timeout=TOTAL_S)
        result["elapsed"] = time.monotonic() - t0
        result["unfinished"] = len(pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        stop.set()
        await sampler
        result["rss_peak"] = peak["rss"]
        result["out"] = out
        await browser.close()
    await asyncio.sleep(SETTLE_AFTER_CLOSE_S)  # sessions end when their sockets do
    result["rss_end"] = rss_mb(pid)
    return result


def main() -> None:
    log = Path(tempfile.gettempdir()) / f"bench_classroom_{os.getpid()}.log"
    with tempfile.TemporaryDirectory() as tmp, \
            streamlit_process("app.py", cwd=REPO_ROOT, log_path=log) as (base, proc):
        pid = proc.pid
        rss_start = rss_mb(pid)
        r = asyncio.run(classroom(base, pid, Path(tmp)))
    tracebacks = log.read_text(errors="replace").count("Traceback (most recent call")
    out, single = r["out"], r["single"]
    base_p95 = p95(single["repaints"]) if single["repaints"] else float("nan")
    class_p95 = p95(out["repaints"]) if out["repaints"] else float("nan")
    ratio = class_p95 / base_p95
    open_sessions = max(out["opened"], 1)  # those whose page came up
    per_session = (r["rss_peak"] - r["rss_warm"]) / open_sessions
    after = r["rss_end"] - rss_start

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    rows = [
        ("sessions finished", f"{out['done']} of {SESSIONS} in {r['elapsed']:.0f} s "
         f"(bound {TOTAL_S:.0f} s; {r['unfinished']} unfinished, "
         f"{len(out['failed'])} timed out)", "all", verdict(out["done"] == SESSIONS)),
        ("server tracebacks", str(tracebacks), "0", verdict(tracebacks == 0)),
        ("JavaScript errors", str(len(out["js_errors"]) + len(single["js_errors"])),
         "0", verdict(not out["js_errors"] and not single["js_errors"])),
        ("sessions seeing another's numbers", str(len(out["crossed"])), "0",
         verdict(not out["crossed"])),
        ("p95 control repaint",
         f"{class_p95 * 1e3:,.0f} ms vs {base_p95 * 1e3:,.0f} ms alone"
         f" = {ratio:.1f}x ({len(out['repaints'])} moves)",
         f"<= {GOALS['repaint']:g}x", verdict(ratio <= GOALS["repaint"])),
        ("server memory per open session",
         f"{per_session:.1f} MB (peak {r['rss_peak']:,.0f} MB, warm "
         f"{r['rss_warm']:,.0f} MB, {out['opened']} sessions open)",
         f"<= {GOALS['per_session_mb']:g} MB",
         verdict(per_session <= GOALS["per_session_mb"])),
        ("server memory after all close",
         f"{r['rss_end']:,.0f} MB = start {rss_start:,.0f} MB {after:+,.0f} MB",
         f"within {GOALS['after_close_mb']:g} MB",
         verdict(after <= GOALS["after_close_mb"])),
    ]
    print(f"classroom: {SESSIONS} sessions ({UPLOADERS} uploading), {MOVES} moves "
          f"each, one server on {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print("| measure | value | goal | result |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for title, items in (("timed out", out["failed"]), ("JavaScript errors",
                         single["js_errors"] + out["js_errors"]),
                         ("crossed", out["crossed"])):
        for item in items[:5]:
            print(f"  {title}: {item}")
    if tracebacks:
        print(f"  server log with the tracebacks: {log}")


if __name__ == "__main__":
    main()
