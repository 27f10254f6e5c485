"""`books`: generate sample data, run the daily books, or the whole demo."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="dynamic-books: daily dynamic book management on Dagster + dbt + DuckDB.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import version

        typer.echo(f"books {version('dynamic-books')}")
        raise typer.Exit()


@app.callback()
def books(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version"),
    ] = False,
) -> None:
    """dynamic-books: daily dynamic book management on Dagster + dbt + DuckDB."""


def _date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _say(line: str) -> None:
    typer.echo(line, err=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


Engine = Annotated[
    str,
    typer.Option(
        envvar="BOOKS_ENGINE",
        help="The warehouse's engine: duckdb (a file) or spark (a folder of tables)",
    ),
]


def _store(warehouse: Path, engine: str):
    """The warehouse resource for a path and an engine."""
    from orchestration.warehouse import ENGINES, Warehouse

    if engine not in ENGINES:
        raise typer.BadParameter(f"--engine {engine!r}: one of {', '.join(ENGINES)}")
    return Warehouse(path=str(warehouse.resolve()), engine=engine)


# Bad paths and bad input (RulesError and LandingError are ValueErrors): one line, exit 1.
KNOWN_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError)


def _guarded(fn, *args, also: tuple[type[Exception], ...] = ()):
    """Known failures become one readable line and a non-zero exit, not a traceback.

    Commands name their own extra error types, so `generate` does not import Dagster or
    Great Expectations just to catch errors it cannot raise.
    """
    try:
        return fn(*args)
    except (*KNOWN_ERRORS, *also) as exc:
        _fail(str(exc))


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the landing files into")],
    accounts: Annotated[int, typer.Option(min=1, help="Number of accounts")] = 5000,
    reps: Annotated[int, typer.Option(min=1, help="Number of reps on the roster")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files")] = 0,
    as_of: Annotated[
        str | None, typer.Option(help="Date the data is as of (default today)")
    ] = None,
    activities_per_account: Annotated[float, typer.Option(min=0)] = 20.0,
) -> None:
    """Write realistic sample landing files (Salesforce Data Loader shape) and rules.yml."""
    from sample_data.generate import generate as gen

    if out.exists() and not out.is_dir():
        _fail(f"{out}: exists and is not a folder")
    started = time.perf_counter()
    rows = _guarded(gen, out, accounts, reps, seed, _date(as_of), activities_per_account)
    for name, count in rows.items():
        typer.echo(f"  {name:<20} {count:>12,} rows")
    typer.echo(f"wrote {out} in {time.perf_counter() - started:.1f}s")


@app.command()
def run(
    landing: Annotated[Path, typer.Option(help="Folder with the landing files")],
    rules: Annotated[Path, typer.Option(help="Rules-of-engagement YAML file")],
    warehouse: Annotated[
        Path, typer.Option(help="The warehouse: DuckDB's file, or Spark's folder")
    ],
    as_of: Annotated[str | None, typer.Option(help="Run date (default today)")] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(help="Read unchanged landing files again and rebuild incremental models"),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            help="Run the day on a scratch copy: write nothing to the books, marts or exports, "
            "print the changes and write them as CSVs to --preview"
        ),
    ] = False,
    preview: Annotated[
        Path | None, typer.Option(help="Folder for a dry run's CSVs (default: previews/)")
    ] = None,
    exports_url: Annotated[
        str,
        typer.Option(
            envvar="BOOKS_EXPORTS_URL",
            help="Where the exports folder is served, for the report link in the UI",
        ),
    ] = "",
    engine: Engine = "duckdb",
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds to wait while another run holds the warehouse (0: refuse at once)",
        ),
    ] = 1800,
) -> None:
    """Materialize every asset in-process through Dagster for one as-of date."""
    from orchestration.runner import RunFailed, RunPaths, preview_books, summary

    store = _store(warehouse, engine)
    paths = RunPaths(
        landing=landing,
        rules=rules,
        warehouse=warehouse,
        exports_url=exports_url,
        engine=engine,
        wait_seconds=wait,
    )
    date = _date(as_of)
    started = time.perf_counter()
    if dry_run:
        folder = preview or warehouse.resolve().parent / "previews"
        shown = _guarded(preview_books, paths, date, folder, also=(RunFailed,))
        typer.echo(shown.summary)
        typer.echo(f"changes: {shown.changes}\nCRM file it would write: {shown.crm}")
        return
    _run_day(paths, date, full_refresh, True)
    typer.echo(summary(store))
    typer.echo(
        f"books for {date} done in {time.perf_counter() - started:.1f}s -> {warehouse.resolve()}"
    )


def _run_day(paths, date: dt.date, full_refresh: bool, quiet: bool) -> None:
    """One day's run, recorded in the instance `make dev` opens when DAGSTER_HOME is set."""
    from orchestration.runner import RunFailed, instance, run_books

    started = time.perf_counter()
    with instance() as recorded:
        _guarded(run_books, paths, date, recorded, full_refresh, _say, also=(RunFailed,))
    if not quiet:
        typer.echo(f"books for {date} done in {time.perf_counter() - started:.1f}s")


