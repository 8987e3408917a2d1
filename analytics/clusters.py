"""Customer clusters (DESIGN §4 "RFM"): k-means on standardised log1p(recency, frequency, monetary).

- Features: log1p(recency_days), log1p(frequency), log1p(max(monetary, 0)) (refunds can make monetary
  negative), each standardised to mean 0 and standard deviation 1 over all customers.
- The model is fitted on a random sample of at most ``sample_size`` customers (all when fewer) and every
  customer is assigned to its nearest centre. KMeans(n_init=N_INIT, random_state=seed): deterministic.
- Cluster ids 0..k-1 are ordered by mean monetary, highest first (ties: higher mean frequency, then lower
  mean recency), so they do not depend on k-means' arbitrary label order.
- Names compare the cluster's median recency / frequency / monetary with the overall medians: "recent"
  when its median recency is below the overall one, "frequent" / "high value" when its median frequency /
  monetary is above. Repeated names get " 2", " 3", ... in id order.
- Silhouette (sklearn.metrics.silhouette_score, -1..1, higher = better separated) on a random sample of at
  most SILHOUETTE_SAMPLE fitted customers; ``k="auto"`` picks the k in AUTO_KS with the best one.
- scikit-learn runs single-threaded here (threadpoolctl): on the shared 2-core server its OpenMP / BLAS
  threads spin against other sessions and were 3-4x slower than one thread; one thread also keeps the
  floating-point sums, hence the clusters, independent of the machine's core count.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from analytics.errors import AnalyticsInputError
from analytics.rfm import DIMENSIONS, rfm_arrays

AUTO_KS = range(3, 9)
N_INIT = 2
SILHOUETTE_SAMPLE = 5_000  # silhouette is O(n^2): 20k rows take ~4 s per k on 2 cores

_NAMES = {  # (recent, frequent, high value) -> name
    (True, True, True): "High value loyal",
    (True, True, False): "Loyal low spenders",
    (True, False, True): "Recent big spenders",
    (True, False, False): "Recent new",
    (False, True, True): "At risk big spenders",
    (False, True, False): "At risk regulars",
    (False, False, True): "Lapsed big spenders",
    (False, False, False): "Lapsed low value",
}


def cluster(table: pd.DataFrame, *, k: int | str = 4, seed: int = 0,
            sample_size: int = 200_000) -> pd.DataFrame:
    """Add ``cluster`` (int, 0 = highest mean monetary) and ``cluster_name`` (categorical, in id order).

    table: an RFM table (rfm_table) -> the same rows plus the two columns. ``k``: number of clusters, an
    integer from 2 to the number of fitted customers, or "auto" (best silhouette among 3..8; ties go to
    the smaller k). ``attrs`` gain ``k``, ``silhouette`` (of the result) and, for "auto",
    ``silhouette_by_k`` ({k: silhouette}). Same input and seed -> same clusters and names.
    """
    where = "cluster"
    values = rfm_arrays(table, where=where)
    features = _features(values)
    fitted, sil_rows = _samples(features, _check_seed(seed, where), _check_sample_size(sample_size, where))
    if isinstance(k, str) and k == "auto":
        k, model, by_k = _fit_best(fitted, sil_rows, seed, where)
        silhouette = by_k[k]
    else:
        k = _check_k(k, len(fitted), where)
        model, by_k = _fit(fitted, k, seed), {}
        found = len(np.unique(model.labels_))
        if found < k:
            raise AnalyticsInputError(
                f"{where} found only {found} distinct customer profiles, fewer than k={k}. "
                "Choose a smaller k."
            )
        silhouette = _silhouette(fitted[sil_rows], model.labels_[sil_rows])
    with threadpool_limits(limits=1):
        raw = model.predict(features)
    ids = _profile_order(raw, values, k)[raw]
    out = table.assign(
        cluster=ids.astype(np.int64),
        cluster_name=pd.Categorical.from_codes(ids, categories=_names(ids, values, k)),
    )
    out.attrs = {**table.attrs, "k": k, "silhouette": silhouette}
    if by_k:
        out.attrs["silhouette_by_k"] = by_k
    return out


def _fit_best(fitted: np.ndarray, sil_rows: np.ndarray, seed: int, where: str) -> tuple[int, KMeans, dict]:
    """k="auto": (best k, its model, {k: silhouette}) over the k in AUTO_KS below the customer count."""
    ks = [c for c in AUTO_KS if c < len(fitted)]
    if not ks:
        raise AnalyticsInputError(
            f"k='auto' in {where} compares {AUTO_KS.start}..{AUTO_KS.stop - 1} clusters and needs at least "
            f"{AUTO_KS.start + 1} customers; got {len(fitted)}. Pass an integer k."
        )
    models = {c: _fit(fitted, c, seed) for c in ks}
    by_k = {c: _k_silhouette(fitted, sil_rows, m, c) for c, m in models.items()}
    valid = [c for c in ks if not np.isnan(by_k[c])]
    if not valid:
        raise AnalyticsInputError(
            f"{where} could not choose k: the customers have fewer than {ks[0]} distinct "
            "(recency, frequency, monetary) profiles. Pass a smaller integer k."
        )
    best = max(valid, key=lambda c: (by_k[c], -c))
    return best, models[best], by_k


def choose_k(table: pd.DataFrame, *, ks: Iterable[int] = AUTO_KS, seed: int = 0,
             sample_size: int = 200_000) -> pd.DataFrame:
    """Silhouette of the k-means fit for each k, as cluster() would fit it.

    table: an RFM table -> one row per k: ``k`` (int), ``silhouette`` (float, -1..1; NaN when the fit
    found fewer than k distinct profiles or k equals the number of customers, where it is undefined).
    Each k must be an integer from 2 to the number of customers (capped by ``sample_size``).
    """
    where = "choose_k"
    features = _features(rfm_arrays(table, where=where))
    fitted, sil_rows = _samples(features, _check_seed(seed, where), _check_sample_size(sample_size, where))
    ks = [_check_k(c, len(fitted), where, name="ks") for c in ks]
    if not ks:
        raise AnalyticsInputError(f"The 'ks' parameter of {where} must list at least one k. Got none.")
    scores = [_k_silhouette(fitted, sil_rows, _fit(fitted, c, seed), c) for c in ks]
    return pd.DataFrame({"k": np.array(ks, dtype=np.int64), "silhouette": np.array(scores, dtype=np.float64)})


def _features(values: dict[str, np.ndarray]) -> np.ndarray:
    """Standardised log1p(recency, frequency, max(monetary, 0)): an (n, 3) float array."""
    logs = np.column_stack([
        np.log1p(np.maximum(values[dim], 0) if dim == "monetary" else values[dim]) for dim in DIMENSIONS
    ])
    spread = logs.std(axis=0)
    return (logs - logs.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def _check_sample_size(sample_size, where: str) -> int:
    if isinstance(sample_size, bool) or not isinstance(sample_size, (int, np.integer)) or sample_size < 2:
        raise AnalyticsInputError(
            f"The 'sample_size' parameter of {where} must be an integer of at least 2. "
            f"Got {sample_size!r} instead."
        )
    return int(sample_size)


def _check_seed(seed, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise AnalyticsInputError(
            f"The 'seed' parameter of {where} must be a non-negative integer. Got {seed!r} instead."
        )
    return int(seed)


def _check_k(k, most: int, where: str, *, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        allowed = "an integer or 'auto'" if name == "k" else "integers"
        raise AnalyticsInputError(f"The '{name}' parameter of {where} must be {allowed}. Got {k!r} instead.")
    if not 2 <= k <= most:
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be from 2 to {most} (the number of customers, "
            f"capped by sample_size). Got {k!r} instead."
        )
    return int(k)


def _samples(features: np.ndarray, seed: int, sample_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(the features to fit, positions within them for the silhouette), rows drawn with ``seed`` and
    kept in table order."""
    rng = np.random.default_rng(seed)
    n = len(features)
    fitted = features[np.sort(rng.choice(n, sample_size, replace=False))] if n > sample_size else features
    m = len(fitted)
    sil = np.sort(rng.choice(m, SILHOUETTE_SAMPLE, replace=False)) if m > SILHOUETTE_SAMPLE else np.arange(m)
    return fitted, sil


