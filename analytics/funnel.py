"""Conversion funnels on the events table (DESIGN §4 "Funnel").

A funnel has 2..10 steps; a step is an event name or a list/tuple of names (an OR-step: any of them
counts). Every step is matched by its own event: one event never serves two steps. Times are local
wall-clock times (``prep.wall_clock``): time-zone-aware values keep their local clock time.

Orders (``order``):
- ``"sequential"`` (default): a user reaches step k when events for steps 1..k have non-decreasing times
  (events at the same timestamp count as in order, whatever their input order) and the step-k event is
  at most ``window`` after the step-1 event. Other events may happen in between. Every step-1 event
  starts an attempt; a later attempt can still convert when an earlier one ran out of window.
- ``"strict"``: like sequential, but the matched events are consecutive in the user's own stream (all
  of the user's events, any name, sorted by time with ties in input order): nothing in between.
- ``"any_order"``: steps 1..k all present, in any order, within a span of ``window`` (latest minus
  earliest matched event). Every distinct event time of the user is tried as the start of the span.
``window=None`` means no limit.

Matching within an attempt is greedy: step k takes the earliest event (by time, then input order) that
matches step k, is not used by an earlier step, and is no earlier than the step k-1 event (sequential)
or the attempt's start (any_order); strict takes the next event of the stream. A user's depth is the
deepest step any attempt reaches; the counted attempt is the earliest attempt reaching that depth. It
gives the user's step times, entry time and ``by`` value (read on its step-1 event). Greedy matching is
exact unless two steps share an event name (an overlapping OR-step, a repeated step) and either events
of the user share a timestamp or the order is any_order: then a user can be counted a step short.

``step_k_ts`` is when the counted attempt had done steps 1..k: the latest of its step 1..k events, which
is the step-k event itself in sequential and strict order. The time from the previous step is
``step_k_ts - step_(k-1)_ts`` (never negative, also in any_order). ``entered_at`` is the attempt's
first matched event (the step-1 event unless the order is any_order).

Everything is derived from one per-user frame, ``user_depths``; the kernel walks the (at most 10) steps
with vectorised numpy passes over the time-sorted stream of step events, never a loop per user or event.
The views take that frame, so a dashboard runs the kernel once and derives every view from it:
``summarize`` (the funnel table), ``dropped_from`` (drop-off user ids), ``times_from`` (time between two
steps) and ``trend_from`` (conversion by entry period). ``funnel``, ``dropped_users``, ``step_times`` and
``conversion_trend`` are ``user_depths`` followed by these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import prep
from analytics.errors import AnalyticsInputError, require_choice, require_columns

DEFAULT_WINDOW = pd.Timedelta(days=7)
ORDERS = ("sequential", "strict", "any_order")
TREND_FREQS = ("D", "W", "M")
MIN_STEPS, MAX_STEPS = 2, 10
FUNNEL_COLUMNS = ("step", "name", "users", "conversion", "step_conversion", "drop_off",
                  "median_time_from_previous")
_SHOWN_NAMES = 20  # event names listed in the "step name not present" message
_DEPTH_COLUMNS = ("depth", "entered_at")  # user_depths columns besides the id, by and step times


@dataclass(frozen=True)
class _Spec:
    """Validated funnel options."""

    steps: tuple[tuple, ...]  # names per step, duplicates removed, input order kept
    window: int | None  # nanoseconds, None = no limit
    order: str
    user_col: str
    ts_col: str
    name_col: str

    @property
    def time_columns(self) -> list[str]:
        return _time_columns(len(self.steps))

    def shares_names(self, k: int) -> bool:
        """Whether step k (0-based) shares an event name with an earlier step."""
        return any(set(self.steps[k]) & set(names) for names in self.steps[:k])

    @property
    def overlapping(self) -> bool:
        """Whether some event name belongs to two steps (then matches must skip used events)."""
        return any(self.shares_names(k) for k in range(len(self.steps)))

    @property
    def first_attempt_dominates(self) -> bool:
        """With no window and no shared names, a user's first attempt reaches at least as far as any
        later one (greedy matches only move later), so the others need not be walked."""
        return self.window is None and self.order != "strict" and not self.overlapping


@dataclass(frozen=True)
class _Stream:
    """The events the kernel walks (see ``_stream``), in (user, time, input row) order."""

    user: np.ndarray  # integer user codes into ``labels``
    time: np.ndarray  # int64 nanoseconds, local wall clock
    bits: np.ndarray  # uint16, bit k set when the event matches step k (0-based)
    labels: pd.Index
    rows: np.ndarray | None  # input row of each stream position (None: the input rows themselves)

    def __len__(self) -> int:
        return len(self.user)

    def input_rows(self, positions: np.ndarray) -> np.ndarray:
        """Input-frame row of the events at these stream positions."""
        return positions if self.rows is None else self.rows[positions]

    def user_ends(self, users: np.ndarray) -> np.ndarray:
        """One past the last position of each of these users' events (a position p holds an event of
        user u exactly when it lies in u's block and p < user_ends(u))."""
        changes = np.flatnonzero(self.user[1:] != self.user[:-1]) + 1
        ends = np.zeros(len(self.labels), dtype=np.int64)
        ends[self.user[changes - 1]] = changes
        if len(self):
            ends[self.user[-1]] = len(self)
        return ends[users]


