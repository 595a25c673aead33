"""A classroom: up to 30 people in browsers against one Loss Lab server on this machine.

Starts its own ``streamlit run app.py`` on a free port and one Debian Chromium
(Playwright, async): one browser with a context (its own cookies, storage and
websocket: its own Streamlit session) per student, lighter than one browser each.

The class, modelled as people: students open the link over the first
``ARRIVAL_S`` seconds (each at a random moment), and act at a human pace: before
each action a student pauses ``PAUSE_S`` (3 to 8 s, uniform). Each student opens a
different page (home, loss functions, cost surfaces, training, threshold) with a
different built-in dataset in its link, types its own seed into the sidebar's seed
field, then moves the sidebar's noise slider ``MOVES`` times, timing each repaint
(key press to the end of the script run it caused, read from the app's
``data-test-script-state`` in the page). After every move it reads its seed back
from the field and the address bar: a student who sees a number they did not set
has met another session's state. Three students upload a CSV of their own (a
distinct row count, read back from the sidebar's message) instead of picking a
built-in dataset. The random pauses come from a fixed seed per student, so two
runs make the same class.

Before the class, one student at a time does the same thing, once on each page,
with the same pauses: the baseline for the p95 repaint, in the same run. The class
is bounded (``TOTAL_S``); students still going then are counted as unfinished.

Reports: server tracebacks (its log), JavaScript errors (``pageerror`` and console
errors; the favicon's blocked fetch from Google's font host excepted: this machine
is offline), students who saw another's numbers, p95 repaint against one student
alone (goal <= 3x), server memory per open session (goal <= 20 MB; the peak during
the class over the memory after the baseline), and memory after all close (goal:
within 200 MB of the start), from ``/proc/<pid>/status`` (VmRSS): right after the
browser closed, and after the server closed the sessions (``ui/memory.py`` keeps a
closed tab's session for a 60 s reconnection grace; the bench waits for the
server's "Closed ... session(s)" lines, at most ``REAP_WAIT_S``), each against the
server cold (before its first session) and warm (after the baseline). It also
counts where the CPU went during the class: the server, Chromium's renderers, the
rest of Chromium, and Playwright's driver, in seconds and as a share of the
machine's CPU seconds.

Run: ``python bench/bench_classroom.py [--sessions 30] [--profile out.txt]``
(``--profile``: py-spy records the server during the class, collapsed stacks).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from harness import CHROMIUM_ARGS, REPO_ROOT, streamlit_process
from playwright.async_api import async_playwright

SESSIONS = 30
UPLOADERS = 3
MOVES = 4
PAUSE_S = (3.0, 8.0)  # a student's pause before each action
ARRIVAL_S = 25.0  # the class opens the link over this many seconds
TOTAL_S = 200.0  # the class, all students together
BASELINE_S = 300.0  # the one-at-a-time part
REAP_WAIT_S = 150.0  # the server's 60 s grace, its 10 s passes, and some
STEP_TIMEOUT_MS = 90_000
# How often a waiting student's page checks for the end of a run. Not every
# animation frame ("raf", Playwright's default): 30 pages polling at 60 Hz kept
# Chromium drawing frames for the bench itself. The times reported do not depend
# on it: they come from the run-state timestamps WATCH_JS records as they happen.
POLL_MS = 250
SETTLE_AFTER_CLOSE_S = 5.0
PAGES = ("", "loss_functions", "cost_surfaces", "training", "threshold")
DATASETS = ("one_d", "blobs", "moons", "circles")  # those with noise and seed
FAVICON = "fonts.gstatic.com"
GOALS = {"repaint": 3.0, "per_session_mb": 20.0, "after_close_mb": 200.0}
CLOSED_LOG = re.compile(r"Closed (\d+) browser session")
REAPER_GC_LOG = re.compile(r"Closed \d+ browser session.*\(gc (\d+) ms\)")
TICKS = os.sysconf("SC_CLK_TCK")

# Timestamps (performance.now) of every start and end of a script run, kept in
# the page.
WATCH_JS = """() => {
  if (window.__llWatch) return;
  window.__llWatch = true;
  window.__llRun = [];
  window.__llDone = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'notRunning') window.__llDone.push(performance.now());
    if (state === 'running') window.__llRun.push(performance.now());
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
IDLE_AFTER_JS = """(t0) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app.getAttribute('data-test-script-state') === 'notRunning'
    && window.__llDone.some((t) => t > t0)
    && !document.querySelector('[data-testid="stSkeleton"]');
}"""
# the end of the last run, and when the first run after t0 started (the server
# heard the move) and ended
LAST_DONE_JS = """(t0) => [Math.max(...window.__llDone),
  Math.min(...window.__llRun.filter((t) => t > t0)),
  Math.min(...window.__llDone.filter((t) => t > t0))]"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


KINDS = ("server", "renderers", "chromium other", "playwright and this bench")


class CpuCount:
    """CPU seconds (user + system) of the processes under ``root`` (this bench),
    by kind: the server, Chromium's renderers, the rest of Chromium, Playwright's
    driver and this script. Read from /proc on every ``sample()``: a renderer that
    ends between two samples loses at most that interval (its parent's waited-for
    time is not used: it would not say which kind it was)."""

    def __init__(self, root: int, server: int):
        self.root, self.server = root, server
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.sample(first=True)

    def _kind(self, pid: int, cmd: str, parent: dict[int, int]) -> str | None:
        if pid == self.server:
            return "server"
        up = pid
        while up > 1 and up != self.root:
            up = parent.get(up, 0)
        if up != self.root or "py-spy" in cmd:
            return None
        if "--type=renderer" in cmd:
            return "renderers"
        return "chromium other" if "chrom" in cmd else "playwright and this bench"

    def sample(self, first: bool = False) -> None:
        parent, seen = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                    errors="replace")
            except OSError:  # gone meanwhile
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            pid = int(entry.name)
            parent[pid] = int(fields[1])
            seen[pid] = (cmd, (int(fields[11]) + int(fields[12])) / TICKS)
        for pid, (cmd, seconds) in seen.items():
            kind = self._kind(pid, cmd, parent)
            if kind is None:
                continue
            if first:
                self.first[pid] = seconds
            self.last[pid] = (kind, seconds)

    def totals(self) -> dict[str, float]:
        out = dict.fromkeys(KINDS, 0.0)
        for pid, (kind, seconds) in self.last.items():
            out[kind] += seconds - self.first.get(pid, 0.0)
        return out


def connects(base: str) -> int:
    """How many sessions the server has started (its /_stcore/metrics)."""
    with urllib.request.urlopen(f"{base}/_stcore/metrics", timeout=30) as resp:
        found = re.search(r'^session_events_total\{type="connect"\} (\d+)',
                          resp.read().decode(), re.M)
    return int(found.group(1)) if found else 0


def closed_by_server(log: Path) -> int:
    return sum(int(n) for n in CLOSED_LOG.findall(log.read_text(errors="replace")))


async def wait_idle(page, t0: float) -> list[float]:
    """Wait until a script run that ended after ``t0`` left the app idle; its end,
    and the start and end of the first run after ``t0``."""
    await page.wait_for_function(IDLE_AFTER_JS, arg=t0, timeout=STEP_TIMEOUT_MS,
                                 polling=POLL_MS)
    return await page.evaluate(LAST_DONE_JS, t0)


async def open_app(page, url: str, out: dict) -> None:
    # "commit", not "load": the app's own idle state is what counts, and 30 pages
    # loading scripts at once on two cores miss "load" by far
    t0 = time.monotonic()
    await page.goto(url, wait_until="commit")
    await page.get_by_test_id("stApp").wait_for(state="attached")
    await page.evaluate(WATCH_JS)
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=STEP_TIMEOUT_MS, polling=POLL_MS)
    out["opens"].append(time.monotonic() - t0)


async def seed_shown(page) -> tuple[str, str]:
    field = page.get_by_test_id("stSidebar").get_by_test_id("stNumberInputField")
    value = await field.input_value()
    params = dict(p.split("=", 1) for p in page.url.split("?", 1)[-1].split("&")
                  if "=" in p)
    return value, params.get("ds.seed", "0")


async def session(browser, base: str, i: int, out: dict, files: Path,
                  arrive_s: float = 0.0) -> None:
    """One student: a page, a dataset, their own seed (or file), then moves, with
    a human's pause before each action."""
    pause = random.Random(i)  # the same student pauses the same way in each run

    async def think() -> None:
        await asyncio.sleep(pause.uniform(*PAUSE_S))

    await asyncio.sleep(arrive_s)
    out["stage"][i] = "opening the link"
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
            await open_app(page, f"{base}/{path}", out)
            out["opened"] += 1
            rows = 40 + i  # this session's own number
            csv = files / f"student{i}.csv"
            csv.write_text("size,label\n" + "".join(
                f"{k % 9},{int(k % 9 > 4)}\n" for k in range(rows)))
            sidebar = page.get_by_test_id("stSidebar")
            expander = sidebar.get_by_test_id("stExpander")
            await think()
            await expander.get_by_text("Upload your own data").click()
            await think()
            out["stage"][i] = "uploading"
            t0 = await page.evaluate("performance.now()")
            await expander.get_by_test_id("stFileUploaderDropzoneInput") \
                .set_input_files(str(csv))
            await wait_idle(page, t0)
            message = await sidebar.get_by_test_id("stAlert") \
                .filter(has_text="rows from").first.inner_text()
            if f"Loaded {rows} rows" not in message:
                out["crossed"].append(f"{i}: uploaded {rows} rows, sees {message!r}")
            out["done"] += 1
            out["stage"][i] = "done"
            return
        data = DATASETS[i % len(DATASETS)]
        await open_app(page, f"{base}/{path}?ds.name={data}", out)  # the class's link
        out["opened"] += 1
        seed = str(100 + i)
        field = page.get_by_test_id("stSidebar").get_by_test_id("stNumberInputField")
        await think()
        out["stage"][i] = "typing the seed"
        t0 = await page.evaluate("performance.now()")
        await field.fill(seed)
        await field.press("Enter")
        await wait_idle(page, t0)
        slider = page.get_by_test_id("stSidebar").get_by_test_id("stSlider") \
            .filter(has_text="Noise").get_by_role("slider")
        for move in range(MOVES):
            await think()
            out["stage"][i] = f"move {move + 1}"
            await slider.focus()
            t0 = await page.evaluate("performance.now()")
            await slider.press("ArrowRight" if move % 2 == 0 else "ArrowLeft")
            done, ran, ended = await wait_idle(page, t0)
            out["repaints"].append((done - t0) / 1000)
            out["runs"].append((ended - ran) / 1000)
            shown = await seed_shown(page)
            if shown != (seed, seed):
                out["crossed"].append(f"{i}: set seed {seed}, sees {shown}")
        out["done"] += 1
        out["stage"][i] = "done"
    except Exception as exc:  # a timeout: counted, the classroom goes on
        out["failed"].append(f"{i}: {type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await context.close()


def new_out() -> dict:
    return {"repaints": [], "runs": [], "opens": [], "js_errors": [], "crossed": [],
            "failed": [], "done": 0, "opened": 0, "stage": {}}


async def sample(pid: int, cpu: CpuCount, peak: dict, stop: asyncio.Event) -> None:
    """Every second until ``stop``: the server's peak RSS, everyone's CPU."""
    while not stop.is_set():
        peak["rss"] = max(peak["rss"], rss_mb(pid))
        cpu.sample()
        await asyncio.sleep(1.0)


async def classroom(base: str, pid: int, files: Path, sessions: int,
                    log: Path, profile: Path | None) -> dict:
    result = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"),
                                           args=CHROMIUM_ARGS)
        # one student at a time first, once on each page: warms the server and
        # gives the baseline
        single = new_out()
        cpu_alone, peak_alone, stop_alone = CpuCount(os.getpid(), pid), {"rss": 0.0}, \
            asyncio.Event()
        sampler = asyncio.create_task(sample(pid, cpu_alone, peak_alone, stop_alone))
        t0 = time.monotonic()
        for i in range(UPLOADERS, UPLOADERS + len(PAGES)):
            left = BASELINE_S - (time.monotonic() - t0)
            if left <= 0:
                break
            try:
                await asyncio.wait_for(session(browser, base, i, single, files), left)
            except TimeoutError:
                break
        stop_alone.set()
        await sampler
        cpu_alone.sample()
        result["cpu_alone"] = cpu_alone.totals()
        result["elapsed_alone"] = time.monotonic() - t0
        print(f"baseline: {len(single['repaints'])} moves, one student at a time, "
              f"in {result['elapsed_alone']:.0f} s", flush=True)
        await asyncio.sleep(2)
        result["rss_warm"] = rss_mb(pid)
        result["single"] = single

        out = new_out()
        peak = {"rss": 0.0}
        stop = asyncio.Event()

        cpu = CpuCount(os.getpid(), pid)

        spy = None
        if profile is not None:
            spy = subprocess.Popen(
                ["py-spy", "record", "--pid", str(pid), "--format", "raw",
                 "--rate", "50", "--gil", "--output", str(profile), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sampler = asyncio.create_task(sample(pid, cpu, peak, stop))
        t0 = time.monotonic()
        arrivals = random.Random(-1)
        tasks = [asyncio.create_task(session(browser, base, i, out, files,
                                             arrivals.uniform(0, ARRIVAL_S)))
                 for i in range(sessions)]
        _, pending = await asyncio.wait(tasks, timeout=TOTAL_S)
        result["elapsed"] = time.monotonic() - t0
        result["unfinished"] = len(pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        cpu.sample()
        result["cpu"] = cpu.totals()
        result["load"] = os.getloadavg()[0]
        if spy is not None:
            spy.send_signal(2)  # SIGINT: py-spy writes what it has
            spy.wait(timeout=60)
        stop.set()
        await sampler
        result["rss_peak"] = peak["rss"]
        result["out"] = out
        await browser.close()
    await asyncio.sleep(SETTLE_AFTER_CLOSE_S)  # sessions end when their sockets do
    result["rss_closed"] = rss_mb(pid)
    # the server keeps each closed tab's session for its reconnection grace
    started = connects(base)
    t0 = time.monotonic()
    while closed_by_server(log) < started and time.monotonic() - t0 < REAP_WAIT_S:
        await asyncio.sleep(2)
    await asyncio.sleep(2)  # the reaper's gc and malloc_trim after its log line
    result["reap_s"] = time.monotonic() - t0
    result["reaped"] = (closed_by_server(log), started)
    result["rss_reaped"] = rss_mb(pid)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS,
                        help="students in the class (default %(default)s)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy's record of the server during the class")
    args = parser.parse_args()
    sessions = max(args.sessions, UPLOADERS + 1)
    log = Path(tempfile.gettempdir()) / f"bench_classroom_{os.getpid()}.log"
    with tempfile.TemporaryDirectory() as tmp, \
            streamlit_process("app.py", cwd=REPO_ROOT, log_path=log) as (base, proc):
        pid = proc.pid
        rss_cold = rss_mb(pid)
        r = asyncio.run(classroom(base, pid, Path(tmp), sessions, log, args.profile))
    tracebacks = log.read_text(errors="replace").count("Traceback (most recent call")
    out, single = r["out"], r["single"]
    base_p95, class_p95 = p95(single["repaints"]), p95(out["repaints"])
    ratio = class_p95 / base_p95
    open_sessions = max(out["opened"], 1)  # those whose page came up
    per_session = (r["rss_peak"] - r["rss_warm"]) / open_sessions
    cold, warm = rss_cold, r["rss_warm"]
    closed_n, started = r["reaped"]

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    def against(mb: float) -> str:
        return f"{mb:,.0f} MB = cold {mb - cold:+,.0f} MB, warm {mb - warm:+,.0f} MB"

    rows = [
        ("sessions finished", f"{out['done']} of {sessions} in {r['elapsed']:.0f} s "
         f"(bound {TOTAL_S:.0f} s; {r['unfinished']} unfinished, "
         f"{len(out['failed'])} timed out)", "all", verdict(out["done"] == sessions)),
        ("server tracebacks", str(tracebacks), "0", verdict(tracebacks == 0)),
        ("JavaScript errors", str(len(out["js_errors"]) + len(single["js_errors"])),
         "0", verdict(not out["js_errors"] and not single["js_errors"])),
        ("sessions seeing another's numbers", str(len(out["crossed"])), "0",
         verdict(not out["crossed"])),
        ("p95 control repaint",
         f"{class_p95 * 1e3:,.0f} ms vs {base_p95 * 1e3:,.0f} ms alone"
         f" = {ratio:.1f}x ({len(out['repaints'])} moves)",
         f"<= {GOALS['repaint']:g}x", verdict(ratio <= GOALS["repaint"])),
        ("of which the script run, p95",
         f"{p95(out['runs']) * 1e3:,.0f} ms vs {p95(single['runs']) * 1e3:,.0f} ms "
         "alone (the page's running to notRunning)", "", "-"),
        ("opening the link, p95",
         f"{p95(out['opens']):,.1f} s vs {p95(single['opens']):,.1f} s alone "
         f"({len(out['opens'])} pages came up)", "", "-"),
        ("server memory per open session",
         f"{per_session:.1f} MB (peak {r['rss_peak']:,.0f} MB, warm "
         f"{warm:,.0f} MB, {out['opened']} sessions open)",
         f"<= {GOALS['per_session_mb']:g} MB",
         verdict(per_session <= GOALS["per_session_mb"])),
        ("server memory right after all close", against(r["rss_closed"]),
         "(grace not over)", "-"),
        ("server memory after the server closed them",
         f"{against(r['rss_reaped'])} ({closed_n} of {started} sessions closed, "
         f"{r['reap_s']:.0f} s later)",
         f"within {GOALS['after_close_mb']:g} MB of cold",
         verdict(r["rss_reaped"] - cold <= GOALS["after_close_mb"]
                 and closed_n >= started)),
    ]
    def cpu_line(totals: dict, elapsed: float) -> str:
        seconds = elapsed * (os.cpu_count() or 1)
        return f"({seconds:,.0f} CPU seconds): " + ", ".join(
            f"{kind} {s:,.0f} s ({s / seconds:.0%})" for kind, s in totals.items())

    print(f"classroom: {sessions} students ({UPLOADERS} uploading), {MOVES} moves "
          f"each, a {PAUSE_S[0]:g}-{PAUSE_S[1]:g} s pause before each action, "
          f"arriving over {ARRIVAL_S:g} s; one server and one Chromium on "
          f"{os.cpu_count()} CPUs, load average {r['load']:.1f} at the class's end")
    print("| measure | value | goal | result |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"CPU during the class {cpu_line(r['cpu'], r['elapsed'])}")
    print(f"CPU during the baseline {cpu_line(r['cpu_alone'], r['elapsed_alone'])}")
    collections = [int(ms) for ms in REAPER_GC_LOG.findall(
        log.read_text(errors="replace"))]
    if collections:
        print(f"the reaper's full collections: {len(collections)}, "
              f"{sum(collections):,} ms in all, the longest {max(collections):,} ms "
              "(every session's script waits meanwhile)")
    stuck = Counter(stage for stage in out["stage"].values() if stage != "done")
    if stuck:
        print("where the students who did not finish stopped: " + ", ".join(
            f"{n} {stage}" for stage, n in stuck.most_common()))
    for title, items in (("timed out", out["failed"]), ("JavaScript errors",
                         single["js_errors"] + out["js_errors"]),
                         ("crossed", out["crossed"])):
        for item in items[:5]:
            print(f"  {title}: {item}")
    if tracebacks:
        print(f"  server log with the tracebacks: {log}")


if __name__ == "__main__":
    main()
