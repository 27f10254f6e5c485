"""Loading landing files: typing, the contract's row rules, quarantine, the suites.

Over 400 lines: one case per rule and per way a CRM export goes wrong, sharing fixtures.
"""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
import yaml

from data_quality import validation
from data_quality.contract import LANDING_FILES, QUARANTINE_TABLE
from data_quality.landing import LandingError, checks, load_landing_file
from data_quality.suites import ACCOUNT_TYPES, account_rules

AS_OF = dt.date(2026, 11, 24)
ACCOUNTS = next(s for s in LANDING_FILES if s.table == "accounts")
RETURNS = next(s for s in LANDING_FILES if s.table == "returns")
HEADER = (
    "Id,Name,Website,Industry,AnnualRevenue,NumberOfEmployees,BillingCountry,BillingState,"
    "Type,OwnerId,CreatedDate,Segment__c\n"
)


@pytest.fixture
def con():
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


def load(con, folder, spec=ACCOUNTS, suite=True):
    rules = account_rules(ACCOUNT_TYPES) if suite else None
    return load_landing_file(con, spec, folder, AS_OF, rules=rules)


def queue(con):
    return con.execute(
        f"SELECT row_number, line_number, record_key, rule, severity, column_name, raw_record "
        f"FROM {QUARANTINE_TABLE} ORDER BY coalesce(row_number, line_number), rule"
    ).fetchall()


def test_bad_rows_are_quarantined_with_their_rule_and_good_rows_load(con, tmp_path):
    (tmp_path / "Account.csv").write_text(
        HEADER
        + "001A,Acme,acme.com,Software,1000,10,US,CA,Prospect,005X,2024-01-05T10:00:00.000Z,x\n"
        + "001B,Bad Rev,b.com,Retail,-5,10,US,CA,Prospect,005X,2024-01-05T10:00:00.000Z,x\n"
        + "001C,Bad Date,c.com,Retail,5,10,US,CA,Prospect,005X,31/02/2024,x\n"
        + "001D,Dup 1,d.com,Retail,5,10,US,CA,Prospect,005X,2024-01-05T10:00:00.000Z,x\n"
        + "001D,Dup 2,d.com,Retail,5,10,US,CA,Prospect,005X,2024-01-05T10:00:00.000Z,x\n"
        + ",No Id,e.com,Retail,5,10,US,CA,Prospect,005X,2024-01-05T10:00:00.000Z,x\n"
        + "001F,Odd Type,f.com,Retail,5,10,US,CA,Alien,005X,2024-01-05T10:00:00.000Z,x\n"
        + "001G,No Size,not a site,Retail,5,,US,CA,Prospect,005X,2024-01-05T10:00:00.000Z,x\n"
    )
    report = load(con, tmp_path)
    rows = queue(con)
    blocking = {(r[0], r[3]) for r in rows if r[4] == "blocking"}
    assert blocking == {
        (2, "revenue_not_negative"),
        (3, "invalid_type"),
        (4, "account_id_unique"),
        (5, "account_id_unique"),
        (6, "missing_required"),
        (7, "account_type_allowed"),
    }
    warnings = {(r[0], r[3]) for r in rows if r[4] == "warning"}
    assert warnings == {(8, "employees_present"), (8, "website_well_formed")}
    assert json.loads(next(r for r in rows if r[0] == 3)[6])["CreatedDate"] == "31/02/2024"
    loaded = con.execute('SELECT "Id", "Segment__c" FROM raw.salesforce_accounts ORDER BY 1')
    assert loaded.fetchall() == [("001A", "x"), ("001G", "x")]  # unknown columns are kept
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (8, 2, 6)
    assert report.reconciles and report.unknown_columns == ["Segment__c"]


def load_references(con, folder):
    (folder / "Account.csv").write_text(
        HEADER + "".join(f"{a},{a},,,,,,,,,,\n" for a in ("001A", "001B", "001C", "001D", "001E"))
    )
    load(con, folder, suite=False)
    (folder / "User.csv").write_text("Id,Name,IsActive\n005X,Xena,true\n")
    load(con, folder, spec=next(s for s in LANDING_FILES if s.table == "users"), suite=False)
    # 005GHOST is no CRM user: a rep the CRM would refuse as an owner never loads.
    (folder / "reps.csv").write_text("rep_id,role,segments\n005X,SDR,smb\n005GHOST,SDR,smb\n")
    load(con, folder, spec=next(s for s in LANDING_FILES if s.table == "reps"), suite=False)
    ghost = con.execute(
        f"SELECT rule FROM {QUARANTINE_TABLE} WHERE file = 'reps.csv' AND record_key = '005GHOST'"
    ).fetchall()
    assert ghost == [("unknown_user",)]
    con.execute(f"DELETE FROM {QUARANTINE_TABLE}")


