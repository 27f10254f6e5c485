"""The whole daily run, in-process through Dagster, on a small generated landing folder."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from books_app.cli import app
from orchestration.runner import RunFailed, RunPaths, run_books
from tests.integration.conftest import AS_OF, copy_of, query


def snapshot(paths):
    return {
        "books": query(paths, "SELECT * FROM marts.current_books ORDER BY account_id"),
        "events": query(paths, "SELECT * FROM marts.ownership_events ORDER BY event_id"),
        "pool": query(paths, "SELECT * FROM marts.pool ORDER BY account_id"),
    }


def test_run_fills_books_within_capacity_and_logs_every_change(first_run):
    reps = query(first_run, "SELECT rep_id, status, book_size, capacity FROM marts.rep_books")
    assert reps and any(size > 0 for _, _, size, _ in reps)
    for rep_id, status, size, capacity in reps:
        if status == "departed":
            assert size == 0, rep_id
        assert capacity >= 0, rep_id
    distributed = query(
        first_run,
        "SELECT account_id, to_rep_id FROM marts.ownership_events WHERE kind = 'distribution'",
    )
    assert distributed
    # Every owned account has an event that says why.
    unexplained = query(
        first_run,
        "SELECT count(*) FROM marts.current_books WHERE reason_code IS NULL OR explanation IS NULL",
    )
    assert unexplained == [(0,)]
    # Books and pool partition the accounts.
    counts = query(
        first_run,
        "SELECT (SELECT count(*) FROM marts.current_books), "
        "(SELECT count(*) FROM marts.pool), "
        "(SELECT count(*) FROM marts.account_scores)",
    )[0]
    assert counts[0] + counts[1] == counts[2]


def test_bad_rows_reach_the_review_queue_and_never_a_book(first_run):
    queue = query(
        first_run, "SELECT rule, record_key FROM marts.review_queue WHERE severity = 'blocking'"
    )
    assert {"account_id_unique", "revenue_not_negative"} <= {rule for rule, _ in queue}
    quarantined = query(
        first_run,
        "SELECT count(*) FROM marts.current_books b JOIN "
        "quality.quarantine q ON q.record_key = b.account_id "
        "AND q.file = 'Account.csv' AND q.severity = 'blocking'",
    )
    assert quarantined == [(0,)]
    read, loaded, held = query(
        first_run,
        "SELECT count(*) + 0, (SELECT count(*) FROM raw.salesforce_accounts), "
        "(SELECT count(DISTINCT row_number) FROM quality.quarantine WHERE file = 'Account.csv' "
        "AND severity = 'blocking') FROM read_csv('"
        + str(first_run.landing / "Account.csv")
        + "', all_varchar=true)",
    )[0]
    assert read == loaded + held


def test_rerunning_the_same_date_leaves_the_same_books(first_run):
    before = snapshot(first_run)
    run_books(first_run, AS_OF)
    assert snapshot(first_run) == before


def test_run_failure_names_the_step_and_keeps_previous_books(first_run, tmp_path):
    # On a copy: the failed run logs the files it read, which the shared day-1 warehouse
    # that later tests compare with must not carry.
    day1 = RunPaths(first_run.landing, first_run.rules,
                    copy_of(first_run.warehouse, tmp_path / "day1"))  # fmt: skip
    before = snapshot(day1)
    broken = tmp_path / "landing"
    broken.mkdir()
    for f in first_run.landing.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    (broken / "reps.csv").write_text("rep_id,name\n")  # required columns gone
    paths = RunPaths(landing=broken, rules=first_run.rules, warehouse=day1.warehouse)
    with pytest.raises(RunFailed, match=r"reps.csv: missing required column"):
        run_books(paths, AS_OF)
    assert snapshot(day1) == before


def test_cli_errors_are_one_line_and_non_zero(tmp_path, paths):
    def books_run(landing, rules, *extra):
        return CliRunner().invoke(
            app,
            [
                "run",
                "--landing",
                str(landing),
                "--rules",
                str(rules),
                "--warehouse",
                str(tmp_path / "w.duckdb"),
                *extra,
            ],
        )

    result = books_run(tmp_path / "nope", paths.rules)
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "landing folder not found" in result.output
    bad_rules = tmp_path / "rules.yml"
    bad_rules.write_text("working_window_days: 400\n")
    result = books_run(paths.landing, bad_rules)
    assert result.exit_code == 1 and "working_window_days" in result.output
    result = books_run(paths.landing, paths.rules, "--as-of", "2024-13-01")
    assert result.exit_code == 2 and "not a date" in result.output


def test_exports_and_explain_tell_the_same_story(first_run):
    crm = pd.read_csv(first_run.exports / f"crm_owner_changes_{AS_OF.isoformat()}.csv", dtype=str)
    changed = query(
        first_run,
        "SELECT count(DISTINCT account_id) FROM marts.ownership_events "
        f"WHERE as_of_date = DATE '{AS_OF.isoformat()}'",
    )[0][0]
    assert len(crm) == changed and crm["Id"].is_unique
    reps = pd.read_csv(first_run.exports / f"rep_book_changes_{AS_OF.isoformat()}.csv")
    assert set(reps["change"]) <= {"entered", "left"}

    account, rep, name, kind = query(
        first_run,
        "SELECT account_id, rep_id, rep_name, entered_by FROM marts.current_books "
        "ORDER BY account_id LIMIT 1",
    )[0]
    result = CliRunner().invoke(app, ["explain", account, "--warehouse", str(first_run.warehouse)])
    assert result.exit_code == 0
    # The rep by name, with the id that tells two reps of one name apart.
    assert name and f"in the book of {name} ({rep})" in result.output and kind in result.output
    result = CliRunner().invoke(
        app, ["explain", "001NOPE", "--warehouse", str(first_run.warehouse)]
    )
    assert result.exit_code == 1 and "no such account" in result.output


def test_account_states_agree_with_books_and_pool(first_run):
    states = dict(
        query(first_run, "SELECT book_state, count(*) FROM marts.account_states GROUP BY 1")
    )
    owned = query(first_run, "SELECT count(*) FROM marts.current_books")[0][0]
    booked = dict(
        query(
            first_run,
            "SELECT book_state, count(*) FROM marts.account_states "
            "WHERE rep_id IS NOT NULL GROUP BY 1",
        )
    )
    # A booked account is working, in grace, due for retrieval, or a customer / open deal.
    assert set(booked) <= {"working", "in_grace", "due_for_retrieval", "out_of_scope"}
    assert sum(booked.values()) == owned
    assert all(booked.get(s, 0) == states.get(s, 0) for s in ("working", "in_grace"))
    mismatched = query(
        first_run,
        "SELECT count(*) FROM marts.account_states s JOIN marts.pool p "
        "USING (account_id) WHERE s.book_state <> p.pool_state",
    )
    assert mismatched == [(0,)]
    # Distribution only hands out new business: nothing distributed today is outside NBTAM.
    outside = query(
        first_run,
        "SELECT count(*) FROM marts.ownership_events e JOIN "
        "marts.account_states s USING (account_id) "
        "WHERE e.kind = 'distribution' AND NOT s.is_nbtam",
    )
    assert outside == [(0,)]


def test_a_check_failing_after_the_allocation_keeps_the_days_exports(first_run, tmp_path):
    import shutil

    import duckdb

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    paths = RunPaths(landing=first_run.landing, rules=first_run.rules, warehouse=warehouse)
    day = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    # A stray event of a kind nobody knows, with no rep on either side: the mart's tests
    # fail after the allocation has committed the day's books.
    con = duckdb.connect(str(warehouse))
    con.execute(
        "INSERT INTO allocation.ownership_events (event_id, run_id, as_of_date, seq, "
        "account_id, lane, kind, reason_code) VALUES ('stray-1', 'stray', ?, 999999, "
        "'001STRAY', 'all', 'teleport', 'stray')",
        [AS_OF],
    )
    con.close()
    with pytest.raises(RunFailed) as failed:
        run_books(paths, day.date())
    message = str(failed.value)
    assert "accepted_values" in message and "ownership_events" in message, message
    assert "ownership_events_rep_on_one_side" in message, message
    assert "dbt CLI process" not in message
    # ...and the rows it found, so nobody has to rerun dbt to see them.
    assert "teleport" in message, message
    exports = paths.exports
    assert (exports / f"crm_owner_changes_{day.date().isoformat()}.csv").is_file()


def test_a_dry_run_shows_the_days_changes_and_writes_nothing(first_run, tmp_path):
    import hashlib
    import shutil

    from orchestration.runner import preview_books

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    paths = RunPaths(landing=first_run.landing, rules=first_run.rules, warehouse=warehouse)
    day = AS_OF + pd.Timedelta(days=1).to_pytimedelta()
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    preview = preview_books(paths, day, tmp_path / "preview")
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert not paths.exports.exists() or not list(paths.exports.glob(f"*{day.isoformat()}*"))
    assert "per reason" in preview.summary and preview.changes.is_file()
    run_books(paths, day)
    real = paths.exports / f"rep_book_changes_{day.isoformat()}.csv"
    assert preview.changes.read_bytes() == real.read_bytes()


def test_an_earlier_date_is_refused_before_anything_is_written(first_run, tmp_path):
    import hashlib
    import shutil

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    paths = RunPaths(landing=first_run.landing, rules=first_run.rules, warehouse=warehouse)
    earlier = AS_OF - pd.Timedelta(days=3).to_pytimedelta()
    with pytest.raises(RunFailed, match=f"already run for {AS_OF}"):
        run_books(paths, earlier)
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before


def test_read_commands_answer_in_one_line_while_a_run_holds_the_warehouse(first_run, tmp_path):
    import shutil

    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(first_run.warehouse, warehouse)
    import subprocess
    import sys

    # Another process writing, as a run does.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(60)", str(warehouse)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(app, ["explain", "001X", "--warehouse", str(warehouse)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "in use" in result.output
    version = CliRunner().invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("books ")
