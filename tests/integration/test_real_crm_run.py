"""The first run on a CRM export, through the whole pipeline (issue 22): what RevOps would
roll back the same day must not happen."""

import pandas as pd
import pytest

from orchestration.runner import RunPaths, run_books
from sample_data.generate import generate
from tests.integration.conftest import AS_OF, query


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo's shape (`books demo`: 5,000 accounts, 40 reps, seed 7), where a few reps
    sit on 1.5-3.6x their capacity; fewer activities, to keep it quick."""
    root = tmp_path_factory.mktemp("demo")
    landing = root / "landing"
    generate(landing, accounts=5000, reps=40, seed=7, as_of=AS_OF, activities_per_account=8)
    paths = RunPaths(landing=landing, rules=landing / "rules.yml", warehouse=root / "wh.duckdb")
    run_books(paths, AS_OF)
    return paths


def crm_file(paths) -> pd.DataFrame:
    return pd.read_csv(
        paths.exports / f"crm_owner_changes_{AS_OF.isoformat()}.csv",
        dtype=str,
        keep_default_na=False,
    )


def test_no_customer_or_open_deal_leaves_its_owner_and_no_owner_is_blank(first_run):
    crm = crm_file(first_run)
    assert (crm["OwnerId"] != "").all()
    outside = query(
        first_run,
        "SELECT account_id, crm_owner_id FROM marts.account_scores WHERE scope_reason IS NOT NULL",
    )
    assert outside, "the generated CRM has customers and open deals"
    owners = dict(zip(crm["Id"], crm["OwnerId"], strict=True))
    moved = [(a, o, owners[a]) for a, o in outside if a in owners and owners[a] != o]
    assert not moved
    states = query(
        first_run,
        "SELECT DISTINCT book_state FROM marts.account_states WHERE scope_reason IS NOT NULL",
    )
    assert states == [("out_of_scope",)]


def test_every_return_gets_an_answer(first_run):
    answered = query(
        first_run,
        "SELECT count(*) FROM staging.stg_books__returns r WHERE NOT EXISTS ("
        "SELECT 1 FROM allocation.return_decisions d WHERE d.account_id = r.account_id "
        "AND d.rep_id = r.rep_id AND d.returned_at = r.returned_at)",
    )
    assert answered == [(0,)]


def test_the_static_picture_is_audited_and_the_switch_ends_the_hoarding(demo_run):
    audit = query(
        demo_run,
        "SELECT rep_id, held_to_capacity, unworked_share "
        "FROM marts.passive_territory_audit WHERE held_to_capacity >= 1.5",
    )
    assert audit, "the generated CRM has reps sitting on more than their capacity"
    assert any(share > 0.5 for *_, share in audit)  # the territory as the CRM holds it
    # One authority for hoarding: the audit's flag is rep_books'.
    assert query(
        demo_run,
        "SELECT count(*) FROM marts.passive_territory_audit a "
        "LEFT JOIN marts.rep_books r USING (rep_id) "
        "WHERE a.is_hoarding <> coalesce(r.is_hoarding, false)",
    ) == [(0,)]
    # After the switch, nobody's book is mostly held and unworked, and books are at
    # capacity (worked accounts beyond it aside).
    assert query(demo_run, "SELECT count(*) FROM marts.rep_books WHERE is_hoarding") == [(0,)]
    over = query(
        demo_run,
        "SELECT b.rep_id FROM marts.rep_books b WHERE b.status = 'active' "
        "AND b.book_size > b.capacity AND b.book_size > b.worked_accounts",
    )
    assert over == []
