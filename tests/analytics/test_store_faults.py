"""Faults: a server killed in the middle of a save leaves the store consistent (the upload is fully there
or absent), every saved data set still loads after a restart, leftovers of killed saves are cleaned."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from analytics import Dataset
from analytics.store import DatasetStore

SAVER = textwrap.dedent("""
    import sys, numpy as np, pandas as pd
    from analytics import Dataset
    from analytics.store import DatasetStore
    store = DatasetStore(sys.argv[1])
    n = 400_000
    orders = pd.DataFrame({"customer_id": pd.Categorical(np.arange(n) % 9_000),
                           "order_ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="s"),
                           "amount": np.arange(n, dtype=float)})
    print("ready", flush=True)
    while True:
        store.save(Dataset(orders), "bulk")
""")


def _small() -> Dataset:
    return Dataset(pd.DataFrame({"customer_id": pd.Categorical(["a"]),
                                 "order_ts": pd.to_datetime(["2024-01-01 00:00"]).astype("datetime64[ns]"),
                                 "amount": [1.0]}))


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.9, 1.7])
def test_killing_a_save_leaves_only_complete_data_sets(tmp_path, delay):
    root = tmp_path / "store"
    kept = DatasetStore(root).save(_small(), "before the crash")
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(root)], stdout=subprocess.PIPE,
                            cwd=os.getcwd(), env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    restarted = DatasetStore(root)  # a new server process opening the same store
    catalog = restarted.list()
    assert kept in set(catalog["id"])
    for ds_id in catalog["id"]:
        assert len(restarted.load(ds_id).orders) == (1 if ds_id == kept else 400_000)
    visible = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert visible <= set(catalog["id"]) | _orphans(root, catalog)


def _orphans(root, catalog) -> set[str]:
    """Folders renamed into place whose catalog row was not written yet when the process died: invisible
    to users (not in the catalog), complete on disk."""
    names = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    orphans = names - set(catalog["id"])
    for name in orphans:
        assert {"orders.parquet", "events.parquet", "spend.parquet"} <= {f.name for f in (root / name).iterdir()}
    return orphans


def test_stale_staging_folders_of_killed_saves_are_removed_on_open(tmp_path):
    root = tmp_path / "store"
    DatasetStore(root)
    stale = root / ".incoming-abc"
    stale.mkdir()
    (stale / "orders.parquet").write_bytes(b"half written")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = root / ".incoming-def"  # may belong to a save running in another process right now
    fresh.mkdir()
    DatasetStore(root)
    assert not stale.exists()
    assert fresh.exists()
