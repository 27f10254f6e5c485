"""Account ids as integer codes, numbered in the ids' own order.

The engine asks the same questions of a million account ids many times over (is it in
this book, where is its latest exit, which pair is this), and pandas hashes text for every
one of them; integers hash in a fraction of the time. A code is the id's place among all
the ids a run reads, so sorting by code sorts by id and the run's order is the same either
way. The warehouse's store hands the engine codes it numbered in SQL (and turns them back
into ids as it writes); inputs that carry text are coded here and decoded on the way out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING = -1  # the code of a missing id (validation keeps them out of every input)


class AccountCodes:
    """The ids of a run, sorted: an id's code is its position."""

    def __init__(self, ids: np.ndarray):
        self.ids = ids

    @classmethod
    def of(cls, accounts: pd.Series, *others: pd.Series) -> tuple[AccountCodes, list[np.ndarray]]:
        """The codes of `accounts`' ids (one row an account) and of every id in `others`
        (an account since gone from the CRM, a return naming no account), and each column
        as codes: `accounts` first, then `others`. Each column is hashed once."""
        values = [column.to_numpy(dtype=object) for column in (accounts, *others)]
        ids = values[0]
        in_order = accounts.is_unique and accounts.is_monotonic_increasing  # as the store reads
        if not in_order:
            ids = np.sort(pd.unique(ids[pd.notna(ids)]))
        index = pd.Index(ids, dtype=object)
        coded = values[1:] if in_order else values
        columns = [index.get_indexer(v).astype(np.int64) for v in coded]
        if in_order:  # each account's code is its row
            columns.insert(0, np.arange(len(ids), dtype=np.int64))
        unknown = [v[(c == MISSING) & pd.notna(v)] for v, c in zip(values, columns, strict=True)]
        if not sum(map(len, unknown)):
            return cls(ids), columns
        # Ids no account has: each goes in its place among the accounts' ids, which move up.
        extra = np.sort(pd.unique(np.concatenate(unknown)))
        at = np.searchsorted(ids, extra)
        placed = pd.Index(extra, dtype=object)
        for v, c in zip(values, columns, strict=True):
            known = c != MISSING
            c[known] += np.searchsorted(at, c[known], side="right")
            new = ~known & pd.notna(v)
            found = placed.get_indexer(v[new])
            c[new] = at[found] + found
        return cls(np.insert(ids, at, extra)), columns

    def decode(self, codes: pd.Series | np.ndarray) -> np.ndarray:
        at = np.asarray(codes, dtype=np.int64)
        if not len(self.ids):  # nothing to name: every code is a missing id
            return np.full(len(at), None, dtype=object)
        return np.where(at == MISSING, None, self.ids[at])
