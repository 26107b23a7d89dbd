"""The bounded memo every layer keeps its reusable values in."""

from __future__ import annotations

import pickle

from legalcheck._core.memo import BoundedMemo


def test_a_memo_never_holds_more_than_its_limit() -> None:
    memo: BoundedMemo[int, str] = BoundedMemo(3)
    sizes = []
    for key in range(10):
        assert memo.keep(key, str(key)) == str(key)
        assert memo[key] == str(key)  # what was just kept is always there
        sizes.append(len(memo))
    assert max(sizes) == 3
    assert sizes == [1, 2, 3, 1, 2, 3, 1, 2, 3, 1]


def test_a_memo_survives_pickling_with_its_limit() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.keep("a", 1)
    copy = pickle.loads(pickle.dumps(memo))
    assert type(copy) is BoundedMemo and copy == {"a": 1} and copy.limit == 2
    copy.keep("b", 2)
    copy.keep("c", 3)
    assert copy == {"c": 3}