# ------------------------------------------------------------------------------------------ public API


def user_depths(events: pd.DataFrame, steps, *, window=DEFAULT_WINDOW, order: str = "sequential",
                by=None, user_col: str = "user_id", ts_col: str = "event_ts",
                name_col: str = "event_name") -> pd.DataFrame:
    """How far each user got in the funnel: one row per event -> one row per user with a step-1 event.

    Columns: ``user_col`` (the user id; a categorical with the input's categories when the input column
    is categorical, so ids sort in category order), the ``by`` column when given, ``depth`` (int, 1..len(steps):
    the deepest step reached), ``entered_at`` (when the counted attempt started) and ``step_1_ts`` ..
    ``step_n_ts`` (naive datetime64, local wall clock: when the counted attempt had done steps 1..k;
    NaT beyond the user's depth). See the module docstring for the matching rules. Users who never
    fired a step-1 event are left out. Rows are in the order of the user id codes (category order for
    categorical ids, first appearance otherwise).

    ``by``: a column of ``events`` (the value on the counted attempt's step-1 event), or a Series /
    mapping user id -> value (e.g. RFM segments); users it lacks get a missing value.

    >>> ev = pd.DataFrame({"user_id": [1, 1], "event_name": ["view", "buy"],
    ...                    "event_ts": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    >>> user_depths(ev, ["view", "buy"])[["user_id", "depth"]].to_dict("list")
    {'user_id': [1], 'depth': [2]}
    """
    where = "user_depths"
    spec = _spec(events, steps, window=window, order=order, user_col=user_col, ts_col=ts_col,
                 name_col=name_col, where=where)
    by_name, by_values = _check_by(events, by, spec, where=where)
    return _user_frame(events, spec, by_name, by_values, where=where)


def funnel(events: pd.DataFrame, steps, *, window=DEFAULT_WINDOW, order: str = "sequential", by=None,
           user_col: str = "user_id", ts_col: str = "event_ts",
           name_col: str = "event_name") -> pd.DataFrame:
    """The conversion funnel: one row per event -> one row per step (per ``by`` value and step).

    Columns: the ``by`` column first when given (one block of steps per value, sorted, missing last),
    then ``step`` (1-based), ``name`` (the step's event name; an OR-step's names joined with " | "),
    ``users`` (users who reached the step, each counted once), ``conversion`` (users / users at step 1),
    ``step_conversion`` (users / users at the previous step; 1.0 at step 1), ``drop_off`` (previous
    users - users; 0 at step 1) and ``median_time_from_previous`` (Timedelta; NaT at step 1 and when
    nobody reached the step). A ratio whose denominator is 0 is NaN.

    ``steps``: 2..10 event names or lists of names. ``window``: a Timedelta measured from the step-1
    event (default 7 days; None = no limit). ``order``: "sequential", "strict" or "any_order" (see the
    module docstring). ``by``: a column of ``events`` read on the counted attempt's step-1 event
    (channel, device, region), or a Series / mapping user id -> value (e.g. RFM segments).

    No events, or nobody at step 1, gives zero users (and no rows per ``by`` value), not an error.

    >>> ev = pd.DataFrame({"user_id": [1, 1, 2], "event_name": ["view", "buy", "view"],
    ...                    "event_ts": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"])})
    >>> funnel(ev, ["view", "buy"])[["step", "users", "conversion"]].to_dict("list")
    {'step': [1, 2], 'users': [2, 1], 'conversion': [1.0, 0.5]}
    """
    where = "funnel"
    spec = _spec(events, steps, window=window, order=order, user_col=user_col, ts_col=ts_col,
                 name_col=name_col, where=where)
    by_name, by_values = _check_by(events, by, spec, where=where)
    return summarize(_user_frame(events, spec, by_name, by_values, where=where), spec.steps, by=by_name)