@app.command()
def explain(
    account_id: Annotated[str, typer.Argument(help="Salesforce Account Id")],
    warehouse: Annotated[Path, typer.Option(help="DuckDB warehouse file")] = Path(
        "data/warehouse.duckdb"
    ),
    engine: Engine = "duckdb",
) -> None:
    """Print an account's ownership history and why it sits where it is."""
    from books_app.explain import UnknownAccount
    from books_app.explain import explain as explain_account

    store = _store(warehouse, engine)
    typer.echo(_guarded(explain_account, store, account_id, also=(UnknownAccount,)))


@app.command()
def demo(
    data: Annotated[Path, typer.Option(help="Folder for landing files and the warehouse")] = Path(
        "data"
    ),
    accounts: Annotated[int, typer.Option(min=1)] = 5000,
    reps: Annotated[int, typer.Option(min=1)] = 40,
    seed: Annotated[int, typer.Option()] = 7,
    days: Annotated[
        int,
        typer.Option(
            min=1,
            help="Days of history ending today: each day after the first, reps work part "
            "of their books and return a few, then the books run",
        ),
    ] = 1,
    exports_url: Annotated[
        str, typer.Option(envvar="BOOKS_EXPORTS_URL", help="Where the exports are served")
    ] = "",
    engine: Engine = "duckdb",
) -> None:
    """Generate sample data into DATA/landing and run the books into DATA/warehouse.duckdb
    (DATA/warehouse.spark/ on Spark), for today or for the DAYS ending today."""
    from orchestration.runner import RunPaths
    from orchestration.stores import marts
    from sample_data.history import work_a_day

    landing, warehouse = data / "landing", data / f"warehouse.{engine}"
    store = _store(warehouse, engine)
    first = dt.date.today() - dt.timedelta(days=days - 1)
    generate(
        out=landing,
        accounts=accounts,
        reps=reps,
        seed=seed,
        as_of=first.isoformat(),
        activities_per_account=20.0,
    )
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        if offset:
            with store.read() as con:
                books = marts.current_books(con)
            added = work_a_day(landing, day, books, seed)
            typer.echo(f"{day}: {added['Task.csv']} calls, {added['book_returns.csv']} returns")
        if offset < days - 1:
            day_paths = RunPaths(
                landing, landing / "rules.yml", warehouse, exports_url=exports_url, engine=engine
            )
            _run_day(day_paths, day, False, False)
    run(
        landing=landing,
        rules=landing / "rules.yml",
        warehouse=warehouse,
        as_of=dt.date.today().isoformat(),
        full_refresh=False,
        exports_url=exports_url,
        engine=engine,
        wait=1800,
    )


@app.command()
def docs(
    rules: Annotated[Path, typer.Option(help="Rules-of-engagement YAML file")] = Path(
        "data/landing/rules.yml"
    ),
    warehouse: Annotated[Path, typer.Option(help="DuckDB warehouse file")] = Path(
        "data/warehouse.duckdb"
    ),
    port: Annotated[int, typer.Option(help="Port to serve the docs on")] = 8080,
    serve: Annotated[bool, typer.Option(help="Serve the docs once generated")] = True,
) -> None:
    """Generate the dbt docs (models, columns, tests, lineage) of the warehouse and serve them."""
    from books_app import docs as dbt_docs

    folder = _guarded(dbt_docs.generate, rules.resolve(), warehouse.resolve())
    typer.echo(f"docs in {folder}")
    if serve:
        typer.echo(f"serving on http://127.0.0.1:{port}/ (Ctrl-C stops)")
        dbt_docs.serve(port)


@app.command()
def dev(
    workspace: Annotated[Path, typer.Option(help="Dagster workspace file")] = Path(
        "workspace.yaml"
    ),
    port: Annotated[int, typer.Option(help="Port of the Dagster UI")] = 3000,
    exports: Annotated[
        Path, typer.Option(envvar="BOOKS_EXPORTS", help="Exports folder to serve")
    ] = Path("data/exports"),
    exports_port: Annotated[int, typer.Option(help="Port the exports are served on")] = 3001,
) -> None:
    """The Dagster UI and the exports' file server (`make dev`); Ctrl-C or SIGTERM stops
    both and everything they started."""
    from books_app.dev import dagster_dev

    raise typer.Exit(dagster_dev(workspace.resolve(), port, exports.resolve(), exports_port))


