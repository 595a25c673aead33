"""The app's own JavaScript modules are served once from static/, not inlined into
every element (ui/static_js.py)."""

import urllib.request

import pytest

from ui import static_js

MODULES = ("chart.js", "chart_overlay.js", "live_chart.js", "readout.js",
           "surface_chart.js")


@pytest.mark.parametrize("name", MODULES)
def test_a_component_carries_a_few_lines_not_its_module(name):
    js = static_js.loader(name)
    module = (static_js.STATIC / name).read_text(encoding="utf-8")
    assert len(js) < 300 < len(module)
    assert f"./app/static/{name}?v=" in js and "import(url)" in js


def test_a_changed_module_gets_a_new_address(tmp_path, monkeypatch):
    monkeypatch.setattr(static_js, "STATIC", tmp_path)
    (tmp_path / "m.js").write_text("export default () => 1;\n")
    before = static_js.loader("m.js")
    (tmp_path / "m.js").write_text("export default () => 2;\n")
    assert static_js.loader("m.js") != before


def test_the_server_serves_the_modules_as_javascript(app_server):
    for name in MODULES:
        with urllib.request.urlopen(f"{app_server}/app/static/{name}") as response:
            assert response.status == 200
            kind = response.headers["Content-Type"].split(";")[0]
            assert kind in ("text/javascript", "application/javascript")  # modules
            body = response.read().decode()
        assert body == (static_js.STATIC / name).read_text(encoding="utf-8")


# A change reaches a chart in sight at once and one out of sight when the browser
# is next idle (static/chart.js): a page's change draws what is on screen first.
SIGHT_JS = """async (spec) => {
  const chart = await import('/app/static/chart.js');
  const frames = () => new Promise((r) => requestAnimationFrame(() =>
    requestAnimationFrame(r)));
  const at = (top) => {
    const el = document.createElement('div');
    el.style.cssText = `position:absolute;left:0;top:${top}px;width:600px`;
    document.body.append(el);
    return el;
  };
  const near = at(0), far = at(5000);
  const give = (el, version) => chart.default({ parentElement: el,
    data: { spec: JSON.stringify(spec), version, alt: 'a chart' } });
  const root = (el) => el.querySelector('.ll-chart');
  const drawn = () => [near, far].map((el) => root(el).dataset.drawn);
  const sight = () => [near, far].map((el) => root(el).dataset.inSight).join();
  give(near, 'a'); give(far, 'a');
  while (sight() !== 'true,false') {
    await frames();  // until each chart has heard whether it is in sight
  }
  const first = drawn();
  give(near, 'b'); give(far, 'b');
  const given = root(far).dataset.version;
  const rightAfter = drawn();
  await new Promise((r) => requestIdleCallback(r));
  await frames();
  return { first, given, rightAfter, idle: drawn() };
}"""


def test_a_chart_out_of_sight_draws_a_change_when_the_browser_is_idle(app_server,
                                                                     page):
    page.goto(f"{app_server}/_stcore/health")
    spec = {"data": [{"type": "scatter", "x": [0, 1], "y": [0, 1]}],
            "layout": {"height": 200}}
    assert page.evaluate(SIGHT_JS, spec) == {
        "first": ["a", "a"],  # a new chart draws at once, wherever it is
        "given": "b",
        "rightAfter": ["b", "a"],  # in sight: at once; out of sight: not yet
        "idle": ["b", "b"],
    }
