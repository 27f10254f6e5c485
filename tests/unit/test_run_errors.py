"""Errors from a run's steps reach the terminal as one readable line."""

from orchestration.runner import DBT_ERRORS, _one_line

LOCKED = f"""The dbt CLI process with command

`dbt build --select fqn:*`

failed with exit code `2`. Check the stdout in the Dagster compute logs.

{DBT_ERRORS}

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/dbt/cli/requires.py", line 178, in wrapper
    result, success = func(*args, **kwargs)
                      ^^^^^^^^^^^^^^^^^^^^^
  File "/venv/lib/python3.11/site-packages/dbt/adapters/duckdb/environments/__init__.py", line 164
    conn = duckdb.connect(creds.path, read_only=False, config=config)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
_duckdb.IOException: IO Error: Could not set lock on file "/data/wh.duckdb": Conflicting \
lock is held in /usr/bin/python3 (PID 17772).
"""


def test_a_traceback_dbt_logged_becomes_its_last_line():
    line = _one_line(LOCKED)
    assert "\n" not in line
    assert line.startswith('dbt: IO Error: Could not set lock on file "/data/wh.duckdb"')
    assert "Traceback" not in line and "File " not in line and "^^^" not in line


def test_a_failing_test_keeps_what_dbt_said():
    message = (
        f"The dbt CLI process with command\n\n`dbt build`\n\nfailed.\n\n{DBT_ERRORS}\n\n"
        "Failure in test unique_pool_account_id (models/marts/_marts.yml)\n"
        "  Got 3 results, configured to fail if != 0\n"
        "  compiled code at target/compiled/x.sql\n"
    )
    assert _one_line(message) == (
        "dbt: Failure in test unique_pool_account_id (models/marts/_marts.yml); "
        "Got 3 results, configured to fail if != 0"
    )
