"""A classroom: up to 30 people in browsers against one Loss Lab server on this
machine.

Starts its own ``streamlit run app.py`` on a free port and one Debian Chromium,
driven over the Chrome DevTools Protocol (``Cdp`` below): a browser context (its own
cookies, storage and websocket: its own Streamlit session) and a page per student.
Each student's actions run inside their own page (``STUDENT_JS``, injected before
the app's scripts), so the bench's own process stays idle during the class; it reads
each student's progress every ``READ_S``. (The first version drove every action from
Playwright: its driver, receiving every websocket frame of 30 sessions, took 40% of
the two cores and Chromium's browser process another 27%.)

The class, modelled as people: students open the link over the first ``ARRIVAL_S``
seconds (each at a random moment), and act at a human pace: before each action a
student pauses ``PAUSE_S`` (3 to 8 s, uniform). Each student opens a different page
(home, loss functions, cost surfaces, training, threshold) with a different built-in
dataset in its link, types its own seed into the sidebar's seed field, then moves
the sidebar's noise slider ``MOVES`` times, timing each repaint (key press to the
end of the script run it caused, read from the app's ``data-test-script-state`` in
the page, timestamps of the page's own clock). After every move it reads its seed
back from the field and the address bar: a student who sees a number they did not
set has met another session's state. Three students upload a CSV of their own (a
distinct row count, read back from the sidebar's message) instead of picking a
built-in dataset. The random pauses come from a fixed seed per student, so two runs
make the same class.

Before the class, one student at a time does the same thing, once on each page, with
the same pauses: the baseline for the p95 repaint, in the same run. The class is
bounded (``TOTAL_S``); students still going then are counted as unfinished.

Reports: server tracebacks (its log), JavaScript errors (uncaught exceptions,
console errors and failed loads, from CDP's Runtime and Log events; ``IGNORED_LOAD``
says which failed loads are not errors), students who saw another's numbers, p95
repaint against one student alone (goal <= 3x), server memory per open session (goal
<= 20 MB; the peak during the class over the memory after the baseline), and memory
after all close (goal: within 200 MB of the class's start: the server after the
baseline, which has loaded its libraries for its first visitors as a lecturer's
server has), from ``/proc/<pid>/status`` (VmRSS): right after the browser closed,
and after the server closed the sessions (``ui/memory.py`` keeps a closed tab's
session for a 60 s reconnection grace; the bench waits for the server's "Closed ...
session(s)" lines, at most ``REAP_WAIT_S``), each against the server cold (before
its first session) and warm (after the baseline). It also counts where the CPU went
during the class: the server, Chromium's renderers, the rest of Chromium, and this
bench, in seconds and as a share of the machine's CPU seconds.

``--app controls`` holds the same class against ``CONTROLS_APP`` instead: a bare
Streamlit app with only the controls the students use (the sidebar's seed field,
noise slider and uploader, the seed in the link) and one line of text, each run
0.1 s long (a sleep), served with
the repo's Streamlit config: the floor any Streamlit app meets when the class's
browsers share the server's machine (no reaper there, so its memory after close is
not measured).

Run: ``python bench/bench_classroom.py [--sessions 30] [--app controls]
[--profile out.txt]`` (``--profile``: py-spy records the server during the class,
collapsed stacks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path

from harness import CHROMIUM_ARGS, REPO_ROOT, stop, streamlit_process, write_bare_app
from websockets.asyncio.client import connect

SESSIONS = 30
UPLOADERS = 3
MOVES = 4
PAUSE_S = (3.0, 8.0)  # a student's pause before each action
ARRIVAL_S = 25.0  # the class opens the link over this many seconds
TOTAL_S = 200.0  # the class, all students together
BASELINE_S = 300.0  # the one-at-a-time part
REAP_WAIT_S = 150.0  # the server's 60 s grace, its 10 s passes, and some
STEP_TIMEOUT_MS = 90_000
# How often a waiting student's page checks for the end of a run (a timer in the
# page, not every animation frame: 30 pages at 60 Hz would keep Chromium busy for
# the bench itself). The times reported do not depend on it: they come from the
# run-state timestamps the page records as they happen.
POLL_MS = 250
READ_S = 2.0  # how often this process reads a student's progress from their page
SETTLE_AFTER_CLOSE_S = 5.0
# the pages with the dataset's controls (Home and Loss functions use no dataset)
PAGES = ("walk", "cost_surfaces", "training", "threshold")
DATASETS = ("one_d", "blobs", "moons", "circles")  # those with noise and seed
# Failed loads that are not errors: the favicon's font from Google's host (this
# machine is offline) and Streamlit's own probe of a page link's path as the
# server's base path (its /<page>/_stcore/health and host-config, 404 before it
# falls back to the root).
IGNORED_LOAD = re.compile(r"fonts\.gstatic\.com|/[^/]+/_stcore/(health|host-config)$")
# The students' controls and nothing else (``--app controls``): what the class costs
# any Streamlit app on this machine. Its run waits 0.1 s (a sleep, no CPU), about
# the server time of a Loss Lab page's run: a run much shorter than a frame never
# shows the page a "running" state, and a student could not see it end.
CONTROLS_APP = '''import time

import streamlit as st

time.sleep(0.1)

st.set_page_config(layout="wide")
with st.sidebar:
    seed = st.number_input("Seed", 0, 10**6, int(st.query_params.get("ds.seed", 0)),
                           key="seed")
    st.query_params["ds.seed"] = str(seed)
    st.slider("Noise", 0.0, 1.0, 0.25, 0.05, key="noise")
    with st.expander("Upload your own data"):
        upload = st.file_uploader("A CSV file", type="csv")
        if upload is not None:
            rows = upload.getvalue().count(b"\\n") - 1
            st.success(f"Loaded {rows} rows from the file")
st.markdown(f"Seed {seed}, noise {st.session_state.noise:.2f}")
'''
GOALS = {"repaint": 3.0, "per_session_mb": 20.0, "after_close_mb": 200.0}
CLOSED_LOG = re.compile(r"Closed (\d+) browser session")
REAPER_GC_LOG = re.compile(r"Closed \d+ browser session.*\(gc (\d+) ms\)")
TICKS = os.sysconf("SC_CLK_TCK")

# A student's actions, run inside their own page (injected before the app's own
# scripts by CDP's Page.addScriptToEvaluateOnNewDocument), so the bench's process
# does nothing while the class works: it only reads ``window.__student`` every
# few seconds. Times are the page's own performance.now(): from just before an
# action's events to the end of the last script run it caused, the app idle. The
# events are those of a person's key presses or file drop: the seed typed into the
# number field and Enter; an arrow key on the noise slider's thumb (React handles
# the key as a move of one step); the file set on the uploader's input.
STUDENT_JS = r"""(() => {
  if (window.top !== window) return;  // not in a component's frame
  const cfg = __CFG__;
  const R = window.__student = {stage: 'opening the link', open: null, repaints: [],
                                runs: [], crossed: [], failed: null, done: false};
  const runs = [], dones = [];
  let app = null, pause = 0;
  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
  const think = () => sleep(cfg.pauses_ms[pause++]);
  const until = async (test, what) => {
    const t0 = performance.now();
    for (;;) {
      const found = test();
      if (found) return found;
      if (performance.now() - t0 > cfg.timeout_ms) throw new Error('no ' + what);
      await sleep(cfg.poll_ms);
    }
  };
  const inSidebar = (selector) =>
    document.querySelector(`[data-testid="stSidebar"] ${selector}`);
  const idleAfter = (t0) =>
    app.getAttribute('data-test-script-state') === 'notRunning'
    && dones.some((t) => t > t0)
    && !document.querySelector('[data-testid="stSkeleton"]');
  // one action: timed from just before its events to the end of the runs it caused
  const act = async (what, events, target) => {
    const t0 = performance.now();
    events();
    try {
      await until(() => idleAfter(t0), 'end of a run after ' + what);
    } catch (e) {  // say what the page was doing
      const state = app.getAttribute('data-test-script-state');
      throw new Error(`${e.message} (state ${state}, `
        + `${runs.filter((t) => t > t0).length} runs started and `
        + `${dones.filter((t) => t > t0).length} ended since, skeletons `
        + `${document.querySelectorAll('[data-testid="stSkeleton"]').length}, the `
        + `element acted on ${target.isConnected ? 'still' : 'no longer'} there)`);
    }
    const after = (times) => times.filter((t) => t > t0);
    return [Math.max(...dones) - t0,
            Math.min(...after(dones)) - Math.min(...after(runs))];
  };
  const setValue = (input, value) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set
      .call(input, value);
    input.dispatchEvent(new Event('input', {bubbles: true}));
  };
  const noise = () => [...document.querySelectorAll(
    '[data-testid="stSidebar"] [data-testid="stSlider"]')]
    .find((s) => s.textContent.includes('Noise'))?.querySelector('input[type="range"]');
  const seedField = () => inSidebar('[data-testid="stNumberInputField"]');

  const upload = async () => {
    await think();
    (await until(() => [...document.querySelectorAll(
      '[data-testid="stSidebar"] [data-testid="stExpander"] summary')]
      .find((s) => s.textContent.includes('Upload your own data')), 'upload expander'))
      .click();
    await think();
    R.stage = 'uploading';
    const input = await until(() => inSidebar(
      '[data-testid="stFileUploaderDropzoneInput"]'), 'file input');
    let csv = 'size,label\n';
    for (let k = 0; k < cfg.rows; k++) csv += `${k % 9},${k % 9 > 4 ? 1 : 0}\n`;
    await act('the upload', () => {
      const files = new DataTransfer();
      files.items.add(new File([csv], `student${cfg.index}.csv`, {type: 'text/csv'}));
      input.files = files.files;
      input.dispatchEvent(new Event('change', {bubbles: true}));
    }, input);
    const message = [...document.querySelectorAll(
      '[data-testid="stSidebar"] [data-testid="stAlert"]')]
      .map((a) => a.textContent).find((t) => t.includes('rows from')) ?? '(none)';
    if (!message.includes(`Loaded ${cfg.rows} rows`))
      R.crossed.push(`uploaded ${cfg.rows} rows, sees ${message.slice(0, 80)}`);
  };

  const moves = async () => {
    await think();
    R.stage = 'typing the seed';
    const field = seedField();
    await act('the seed', () => {
      field.focus();
      setValue(field, cfg.seed);
      field.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter',
                                                        keyCode: 13, bubbles: true}));
    }, field);
    for (let move = 0; move < cfg.moves; move++) {
      await think();
      R.stage = `move ${move + 1}`;
      const slider = await until(noise, 'noise slider');
      const key = move % 2 === 0 ? 'ArrowRight' : 'ArrowLeft';
      const [repaint, run] = await act(R.stage, () => {
        slider.focus();
        for (const type of ['keydown', 'keyup'])
          slider.dispatchEvent(new KeyboardEvent(type, {key, code: key,
                                                        bubbles: true}));
      }, slider);
      R.repaints.push(repaint);
      R.runs.push(run);
      const shown = [seedField()?.value,
                     new URLSearchParams(location.search).get('ds.seed')];
      if (shown[0] !== cfg.seed || shown[1] !== cfg.seed)
        R.crossed.push(`set seed ${cfg.seed}, sees ${JSON.stringify(shown)}`);
    }
  };

  const main = async () => {
    app = await until(() => document.querySelector('[data-testid="stApp"]'), 'app');
    new MutationObserver(() => {
      const state = app.getAttribute('data-test-script-state');
      if (state === 'notRunning') dones.push(performance.now());
      if (state === 'running') runs.push(performance.now());
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    await until(() => app.getAttribute('data-test-script-state') === 'notRunning'
                && seedField(), 'first run');
    R.open = performance.now();  // from the navigation's start
    R.stage = 'opened';
    await (cfg.rows ? upload() : moves());
  };
  main().then(() => { R.done = true; R.stage = 'done'; },
              (e) => { R.failed = String(e).slice(0, 200); });
})();"""

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


KINDS = ("server", "renderers", "chromium other", "this bench")


class CpuCount:
    """CPU seconds (user + system) of the processes under ``root`` (this bench),
    by kind: the server, Chromium's renderers, the rest of Chromium, and this
    script. Read from /proc on every ``sample()``: a renderer that
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
        return "chromium other" if "chrom" in cmd else "this bench"

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
            # a process keeps the kind it was first seen as: one that has ended
            # but is not yet reaped (a closed page's renderer) has no command line
            kind = (self.last[pid][0] if pid in self.last
                    else self._kind(pid, cmd, parent) if cmd else None)
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