@app.command()
def simulate(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(help="Scenario names (simulation/scenarios/) or YAML files"),
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Seeds to draw (default 30); an expected-value scenario runs once unless "
            "seeds are asked for",
        ),
    ] = None,
    policies: Annotated[
        str,
        typer.Option(
            help="Comma-separated: static, wild_west, round_robin, claim_queue, dynamic, switch"
        ),  # fmt: skip
    ] = "static,wild_west,round_robin,claim_queue,dynamic",
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="KEY=VALUE, a dotted scenario key (repeatable)"),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="HTML report (default simulations/<scenario>.html; '-' for none)"),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes to run seeds in")] = 2,
    from_warehouse: Annotated[
        Path | None,
        typer.Option(help="Build the market from this warehouse: this team's own numbers"),
    ] = None,
    emit_landing: Annotated[
        Path | None,
        typer.Option(help="Write a day of the simulated market as landing files into DIR"),
    ] = None,
    day: Annotated[int, typer.Option(min=0, help="With --emit-landing: the day")] = 30,
    policy: Annotated[
        str, typer.Option(help="With --emit-landing: whose books the day shows")
    ] = "dynamic",
    tornado: Annotated[
        bool,
        typer.Option(help="A sensitivity table of the lift over the main knobs (slow)"),
    ] = False,
) -> None:
    """Simulate a year of a market under each policy and print the lift of each against
    static territories (see the README's "Simulating a year")."""
    from simulation.compare import compare
    from simulation.report import html_report, text_table
    from simulation.scenario import ScenarioError, load_scenario, parse_scenario

    overrides = {}
    for item in set_ or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _fail(f"--set {item!r}: write KEY=VALUE, e.g. --set team.capacity=80")
        overrides[key.strip()] = value
    chosen = [p.strip() for p in policies.split(",") if p.strip()]
    loaded = []
    if from_warehouse is not None:
        from orchestration.stores import marts
        from orchestration.warehouse import WarehouseBusy
        from simulation import from_team

        def figures():
            with _store(from_warehouse, "duckdb").read() as con:
                return marts.team_figures(con)

        found = _guarded(figures, also=(WarehouseBusy,))
        data, said = from_team.scenario_data(found)
        typer.echo("This team's market (what was measured, what fell back to a default):")
        typer.echo("\n".join(p.line() for p in said))
        typer.echo("Opportunities within 90 days of distribution, by priority decile:")
        typer.echo(from_team.deciles_table(found))
        loaded.append(
            _guarded(parse_scenario, data, str(from_warehouse), overrides, also=(ScenarioError,))
        )
    for name in scenarios or ([] if loaded else ["default"]):
        loaded.append(_guarded(load_scenario, name, overrides, also=(ScenarioError,)))
    if emit_landing is not None:
        from simulation.landing import emit
        from simulation.run import world_at
        from simulation.world import date_of

        scenario = loaded[0]
        world = _guarded(world_at, scenario, policy, seeds or 1, day)
        rows = emit(world, day, emit_landing)
        for file, count in rows.items():
            typer.echo(f"  {file:<20} {count:>9,} rows")
        typer.echo(
            f"day {day} of {scenario.name} under {policy} -> {emit_landing} (run it: books run "
            f"--landing {emit_landing} --rules {emit_landing / 'rules.yml'} --as-of "
            f"{date_of(day)} --warehouse ...)"
        )
        return
    if tornado:
        from simulation.sensitivity import tornado as swing
        from simulation.sensitivity import tornado_table

        scenario = loaded[0]
        drawn = list(range(1, (seeds or 3) + 1))
        base = compare(scenario.model_copy(update={"expected_value": True}),
                       ["static", "dynamic"], drawn, workers)  # fmt: skip
        typer.echo(
            tornado_table(swing(scenario, drawn, workers), base.lift("dynamic", "opportunities")[0])
        )
        return
    side_by_side = []
    for scenario in loaded:
        if seeds is not None and scenario.expected_value:
            scenario = scenario.model_copy(update={"expected_value": False})
        drawn = list(range(1, 2 if scenario.expected_value else (seeds or 30) + 1))
        started = time.perf_counter()
        result = _guarded(compare, scenario, chosen, drawn, workers)
        typer.echo(text_table(result))
        side_by_side.append(result)
        typer.echo(f"{len(drawn)} seed(s) x {len(result.policies)} policies in "
                   f"{time.perf_counter() - started:.1f}s")  # fmt: skip
        if report != Path("-"):
            path = report or Path("simulations") / f"{scenario.name}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html_report(result), encoding="utf-8")
            typer.echo(f"report: {path.resolve()}")
    if len(side_by_side) > 1:
        from simulation.report import side_by_side_table

        typer.echo(side_by_side_table(side_by_side))


review = typer.Typer(
    help="Work the review queue: list items, show one, decide.", no_args_is_help=True
)
app.add_typer(review, name="review")
WAREHOUSE = Path("data/warehouse.duckdb")


