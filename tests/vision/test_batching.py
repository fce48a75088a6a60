import numpy as np
import pytest

from vision.batching import ItemError, chunked, dedupe, expand, pad_batch, run_isolated, scatter, split_ok


def test_chunked_splits_in_order():
    assert chunked([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert chunked([], 3) == []
    with pytest.raises(ValueError):
        chunked([1], 0)


def test_dedupe_and_expand_round_trip():
    items = [("b", "x"), ("b", "y"), ("b", "x"), ("c", "x")]
    d = dedupe(items)
    assert d.unique == [("b", "x"), ("b", "y"), ("c", "x")]
    assert [d.unique[i] for i in d.inverse] == items
    assert expand(["X", "Y", "CX"], d) == ["X", "Y", "X", "CX"]
    with pytest.raises(ValueError):
        expand(["X"], d)


def test_split_ok_and_scatter_keep_positions():
    values: list[int | BaseException] = [1, KeyError("missing"), 3, ValueError("")]
    ok_idx, ok, errors = split_ok(values)
    assert ok_idx == [0, 2]
    assert ok == [1, 3]
    assert errors[1].kind == "KeyError"
    assert errors[3].message == "ValueError"
    out = scatter(4, ok_idx, [10, 30], errors)
    assert out[0] == 10 and out[2] == 30
    assert isinstance(out[1], ItemError) and isinstance(out[3], ItemError)
    with pytest.raises(ValueError):
        scatter(4, ok_idx, [10], errors)


def test_run_isolated_fails_only_the_bad_item():
    def fn(xs: list[int]) -> list[int]:
        if any(x < 0 for x in xs):
            raise ValueError("negative")
        return [x * 2 for x in xs]

    assert run_isolated(fn, [1, 2]) == [2, 4]
    out = run_isolated(fn, [1, -1, 3])
    assert out[0] == 2 and out[2] == 6
    assert isinstance(out[1], ItemError) and out[1].message == "negative"
    assert run_isolated(fn, []) == []


def test_run_isolated_rejects_wrong_result_count():
    out = run_isolated(lambda xs: [0], [1, 2])
    assert out == [0, 0]  # fell back to one call per item


def test_pad_batch():
    batch = np.ones((3, 2), np.float32)
    padded, n = pad_batch(batch, 5)
    assert padded.shape == (5, 2) and n == 3
    assert padded[3:].sum() == 0
    same, n = pad_batch(batch, 3)
    assert same is batch and n == 3
    with pytest.raises(ValueError):
        pad_batch(batch, 2)
