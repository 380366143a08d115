"""A real browser against a real server: ``streamlit run`` on a free loopback port, Debian's Chromium via Playwright.

Shared by the browser tests (``tests/browser_support.py``) and the browser benchmark
(:mod:`bench.browser_bench`). Chromium is Debian's ``/usr/bin/chromium``; Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, process: subprocess.Popen, timeout_s: float) -> None:
    """Wait until the Streamlit server at ``base`` answers ``/_stcore/health``; raise if it exits or never does."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout_s} s")
        time.sleep(0.3)


@contextmanager
def streamlit_server(script: Path | str = "app.py", *, database_url: str | None = None, cwd: Path = REPO_ROOT,
                     log: Path | None = None, timeout_s: float = 60.0) -> Iterator[str]:
    """``streamlit run SCRIPT`` on 127.0.0.1 (with the given database); yields its base URL; stops it after."""
    port = free_port()
    env = dict(os.environ)
    if database_url is not None:
        env["CATALOGUE_DATABASE_URL"] = database_url
    output = open(log, "w") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, timeout_s)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if output is not subprocess.DEVNULL:
            output.close()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright (``playwright.sync_api.Browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


#: True once the page's script has finished, nothing is a skeleton, and every Plotly chart has drawn.
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!chart.querySelector('.main-svg')) return false;
  }
  return true;
}"""

#: Counts the script runs the page has started (installed before the page loads).
RUN_COUNTER_JS = """() => {
  window.__scriptRuns = 0;
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running' && window.__lastState !== 'running') window.__scriptRuns += 1;
    window.__lastState = state;
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state'],
                        childList: true});
}"""


def settled_ms(page, *, quiet_ms: int = 600, timeout_ms: int = 60_000) -> float:
    """Milliseconds from navigation start until the page settled, confirmed by ``quiet_ms`` without a rerun."""
    while True:
        page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling="raf")
        at = page.evaluate("() => [performance.now(), window.__scriptRuns || 0]")
        page.wait_for_timeout(quiet_ms)
        again = page.evaluate(f"() => ({SETTLED_JS})() && (window.__scriptRuns || 0)")
        if again is not False and again == at[1]:
            return float(at[0])


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    """Wait until Streamlit has finished running the page's script and the page has settled (a cold server's
    first page on a machine shared with other jobs took over 30 s: a wait, not a timing assertion)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    settled_ms(page, quiet_ms=400, timeout_ms=timeout_ms)
