"""A corpus of damaged landing rows through `books run`: the run completes, every damaged
row is in the review queue with the rule that caught it, rows reconcile per file, and no
quarantined account is ever put in a book."""

import datetime as dt

import duckdb
import pytest

from data_quality.contract import LANDING_FILES
from orchestration.runner import RunPaths, run_books
from sample_data.generate import generate

AS_OF = dt.date(2026, 11, 23)
GOOD = '"{id}","Good Co","good.com","Software","1000","10","US","CA","Prospect","005X",'
# (file, bytes appended, key in the queue or None for unparseable lines, expected rule)
CORPUS = [
    (
        "Account.csv",
        b'"001DUP","Dup A","a.com","Retail","5","5","US","CA","Prospect","005X",'
        b'"2024-01-05T10:00:00.000Z"\n',
        "001DUP",
        "account_id_unique",
    ),
    (
        "Account.csv",
        b'"001DUP","Dup B","b.com","Retail","5","5","US","CA","Prospect","005X",'
        b'"2024-01-05T10:00:00.000Z"\n',
        "001DUP",
        "account_id_unique",
    ),
    (
        "Account.csv",
        b'"","No Id","c.com","Retail","5","5","US","CA","Prospect","005X",'
        b'"2024-01-05T10:00:00.000Z"\n',
        None,
        "missing_required",
    ),
    (
        "Account.csv",
        b'"001NEG","Neg","d.com","Retail","-7","5","US","CA","Prospect","005X",'
        b'"2024-01-05T10:00:00.000Z"\n',
        "001NEG",
        "revenue_not_negative",
    ),
    (
        "Account.csv",
        b'"001DATE","Bad Date","e.com","Retail","5","5","US","CA","Prospect","005X","31/02/2024"\n',
        "001DATE",
        "invalid_type",
    ),
    (
        "Account.csv",
        b'"001BYTE","Caf\xe9","f.com","Retail","5","5","US","CA","Prospect","005X",'
        b'"2024-01-05T10:00:00.000Z"\n',
        None,
        "malformed_csv",
    ),
    (
        "Task.csv",
        b'"00TORPHAN","001UNKNOWN","","005X","2026-11-01","2026-11-01T10:00:00.000Z",'
        b'"Call","Call","Call","Completed",false,60\n',
        "00TORPHAN",
        "unknown_account",
    ),
    (
        "book_returns.csv",
        b'"{account}","{rep}","2026-11-22T10:00:00.000Z","because",""\n',
        "{account}",
        "return_reason_allowed",
    ),
    ("book_returns.csv", b'"{account2}","{rep}","2026-11-22T10:00', None, "malformed_csv"),
]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    root = tmp_path_factory.mktemp("damaged")
    landing = root / "landing"
    generate(landing, accounts=300, reps=6, seed=5, as_of=AS_OF, activities_per_account=4)
    con = duckdb.connect()
    owned = con.execute(
        f"SELECT Id, OwnerId FROM read_csv('{landing / 'Account.csv'}') WHERE OwnerId IN "
        f"(SELECT rep_id FROM read_csv('{landing / 'reps.csv'}')) ORDER BY Id LIMIT 2"
    ).fetchall()
    fill = {"account": owned[0][0], "account2": owned[1][0], "rep": owned[0][1]}
    corpus = []
    for file, line, key, rule in CORPUS:
        line = (
            line.replace(b"{account}", fill["account"].encode())
            .replace(b"{account2}", fill["account2"].encode())
            .replace(b"{rep}", fill["rep"].encode())
        )
        path = landing / file
        body = path.read_bytes()
        path.write_bytes(body + (b"" if body.endswith(b"\n") else b"\n") + line)
        corpus.append((file, key.format(**fill) if key else None, rule))
    paths = RunPaths(landing=landing, rules=landing / "rules.yml", warehouse=root / "wh.duckdb")
    run_books(paths, AS_OF)  # completes despite every kind of damage
    return paths, corpus


def rows(paths, sql, params=()):
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_every_damaged_row_is_in_the_review_queue_with_its_rule(damaged):
    paths, corpus = damaged
    queue = rows(paths, "SELECT file, record_key, rule FROM marts.review_queue")
    for file, key, rule in corpus:
        assert any(f == file and r == rule and (key is None or k == key) for f, k, r in queue), (
            file,
            key,
            rule,
        )


def test_rows_reconcile_for_every_file(damaged):
    paths, _ = damaged
    for spec in LANDING_FILES:
        data_lines = (
            sum(1 for line in (paths.landing / spec.file).read_bytes().splitlines() if line.strip())
            - 1
        )
        loaded = rows(paths, f"SELECT count(*) FROM {spec.raw_table}")[0][0]
        held = rows(
            paths,
            "SELECT count(DISTINCT coalesce(row_number, -line_number)) FROM "
            "quality.quarantine WHERE file = ? AND severity = 'blocking'",
            [spec.file],
        )[0][0]
        assert data_lines == loaded + held, spec.file


def test_no_quarantined_account_is_ever_in_a_book(damaged):
    paths, _ = damaged
    assert rows(
        paths,
        "SELECT count(*) FROM marts.current_books b JOIN quality.quarantine q "
        "ON q.record_key = b.account_id AND q.file = 'Account.csv' "
        "AND q.severity = 'blocking'",
    ) == [(0,)]
    assert rows(
        paths,
        "SELECT count(*) FROM marts.current_books "
        "WHERE account_id IN ('001DUP', '001NEG', '001DATE')",
    ) == [(0,)]