def dropped_users(events: pd.DataFrame, steps, after_step: int, *, window=DEFAULT_WINDOW,
                  order: str = "sequential", user_col: str = "user_id", ts_col: str = "event_ts",
                  name_col: str = "event_name") -> pd.Series:
    """Ids of the users who reached step ``after_step`` (1-based) but not the next one.

    One row per event -> a Series of user ids named ``user_col``, sorted. Options as in ``funnel``.
    """
    where = "dropped_users"
    spec = _spec(events, steps, window=window, order=order, user_col=user_col, ts_col=ts_col,
                 name_col=name_col, where=where)
    _check_step(after_step, 1, len(spec.steps) - 1, name="after_step", where=where)
    return dropped_from(_user_frame(events, spec, None, None, where=where), after_step, user_col=user_col)


def step_times(events: pd.DataFrame, steps, from_step: int, to_step: int, *, window=DEFAULT_WINDOW,
               order: str = "sequential", user_col: str = "user_id", ts_col: str = "event_ts",
               name_col: str = "event_name") -> pd.Series:
    """Time from step ``from_step`` to step ``to_step`` (1-based) for every user who reached ``to_step``.

    One row per event -> a Timedelta Series indexed by user id (sorted), named
    ``"step_<from>_to_<to>"``: ``step_<to>_ts - step_<from>_ts`` of the counted attempt, for a
    time-to-convert histogram. Options as in ``funnel``.
    """
    where = "step_times"
    spec = _spec(events, steps, window=window, order=order, user_col=user_col, ts_col=ts_col,
                 name_col=name_col, where=where)
    _check_step(from_step, 1, len(spec.steps) - 1, name="from_step", where=where)
    _check_step(to_step, from_step + 1, len(spec.steps), name="to_step", where=where)
    return times_from(_user_frame(events, spec, None, None, where=where), from_step, to_step,
                      user_col=user_col)


def conversion_trend(events: pd.DataFrame, steps, *, freq: str = "W", window=DEFAULT_WINDOW,
                     order: str = "sequential", user_col: str = "user_id", ts_col: str = "event_ts",
                     name_col: str = "event_name") -> pd.DataFrame:
    """Funnel conversion by entry period: one row per event -> one row per period.

    Columns: ``period`` (datetime64 start of the period: the day, the week starting Monday, or the
    month for ``freq`` "D", "W", "M"), ``entered`` (users whose counted attempt started in the period,
    ``entered_at``), ``converted`` (those of them who reached the last step) and ``rate`` (converted /
    entered, NaN when nobody entered). Every period from the first to the last entry is listed. Users
    who entered less than ``window`` before the end of the data may still convert: recent rates are
    provisional. Options as in ``funnel``.
    """
    where = "conversion_trend"
    require_choice(freq, TREND_FREQS, name="freq", where=where)
    spec = _spec(events, steps, window=window, order=order, user_col=user_col, ts_col=ts_col,
                 name_col=name_col, where=where)
    return trend_from(_user_frame(events, spec, None, None, where=where), freq=freq)


# ------------------------------------------------------------------------------------------ views


def summarize(depths: pd.DataFrame, steps, *, by: str | None = None) -> pd.DataFrame:
    """The funnel table of a ``user_depths`` frame: one row per user -> one row per step (per ``by`` value
    and step), the same frame as ``funnel`` with the same options.

    ``steps``: the steps passed to ``user_depths`` (they give the ``name`` column and must match its
    number of step columns). ``by``: the name of the breakdown column of ``depths`` (the ``by`` column
    that ``user_depths`` added, e.g. "channel" or "segment"), or None for the overall funnel; other
    columns are ignored, so one frame computed with a ``by`` also gives the overall funnel.

    >>> ev = pd.DataFrame({"user_id": [1, 1, 2], "event_name": ["view", "buy", "view"],
    ...                    "event_ts": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"])})
    >>> summarize(user_depths(ev, ["view", "buy"]), ["view", "buy"])["users"].tolist()
    [2, 1]
    """
    where = "summarize"
    names = _step_names(steps, where=where)
    n_steps = _depth_steps(depths, where=where, steps=len(names))
    if by is not None and (not isinstance(by, str) or by not in depths.columns
                           or by in {*_DEPTH_COLUMNS, *_time_columns(n_steps)}):
        raise AnalyticsInputError(
            f"The 'by' parameter of {where} must name the breakdown column of the user_depths frame "
            f"(the 'by' given to user_depths). Got {by!r}; columns: {', '.join(map(str, depths.columns))}."
        )
    return _summary(depths, [" | ".join(map(str, step)) for step in names], by)


def dropped_from(depths: pd.DataFrame, after_step: int, *, user_col: str = "user_id") -> pd.Series:
    """Ids of the users of a ``user_depths`` frame who reached step ``after_step`` (1-based) but not the
    next one: one row per user -> a Series of user ids named ``user_col``, sorted (a re-targeting list).
    """
    where = "dropped_from"
    n_steps = _depth_steps(depths, where=where, user_col=user_col)
    _check_step(after_step, 1, n_steps - 1, name="after_step", where=where)
    ids = depths.loc[depths["depth"].to_numpy() == after_step, user_col]
    return ids.sort_values(kind="stable").reset_index(drop=True)


