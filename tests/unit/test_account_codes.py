"""Account ids as integer codes (allocation.keys): the engine's order and answers are the
ids' own, whatever order the accounts come in and whatever ids other inputs name."""

import numpy as np
import pandas as pd
import pytest

from allocation.keys import MISSING, AccountCodes


def ids(*values) -> pd.Series:
    return pd.Series(values, dtype=object)


@pytest.mark.parametrize("accounts", [ids("b", "d", "f"), ids("f", "b", "d")])
def test_codes_sort_as_the_ids_and_decode_to_them(accounts):
    others = ids("a", "d", "e", None, "g", "a")
    codes, (own, named) = AccountCodes.of(accounts, others)
    # Sorting by code sorts by id, ids no account has included.
    assert list(codes.ids) == ["a", "b", "d", "e", "f", "g"]
    assert list(codes.decode(own)) == list(accounts)
    assert list(codes.decode(named)) == ["a", "d", "e", None, "g", "a"]
    assert named[3] == MISSING


def test_many_ids_round_trip_in_order():
    rng = np.random.default_rng(7)
    pool = np.array([f"001{n:015d}" for n in rng.choice(10**6, 5000, replace=False)], object)
    accounts = pd.Series(np.sort(pool[:4000]), dtype=object)
    others = [pd.Series(rng.choice(pool, 800), dtype=object) for _ in range(3)]
    codes, columns = AccountCodes.of(accounts, *others)
    for column, coded in zip([accounts, *others], columns, strict=True):
        assert (codes.decode(coded) == column.to_numpy()).all()
        order = np.argsort(coded, kind="stable")
        assert list(column.to_numpy()[order]) == sorted(column)


def test_ids_of_no_account_are_coded_when_there_are_no_accounts():
    codes, (own, named) = AccountCodes.of(ids(), ids("b", None, "a"))
    assert list(own) == [] and list(codes.decode(named)) == ["b", None, "a"]
    assert list(AccountCodes.of(ids(), ids(None))[0].decode([MISSING])) == [None]
