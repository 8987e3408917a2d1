import pyarrow as pa
import pytest

from analytics import arrow_pool


def test_releasing_passes_results_and_errors_through_and_releases_after_each(monkeypatch):
    calls = []
    monkeypatch.setattr(arrow_pool, "release_unused", lambda: calls.append("release"))

    @arrow_pool.releasing
    def step(x, *, fail=False):
        """A step."""
        calls.append("step")
        if fail:
            raise ValueError("bad input")
        return x * 2

    assert step(21) == 42
    assert calls == ["step", "release"]
    with pytest.raises(ValueError, match="bad input"):
        step(1, fail=True)
    assert calls == ["step", "release", "step", "release"]
    assert step.__name__ == "step" and step.__doc__ == "A step."


def test_release_unused_keeps_memory_in_use():
    kept = pa.array(range(100_000))
    before = pa.default_memory_pool().bytes_allocated()
    arrow_pool.release_unused()
    assert pa.default_memory_pool().bytes_allocated() == before
    assert kept.to_pylist()[-1] == 99_999
