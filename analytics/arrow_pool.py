"""Hand the memory that Arrow's allocator keeps after a bulk load or write back to the system.

Arrow (Parquet and CSV reading, the text columns of pandas) allocates through mimalloc. Told to keep
freed pages for a while (the Makefile sets ``MIMALLOC_PURGE_DELAY``), a 10M-row load reuses them
instead of returning and faulting them in again (faster, figures in README "Speed"); the pages it
kept are then returned once, when the step ends.
"""

from __future__ import annotations

import functools

import pyarrow as pa


def release_unused() -> None:
    """Return the free pages of Arrow's default memory pool to the operating system
    (``MemoryPool.release_unused``; memory in use is untouched)."""
    pa.default_memory_pool().release_unused()


def releasing(step):
    """Decorator: ``release_unused`` after ``step`` returns or raises."""

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        try:
            return step(*args, **kwargs)
        finally:
            release_unused()

    return wrapper