def _fit(features: np.ndarray, k: int, seed: int) -> KMeans:
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)  # too few distinct points: callers check labels
        return KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(features)


def _k_silhouette(fitted: np.ndarray, sil_rows: np.ndarray, model: KMeans, k: int) -> float:
    """Silhouette of a fit for k clusters; NaN when it found fewer (too few distinct profiles)."""
    if len(np.unique(model.labels_)) < k:
        return np.nan
    return _silhouette(fitted[sil_rows], model.labels_[sil_rows])


def _silhouette(features: np.ndarray, labels: np.ndarray) -> float:
    """Silhouette of ``labels`` on ``features``; NaN where it is undefined (one cluster, or one per row)."""
    found = len(np.unique(labels))
    if not 2 <= found < len(labels):
        return np.nan
    with threadpool_limits(limits=1):
        return float(silhouette_score(features, labels))


def _profile_order(raw: np.ndarray, values: dict[str, np.ndarray], k: int) -> np.ndarray:
    """new_id[raw label]: by mean monetary desc, then mean frequency desc, mean recency asc, raw label."""
    sizes = np.maximum(np.bincount(raw, minlength=k), 1)
    mean = {dim: np.bincount(raw, weights=values[dim], minlength=k) / sizes for dim in DIMENSIONS}
    order = np.lexsort((np.arange(k), mean["recency_days"], -mean["frequency"], -mean["monetary"]))
    new_id = np.empty(k, dtype=np.int64)
    new_id[order] = np.arange(k)
    return new_id


def _names(ids: np.ndarray, values: dict[str, np.ndarray], k: int) -> list[str]:
    """One unique name per cluster id from its medians against the overall medians."""
    overall = {dim: np.median(values[dim]) for dim in DIMENSIONS}
    order = np.argsort(ids, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(ids, minlength=k))])
    names, seen = [], {}
    for c in range(k):  # one pass per cluster, k <= a handful
        median = {dim: np.median(values[dim][order[bounds[c]:bounds[c + 1]]]) for dim in DIMENSIONS}
        name = _NAMES[(bool(median["recency_days"] < overall["recency_days"]),
                       bool(median["frequency"] > overall["frequency"]),
                       bool(median["monetary"] > overall["monetary"]))]
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return names
