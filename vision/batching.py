"""Batch logic of the Serve replica as plain functions (unit-tested without Ray).

A Serve batch is a list of items gathered across HTTP requests. The replica de-duplicates it
(one photo asked twice is read and analysed once), loads the unique items concurrently, runs the
model once over the images that loaded, isolates failures to the items that caused them, and maps
every result back to the position of the item that asked for it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from vision.errors import error_kind
from wairo_contracts.vision import ErrorKind

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ItemError:
    """The failure of one item; the other items of the batch are unaffected."""

    message: str
    kind: str = "error"  # the exception's type name
    category: ErrorKind = "internal"  # what the caller should do about it (see wairo_contracts.vision)


@dataclass(frozen=True, slots=True)
class Dedup(Generic[K]):
    unique: list[K]
    inverse: list[int]  # position in ``unique`` of each original item


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """Split ``items`` into consecutive lists of at most ``size``."""
    if size < 1:
        raise ValueError("size must be >= 1")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def dedupe(items: Sequence[K]) -> Dedup[K]:
    """Group equal items: ``[unique[i] for i in inverse] == items``, first-seen order kept."""
    index: dict[K, int] = {}
    inverse: list[int] = []
    for item in items:
        inverse.append(index.setdefault(item, len(index)))
    return Dedup(unique=list(index), inverse=inverse)


def expand(per_unique: Sequence[R], dedup: Dedup[K]) -> list[R]:
    """Map results of the unique items back onto the original items."""
    if len(per_unique) != len(dedup.unique):
        raise ValueError(f"{len(per_unique)} results for {len(dedup.unique)} unique items")
    return [per_unique[i] for i in dedup.inverse]


def item_error(exc: BaseException) -> ItemError:
    return ItemError(
        message=str(exc) or type(exc).__name__, kind=type(exc).__name__, category=error_kind(exc)
    )


def split_ok(values: Sequence[T | BaseException]) -> tuple[list[int], list[T], dict[int, ItemError]]:
    """Separate loaded values from failures: (indices that loaded, their values, errors by index)."""
    ok_idx: list[int] = []
    ok: list[T] = []
    errors: dict[int, ItemError] = {}
    for i, value in enumerate(values):
        if isinstance(value, BaseException):
            errors[i] = item_error(value)
        else:
            ok_idx.append(i)
            ok.append(value)
    return ok_idx, ok, errors


def scatter(
    n: int, ok_idx: Sequence[int], results: Sequence[R], errors: dict[int, ItemError]
) -> list[R | ItemError]:
    """Rebuild a list of ``n`` outcomes from the results of the ok indices and the errors."""
    if len(ok_idx) != len(results):
        raise ValueError(f"{len(results)} results for {len(ok_idx)} items")
    out: list[R | ItemError | None] = [None] * n
    for i, r in zip(ok_idx, results, strict=True):
        out[i] = r
    for i, e in errors.items():
        out[i] = e
    if any(o is None for o in out):
        raise ValueError("some items have neither a result nor an error")
    return [o for o in out if o is not None]


def run_isolated(fn: Callable[[list[T]], list[R]], inputs: Sequence[T]) -> list[R | ItemError]:
    """Run ``fn`` on the whole batch; if it fails, run it item by item so one bad input only
    fails itself."""
    if not inputs:
        return []
    try:
        results = fn(list(inputs))
        if len(results) != len(inputs):
            raise ValueError(f"{len(results)} results for {len(inputs)} inputs")
        return list(results)
    except Exception:
        out: list[R | ItemError] = []
        for item in inputs:
            try:
                out.append(fn([item])[0])
            except Exception as exc:
                out.append(item_error(exc))
        return out


def pad_batch(batch: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Zero-pad the first axis of ``batch`` up to ``size`` (for fixed-batch models); returns the
    padded array and the number of real rows (slice the outputs with it)."""
    n = len(batch)
    if n > size:
        raise ValueError(f"batch of {n} exceeds {size}")
    if n == size:
        return batch, n
    pad = np.zeros((size - n, *batch.shape[1:]), dtype=batch.dtype)
    return np.concatenate([batch, pad]), n