@review.command("list")
def review_list(
    warehouse: Annotated[Path, typer.Option(help="DuckDB warehouse file")] = WAREHOUSE,
    all_items: Annotated[
        bool, typer.Option("--all", help="Decided items too, with their decision")
    ] = False,
    engine: Engine = "duckdb",
) -> None:
    """The review queue's items: id, kind, the decisions it allows, file, row and rule."""
    from orchestration.stores.review import items
    from orchestration.warehouse import WarehouseBusy

    store = _store(warehouse, engine)

    def listed():
        with store.read() as con:
            return items(con, open_only=not all_items)

    frame = _guarded(listed, also=(WarehouseBusy,))
    if frame.empty:
        typer.echo("the review queue has no open items" if not all_items else "no items")
        return
    for r in frame.itertuples(index=False):
        status = "" if r.status == "open" else f"  [{r.status} by {r.decided_by or '?'}]"
        typer.echo(
            f"{r.review_item_id}  {r.item_kind:<15} {r.allowed:<21} {r.file} {r.location}"
            f"  {r.rule}{f' ({r.column_name})' if r.column_name else ''}{status}"
        )
    typer.echo(f"{len(frame)} item(s); decide with: books review decide ITEM... --decision D")


def _said(value) -> bool:
    """A cell with something in it (not null, NaN or blank)."""
    return value is not None and str(value) not in ("", "nan", "None", "NaT")


@review.command("show")
def review_show(
    item: Annotated[str, typer.Argument(help="Review item id")],
    warehouse: Annotated[Path, typer.Option(help="DuckDB warehouse file")] = WAREHOUSE,
    engine: Engine = "duckdb",
) -> None:
    """One item: what was found, the row as read and the decisions it allows."""
    from orchestration.stores import review as review_store
    from orchestration.warehouse import WarehouseBusy

    store = _store(warehouse, engine)

    def shown():
        with store.read() as con:
            return review_store.item(con, item), review_store.history(con, item)

    frame, decided = _guarded(shown, also=(WarehouseBusy,))
    if frame.empty:
        _fail(f"{item}: not an item of the review queue (books review list shows them)")
    from data_quality.review import allowed

    row = frame.iloc[0]
    for column, value in row.items():
        if _said(value):
            typer.echo(f"{column:>22}: {value}")
    typer.echo(f"{'allowed decisions':>22}: {', '.join(allowed(row['item_kind'], row['rule']))}")
    typer.echo("history:" if len(decided) else "history: no decision yet")
    for d in decided.itertuples():
        value = f" (value {d.corrected_value})" if _said(d.corrected_value) else ""
        note = f": {d.note}" if _said(d.note) else ""
        typer.echo(
            f"  {d.decided_at:%Y-%m-%d %H:%M} {d.decided_by} {d.decision}{value}, "
            f"from the run of {d.decided_on}{note}"
        )


@review.command("decide")
def review_decide(
    items: Annotated[list[str], typer.Argument(help="Review item ids")],
    decision: Annotated[
        str,
        typer.Option(
            help="One the item allows (books review list shows them): reintroduce, retire, "
            "accept, dismiss, acknowledge or keep"
        ),
    ],
    note: Annotated[str, typer.Option(help="Why")] = "",
    by: Annotated[str | None, typer.Option(help="Who decided (default: your login)")] = None,
    value: Annotated[
        str | None, typer.Option(help="With reintroduce: the value to load instead")
    ] = None,
    applies_from: Annotated[
        str | None, typer.Option(help="Run date it applies from (default: the next run)")
    ] = None,
    warehouse: Annotated[Path, typer.Option(help="DuckDB warehouse file")] = WAREHOUSE,
    engine: Engine = "duckdb",
) -> None:
    """Record a decision on items; the next run applies it (the same path as the UI's job)."""
    import getpass

    import duckdb

    from data_quality.review import Request, ReviewError
    from orchestration.stores.review import record_decisions

    store = _store(warehouse, engine)
    request = Request(
        item_ids=items,
        decision=decision,
        note=note,
        decided_by=by or getpass.getuser(),
        corrected_value=value,
        applies_from=_date(applies_from) if applies_from else None,
    )

    def decided():
        if not Path(store.duckdb_path).exists():
            raise FileNotFoundError(f"{warehouse}: warehouse not found")
        try:
            with store.hold("books review decide", _say), store.connect() as con:
                return record_decisions(con, request, run_id="cli")
        except (duckdb.IOException, duckdb.ConnectionException):
            raise OSError(f"{warehouse}: in use by a run; try again when it ends") from None

    rows = _guarded(decided, also=(ReviewError,))
    typer.echo(
        f"recorded {decision} on {len(rows)} item(s) by {request.decided_by}; "
        "the next run applies it"
    )


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
