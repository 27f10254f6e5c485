"""The reads people make of the marts and the event log: the run summary, the dry run's
changes, the coverage report's frames and an account's story. One module, so that a
second warehouse answers every one of them at one door; the callers format, never query.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

RUN_DATE_TABLE = "main.run_date"  # read by the as_of_date() macro (macros/rules.sql)

_REPORT = {
    "trend": "SELECT * FROM marts.coverage_daily ORDER BY as_of_date",
    "segments": "SELECT * FROM marts.coverage_by_segment "
    "WHERE as_of_date = (SELECT max(as_of_date) FROM marts.coverage_by_segment) ORDER BY segment",
    "reps": "SELECT rep_id, rep_name, peer_group, status, capacity, "
    "book_size, worked_share, book_priority_sum, book_priority_mean, is_hoarding "
    "FROM marts.rep_books ORDER BY peer_group, rep_id",
    "pool": "SELECT segment, pool_state, count(*) AS accounts FROM marts.pool "
    "GROUP BY ALL ORDER BY segment, pool_state",
    "funnel": "SELECT coalesce(sum(accounts), 0) AS distributed, "
    "coalesce(sum(worked_so_far), 0) AS worked, "
    "coalesce(sum(opportunities_90d), 0) AS opportunities, "
    "coalesce(sum(pipeline_90d), 0) AS pipeline FROM marts.distribution_validation",
    "fairness": "SELECT * FROM marts.rep_fairness ORDER BY peer_group",
    "runway": "SELECT * FROM marts.pool_runway ORDER BY lane, segment",
}


def report_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """What the coverage report draws, by chart."""
    return {name: con.execute(query).df() for name, query in _REPORT.items()}


def write_run_date(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    """The date the models build for (dbt reads it through the `as_of_date()` macro)."""
    con.execute(
        f"CREATE OR REPLACE TABLE {RUN_DATE_TABLE} AS SELECT CAST(? AS DATE) AS as_of_date",
        [as_of],
    )


def has_table(con, name: str) -> bool:
    """Whether the warehouse holds the table or view `schema.name`."""
    schema, table = name.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def last_run_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest date books were run for, if any."""
    if not has_table(con, "allocation.ownership_events"):
        return None
    return con.execute("SELECT max(as_of_date) FROM allocation.ownership_events").fetchone()[0]


def rep_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each CRM user's name by id: whoever a book or an event names."""
    return dict(
        con.execute(
            "SELECT user_id, user_name FROM staging.stg_salesforce__users "
            "WHERE user_name IS NOT NULL"
        ).fetchall()
    )


