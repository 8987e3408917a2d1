"""Every page in a real browser with the 10M-order sample loaded: render seconds and server memory.

Usage: ``python -m benchmarks.browser [--customers 2000000] [--uploaded]`` (``make bench-browser``).
Starts a fresh ``streamlit run app.py`` whose bundled sample has ``--customers`` customers (2M: ~10.3M
orders, ~54M events); with ``--uploaded`` the pages open instead a saved data set made as an upload
makes it (the benchmark sample's orders loaded from their CSV, saved through ``DatasetStore``). Opens
every page in Debian's headless Chromium twice (the first render computes and fills
the caches, the second must hit them), fails on any error shown on a page, and prints a table: page,
first and second render seconds, and the server's resident memory after the page (MiB). The last
line gives the server's peak resident memory (VmHWM). Screenshots go to benchmarks/artifacts/.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAGES = [""] + sorted(p.stem.split("_", 1)[1] for p in (ROOT / "pages").glob("*.py"))
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def memory_mib(pid: int, field: str) -> int:
    """A memory figure of process ``pid`` from /proc (VmRSS: now, VmHWM: peak) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError(f"no {field} for process {pid}")


def render(page, url: str, timeout_s: float) -> float:
    """Open ``url``, wait until the script has finished; seconds. Raises if the page shows an error."""
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.locator("h1").first.wait_for(state="visible", timeout=timeout_s * 1000)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=timeout_s * 1000)
    elapsed = time.perf_counter() - start
    if page.locator(ERRORS).count() or "encountered an error" in page.locator("body").inner_text():
        raise RuntimeError(f"{url} shows an error; see the screenshot in {ARTIFACTS}")
    return elapsed


def saved_upload(store_dir: Path, customers: int) -> str:
    """Save the benchmark sample with its orders loaded from the CSV into a store at ``store_dir``
    (as the Data page saves an upload, in ``store.in_store_order``'s row order); its data-set id."""
    from analytics.store import DatasetStore
    from benchmarks.run import CACHE, as_uploaded, cached_sample

    start = time.perf_counter()
    data = as_uploaded(cached_sample(customers), CACHE / f"sample-{customers}")
    ds_id = DatasetStore(store_dir).save(data, "benchmark upload")
    print(f"saved the uploaded data set in {time.perf_counter() - start:.0f} s (load CSV, save)", flush=True)
    return ds_id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed for one render")
    parser.add_argument("--uploaded", action="store_true",
                        help="open a saved data set loaded from the CSV instead of the bundled sample")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    os.environ["GROWTH_SAMPLE_CUSTOMERS"] = str(args.customers)
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        store_dir = Path(tmp) / "store"
        query = f"?ds={saved_upload(store_dir, args.customers)}" if args.uploaded else ""
        server = Server(store_dir).start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        print(f"{'page':<12}{'first s':>9}{'again s':>9}{'RSS MiB':>9}", flush=True)
        try:
            for name in PAGES:
                url = f"{server.url}/{name}{query}"
                first = render(page, url, args.timeout)
                again = render(page, url, args.timeout)
                page.screenshot(path=ARTIFACTS / f"{name or 'overview'}.png", full_page=True)
                rss = memory_mib(server.process.pid, "VmRSS")
                print(f"{name or 'overview':<12}{first:>9.1f}{again:>9.1f}{rss:>9,}", flush=True)
            print(f"server peak resident memory (VmHWM): {memory_mib(server.process.pid, 'VmHWM'):,} MiB")
        finally:
            page.screenshot(path=ARTIFACTS / "last.png", full_page=True)
            browser.close()
            server.stop()


if __name__ == "__main__":
    main()
