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