def times_from(depths: pd.DataFrame, from_step: int, to_step: int, *, user_col: str = "user_id") -> pd.Series:
    """Time from step ``from_step`` to step ``to_step`` (1-based) of a ``user_depths`` frame, for every
    user who reached ``to_step``: one row per user -> a Timedelta Series indexed by user id (sorted),
    named ``"step_<from>_to_<to>"`` (``step_<to>_ts - step_<from>_ts``), for a time-to-convert histogram.
    """
    where = "times_from"
    n_steps = _depth_steps(depths, where=where, user_col=user_col)
    _check_step(from_step, 1, n_steps - 1, name="from_step", where=where)
    _check_step(to_step, from_step + 1, n_steps, name="to_step", where=where)
    reached = depths.loc[depths["depth"].to_numpy() >= to_step]
    delta = reached[f"step_{to_step}_ts"] - reached[f"step_{from_step}_ts"]
    times = pd.Series(delta.to_numpy(), index=pd.Index(reached[user_col], name=user_col),
                      name=f"step_{from_step}_to_{to_step}")
    return times.sort_index(kind="stable")


def trend_from(depths: pd.DataFrame, *, freq: str = "W") -> pd.DataFrame:
    """Conversion by entry period of a ``user_depths`` frame: one row per user -> one row per period.

    Columns as in ``conversion_trend``: ``period`` (start of the day, Monday week or month of
    ``entered_at``), ``entered``, ``converted`` (reached the last step) and ``rate`` (NaN when nobody
    entered); every period from the first to the last entry is listed.
    """
    where = "trend_from"
    require_choice(freq, TREND_FREQS, name="freq", where=where)
    n_steps = _depth_steps(depths, where=where)
    periods = _period_numbers(depths["entered_at"].to_numpy(), freq)
    if not len(periods):
        return pd.DataFrame({"period": pd.Series([], dtype="datetime64[ns]"),
                             "entered": pd.Series([], dtype=np.int64),
                             "converted": pd.Series([], dtype=np.int64),
                             "rate": pd.Series([], dtype=np.float64)})
    first = int(periods.min())
    offset = periods - first
    converted_flags = depths["depth"].to_numpy() == n_steps
    entered = np.bincount(offset)
    converted = np.bincount(offset, weights=converted_flags, minlength=len(entered)).astype(np.int64)
    return pd.DataFrame({
        "period": _period_starts(np.arange(first, first + len(entered)), freq),
        "entered": entered.astype(np.int64),
        "converted": converted,
        "rate": _ratio(converted, entered),
    })


# ------------------------------------------------------------------------------------------ validation


def _spec(events, steps, *, window, order, user_col, ts_col, name_col, where) -> _Spec:
    require_columns(events, (user_col, ts_col, name_col), where=where)
    require_choice(order, ORDERS, name="order", where=where)
    return _Spec(steps=_step_names(steps, where=where), window=_window_ns(window, where=where),
                 order=order, user_col=user_col, ts_col=ts_col, name_col=name_col)


def _step_names(steps, *, where: str) -> tuple[tuple, ...]:
    if isinstance(steps, (str, bytes)) or not isinstance(steps, (list, tuple)):
        raise AnalyticsInputError(
            f"The 'steps' parameter of {where} must be a list of event names (or of lists of names for "
            f"an OR-step), e.g. ['view_item', 'add_to_cart', 'purchase']. Got {steps!r} instead."
        )
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise AnalyticsInputError(
            f"The 'steps' parameter of {where} needs {MIN_STEPS} to {MAX_STEPS} steps. "
            f"Got {len(steps)} instead. Add or remove steps."
        )
    out = []
    for number, step in enumerate(steps, start=1):
        names = tuple(step) if isinstance(step, (list, tuple)) else (step,)
        bad = [n for n in names if not pd.api.types.is_scalar(n) or pd.isna(n)]
        if not names or bad:
            raise AnalyticsInputError(
                f"Step {number} of {where} must be an event name or a non-empty list of event names. "
                f"Got {step!r} instead."
            )
        out.append(tuple(dict.fromkeys(names)))
    return tuple(out)


def _window_ns(window, *, where: str) -> int | None:
    if window is None:
        return None
    parsed = pd.NaT
    if isinstance(window, np.timedelta64) or not isinstance(window, (bool, int, float, np.number)):
        try:
            parsed = pd.Timedelta(window)
        except (ValueError, TypeError):
            pass
    if parsed is pd.NaT or parsed < pd.Timedelta(0):
        raise AnalyticsInputError(
            f"The 'window' parameter of {where} must be a non-negative duration such as "
            f"pd.Timedelta(days=7), or None for no limit. Got {window!r} instead."
        )
    return int(parsed.value)


