"""Chapter 1 in a real JupyterLab, in Chromium: Run All, move the slider, save, reopen.

The test starts JupyterLab on a free loopback port (token set, ``--allow-root`` because
CI runs as root, no browser of its own) in a temporary folder holding a copy of chapter 1,
with its own settings, workspaces and runtime folders. Playwright drives Debian's
Chromium: it runs all cells, checks that the live figure is shown at its drawn CSS size
with twice the pixels and the static face's alt text, moves the slider with the arrow
keys (each step must change the picture; the console must stay free of widget errors)
and prints the median key-to-image latency of ten steps. Then it saves the notebook,
shuts the kernel down and reopens the saved file, in JupyterLab and in Notebook 7: the
reader must see the "run this cell" note and no "model not found" error.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

CHAPTER = ROOT / "book" / "01_what_is_a_loss.ipynb"
#: Goal for the median key-to-image latency on the project's 2-core machine (reported).
LATENCY_GOAL_MS = 50
#: The live figure of chapter 1: 8 x 3.4 inches at 80 dpi.
CSS_WIDTH = 640


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(lab: dict, path: str, method: str = "GET") -> object:
    request = urllib.request.Request(
        f"{lab['url']}{path}", method=method, headers={"Authorization": f"token {lab['token']}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A JupyterLab server over a temporary copy of chapter 1."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    root.mkdir()
    shutil.copy(CHAPTER, root / CHAPTER.name)
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "LOSSVIZ_FACE"}  # the live face
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    # every cell in the DOM (no windowing, so off-screen outputs can be queried), no news
    settings = {
        "notebook-extension/tracker": {"windowingMode": "none"},
        "apputils-extension/notification": {"fetchNews": "false"},
    }
    for name, values in settings.items():
        path = base / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    log = open(base / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    info = {
        "url": f"http://127.0.0.1:{port}",
        "token": token,
        "root": root,
        "log": base / "server.log",
    }
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                api(info, "/api/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + info["log"].read_text()[-3000:])
                time.sleep(0.5)
        yield info
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def open_notebook(browser, lab: dict, app: str = "lab"):
    """Open chapter 1 in a fresh browser context; return (context, page, console errors)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    path = "lab/tree" if app == "lab" else "notebooks"
    page.goto(f"{lab['url']}/{path}/{CHAPTER.name}?token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    if app == "lab":
        page.wait_for_function(KERNEL_READY, timeout=120_000)
    else:  # Notebook 7 does not expose its application object
        page.wait_for_function(
            "() => document.querySelector('.jp-Notebook-ExecutionIndicator')"
            "?.getAttribute('data-status') === 'idle'",
            timeout=120_000,
        )
    return context, page, errors


#: The notebook is open, current, and its kernel connected and idle.
KERNEL_READY = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = w && w.sessionContext && w.sessionContext.session
    && w.sessionContext.session.kernel;
  return !!(w && w.context && w.context.isReady && kernel
    && kernel.connectionStatus === 'connected' && kernel.status === 'idle');
}"""
PROMPTS = (
    "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"
    ".map(p => p.textContent.trim())"
)


def run_all(page) -> None:
    """Run all cells and wait until every code cell has run (the command is retried once
    if no cell has started 20 s after it was issued)."""
    for attempt in range(2):
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        deadline = time.monotonic() + (20 if attempt == 0 else 240)
        while time.monotonic() < deadline:
            prompts = page.evaluate(PROMPTS)
            if all(re.fullmatch(r"\[\d+\]:", p) for p in prompts):
                page.wait_for_function(KERNEL_READY, timeout=60_000)
                return
            if attempt == 0 and any(p != "[ ]:" for p in prompts):
                deadline = time.monotonic() + 240  # running: give it the time it needs
            page.wait_for_timeout(500)
    pytest.fail(f"Run All did not finish: input prompts {page.evaluate(PROMPTS)}")


def widget_errors(errors: list[str]) -> list[str]:
    return [e for e in errors if "widget" in e.lower() or "model" in e.lower()]


def test_chapter_1_live_in_jupyterlab_then_reopened(browser, lab: dict) -> None:
    context, page, errors = open_notebook(browser, lab)
    try:
        run_all(page)
        failed = page.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
        assert not [t for t in failed if "Traceback" in t or "Error" in t], failed
        live = page.locator(".lossviz-live")
        live.first.wait_for(timeout=30_000)
        assert live.count() == 1, "chapter 1 has one slider figure"
        img = live.locator("img").first
        page.wait_for_function(
            "() => { const i = document.querySelector('.lossviz-live img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        img.scroll_into_view_if_needed()
        size = img.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth, i.title]")
        assert abs(size[0] - CSS_WIDTH) <= 1, f"shown {size[0]} CSS px wide, drawn {CSS_WIDTH}"
        assert size[1] == 2 * CSS_WIDTH, f"{size[1]} image pixels for {CSS_WIDTH} CSS px"
        assert size[2].startswith("Two panels."), "the live image lacks the alt text"
        assert "parabola in w" in live.inner_text(), "the live figure lacks its caption"
        note = page.get_by_text("Run this cell to make the figure live")
        assert not note.is_visible(), "the offline note shows under a live figure"

        # the slider, from the keyboard: each arrow key re-draws the picture
        page.evaluate(
            """() => {
              const img = document.querySelector('.lossviz-live img');
              window.__lossvizLatency = []; window.__lossvizKey = null;
              document.addEventListener('keydown', () => {
                window.__lossvizKey = performance.now(); }, true);
              img.addEventListener('load', () => {
                if (window.__lossvizKey !== null) {
                  window.__lossvizLatency.push(performance.now() - window.__lossvizKey);
                  window.__lossvizKey = null; } });
            }"""
        )
        handle = live.locator(".noUi-handle").first
        handle.focus()
        before = img.screenshot()
        for step in range(10):
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"() => window.__lossvizLatency.length > {step}", timeout=10_000)
            if step == 0:
                assert img.screenshot() != before, "the picture did not change"
        latencies = page.evaluate("() => window.__lossvizLatency")
        readout = live.locator(".widget-readout").first.inner_text()
        assert readout.strip() == "3.00", f"10 steps of 0.2 from 1.00 read {readout!r}"
        assert live.locator(".lossviz-error").inner_text().strip() == "", live.locator(
            ".lossviz-error"
        ).inner_text()
        median = statistics.median(latencies)
        print(
            f"\nchapter 1 key-to-image latency: median {median:.1f} ms over 10 steps "
            f"(goal {LATENCY_GOAL_MS} ms): {[round(x) for x in latencies]}"
        )
        assert widget_errors(errors) == [], widget_errors(errors)

        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000)
    finally:
        context.close()
    saved = lab["root"] / CHAPTER.name
    print(
        f"chapter 1 saved after Run All: {saved.stat().st_size:,} bytes "
        f"(stored without outputs: {CHAPTER.stat().st_size:,})"
    )
    nb = json.loads(saved.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    for session in api(lab, "/api/sessions"):  # the kernel goes away, as when Jupyter stops
        api(lab, f"/api/sessions/{session['id']}", method="DELETE")
    assert api(lab, "/api/kernels") == []

    for app in ("lab", "notebook"):
        context, page, _ = open_notebook(browser, lab, app)
        try:
            page.wait_for_timeout(5_000)  # ipywidgets gives up on a missing model after 2 s
            note = page.get_by_text("Run this cell to make the figure live")
            note.first.scroll_into_view_if_needed()
            assert note.first.is_visible(), f"{app}: no offline note where the figure was"
            shown = [e for e in page.get_by_text("model not found").all() if e.is_visible()]
            assert shown == [], f"{app}: the reopened notebook shows 'model not found'"
            hidden = page.get_by_text("model not found").count()
            print(
                f"reopened in {app}: the offline note shows, ipywidgets' 'model not found' "
                f"error is {'present and hidden' if hidden else 'absent'}"
            )
            assert page.locator(".lossviz-live").count() == 0
        finally:
            context.close()