def test_malformed_lines_and_bad_bytes_are_quarantined_not_fatal(con, tmp_path):
    load_references(con, tmp_path)
    (tmp_path / "book_returns.csv").write_bytes(
        b"account_id,rep_id,returned_at,reason,note\n"
        b"001A,005X,2026-11-20T10:00:00.000Z,disqualified,ok\n"
        b"001B,005X,2026-11-20T10:00:00.000Z\n"
        b"001C,005X,2026-11-20T10:00:00.000Z,no_response,caf\xe9\n"
        b"001D,005X,2026-11-20T10:00:00.000Z,competitor,truncated"
    )
    report = load(con, tmp_path, spec=RETURNS, suite=False)
    rules = {r[3] for r in queue(con)}
    assert rules == {"malformed_csv"}
    assert report.rows_quarantined == 2 and report.rows_loaded == 2 and report.reconciles


def test_rows_pointing_at_unknown_records_are_quarantined(con, tmp_path):
    load_references(con, tmp_path)
    (tmp_path / "book_returns.csv").write_text(
        "account_id,rep_id,returned_at,reason\n"
        "001A,005X,2026-11-20T10:00:00.000Z,disqualified\n"
        "001NOPE,005X,2026-11-20T10:00:00.000Z,disqualified\n"
        "001B,005GONE,2026-11-20T10:00:00.000Z,disqualified\n"
    )
    report = load(con, tmp_path, spec=RETURNS, suite=False)
    assert {(r[0], r[3], r[5]) for r in queue(con)} == {
        (2, "unknown_account", "account_id"),
        (3, "unknown_rep", "rep_id"),
    }
    assert report.rows_loaded == 1 and report.reconciles


def test_files_that_cannot_be_read_fail_with_the_file_named(con, tmp_path):
    with pytest.raises(LandingError, match=r"Account.csv: required landing file not found"):
        load(con, tmp_path)
    (tmp_path / "Account.csv").write_text("")
    with pytest.raises(LandingError, match=r"Account.csv: file is empty"):
        load(con, tmp_path)
    (tmp_path / "Account.csv").write_text("Id,Website\n001A,a.com\n")
    with pytest.raises(LandingError, match=r"Account.csv: missing required column\(s\) Name"):
        load(con, tmp_path)
    (tmp_path / "Account.csv").write_text("Id,Name,_row\n001A,Acme,7\n")
    with pytest.raises(LandingError, match=r"Account.csv: column\(s\) _row are reserved"):
        load(con, tmp_path)


def test_missing_optional_file_loads_empty_and_reloading_replaces(con, tmp_path):
    report = load_landing_file(
        con,
        next(s for s in LANDING_FILES if s.table == "leads"),
        tmp_path,
        AS_OF,
        required_file=False,
    )
    assert report.missing_file and report.rows_read == 0
    assert con.execute("SELECT count(*) FROM raw.salesforce_leads").fetchone() == (0,)
    (tmp_path / "Account.csv").write_text(
        HEADER + "001B,Bad,b.com,Retail,-5,1,US,CA,Prospect,005X,2024-01-05T10:00:00.000Z,x\n"
    )
    load(con, tmp_path)
    load(con, tmp_path)
    assert len(queue(con)) == 1  # the same date's items are replaced, not duplicated


def test_contract_and_dbt_sources_name_the_same_tables():
    path = Path(__file__).parents[2] / "transforms/models/staging/_sources.yml"
    sources = yaml.safe_load(path.read_text())["sources"]
    declared = {
        (s["name"], t["name"]): f"{s['schema']}.{t.get('identifier', t['name'])}"
        for s in sources
        for t in s["tables"]
    }
    for spec in LANDING_FILES:
        assert declared[(spec.source, spec.table)] == spec.raw_table