def _check_by(events: pd.DataFrame, by, spec: _Spec, *, where: str):
    """-> (name of the by column in the results or None, a Series user id -> value or None)."""
    if by is None:
        return None, None
    if isinstance(by, str):
        if by not in events.columns:
            raise AnalyticsInputError(
                f"The 'by' parameter of {where} names the column {by!r}, which events lacks. "
                f"Columns: {', '.join(map(str, events.columns))}. Pick one of them or pass a Series "
                "indexed by user id."
            )
        name, values = by, None
    elif isinstance(by, (pd.Series, Mapping)):
        values = by if isinstance(by, pd.Series) else pd.Series(dict(by))
        if not values.index.is_unique:
            raise AnalyticsInputError(
                f"The 'by' Series of {where} must have one value per user id, but its index repeats "
                f"{values.index[values.index.duplicated()][0]!r}. Drop the duplicates first."
            )
        name = "group" if values.name is None else str(values.name)
    else:
        raise AnalyticsInputError(
            f"The 'by' parameter of {where} must be a column name of events or a Series / mapping "
            f"user id -> value. Got {type(by).__name__} instead."
        )
    taken = {spec.user_col, *_DEPTH_COLUMNS, *spec.time_columns, *FUNNEL_COLUMNS}
    if name in taken:
        raise AnalyticsInputError(
            f"The 'by' column of {where} is called {name!r}, which clashes with a result column. "
            "Rename it (for a Series: series.rename('segment'))."
        )
    return name, values


def _time_columns(n_steps: int) -> list[str]:
    """The step time columns of a user_depths frame: step_1_ts .. step_<n>_ts."""
    return [f"step_{k}_ts" for k in range(1, n_steps + 1)]


def _depth_steps(depths, *, where: str, steps: int | None = None, user_col: str | None = None) -> int:
    """The number of steps of a user_depths frame (its step_k_ts columns); raises unless ``depths`` looks
    like one (with ``user_col`` when given, and ``steps`` steps when given)."""
    columns = set(depths.columns) if isinstance(depths, pd.DataFrame) else set()
    n_steps = 0
    while f"step_{n_steps + 1}_ts" in columns:
        n_steps += 1
    needed = [*([user_col] if user_col is not None else []), *_DEPTH_COLUMNS]
    if n_steps < MIN_STEPS or not columns.issuperset(needed):
        found = (", ".join(map(str, depths.columns)) or "no columns") if isinstance(depths, pd.DataFrame) \
            else type(depths).__name__
        raise AnalyticsInputError(
            f"{where} needs the frame returned by user_depths (columns {', '.join(needed)}, step_1_ts .. "
            f"step_<n>_ts). Got {found} instead. Call user_depths(events, steps, ...) first."
        )
    if steps is not None and steps != n_steps:
        raise AnalyticsInputError(
            f"The 'steps' parameter of {where} lists {steps} steps, but the user_depths frame has {n_steps} "
            f"(step_1_ts .. step_{n_steps}_ts). Pass the steps given to user_depths."
        )
    return n_steps


def _check_step(value, low: int, high: int, *, name: str, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be a step number from {low} to {high}. "
            f"Got {value!r} instead."
        )


def _step_bits(names: pd.Series, spec: _Spec, *, where: str) -> np.ndarray:
    """Per input row, a uint16 whose bit k is set when the row's event name belongs to step k.

    Raises when a step name never occurs in the column (categories of a categorical column count as
    occurring, so a date filter that empties a step gives zeros, not an error); an empty table passes.
    """
    if isinstance(names.dtype, pd.CategoricalDtype):
        codes, vocab = names.cat.codes.to_numpy(), pd.Index(names.cat.categories)
    else:
        codes, vocab = pd.factorize(names)
        vocab = pd.Index(vocab)
    lookup = np.zeros(len(vocab) + 1, dtype=np.uint16)  # the last slot serves missing names (code -1)
    for k, step in enumerate(spec.steps):
        lookup[:-1] |= vocab.isin(step).astype(np.uint16) << k
        missing = [n for n in step if n not in set(vocab)] if len(names) else []
        if missing:
            shown = sorted(map(str, vocab))
            listed = ", ".join(shown[:_SHOWN_NAMES]) or "none"
            more = f" (and {len(shown) - _SHOWN_NAMES} more)" if len(shown) > _SHOWN_NAMES else ""
            raise AnalyticsInputError(
                f"{where}: step {k + 1} names the event {missing[0]!r}, which never occurs in the "
                f"column '{spec.name_col}'. Names present: {listed}{more}. Check the spelling."
            )
    return lookup[codes]