def day_changes(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> tuple[list, list]:
    """The day's changes: (kind, reason, accounts) most first, and (rep, in, out) by rep."""
    reasons = con.execute(
        "SELECT kind, reason_code, count(*) FROM allocation.ownership_events "
        "WHERE as_of_date = ? GROUP BY ALL ORDER BY 3 DESC, 1, 2",
        [as_of],
    ).fetchall()
    reps = con.execute(
        "SELECT rep, count(*) FILTER (WHERE change = 'in'), count(*) FILTER (WHERE change = "
        "'out') FROM (SELECT to_rep_id AS rep, 'in' AS change FROM allocation.ownership_events "
        "WHERE as_of_date = ? AND to_rep_id IS NOT NULL UNION ALL SELECT from_rep_id, 'out' "
        "FROM allocation.ownership_events WHERE as_of_date = ? AND from_rep_id IS NOT NULL) "
        "GROUP BY rep ORDER BY rep",
        [as_of, as_of],
    ).fetchall()
    return reasons, reps


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Books per rep, pool states per lane, queue items per rule, the last day's events;
    the reps' names."""
    return {
        "names": rep_names(con),
        "reps": con.execute(
            "SELECT rep_id, role, segments, status, book_size, capacity, "
            "round(book_priority_mean, 1) FROM marts.rep_books ORDER BY rep_id"
        ).fetchall(),
        "pool": con.execute(
            "SELECT lane, pool_state, count(*) FROM marts.pool GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall(),
        "queue": con.execute(
            "SELECT rule, severity, count(*) FROM marts.review_queue GROUP BY 1, 2 "
            "ORDER BY 3 DESC, 1"
        ).fetchall(),
        "kinds": con.execute(
            "SELECT kind, count(*) FROM marts.ownership_events "
            "WHERE as_of_date = (SELECT max(as_of_date) FROM marts.ownership_events) "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall(),
    }


def current_books(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every account in a book, with its rep."""
    return con.execute("SELECT account_id, rep_id FROM marts.current_books").df()


def review_counts(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, int]:
    """Open items by rule and severity, and how many items were decided."""
    by_rule = con.execute(
        "SELECT rule, severity, count(*) AS items FROM marts.review_queue WHERE status = 'open' "
        "GROUP BY ALL ORDER BY items DESC, rule"
    ).df()
    decided = con.execute("SELECT count(*) FROM marts.review_queue WHERE status <> 'open'")
    return by_rule, int(decided.fetchone()[0])


def account_story(con: duckdb.DuckDBPyConnection, account_id: str) -> dict:
    """An account's score, review items, history and place in each lane."""
    return {
        "score": con.execute(
            "SELECT account_name, segment, is_new_business, priority_explanation, fit_explanation,"
            " timing_signals, segment_rank FROM marts.account_scores WHERE account_id = ?",
            [account_id],
        ).fetchone(),
        "review": con.execute(
            "SELECT rule, severity, detail FROM marts.review_queue WHERE record_key = ? "
            "ORDER BY rule, severity, detail",
            [account_id],
        ).fetchall(),
        "names": rep_names(con),
        "history": con.execute(
            "SELECT as_of_date, kind, from_rep_id, to_rep_id, reason_code, explanation, lane "
            "FROM marts.ownership_events WHERE account_id = ? ORDER BY as_of_date, seq",
            [account_id],
        ).fetchall(),
        # One row per lane: the account's place in each book it can sit in.
        "now": con.execute(
            "SELECT s.lane, b.rep_id, b.entered_on, p.pool_state, p.rest_until, "
            "a.last_meaningful_activity_on, a.meaningful_activities_30d, a.is_working, "
            "a.is_phantom_only, s.book_state, s.grace_until, s.scope_reason "
            "FROM marts.account_states AS s "
            "LEFT JOIN marts.current_books AS b USING (account_id, lane) "
            "LEFT JOIN marts.pool AS p USING (account_id, lane) "
            "LEFT JOIN marts.account_activity AS a "
            "ON a.account_id = s.account_id AND a.rep_id = b.rep_id "
            "WHERE s.account_id = ? ORDER BY s.lane",
            [account_id],
        ).fetchall(),
    }


_TEAM = {
    "reps": "SELECT rep_id, status, capacity, book_size, worked_accounts, "
    "coalesce(meaningful_activities_30d_per_account, 0) * book_size AS activities_30d "
    "FROM marts.rep_books ORDER BY rep_id",
    "accounts": "SELECT fit_score FROM marts.account_scores WHERE is_nbtam",
    "signals": "SELECT count(*) AS signals_90d FROM staging.stg_intent__signals "
    "WHERE observed_at > (SELECT max(as_of_date) FROM allocation.rep_capacity) - INTERVAL 90 DAY",
    "returns": "SELECT reason, count(*) AS returns_30d FROM allocation.return_decisions "
    "WHERE decision = 'accepted' AND as_of_date > (SELECT max(as_of_date) "
    "FROM allocation.rep_capacity) - INTERVAL 30 DAY GROUP BY reason ORDER BY reason",
    # Opportunities that followed a distribution within 90 days, by the account's priority
    # decile when it was distributed.
    "deciles": "WITH d AS (SELECT account_id, as_of_date, ntile(10) OVER (ORDER BY priority) "
    "AS decile FROM allocation.ownership_events WHERE kind = 'distribution') "
    "SELECT d.decile, count(DISTINCT (d.account_id, d.as_of_date)) AS distributed, "
    "count(DISTINCT CASE WHEN o.created_at >= d.as_of_date AND o.created_at < d.as_of_date "
    "+ INTERVAL 90 DAY THEN (d.account_id, d.as_of_date) END) AS followed "
    "FROM d LEFT JOIN staging.stg_salesforce__opportunities AS o USING (account_id) "
    "GROUP BY d.decile ORDER BY d.decile",
}


def team_figures(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """What a simulated year of this team rests on (`simulation.from_team`): the reps with
    their capacities and work, the accounts' fit, the signals, returns and the
    opportunities that followed distribution."""
    return {name: con.execute(query).df() for name, query in _TEAM.items()}