def test_a_bad_line_in_one_file_is_not_blamed_on_the_next(con, tmp_path):
    (tmp_path / "Account.csv").write_bytes(
        HEADER.encode() + b"001A,Caf\xe9,a.com,,,,,,,,,\n001B,Ok,b.com,,,,,,,,,\n"
    )
    load(con, tmp_path, suite=False)
    (tmp_path / "User.csv").write_text("Id,Name,IsActive\n005A,Ann,true\n")
    users = load(con, tmp_path, spec=LANDING_FILES[0], suite=False)
    assert users.rows_quarantined == 0 and users.rows_loaded == 1 and users.reconciles


def test_suites_over_chunks_catch_the_same_rows_as_one_pass(con, tmp_path, monkeypatch):
    from data_quality.suites import landing_suites
    from engagement.rules import Rules

    tasks = next(s for s in LANDING_FILES if s.table == "tasks")
    header = ",".join(c.name for c in tasks.columns) + "\n"
    rows = [
        ("T1", "2026-11-01", "60"),
        ("T2", "2031-01-01", "60"),  # far future: blocking
        ("T1", "2026-11-02", "60"),  # duplicate of a row in another chunk
        ("T4", "2026-11-03", "-1"),  # negative duration
        ("T5", "2026-11-04", "30"),
        ("T5", "2026-11-05", "30"),  # a second repeated value: more repeats than one slice
    ]
    body = "".join(f"{i},,,005X,{d},,Call,Call,x,Completed,false,{s}\n" for i, d, s in rows)
    (tmp_path / "Task.csv").write_text(header + body)
    suite = landing_suites(Rules(), AS_OF)["tasks"]
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.salesforce_accounts (Id VARCHAR)")
    caught = {}
    for chunk in (2, 1_000_000):
        monkeypatch.setattr(validation, "CHUNK_ROWS", chunk)
        report = load_landing_file(con, tasks, tmp_path, AS_OF, rules=suite)
        failed = {s["rule"]: s["failed_rows"] for s in report.expectations.summary}
        caught[chunk] = (sorted((r[0], r[3]) for r in queue(con)), failed)
    assert caught[2] == caught[1_000_000]
    assert caught[2][0] == [
        (1, "task_id_unique"),
        (2, "task_not_far_future"),
        (3, "task_id_unique"),
        (4, "call_duration_not_negative"),
        (5, "task_id_unique"),
        (6, "task_id_unique"),
    ]
    assert caught[2][1] == {
        "task_id_unique": 4,
        "task_not_far_future": 1,
        "call_duration_not_negative": 1,
    }


def test_dates_beyond_what_pandas_holds_are_judged_not_fatal(con, tmp_path):
    # GX compares nanosecond timestamps (1677 to 2262); the year 9999 is still far ahead.
    from data_quality.suites import landing_suites
    from engagement.rules import Rules

    tasks = next(s for s in LANDING_FILES if s.table == "tasks")
    header = ",".join(c.name for c in tasks.columns) + "\n"
    dates = ["2026-11-01", "9999-12-31", "1500-01-01"]
    body = "".join(f"T{i},,,005X,{d},{d}T10:00:00Z,Call,Call,x,Completed,false,1\n"
                   for i, d in enumerate(dates))  # fmt: skip
    (tmp_path / "Task.csv").write_text(header + body)
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.salesforce_accounts (Id VARCHAR)")
    suite = landing_suites(Rules(), AS_OF)["tasks"]
    report = load_landing_file(con, tasks, tmp_path, AS_OF, rules=suite)
    assert [(r[0], r[3]) for r in queue(con)] == [(2, "task_not_far_future")]
    assert [(i["rule"], i["failed_rows"]) for i in report.expectations.failed] == [
        ("task_not_far_future", 1)
    ]
    loaded = con.execute("SELECT ActivityDate FROM raw.salesforce_tasks ORDER BY _row").fetchall()
    assert [str(d) for (d,) in loaded] == ["2026-11-01", "1500-01-01"]