# ------------------------------------------------------------------------------------------ kernel


def _stream(events: pd.DataFrame, spec: _Spec, *, where: str) -> _Stream:
    """Encode the events for the kernel, in (user, time) order.

    An events table already in that order (``prep.by_user_time``; the app keeps every events table
    so) is used as it is: its columns' own arrays, nothing copied or sorted. Otherwise the events that
    can matter (the step events; for strict order every event, as any event in between breaks a
    strict path) are gathered in sorted order.
    """
    bits = _step_bits(events[spec.name_col], spec, where=where)
    user, labels = prep.category_codes(events[spec.user_col], where=where)
    time = prep.wall_clock(events[spec.ts_col], where=where).view(np.int64)
    order = prep.user_time_order(user, time, len(labels))
    if order is None:
        return _Stream(user=user, time=time, bits=bits, labels=labels, rows=None)
    rows = order if spec.order == "strict" else order[np.flatnonzero(bits[order] != 0)]
    return _Stream(user=user[rows], time=time[rows], bits=bits[rows], labels=labels, rows=rows)


class _StepIndex:
    """Finds a step's next event from any stream position: the step's positions and, per position, how
    many of them come before it (one running sum instead of a binary search per origin).

    ``at(k)`` re-indexes for step k (0-based) in two buffers of stream length that live as long as the
    index, so the walk allocates them once, not per step (fresh pages of 100s of MB cost more than
    the arithmetic on them).
    """

    def __init__(self, stream: _Stream):
        n = len(stream)
        self._bits = stream.bits
        self._matches = np.empty(n, dtype=bool)
        self._before = np.zeros(n + 1, dtype=np.int32 if n < 2**31 else np.int64)
        self._positions = np.zeros(1, dtype=np.int64)

    def at(self, k: int) -> _StepIndex:
        """Index step k (0-based); returns self."""
        table = ((np.arange(1 << MAX_STEPS) >> k) & 1).astype(bool)  # bits value -> matches step k
        np.take(table, self._bits, out=self._matches)
        np.cumsum(self._matches, dtype=self._before.dtype, out=self._before[1:])
        self._positions = np.flatnonzero(self._matches)
        return self

    @property
    def positions(self) -> np.ndarray:
        """The positions of the indexed step's events, ascending."""
        return self._positions

    def first_from(self, origin: np.ndarray) -> np.ndarray:
        """Per origin position (0..n), the first position >= it whose event matches the indexed step;
        n when there is none (the caller checks that it belongs to the attempt's user)."""
        rank = self._before[origin]
        found = self._positions.take(rank, mode="clip") if len(self._positions) else rank
        found[rank == len(self._positions)] = len(self._matches)
        return found


@dataclass(frozen=True)
class _Ties:
    """Which stream positions share user and time with the position before (rare), and the first
    position of the (user, time) group of those that do."""

    is_tied: np.ndarray  # bool per position
    tied: np.ndarray  # the tied positions, ascending
    group_first: np.ndarray  # per tied position, the first position of its group

    @classmethod
    def of(cls, stream: _Stream) -> _Ties:
        is_tied = np.zeros(len(stream), dtype=bool)
        is_tied[1:] = (stream.user[1:] == stream.user[:-1]) & (stream.time[1:] == stream.time[:-1])
        tied = np.flatnonzero(is_tied)
        run_start = np.ones(len(tied), dtype=bool)
        run_start[1:] = tied[1:] != tied[:-1] + 1
        return cls(is_tied, tied, np.maximum.accumulate(np.where(run_start, tied - 1, 0)))

    def origins(self, positions: np.ndarray) -> np.ndarray:
        """First position of the (user, time) group of each position: where ">= its time" begins."""
        hit = np.flatnonzero(self.is_tied[positions])
        if not len(hit):
            return positions
        out = positions.copy()
        out[hit] = self.group_first[np.searchsorted(self.tied, positions[hit])]
        return out


def _distinct_step_times(stream: _Stream) -> np.ndarray:
    """Per (user, time) with a step event, the position of its first step event."""
    steps_at = np.flatnonzero(stream.bits != 0)
    user, time = stream.user[steps_at], stream.time[steps_at]
    first = np.ones(len(steps_at), dtype=bool)
    first[1:] = (user[1:] != user[:-1]) | (time[1:] != time[:-1])
    return steps_at[first]


