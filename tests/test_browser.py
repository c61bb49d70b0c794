"""The course in a real browser: Debian's Chromium, driven by Playwright, in `python3 course.py lab`.

A learner opens notebook 07 in JupyterLab, types a wrong ReLU into the answer cell, runs it and
its check cell, and reads the likely mistake in the output; then types a right one and reads
``[ok]``. An instructor opens the Formgrader from the Nbgrader menu, sees the ten assignments and
opens one. Every step leaves a full-page screenshot in ``.ci/screenshots/`` (kept by CI).
All in a temporary released copy of the course.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser fixture fails, saying so
    expect = sync_playwright = None

from .nbtools import ASSIGNMENTS, ROOT, STUB, isolated_env, make_course
from .test_workspace import _free_port, _set_up_copy, _wait_for_server

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium's own connections are refused on a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / ".ci" / "screenshots"
TOKEN = "chainrule-test-token"
NOTEBOOK = "07-single-layer-network"
WRONG_BODY = "return np.abs(x), x"  # the check names this mistake
RIGHT_BODY = "return np.maximum(x, 0), x"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def released_all(tmp_path_factory) -> Path:
    """A copy of the course with all ten notebooks, released by nbgrader; tests work on copies of it."""
    return make_course(tmp_path_factory.mktemp("released") / "course", ASSIGNMENTS)


@pytest.fixture
def lab(released_all, tmp_path) -> str:
    """`python3 course.py lab` in a set-up copy of ``released_all``; yields its URL.

    Each test has its own lab, so that no tab one test opened is restored in the next.
    Stopped with SIGTERM to its process group (see test_lab_server).
    """
    course = _set_up_copy(released_all, tmp_path)
    shutil.copytree(ROOT / "jupyter-self-study", course / "jupyter-self-study")
    # JupyterLab's own settings and remembered tabs, fresh for this lab (not the shared JUPYTER_CONFIG_DIR)
    env = dict(isolated_env(), JUPYTERLAB_SETTINGS_DIR=str(course.parent / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(course.parent / "lab-workspaces"))
    port = _free_port()
    server = subprocess.Popen([sys.executable, "course.py", "lab", "--no-browser", f"--port={port}",
                               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}"],
                              cwd=course, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        _wait_for_server(port, TOKEN, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
        print(f"JupyterLab's log:\n{output}")  # pytest shows it when the test fails


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, with a fresh profile. Missing Chromium or Playwright fails the test:
    CI installs both (.ci/run, the test extra)."""
    assert sync_playwright, "playwright is missing: install the course's test extra (python3 course.py test does)"
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A new page, 1440 x 960, that waits up to TIMEOUT_MS for what it is told to find.

    If the test fails, the page as it was then is saved too (``failed-<test>.png``).
    """
    failed = request.session.testsfailed
    context = browser.new_context(viewport={"width": 1440, "height": 960})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    # JupyterLab asks once whether to fetch Jupyter news: a learner answers No when it is in the way.
    page.add_locator_handler(page.get_by_text("Would you like to get notified about official Jupyter news?"),
                             lambda: page.get_by_role("button", name="No", exact=True).click())
    yield page
    if request.session.testsfailed > failed:
        _screenshot(page, f"failed-{request.node.name}")
    context.close()


def _screenshot(page, name: str) -> Path:
    """A full-page PNG of ``page`` in .ci/screenshots/; returns its path and prints it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def _open_lab(page, lab: str) -> None:
    """Open the lab's own URL: it shows the workspace, with a folder per notebook."""
    page.goto(f"{lab}/?token={TOKEN}")
    expect(page).to_have_url(re.compile(r"/lab/tree/workspace"))
    expect(_listing(page)).to_have_count(len(ASSIGNMENTS))


def _listing(page):
    """The names in JupyterLab's file browser."""
    return page.locator(".jp-DirListing-content .jp-DirListing-itemName")


def _editor_text(cell) -> str:
    """The text in ``cell``'s editor, line by line as CodeMirror shows it."""
    return cell.locator(".cm-line").evaluate_all("lines => lines.map(line => line.textContent).join('\\n')")