def test_a_bad_value_elsewhere_in_the_file_changes_nothing_for_the_other_rows(con, tmp_path):
    # A file whose values all read as their types loads in one typed pass; one bad value
    # makes it load as text. Either way every other row loads, and is queued, the same.
    load_references(con, tmp_path)
    rows = (
        "account_id,rep_id,returned_at,reason,note\n"
        " 001A ,005X,2026-11-20T10:00:00.000Z,disqualified,  padded  \n"
        "001B,005X,2026-11-20 09:30:00,no_response,\n"
        "001NOPE,005X,2026-11-20T10:00:00.000Z,competitor,  dangling \n"
        ",005X,2026-11-21T08:00:00Z,other,no account\n"
    )

    def outcome(text):
        (tmp_path / "book_returns.csv").write_text(text)
        load(con, tmp_path, spec=RETURNS, suite=False)
        loaded = con.execute("SELECT * FROM raw.books_returns ORDER BY _row").fetchall()
        return loaded, queue(con)

    loaded, queued = outcome(rows)
    bad = "001C,005X,20/11/2026,competitor,bad date\n"
    loaded_with_bad, queued_with_bad = outcome(rows + bad)
    assert loaded_with_bad == loaded and len(loaded) == 2
    assert loaded[0][:2] == ("001A", "005X") and loaded[1][4] is None  # trimmed; empty is NULL
    assert [q for q in queued_with_bad if q[0] != 5] == queued
    assert {(q[0], q[3]) for q in queued} == {(3, "unknown_account"), (4, "missing_required")}
    assert json.loads(queued[0][6])["returned_at"] == "2026-11-20 10:00:00"
    assert json.loads(queued[0][6])["note"] == "  dangling "  # the record is the row as read
    assert [(q[0], q[3]) for q in queued_with_bad if q[0] == 5] == [(5, "invalid_type")]


def test_rules_judge_every_row_when_a_file_is_checked_in_slices(con, tmp_path, monkeypatch):
    # Big files are checked a slice at a time; copies of an id far apart are still caught.
    monkeypatch.setattr(validation, "CHUNK_ROWS", 2)
    line = "{id},{name},{id}.com,Retail,{revenue},10,US,CA,Prospect,005X,2024-01-05,x\n"
    ids = ["001A", "001B", "001C", "001D", "001E", "001F", "001A", "001G"]
    revenue = {"001C": -1, "001G": -2}
    (tmp_path / "Account.csv").write_text(
        HEADER + "".join(line.format(id=i, name=i, revenue=revenue.get(i, 5)) for i in ids)
    )
    report = load(con, tmp_path)
    assert {(r[0], r[3]) for r in queue(con) if r[4] == "blocking"} == {
        (1, "account_id_unique"),
        (7, "account_id_unique"),
        (3, "revenue_not_negative"),
        (8, "revenue_not_negative"),
    }
    failed = {i["rule"]: i for i in report.expectations.failed}
    assert failed["account_id_unique"]["failed_rows"] == 2
    assert failed["account_id_unique"]["sample"] == ["001A", "001A"]
    assert report.rows_loaded == 4 and report.reconciles


@pytest.mark.parametrize("bad_value_elsewhere", [False, True])
def test_a_padded_row_caught_by_the_suite_is_queued_as_read(con, tmp_path, bad_value_elsewhere):
    # Read straight into its table (typed) or as text: the padded row is trimmed where it
    # loads, and the review queue shows it as the file has it.
    line = "{id},{name},{id}.com,Retail,{revenue},10,US,CA,Prospect,005X,{created},x\n"
    rows = [
        line.format(id="001A", name="Acme", revenue=5, created="2024-01-05"),
        line.format(id="001B", name="  Padded Ltd ", revenue=-5, created="2024-01-05"),
        line.format(id="001C", name=" Spaced ", revenue=5, created="2024-01-05"),
    ]
    if bad_value_elsewhere:
        rows.append(line.format(id="001D", name="Bad", revenue=5, created="31/02/2024"))
    (tmp_path / "Account.csv").write_text(HEADER + "".join(rows))
    load(con, tmp_path)
    caught = [r for r in queue(con) if r[3] == "revenue_not_negative"]
    assert [(r[0], json.loads(r[6])["Name"]) for r in caught] == [(2, "  Padded Ltd ")]
    loaded = con.execute("SELECT Id, Name FROM raw.salesforce_accounts ORDER BY _row").fetchall()
    assert loaded == [("001A", "Acme"), ("001C", "Spaced")]


