"""Load: 10 browser sessions at once on a ~1M-order data set across all pages of one server.

Every page must render without an error for every session; the server's memory must stay bounded (the
cached data set is shared, not copied per session); the p50 / p95 page render times are printed and
written to tests/e2e/artifacts/load.json. Run alone with `make loadtest`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Server

pytestmark = pytest.mark.e2e

SESSIONS = 10
CUSTOMERS = 200_000  # ~1M orders, ~5M events
PAGES = [""] + sorted(p.stem.split("_", 1)[1] for p in (ROOT / "pages").glob("*.py"))
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"


def _rss(pid: int) -> int:
    """Resident memory of process ``pid`` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


async def _render(context, url: str) -> float:
    """Open ``url`` in a new tab and wait until the script finished; seconds; raise on an app error."""
    page = await context.new_page()
    page.set_default_timeout(300_000)
    start = time.perf_counter()
    await page.goto(url, wait_until="commit")
    await page.locator("h1").first.wait_for(state="visible", timeout=240_000)
    await page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=300_000)
    elapsed = time.perf_counter() - start
    errors = await page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count()
    text = await page.locator("body").inner_text()
    await page.close()
    assert errors == 0 and "encountered an error" not in text, f"{url} rendered an error"
    return elapsed


async def _session(browser, base: str, order: list[str]) -> list[tuple[str, float]]:
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    times = [(name, await _render(context, f"{base}/{name}")) for name in order]
    await context.close()
    return times


async def _run(base: str, pid: int) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        warm = await _session(browser, base, PAGES)  # first renders compute and fill the caches
        after_one = _rss(pid)
        orders = [PAGES[i:] + PAGES[:i] for i in range(SESSIONS)]  # every session starts elsewhere
        runs = await asyncio.gather(*(_session(browser, base, o) for o in orders))
        after_all = _rss(pid)
        await browser.close()
    times = [t for run in runs for _, t in run]
    q = statistics.quantiles(times, n=20)
    return {"sessions": SESSIONS, "pages": PAGES, "page_renders": len(times),
            "first_render_seconds": {name or "app": round(t, 2) for name, t in warm},
            "p50_seconds": round(statistics.median(times), 2), "p95_seconds": round(q[18], 2),
            "rss_after_one_session_mib": after_one // 2**20, "rss_after_all_mib": after_all // 2**20}


def test_ten_sessions_at_once_on_a_million_orders(tmp_path, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it with apt-get)")
    monkeypatch.setenv("GROWTH_SAMPLE_CUSTOMERS", str(CUSTOMERS))
    server = Server(tmp_path / "store").start()
    try:
        # Own thread: the sync Playwright of other e2e tests (session fixture) keeps an event loop
        # running in this one, where asyncio.run refuses to start.
        with ThreadPoolExecutor(max_workers=1) as pool:
            result = pool.submit(asyncio.run, _run(server.url, server.process.pid)).result()
    finally:
        server.stop()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(result, indent=2))
    print("\nload test:", json.dumps(result))
    # the data set (~1M orders + ~5M events) is held once; 10 more sessions must not copy it
    assert result["rss_after_all_mib"] - result["rss_after_one_session_mib"] < 1024
