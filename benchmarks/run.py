"""Speed and memory of every analysis at scale: 2M customers (~10M orders, ~50M events) by default.

Usage: ``python -m benchmarks.run [--customers 2000000] [--repeat 3] [--only rfm,cohort]``
(``make bench``). The sample data set is generated once and cached under ``benchmarks/cache/``: as the
store saves data sets (Parquet with coded ids), its orders also as CSV and as a plain Parquet export
(text ids, as a warehouse writes them). The analyses run on the data set as the app holds it after an
upload: the orders as loaded from that CSV, in the row order the store saves (``store.in_store_order``).
Prints a table: step, rows, median seconds over ``--repeat`` runs, and the peak resident memory of the
process during the step (MiB) with the growth above the step's baseline.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import attribution, budget, channels, clusters, cohort, funnel, overview, response, rfm
from analytics.dataset import KINDS, Dataset
from analytics.tables import read_table, write_table
from analytics.io import load_table
from analytics.store import in_store_order
from analytics.sample import make_sample

CACHE = Path(__file__).resolve().parent / "cache"
FUNNEL_STEPS = ["visit", "view", "add_to_cart", "purchase"]


class PeakRSS:
    """Samples this process's resident memory every 5 ms while active; ``peak`` in bytes."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def current() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096

    def __enter__(self):
        self.peak = self.current()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.current())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())


def cached_sample(customers: int) -> Dataset:
    """The sample at ``customers`` from the Parquet cache (generated and written on the first run)."""
    folder = CACHE / f"sample-{customers}"
    if not (folder / "events.parquet").exists():
        print(f"generating the sample with {customers:,} customers (cached in {folder}) ...", flush=True)
        dataset = make_sample(customers=customers)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            write_table(dataset.table(kind), folder, kind)
        dataset.orders.to_csv(folder / "orders.csv", index=False)
    data = Dataset(**{kind: read_table(folder, kind) for kind in KINDS})
    if not (folder / "orders-export.parquet").exists():  # added later: older caches get it here
        exported = {c: v.astype("str") if isinstance(v.dtype, pd.CategoricalDtype) else v
                    for c, v in data.orders.items()}
        pd.DataFrame(exported).to_parquet(folder / "orders-export.parquet", index=False)
    return data


def as_uploaded(data: Dataset, folder: Path) -> Dataset:
    """The data set with its orders as the app holds them after an upload of the orders CSV: text
    order ids (the sample's are int64) and categories in sorted order, as ``load_table`` makes them."""
    return Dataset(orders=load_table(folder / "orders.csv", "orders", max_bytes=2**40).frame,
                   events=data.events, spend=data.spend)


def measure(name: str, rows: int, step: Callable[[], object], repeat: int) -> dict:
    """Run ``step`` ``repeat`` times; median seconds and the peak RSS seen while it ran."""
    seconds, peak, base = [], 0, PeakRSS.current()
    for _ in range(repeat):
        gc.collect()
        with PeakRSS() as rss:
            start = time.perf_counter()
            step()
            seconds.append(time.perf_counter() - start)
        peak = max(peak, rss.peak)
    row = {"step": name, "rows": rows, "seconds": statistics.median(seconds),
           "peak_mib": peak / 2**20, "growth_mib": (peak - base) / 2**20}
    print(f"{row['step']:<38}{row['rows']:>12,}{row['seconds']:>9.3f}{row['peak_mib']:>10.0f}{row['growth_mib']:>10.0f}",
          flush=True)
    return row


def steps(data: Dataset, folder: Path) -> list[tuple[str, int, Callable[[], object]]]:
    """The benchmarked steps as (name, rows, callable); later steps reuse earlier results."""
    orders, events, spend = data.orders, data.events, data.spend
    table = rfm.rfm_table(orders)
    scored = rfm.score(table)
    grid = rfm.FOUR_TIER_GRID
    daily = budget.daily_revenue(orders)
    curves = response.fit_response(spend, daily)
    current = {c: float(s) for c, s in spend.groupby("channel", observed=True)["spend"].mean().items()}
    total = sum(current.values())
    bounds = {c: (0.5 * v, 2.0 * v) for c, v in current.items() if c in curves}
    last_day = orders["order_ts"].max().date()  # the Overview page's default range: the last 365 days
    year_start = last_day - pd.Timedelta(days=364)
    return [
        ("load orders CSV (load_table)", len(orders),
         lambda: load_table(folder / "orders.csv", "orders", max_bytes=2**40)),
        ("load orders Parquet export (load_table)", len(orders),
         lambda: load_table(folder / "orders-export.parquet", "orders", max_bytes=2**40)),
        ("reopen saved orders (Parquet)", len(orders), lambda: read_table(folder, "orders")),
        ("reopen saved events (Parquet)", len(events), lambda: read_table(folder, "events")),
        ("overview KPIs + monthly trend, 1 year", len(orders),
         lambda: overview.summary(orders, start=year_start, end=last_day)),
        ("RFM table + scores", len(orders), lambda: rfm.score(rfm.rfm_table(orders))),
        ("re-score (thresholds change)", len(table),
         lambda: rfm.score(table, thresholds={"frequency": [2, 3, 5, 8]})),
        ("re-segment (segment map change)", len(scored), lambda: rfm.segment(scored, grid=grid)),
        ("clustering k=4", len(table), lambda: clusters.cluster(table, k=4)),
        ("cohort matrix, monthly", len(orders), lambda: cohort.retention(orders, period="M")),
        ("funnel 4 steps, 7-day window", len(events), lambda: funnel.funnel(events, FUNNEL_STEPS)),
        ("channel performance", len(orders), lambda: channels.performance(orders, spend)),
        ("attribution, linear 30 d", len(events), lambda: attribution.attribute(orders, events, model="linear")),
        ("budget fit (daily curves)", len(spend), lambda: response.fit_response(spend, daily)),
        ("budget optimise", len(curves), lambda: budget.optimize(
            {c: curves[c] for c in bounds}, sum(current[c] for c in bounds), bounds=bounds)),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated substrings of step names")
    args = parser.parse_args(argv)
    folder = CACHE / f"sample-{args.customers}"
    data = in_store_order(as_uploaded(cached_sample(args.customers), folder))
    print(f"data: {len(data.orders):,} orders, {len(data.events):,} events, {len(data.spend):,} spend rows; "
          f"process RSS {PeakRSS.current() / 2**20:,.0f} MiB")
    print(f"{'step':<38}{'rows':>12}{'seconds':>9}{'peak MiB':>10}{'+MiB':>10}")
    wanted = [w for w in args.only.split(",") if w]
    for name, rows, step in steps(data, folder):
        if not wanted or any(w in name for w in wanted):
            measure(name, rows, step, args.repeat)


if __name__ == "__main__":
    main()