@pytest.mark.parametrize("bad_value_elsewhere", [False, True])
def test_every_row_lands_and_raw_numbers_the_loaded_ones_by_their_place_in_the_file(
    con, tmp_path, bad_value_elsewhere
):
    # Read straight into its table or as text: the landed table holds every row read, in
    # file order; raw.* leaves out the quarantined ones, each loaded row keeping its number
    # in the file, also after a checkpoint and on the next day's load of the same file.
    line = "{id},Acme,acme.com,Retail,{revenue},10,US,CA,Prospect,005X,{created},x\n"
    rows = [line.format(id=f"001{c}", revenue=-5 if c in "BE" else 5, created="2024-01-05")
            for c in "ABCDEF"]  # fmt: skip
    if bad_value_elsewhere:
        rows[2] = line.format(id="001C", revenue=5, created="31/02/2024")
    (tmp_path / "Account.csv").write_text(HEADER + "".join(rows))
    load(con, tmp_path)
    landed = con.execute(f"SELECT Id FROM {ACCOUNTS.landed_table}").fetchall()
    assert [i for (i,) in landed] == [f"001{c}" for c in "ABCDEF"]
    quarantined = {r[0] for r in queue(con) if r[4] == "blocking"}
    assert quarantined == ({2, 3, 5} if bad_value_elsewhere else {2, 5})
    expected = [(n, f"001{c}") for n, c in enumerate("ABCDEF", 1) if n not in quarantined]
    raw = f"SELECT _row, Id FROM {ACCOUNTS.raw_table} ORDER BY _row"
    assert con.execute(raw).fetchall() == expected
    con.execute("CHECKPOINT")
    report = load_landing_file(
        con, ACCOUNTS, tmp_path, AS_OF + dt.timedelta(days=1),
        rules=account_rules(ACCOUNT_TYPES), may_reuse=True,
    )  # fmt: skip
    assert report.reused_from == AS_OF
    assert con.execute(raw).fetchall() == expected


# Spaces TRIM strips (ASCII and not), characters it keeps, empty text and plain text.
AWKWARD_TEXT = [
    None, "", " ", "  ", "a", " a", "a ", "\ta", "a\t", "\na", "é", "café", "Zürich ",
    "\u00a0x", "x\u00a0", "\u00a0", "\u3000", "x\u2003", "\u2003x", "x\u200b", "\u1680x",
    "x\u202f", "\ufeffx", "ab\u00a0cd", "\x01a", "a\x01", "001A000000000000001",
]  # fmt: skip


