"""Memory: the peak resident memory of the app serving the large catalogue.

Starts ``streamlit run app.py`` in a subprocess with ``CATALOGUE_DATABASE_URL`` at the
catalogue, waits for its health endpoint, then opens every page in headless Chromium
(Playwright) so that each page's script really runs in the server, and reads the
server's ``VmHWM`` (peak resident set size) from ``/proc/<pid>/status``. Without a
browser it says so and reports the peak after start-up only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.browser import wait_healthy
from bench.measure import table
from bench.page_bench import APP, PageVisit, discover_pages

REPO = Path(__file__).resolve().parent.parent
BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_kib(pid: int, field: str) -> int | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def _page_path(visit: PageVisit) -> str:
    """The URL path Streamlit gives a page: the script's stem, without a leading number and underscore."""
    stem = Path(visit.script).stem
    return stem.split("_", 1)[1] if stem.split("_", 1)[0].isdigit() and "_" in stem else stem


def _visit_pages(port: int, visits: list[PageVisit]) -> list[str]:
    """Open each page in headless Chromium and wait until its script finished. Returns notes."""
    from playwright.sync_api import sync_playwright

    browser_path = next((p for p in BROWSER_CANDIDATES if Path(p).exists()), None)
    notes = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, headless=True,
                                             args=["--no-sandbox"])
        page = browser.new_page()
        for index, visit in enumerate(visits):
            url = f"http://127.0.0.1:{port}/" + ("" if index == 0 else _page_path(visit))
            page.goto(url, wait_until="networkidle", timeout=120_000)
            try:
                page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                                       timeout=120_000)
            except Exception as error:  # a page that never settles is reported, not fatal
                notes.append(f"{visit.label}: {type(error).__name__}")
        browser.close()
    return notes


def run(catalogues: dict[str, str], visits: list[PageVisit] | None = None) -> dict[str, dict[str, Any]]:
    """Peak RSS of the app process per backend; ``catalogues`` is {backend: URL of the large catalogue}."""
    if not APP.exists():
        print("\n== Memory: skipped (app.py is absent)")
        return {backend: {"memory_skipped": "app.py is absent"} for backend in catalogues}
    visits = visits if visits is not None else discover_pages()
    results: dict[str, dict[str, Any]] = {}
    rows = []
    for backend, url in catalogues.items():
        port = _free_port()
        env = dict(os.environ, CATALOGUE_DATABASE_URL=url)
        command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
                   "--server.port", str(port), "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false"]
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process, timeout_s=60)
            after_start = _status_kib(process.pid, "VmHWM")
            how = "health only"
            notes: list[str] = []
            if visits and (shutil.which("chromium") or any(Path(p).exists() for p in BROWSER_CANDIDATES)):
                try:
                    notes = _visit_pages(port, visits)
                    how = f"{len(visits)} pages opened in headless Chromium"
                except Exception as error:  # no browser: say so, keep the start-up figure
                    how = f"health only (browser failed: {type(error).__name__}: {str(error)[:80]})"
            peak = _status_kib(process.pid, "VmHWM")
            current = _status_kib(process.pid, "VmRSS")
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        results[backend] = {"app_peak_rss_mib": round(peak / 1024, 1) if peak else None,
                            "app_rss_after_start_mib": round(after_start / 1024, 1) if after_start else None,
                            "app_rss_end_mib": round(current / 1024, 1) if current else None,
                            "memory_method": how, "memory_notes": notes}
        rows.append((backend, results[backend]["app_rss_after_start_mib"], results[backend]["app_peak_rss_mib"],
                     how + ("; " + "; ".join(notes) if notes else "")))
    print(table("Memory: streamlit run app.py on the large catalogue (VmHWM of the server process)",
                ("database", "after start MiB", "peak MiB", "how"), rows))
    return results
