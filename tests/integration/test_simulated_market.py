"""The simulated market through the real pipeline (issue 38.6), and the simulation's report
in a real browser: what only a simulator knows, that some accounts are truly in market,
must show in the scores the pipeline computes from the landing files alone."""

import numpy as np
import pytest

from orchestration.runner import RunPaths, run_books
from simulation.compare import compare
from simulation.landing import account_id, emit
from simulation.market import draw
from simulation.report import html_report
from simulation.run import world_at
from simulation.scenario import load_scenario
from simulation.world import date_of
from tests.integration.browser import needs_browser, page_errors, rendered
from tests.integration.conftest import query

SMALL = {"market.accounts": "800", "team.reps": "4", "days": "60", "market.in_market_share": "0.1"}
DAYS = (31, 32)  # a Friday and a Saturday of the simulated year


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Two simulated days under dynamic books, each written as landing files and run."""
    root = tmp_path_factory.mktemp("simulated")
    scenario = load_scenario("default", SMALL)
    warehouse = root / "wh.duckdb"
    for day in DAYS:
        landing = root / f"day{day}"
        emit(world_at(scenario, "dynamic", 1, day), day, landing)
        run_books(RunPaths(landing, landing / "rules.yml", warehouse), date_of(day))
    return scenario, RunPaths(landing, landing / "rules.yml", warehouse)


def test_accounts_truly_in_market_rank_higher(simulated):
    scenario, paths = simulated
    market = draw(scenario, 1)
    inside = {account_id(a) for a in np.flatnonzero(market.in_market(DAYS[-1]))}
    scores = query(paths, "SELECT account_id, priority, fit_score FROM marts.account_scores")
    assert len(scores) == scenario.market.size
    # The pipeline scores fit as the simulator's tiers do (90 / 60 / 30) ...
    assert {fit for _, _, fit in scores} == {90.0, 60.0, 30.0}
    # ... and accounts truly in market rank higher, tier for tier.
    for fit in (90.0, 60.0, 30.0):
        tier = [(a, p) for a, p, f in scores if f == fit]
        hot = [p for a, p in tier if a in inside]
        cold = [p for a, p in tier if a not in inside]
        assert hot and np.mean(hot) > np.mean(cold), fit


def test_the_simulated_books_reach_the_warehouse(simulated):
    _, paths = simulated
    books = query(paths, "SELECT rep_id, count(*) FROM marts.current_books GROUP BY 1")
    assert len(books) == 4 and all(count > 0 for _, count in books)
    assert query(paths, "SELECT count(*) FROM marts.review_queue WHERE severity = 'blocking'") == [
        (0,)
    ]


@needs_browser
def test_the_simulation_report_opens_in_a_browser(tmp_path):
    scenario = load_scenario("lose_three_reps", {"market.accounts": "600", "team.reps": "4",
                                                 "days": "90"})  # fmt: skip
    report = tmp_path / "simulation.html"
    report.write_text(html_report(compare(scenario, ["static", "dynamic"], [1, 2])))
    dom, log = rendered(report.as_uri(), tmp_path / "profile")
    assert dom.count('class="main-svg"') >= 6  # every plot drawn as SVG
    assert "Lift against static" in dom and "Pool health" in dom
    assert not page_errors(log)
