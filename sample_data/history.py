"""The days after the generated one: reps work part of their books and return a few, so
`books demo --days N` leaves trends, runway and distribution validation with history."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

WORKED_SHARE = 0.12  # of each book, touched on a working day
RETURNED_SHARE = 0.01  # of each book, handed back
RETURN_REASONS = ["no_response", "not_icp", "disqualified"]


def _append(path: Path, table: pa.Table) -> int:
    """Rows added at the end of a landing file, as a CRM's incremental export does."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
    with path.open("ab") as out:
        out.write(buffer.getvalue())
    return table.num_rows


def work_a_day(landing: Path, day: dt.date, books: pd.DataFrame, seed: int = 0) -> dict[str, int]:
    """Appends `day`'s calls on booked accounts to Task.csv and its returns to
    book_returns.csv. `books` holds account_id and rep_id (the rep is the CRM user)."""
    rng = np.random.default_rng([seed, day.toordinal()])
    # In a fixed order: the draws follow the rows, and a table's row order is not.
    books = books.sort_values(["account_id", "rep_id"], ignore_index=True)
    draw = rng.random(len(books))
    worked = books[draw < WORKED_SHARE].reset_index(drop=True)
    returned = books[draw > 1 - RETURNED_SHARE].reset_index(drop=True)
    n, stamp = len(worked), f"{day.isoformat()}T10:00:00.000Z"
    tasks = pa.table(
        {
            # 18 characters like the generator's ids, unique per day.
            "Id": [f"00TD{day:%y%m%d}{i:08d}" for i in range(1, n + 1)],
            "WhatId": worked["account_id"].astype(str),
            "WhoId": pa.nulls(n, pa.string()),
            "OwnerId": worked["rep_id"].astype(str),
            "ActivityDate": [day.isoformat()] * n,
            "CreatedDate": [stamp] * n,
            "Type": ["Call"] * n,
            "TaskSubtype": ["Call"] * n,
            "Subject": ["Call"] * n,
            "Status": ["Completed"] * n,
            "IsRecurrence": [False] * n,
            "CallDurationInSeconds": rng.integers(30, 900, n),
        }
    )
    returns = pa.table(
        {
            "account_id": returned["account_id"].astype(str),
            "rep_id": returned["rep_id"].astype(str),
            "returned_at": [f"{day.isoformat()}T15:00:00.000Z"] * len(returned),
            "reason": rng.choice(RETURN_REASONS, len(returned)),
            "note": [""] * len(returned),
        }
    )
    return {
        "Task.csv": _append(landing / "Task.csv", tasks),
        "book_returns.csv": _append(landing / "book_returns.csv", returns),
    }