def test_text_is_trimmed_and_flagged_padded_exactly_as_trim_does(con):
    # The loader skips TRIM for text it cannot change; the result must be TRIM's own.
    con.execute("CREATE TABLE t (c VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in AWKWARD_TEXT])
    may_trim = checks.may_trim("c")
    trimmed = checks.trimmed_text("c", may_trim)
    rows = con.execute(
        f"SELECT c, {trimmed} IS NOT DISTINCT FROM NULLIF(TRIM(c), ''), "
        f"{checks.is_padded('c', may_trim, trimmed)} = (c IS DISTINCT FROM NULLIF(TRIM(c), '')) "
        "FROM t"
    ).fetchall()
    assert [r[0] for r in rows if not (r[1] and r[2])] == []


def test_a_value_padded_with_a_non_ascii_space_is_trimmed_and_queued_as_read(con, tmp_path):
    line = "{id},{name},{id}.com,Retail,{revenue},10,US,CA,Prospect,005X,2024-01-05,x\n"
    (tmp_path / "Account.csv").write_text(
        HEADER
        + line.format(id="001A", name="Acme\u00a0", revenue=-5)
        + line.format(id="001B", name="\u3000Spaced", revenue=5),
        encoding="utf-8",
    )
    load(con, tmp_path)
    caught = [r for r in queue(con) if r[3] == "revenue_not_negative"]
    assert [json.loads(r[6])["Name"] for r in caught] == ["Acme\u00a0"]
    loaded = con.execute("SELECT Id, Name FROM raw.salesforce_accounts ORDER BY _row").fetchall()
    assert loaded == [("001B", "Spaced")]


def test_a_column_of_few_values_is_judged_value_by_value_with_the_same_verdicts(
    con, tmp_path, monkeypatch
):
    # A big file's column of few distinct values shows GX each value once; every row that
    # holds a failing value (NULL too) is caught, as when GX is shown every row.
    line = "{id},{id},{id}.com,Retail,{revenue},{size},US,CA,{type},005X,2024-01-05,x\n"
    rows = [
        ("001A", 5, "", "Prospect"),
        ("001B", -5, 10, "Alien"),
        ("001C", -5, "", "Alien"),
        ("001D", 5, -3, "Prospect"),
        ("001E", 7, -3, "Customer"),
    ]
    (tmp_path / "Account.csv").write_text(
        HEADER + "".join(line.format(id=i, revenue=r, size=s, type=t) for i, r, s, t in rows)
    )

    def by_row(*args):
        raise AssertionError("every column was to be judged value by value")

    outcomes = {}
    for route in ("by row", "by value"):
        if route == "by value":
            monkeypatch.setattr(validation, "MIN_ROWS_BY_VALUE", 0)
            monkeypatch.setattr(validation, "ROWS_PER_VALUE", 1)
            monkeypatch.setattr(validation, "_by_row", by_row)
        report = load(con, tmp_path)
        summary = [(i["rule"], i["failed_rows"]) for i in report.expectations.summary]
        outcomes[route] = ({(r[0], r[3], r[4]) for r in queue(con)}, summary)
    assert outcomes["by value"] == outcomes["by row"]
    caught, summary = outcomes["by value"]
    assert caught == {
        (1, "employees_present", "warning"),
        (2, "revenue_not_negative", "blocking"),
        (2, "account_type_allowed", "blocking"),
        (3, "revenue_not_negative", "blocking"),
        (3, "account_type_allowed", "blocking"),
        (3, "employees_present", "warning"),
        (4, "employees_not_negative", "blocking"),
        (5, "employees_not_negative", "blocking"),
    }
    assert [rule for rule, _ in summary] == [r.name for r in account_rules(ACCOUNT_TYPES)]
    assert dict(summary)["employees_present"] == 2 and dict(summary)["revenue_not_negative"] == 2


def test_dates_clipped_alike_for_gx_are_each_caught_when_judged_value_by_value(
    con, tmp_path, monkeypatch
):
    # GX compares dates past 2262 as 2262: two such dates are one value to GX, and every
    # row holding either is still caught.
    from data_quality.suites import landing_suites
    from engagement.rules import Rules

    monkeypatch.setattr(validation, "MIN_ROWS_BY_VALUE", 0)
    monkeypatch.setattr(validation, "ROWS_PER_VALUE", 1)
    tasks = next(s for s in LANDING_FILES if s.table == "tasks")
    header = ",".join(c.name for c in tasks.columns) + "\n"
    dates = ["9999-12-31", "2026-11-01", "9000-01-01", "9999-12-31", "2026-11-02"]
    body = "".join(f"T{i},,,005X,{d},,Call,Call,x,Completed,false,1\n" for i, d in enumerate(dates))
    (tmp_path / "Task.csv").write_text(header + body)
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.salesforce_accounts (Id VARCHAR)")
    suite = landing_suites(Rules(), AS_OF)["tasks"]
    report = load_landing_file(con, tasks, tmp_path, AS_OF, rules=suite)
    assert [(r[0], r[3]) for r in queue(con)] == [
        (1, "task_not_far_future"),
        (3, "task_not_far_future"),
        (4, "task_not_far_future"),
    ]
    assert [(i["rule"], i["failed_rows"]) for i in report.expectations.failed] == [
        ("task_not_far_future", 3)
    ]


def row(account_id, revenue="1000", created="2024-01-05T10:00:00.000Z", owner="005X"):
    return (
        f"{account_id},N {account_id},,Software,{revenue},10,US,CA,Prospect,{owner},{created},x\n"
    )


@pytest.mark.parametrize("also_bad_date", [False, True], ids=["typed read", "read as text"])
def test_nan_and_infinity_are_not_numbers(con, tmp_path, also_bad_date):
    rows = [row("001A"), row("001B", "NaN"), row("001C", "inf"), row("001D", "-Infinity")]
    if also_bad_date:  # a bad value elsewhere reads the whole file as text
        rows.append(row("001E", created="31/02/2024"))
    (tmp_path / "Account.csv").write_text(HEADER + "".join(rows))
    report = load(con, tmp_path)
    caught = {(r[2], r[3], r[5]) for r in queue(con) if r[4] == "blocking"}
    assert {("001B", "invalid_type", "AnnualRevenue"), ("001C", "invalid_type", "AnnualRevenue"),
            ("001D", "invalid_type", "AnnualRevenue")} <= caught  # fmt: skip
    loaded = con.execute('SELECT "Id" FROM raw.salesforce_accounts').fetchall()
    assert loaded == [("001A",)] and report.reconciles


@pytest.mark.parametrize("also_bad_date", [False, True], ids=["typed read", "read as text"])
def test_timestamps_with_offsets_are_converted_to_utc_not_truncated(con, tmp_path, also_bad_date):
    rows = [
        row("001A", created="2024-01-05T10:00:00.000+0500"),
        row("001B", created="2024-01-05T10:00:00-08:00"),
        row("001C", created="2024-01-05T10:00:00.000Z"),
        row("001D", created="2024-01-05 10:00:00"),
    ]
    if also_bad_date:
        rows.append(row("001E", created="31/02/2024"))
    (tmp_path / "Account.csv").write_text(HEADER + "".join(rows))
    load(con, tmp_path)
    created = dict(
        con.execute('SELECT "Id", "CreatedDate" FROM raw.salesforce_accounts').fetchall()
    )
    assert created["001A"] == dt.datetime(2024, 1, 5, 5, 0)
    assert created["001B"] == dt.datetime(2024, 1, 5, 18, 0)
    assert created["001C"] == created["001D"] == dt.datetime(2024, 1, 5, 10, 0)


def test_headers_match_the_contract_whatever_their_case_or_a_bom(con, tmp_path):
    header = '\ufeff"ID","name",Website,INDUSTRY,annualrevenue,NumberOfEmployees,' + (
        "BillingCountry,BillingState,type,ownerid,CreatedDate,Segment__c\n"
    )
    (tmp_path / "Account.csv").write_text(header + row("001A") + row("001B", "-5"))
    report = load(con, tmp_path)
    loaded = con.execute(
        'SELECT "Id", "OwnerId", "AnnualRevenue" FROM raw.salesforce_accounts'
    ).fetchall()
    assert loaded == [("001A", "005X", 1000.0)]
    assert {(r[2], r[3]) for r in queue(con)} >= {("001B", "revenue_not_negative")}
    assert report.unknown_columns == ["Segment__c"]


def test_a_missing_column_that_decides_ownership_stops_the_load_naming_it(con, tmp_path):
    header = "Id,Name,Website,Industry,AnnualRevenue,NumberOfEmployees,BillingCountry,Type\n"
    (tmp_path / "Account.csv").write_text(header + "001A,Acme,,Software,5,10,US,Prospect\n")
    with pytest.raises(LandingError, match=r"Account.csv: missing column\(s\) OwnerId"):
        load(con, tmp_path)


def id18(short: str) -> str:
    """Salesforce's 18-character id: per 5-character chunk, a letter for its capitals."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    return short + "".join(
        alphabet[sum(1 << i for i, ch in enumerate(short[k : k + 5]) if ch.isupper())]
        for k in (0, 5, 10)
    )


def test_15_and_18_character_ids_of_one_record_are_one_id(con, tmp_path):
    assert id18("a0D30000001n7Pi") == "a0D30000001n7PiEAI"  # Salesforce's documented pair
    same = "0013000000AbCdE"
    (tmp_path / "Account.csv").write_text(
        HEADER
        + row("a0D30000001n7Pi")
        + row("001300000000abc")
        + row("001300000000ABC")  # another record: the 15 characters are case-sensitive
        + row(id18(same))
        + row(same)  # the same record as the one before, written short
    )
    load(con, tmp_path)
    ids = [r[0] for r in con.execute('SELECT "Id" FROM raw.salesforce_accounts').fetchall()]
    assert ids == [id18("a0D30000001n7Pi"), id18("001300000000abc"), id18("001300000000ABC")]
    duplicated = {(r[2], r[3]) for r in queue(con) if r[4] == "blocking"}
    assert duplicated == {(id18(same), "account_id_unique"), (same, "account_id_unique")}
    contacts = next(s for s in LANDING_FILES if s.table == "contacts")
    (tmp_path / "Contact.csv").write_text(
        "Id,AccountId,Email\n003000000000001,a0D30000001n7PiEAI,a@b.co\n"
        "003000000000002,a0D30000001n7Pi,c@d.co\n"
    )
    load(con, tmp_path, spec=contacts, suite=False)
    linked = con.execute('SELECT "Id", "AccountId" FROM raw.salesforce_contacts').fetchall()
    assert linked == [
        (id18("003000000000001"), "a0D30000001n7PiEAI"),
        (id18("003000000000002"), "a0D30000001n7PiEAI"),
    ]


def test_the_required_files_are_files_of_the_contract():
    from data_quality.contract import LANDING_FILES, REQUIRED_FILES

    required = set(REQUIRED_FILES)
    assert required == {"User.csv", "Account.csv", "reps.csv"}
    assert required <= {spec.file for spec in LANDING_FILES}