def _run(page, cell, code: str | None = None) -> None:
    """Click into ``cell``'s editor, replace its text with ``code`` (if given) as a learner would,
    and run it with Shift+Enter."""
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    if code is not None:
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(code)
        assert _editor_text(cell) == code
    page.keyboard.press("Shift+Enter")


def test_learner_reads_the_likely_mistake_then_ok(lab, page):
    _open_lab(page, lab)
    expect(_listing(page)).to_have_text(ASSIGNMENTS)
    _screenshot(page, "1-lab-opens-the-workspace")
    _listing(page).get_by_text(NOTEBOOK, exact=True).dblclick()
    _listing(page).get_by_text(f"{NOTEBOOK}.ipynb", exact=True).dblclick()
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle")  # the kernel is ready
    notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
    imports = notebook.locator(".jp-CodeCell").first
    expect(imports).to_contain_text("from chainrule.visible import")
    _run(page, imports)
    expect(imports.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[1\]:"))
    _screenshot(page, "2-notebook-07-imports-run")

    answer = notebook.locator(".jp-MarkdownCell:has-text('Exercise A1') + .jp-CodeCell")
    check = answer.locator("xpath=following-sibling::div[contains(@class, 'jp-CodeCell')][1]")
    expect(check).to_contain_text("check_relu_forward(relu_forward)")
    answer.scroll_into_view_if_needed()
    stub = _editor_text(answer)  # the signature, the docstring, the hint and STUB
    assert STUB in stub, stub
    _run(page, answer, stub.replace(STUB, WRONG_BODY))
    _run(page, check)
    expect(check.locator(".jp-OutputArea")).to_contain_text(
        "Likely mistake: this is |x|: ReLU sets negative inputs to 0")
    _screenshot(page, "3-wrong-relu-names-the-mistake")

    _run(page, answer, stub.replace(STUB, RIGHT_BODY))
    _run(page, check)
    expect(check.locator(".jp-OutputArea")).to_contain_text("[ok] relu_forward passes the visible check")
    expect(check.locator(".jp-OutputArea")).not_to_contain_text("Likely mistake")
    _screenshot(page, "4-right-relu-ok")


def test_instructor_opens_an_assignment_from_the_formgrader(lab, page):
    _open_lab(page, lab)
    page.get_by_text("Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Formgrader").click()
    formgrader = page.frame_locator("iframe")
    names = formgrader.locator("table tbody tr td:first-child")
    expect(names).to_have_text(ASSIGNMENTS)
    names.last.scroll_into_view_if_needed()
    _screenshot(page, "5-formgrader-lists-the-assignments")

    formgrader.get_by_role("link", name=NOTEBOOK, exact=True).click()  # opens its source folder
    expect(page.locator(".jp-FileBrowser .jp-BreadCrumbs")).to_contain_text(f"solutions/{NOTEBOOK}")
    expect(_listing(page)).to_have_text([f"{NOTEBOOK}.ipynb"])
    _screenshot(page, "6-formgrader-opens-the-assignment")


def test_run_all_on_the_unfinished_notebook_reaches_what_is_left(lab, page):
    """Run All on the untouched notebook 07: JupyterLab runs every cell (none stops the run) and the
    last cell lists every autograded exercise, with the cells that waited for them."""
    release = json.loads((ROOT / "notebooks" / NOTEBOOK / f"{NOTEBOOK}.ipynb").read_text())
    tests = [c for c in release["cells"] if c["cell_type"] == "code"
             and c["metadata"].get("nbgrader", {}).get("grade") and not c["metadata"]["nbgrader"].get("solution")]
    _open_lab(page, lab)
    _listing(page).get_by_text(NOTEBOOK, exact=True).dblclick()
    _listing(page).get_by_text(f"{NOTEBOOK}.ipynb", exact=True).dblclick()
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle")
    page.get_by_text("Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
    last = notebook.locator(".jp-CodeCell").last
    expect(last.locator(".jp-OutputArea")).to_contain_text(f"0 of {len(tests)} exercises pass their visible checks",
                                                           timeout=120_000)
    for name in ("relu_forward", "two_layer_loss", "train_spiral"):
        expect(last.locator(".jp-OutputArea")).to_contain_text(name)
    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
    assert prompts and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts), prompts
    last.scroll_into_view_if_needed()
    _screenshot(page, "7-run-all-ends-with-what-is-left")