def _skip_used(found: np.ndarray, index: _StepIndex, path: list[np.ndarray]) -> np.ndarray:
    """Move every found position whose event an earlier step of the same attempt already uses on to the
    next match of the step ``index`` is at. At most len(path) rounds: each moves past one used event."""
    todo = np.arange(len(found))
    while len(todo):
        used = np.zeros(len(todo), dtype=bool)
        for taken in path:
            used |= taken[todo] == found[todo]
        todo = todo[used]
        found[todo] = index.first_from(found[todo] + 1)
    return found


@dataclass(frozen=True)
class _Walk:
    """Per attempt: user code, depth, and per step (alive attempt ids, matched stream positions)."""

    user: np.ndarray
    depth: np.ndarray
    matches: list[tuple[np.ndarray, np.ndarray]]


def _walk(stream: _Stream, spec: _Spec) -> _Walk:
    """Match every attempt step by step (a loop over at most 10 steps; each pass is vectorised).

    Sequential and any_order take a step's first event (``_StepIndex``) from the first position of
    the previous match's time group (sequential; ties count as in order) or from the attempt's start
    (any_order); strict only looks at the next position.
    """
    ties = _Ties.of(stream) if spec.order == "sequential" else None
    index = _StepIndex(stream)
    if spec.order == "any_order":
        starts, first_step = _distinct_step_times(stream), 0  # a span can start at any distinct time
    else:
        starts, first_step = index.at(0).positions, 1  # one attempt per step-1 event
    if spec.first_attempt_dominates and len(starts):
        starts = starts[np.r_[True, stream.user[starts[1:]] != stream.user[starts[:-1]]]]
    user0, time0 = stream.user[starts], stream.time[starts]
    user_end = stream.user_ends(user0)  # a match must come before the end of the attempt's user
    depth = np.full(len(starts), first_step, dtype=np.int64)
    alive = np.arange(len(starts))
    path = [starts] if first_step else []
    matches = [(alive, starts)] if first_step else []
    for k in range(first_step, len(spec.steps)):
        if spec.order == "strict":
            found = path[-1] + 1
            ok = found < user_end[alive]
            ok[ok] = (stream.bits[found[ok]] & (1 << k)) != 0
        else:
            origin = starts[alive] if spec.order == "any_order" else ties.origins(path[-1])
            found = index.at(k).first_from(origin)
            if spec.shares_names(k):
                found = _skip_used(found, index, path)
            ok = found < user_end[alive]
        keep = np.flatnonzero(ok)
        if spec.window is not None:
            keep = keep[stream.time[found[keep]] - time0[alive[keep]] <= spec.window]
        alive = alive[keep]
        path = ([p[keep] for p in path] if spec.overlapping else []) + [found[keep]]
        depth[alive] = k + 1
        matches.append((alive, path[-1]))
        if not len(alive):
            break
    return _Walk(user=user0, depth=depth, matches=matches)


def _counted(walk: _Walk) -> np.ndarray:
    """Per entered user (in user-code order), the earliest attempt reaching the user's deepest step."""
    if not len(walk.user):
        return np.zeros(0, dtype=np.int64)
    firsts = np.flatnonzero(np.r_[True, walk.user[1:] != walk.user[:-1]])
    best = np.maximum.reduceat(walk.depth, firsts)
    deepest = np.flatnonzero(walk.depth == np.repeat(best, np.diff(np.r_[firsts, len(walk.user)])))
    counted = deepest[np.r_[True, walk.user[deepest[1:]] != walk.user[deepest[:-1]]]]
    return counted[walk.depth[counted] > 0]  # any_order: users without a step-1 event never enter


def _user_frame(events: pd.DataFrame, spec: _Spec, by_name: str | None, by_values: pd.Series | None,
                *, where: str) -> pd.DataFrame:
    """The per-user frame of ``user_depths`` (validated options in, one row per entered user out)."""
    stream = _stream(events, spec, where=where)
    walk = _walk(stream, spec)
    counted = _counted(walk)
    depth = walk.depth[counted]
    is_counted = np.zeros(len(walk.user), dtype=bool)
    is_counted[counted] = True
    never = np.iinfo(np.int64).min  # NaT
    entered = np.full(len(counted), np.iinfo(np.int64).max)
    latest = np.full(len(counted), never)
    reached_at = [np.full(len(counted), never) for _ in spec.steps]
    step_events = []  # per step, the stream positions of the counted attempts' events
    for k, (alive, matched) in enumerate(walk.matches):
        at = np.flatnonzero(depth > k)
        step_events.append(matched[np.flatnonzero(is_counted[alive])])  # both in attempt order
        times = stream.time[step_events[-1]]
        entered[at] = np.minimum(entered[at], times)
        latest[at] = np.maximum(latest[at], times)
        reached_at[k][at] = latest[at]  # steps 1..k+1 are done when the latest of their events is
    out = {spec.user_col: _user_ids(events[spec.user_col], stream, walk.user[counted])}
    if by_name is not None:
        first_events = step_events[0] if step_events else np.zeros(0, dtype=np.int64)
        out[by_name] = _by_column(events, stream, first_events, by_name, by_values,
                                  out[spec.user_col], where=where)
    out["depth"] = depth
    out["entered_at"] = entered.view("datetime64[ns]")
    for column, times in zip(spec.time_columns, reached_at):
        out[column] = times.view("datetime64[ns]")
    return pd.DataFrame(out, copy=False)  # fresh arrays: skip the consolidating copy


