"""Records what the allocation engine was given and gave on three days of the pipeline,
so `tests/unit/test_engine_days.py` can replay them and compare row for row.

Day 1 switches a generated team from its CRM owners; day 2 brings new tasks and a return;
day 3, five weeks on, retrieves what nobody worked, loses a rep and sends another on leave.
Run it again only when the engine's answers are meant to change, and say why in
the commit:

    .venv/bin/python -m tests.unit.engine_days.record
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from allocation import engine
from engagement.rules import load_rules
from orchestration.runner import RunPaths, run_books
from orchestration.stores import allocation as store
from sample_data.generate import generate

HERE = Path(__file__).parent
# Day 3 is five weeks on: grace and the working window have passed for day 1's books.
DAYS = [dt.date(2026, 10, 26), dt.date(2026, 10, 27), dt.date(2026, 11, 30)]
OUTPUTS = ("events", "states", "capacity", "return_decisions", "claim_decisions")


def outputs(result: engine.RunResult) -> dict[str, pd.DataFrame]:
    return {name: getattr(result, name) for name in OUTPUTS}


def _change(landing: Path, day: dt.date, n: int) -> None:
    """The day's news in the landing files: tasks logged today, then on day 2 a return and
    on day 3 a rep gone and another on leave."""
    with (landing / "Task.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    with (landing / "Task.csv").open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        for row in rows[n * 50 : n * 50 + 50]:
            writer.writerow(row | {"Id": f"D{n}{row['Id']}", "ActivityDate": day.isoformat(),
                                   "CreatedDate": f"{day}T09:00:00.000Z"})  # fmt: skip
    if n == 1:
        with (landing / "book_returns.csv").open("a") as f:
            f.write(f"{{returned}},{day}T09:00:00Z,no_response,\n")
    if n == 2:
        reps = pd.read_csv(landing / "reps.csv", dtype=str, keep_default_na=False)
        reps.loc[0, "departed_on"] = day.isoformat()
        reps.loc[1, "unavailable_until"] = (day + dt.timedelta(days=30)).isoformat()
        reps.to_csv(landing / "reps.csv", index=False, quoting=csv.QUOTE_ALL)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="engine-days-"))
    landing = root / "landing"
    generate(landing, accounts=600, reps=10, seed=11, as_of=DAYS[0], activities_per_account=5)
    paths = RunPaths(landing, landing / "rules.yml", root / "wh.duckdb")
    rules = load_rules(paths.rules)
    for n, day in enumerate(DAYS):
        if n:
            _change(landing, day, n)
            if n == 1:  # a rep returns the first account of their book
                con = duckdb.connect(str(paths.warehouse), read_only=True)
                held = con.execute("SELECT account_id || ',' || rep_id FROM marts.current_books "
                                   "ORDER BY ALL LIMIT 1").fetchone()[0]  # fmt: skip
                con.close()
                text = (landing / "book_returns.csv").read_text()
                (landing / "book_returns.csv").write_text(text.replace("{returned}", held))
        run_books(paths, day)
        con = duckdb.connect(str(paths.warehouse))
        inputs = store.read_inputs(con, day)
        con.close()
        folder = HERE / day.isoformat()
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "inputs").mkdir(parents=True)
        (folder / "outputs").mkdir()
        for name, frame in inputs.items():
            frame.to_parquet(folder / "inputs" / f"{name}.parquet", index=False)
        result = engine.run(engine.Inputs(**inputs), rules, day, f"books-{day}")
        for name, frame in outputs(result).items():
            frame.to_parquet(folder / "outputs" / f"{name}.parquet", index=False)
        print(day, {name: len(frame) for name, frame in outputs(result).items()})
    shutil.copyfile(paths.rules, HERE / "rules.yml")
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