class Cdp:
    """The Chrome DevTools Protocol over one websocket to the browser, sessions
    flattened into it. Only Target, Page, Emulation, Runtime and Log are used: no
    Network domain, so the browser does not copy every websocket frame of 30
    Streamlit sessions to this process (Playwright enables it on every page, and
    its driver took 40% of the machine in the class)."""

    def __init__(self, ws, on_event):
        self.ws, self.on_event = ws, on_event
        self.pending: dict[int, asyncio.Future] = {}
        self.next_id = 0

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            future = self.pending.pop(message.get("id"), None)
            if future is None:
                self.on_event(message)
            elif not future.done():
                if "error" in message:
                    future.set_exception(RuntimeError(str(message["error"])[:200]))
                else:
                    future.set_result(message.get("result", {}))

    async def send(self, method: str, params: dict | None = None,
                   session: str | None = None) -> dict:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        await self.ws.send(json.dumps(message))
        return await asyncio.wait_for(future, STEP_TIMEOUT_MS / 1000)


@asynccontextmanager
async def chromium(profile: Path, out_of: dict):
    """Debian's Chromium with a DevTools port, and a Cdp client on it. JavaScript
    errors (uncaught exceptions, console errors, failed loads) go to the student
    whose page raised them (``out_of[session]``)."""
    proc = subprocess.Popen(
        [shutil.which("chromium"), *CHROMIUM_ARGS, "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or len(port_file.read_text().split()) < 2:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("Chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().split()[:2]

        def on_event(message: dict) -> None:
            student = out_of.get(message.get("sessionId"))
            if student is None:
                return
            out, i = student
            params, method = message.get("params", {}), message.get("method")
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                text = (details.get("exception", {}).get("description")
                        or details["text"])
                out["js_errors"].append(f"{i}: {text[:200]}")
            elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
                text = " ".join(str(a.get("value", a.get("description", "")))
                                for a in params["args"])
                out["js_errors"].append(f"{i}: console: {text[:200]}")
            elif (method == "Log.entryAdded" and params["entry"]["level"] == "error"
                  and not IGNORED_LOAD.search(params["entry"].get("url", ""))):
                entry = params["entry"]
                out["js_errors"].append(
                    f"{i}: {entry['text'][:160]} {entry.get('url', '')}")

        async with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as ws:
            cdp = Cdp(ws, on_event)
            reader = asyncio.create_task(cdp.read())
            try:
                yield cdp
            finally:
                reader.cancel()
    finally:
        stop(proc)


def student_config(i: int, pages: tuple[str, ...] = PAGES) -> tuple[str, dict]:
    """Student ``i``'s link and what they do: upload a file of ``rows`` rows (the
    first UPLOADERS students) or type seed ``100 + i`` and move the noise slider;
    the same pauses in every run (a fixed seed per student)."""
    pause = random.Random(i)
    pauses = [round(pause.uniform(*PAUSE_S) * 1000) for _ in range(MOVES + 3)]
    path = pages[i % len(pages)]
    config = {"index": i, "pauses_ms": pauses, "timeout_ms": STEP_TIMEOUT_MS,
              "poll_ms": POLL_MS, "moves": MOVES, "seed": str(100 + i),
              "rows": 40 + i if i < UPLOADERS else 0}
    query = "" if i < UPLOADERS else f"?ds.name={DATASETS[i % len(DATASETS)]}"
    return f"/{path}{query}", config


async def session(cdp: Cdp, base: str, i: int, out: dict, sessions: dict,
                  arrive_s: float = 0.0, pages: tuple[str, ...] = PAGES) -> None:
    """One student: their own browser context and page, with their actions
    injected; read back every READ_S until they are done, failed, or the class is
    over (cancelled: what they had reached is kept)."""
    await asyncio.sleep(arrive_s)
    out["stage"][i] = "opening the link"
    path, config = student_config(i, pages)
    context = (await cdp.send("Target.createBrowserContext"))["browserContextId"]
    state: dict = {}
    try:
        target = (await cdp.send("Target.createTarget", {
            "url": "about:blank", "browserContextId": context}))["targetId"]
        page = (await cdp.send("Target.attachToTarget", {
            "targetId": target, "flatten": True}))["sessionId"]
        sessions[page] = (out, i)
        for method, params in (
                ("Page.enable", {}), ("Runtime.enable", {}), ("Log.enable", {}),
                # each student's page behaves as the focused window of their own
                # laptop (focus events fire; Playwright does the same per page)
                ("Emulation.setFocusEmulationEnabled", {"enabled": True}),
                ("Emulation.setDeviceMetricsOverride", {
                    "width": 1300, "height": 900, "deviceScaleFactor": 1,
                    "mobile": False}),
                ("Page.addScriptToEvaluateOnNewDocument", {
                    "source": STUDENT_JS.replace("__CFG__", json.dumps(config))}),
                ("Page.navigate", {"url": base + path})):
            await cdp.send(method, params, page)
        while not (state.get("done") or state.get("failed")):
            await asyncio.sleep(READ_S)
            found = (await cdp.send("Runtime.evaluate", {
                "expression": "JSON.stringify(window.__student ?? null)",
                "returnByValue": True}, page))["result"].get("value")
            state = json.loads(found or "null") or {}
            out["stage"][i] = state.get("stage", "opening the link")
    finally:
        if state.get("open") is not None:
            out["opened"] += 1
            out["opens"].append(state["open"] / 1000)
        out["repaints"] += [t / 1000 for t in state.get("repaints", [])]
        out["runs"] += [t / 1000 for t in state.get("runs", [])]
        out["crossed"] += [f"{i}: {text}" for text in state.get("crossed", [])]
        if state.get("failed"):
            out["failed"].append(f"{i}: {state['failed']}")
        if state.get("done"):
            out["done"] += 1
        await asyncio.shield(cdp.send("Target.disposeBrowserContext",
                                      {"browserContextId": context}))

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
                    log: Path, profile: Path | None,
                    pages: tuple[str, ...] = PAGES, reaper: bool = True) -> dict:
    result: dict = {}
    targets: dict = {}  # a page's CDP session: (its student's out, their number)
    async with chromium(files / "profile", targets) as cdp:
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
                await asyncio.wait_for(session(cdp, base, i, single, targets,
                                               pages=pages), left)
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
        tasks = [asyncio.create_task(session(cdp, base, i, out, targets,
                                             arrivals.uniform(0, ARRIVAL_S), pages))
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
    await asyncio.sleep(SETTLE_AFTER_CLOSE_S)  # sessions end when their sockets do
    result["rss_closed"] = rss_mb(pid)
    if not reaper:
        return result
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
    parser.add_argument("--app", choices=("loss-lab", "controls"), default="loss-lab",
                        help="Loss Lab, or a bare app with only the students' "
                             "controls (CONTROLS_APP)")
    args = parser.parse_args()
    sessions = max(args.sessions, UPLOADERS + 1)
    lab = args.app == "loss-lab"
    log = Path(tempfile.gettempdir()) / f"bench_classroom_{os.getpid()}.log"
    with tempfile.TemporaryDirectory() as tmp:
        script, cwd = "app.py", REPO_ROOT
        if not lab:
            (Path(tmp) / "app").mkdir()
            script, cwd = "controls.py", Path(tmp) / "app"
            write_bare_app(cwd, script, CONTROLS_APP)
        with streamlit_process(script, cwd=cwd, log_path=log) as (base, proc):
            pid = proc.pid
            rss_cold = rss_mb(pid)
            r = asyncio.run(classroom(base, pid, Path(tmp), sessions, log,
                                      args.profile, PAGES if lab else ("",), lab))
    tracebacks = log.read_text(errors="replace").count("Traceback (most recent call")
    out, single = r["out"], r["single"]
    base_p95, class_p95 = p95(single["repaints"]), p95(out["repaints"])
    ratio = class_p95 / base_p95
    open_sessions = max(out["opened"], 1)  # those whose page came up
    per_session = (r["rss_peak"] - r["rss_warm"]) / open_sessions
    cold, warm = rss_cold, r["rss_warm"]
    closed_n, started = r.get("reaped", (0, 0))

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
    ]
    if lab:  # the bare app has no reaper: its closed sessions stay 2 minutes
        rows.append(
        ("server memory after the server closed them",
         f"{against(r['rss_reaped'])} ({closed_n} of {started} sessions closed, "
         f"{r['reap_s']:.0f} s later)",
         f"within {GOALS['after_close_mb']:g} MB of the class's start (warm)",
         verdict(r["rss_reaped"] - warm <= GOALS["after_close_mb"]
                 and closed_n >= started)))
    def cpu_line(totals: dict, elapsed: float) -> str:
        seconds = elapsed * (os.cpu_count() or 1)
        return f"({seconds:,.0f} CPU seconds): " + ", ".join(
            f"{kind} {s:,.0f} s ({s / seconds:.0%})" for kind, s in totals.items())

    print(f"classroom ({'Loss Lab' if lab else 'the controls alone, CONTROLS_APP'}): "
          f"{sessions} students ({UPLOADERS} uploading), {MOVES} moves "
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