def _user_ids(column: pd.Series, stream: _Stream, codes: np.ndarray):
    """The ids of these user codes: a categorical of the column's own categories when the column is one
    (no id strings copied for millions of users), else the id values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(codes, dtype=column.dtype)
    return stream.labels[codes]


def _by_column(events, stream: _Stream, first_pos: np.ndarray, by_name: str,
               by_values: pd.Series | None, user_ids: pd.Index, *, where: str):
    """The by value per user: read on the step-1 event of the counted attempt, or looked up by id."""
    if by_values is None:
        return events[by_name].take(stream.input_rows(first_pos)).array
    if len(user_ids) and not user_ids.isin(by_values.index).any():
        sample = _shown(by_values.index[0]) if len(by_values) else "an empty index"
        raise AnalyticsInputError(
            f"{where}: none of the {len(user_ids)} user id(s) that entered the funnel is in the index of "
            f"the 'by' Series (ids like {_shown(user_ids[0])}; index like {sample}). Index the Series by "
            "the same user ids as the events (e.g. the customer_id of rfm_table)."
        )
    return by_values.reindex(user_ids).array


def _shown(value) -> str:
    """repr of a label, numpy scalars shown as plain Python values (1, not np.int64(1))."""
    return repr(value.item() if isinstance(value, np.generic) else value)


# ------------------------------------------------------------------------------------------ summaries


def _summary(users: pd.DataFrame, labels: list[str], by_name: str | None) -> pd.DataFrame:
    """Per-user frame -> one row per (by value, step): the funnel table (``labels``: the step names)."""
    n_steps = len(labels)
    time_columns = _time_columns(n_steps)
    depth = users["depth"].to_numpy()
    if by_name is None:
        group, groups = np.zeros(len(users), dtype=np.int64), None
    else:
        group, groups = pd.factorize(users[by_name], sort=True, use_na_sentinel=False)
    n_groups = 1 if groups is None else len(groups)
    at_depth = np.bincount(group * n_steps + depth - 1, minlength=n_groups * n_steps)
    reached = at_depth.reshape(n_groups, n_steps)[:, ::-1].cumsum(axis=1)[:, ::-1]
    previous = np.concatenate([reached[:, :1], reached[:, :-1]], axis=1)
    medians = np.full((n_groups, n_steps), np.iinfo(np.int64).min)
    for k in range(1, n_steps):
        sel = np.flatnonzero(depth > k)
        if not len(sel):
            break
        gap = users[time_columns[k]].to_numpy()[sel] - users[time_columns[k - 1]].to_numpy()[sel]
        median = pd.Series(gap).groupby(group[sel]).median()
        medians[median.index.to_numpy(), k] = median.to_numpy().view(np.int64)
    out = {} if groups is None else {by_name: groups.repeat(n_steps)}
    out.update({
        "step": np.tile(np.arange(1, n_steps + 1), n_groups),
        "name": pd.array(np.tile(np.array(labels, dtype=object), n_groups), dtype="str"),
        "users": reached.ravel(),
        "conversion": _ratio(reached, np.repeat(reached[:, :1], n_steps, axis=1)).ravel(),
        "step_conversion": _ratio(reached, previous).ravel(),
        "drop_off": (previous - reached).ravel(),
        "median_time_from_previous": medians.ravel().view("timedelta64[ns]"),
    })
    return pd.DataFrame(out)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator as float64, NaN where the denominator is 0."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _period_numbers(times: np.ndarray, freq: str) -> np.ndarray:
    """Absolute period number of each naive datetime64: days, Monday weeks or months since 1970-01."""
    if freq == "M":
        return times.astype("datetime64[M]").astype(np.int64)
    days = prep.day_numbers(times)
    return days if freq == "D" else (days + 3) // 7  # 1970-01-01 was a Thursday


def _period_starts(numbers: np.ndarray, freq: str) -> np.ndarray:
    """First instant (datetime64[ns]) of each absolute period number."""
    if freq == "M":
        return numbers.astype("datetime64[M]").astype("datetime64[ns]")
    days = numbers if freq == "D" else numbers * 7 - 3
    return days.astype("datetime64[D]").astype("datetime64[ns]")
