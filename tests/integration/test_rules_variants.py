"""Every shape of rules file the validator accepts runs (issue 37.4, 37.5): the variants
`sample_data/rules.yml` documents, end to end on a small team; and a rules file that does
not fit the team is refused before a single book is written."""

import shutil

import pytest
import yaml

from data_quality.preflight import ConfigurationError
from engagement.ids import salesforce_id_18
from orchestration.runner import RunPaths, run_books
from sample_data.generate import generate
from tests.integration.conftest import AS_OF, query

VARIANTS = {
    # "Leave every factor empty to fall back to sorting by employees, then revenue."
    "fit_fallback": {
        "fit": {"industry": {}, "country": {}, "employees": [], "annual_revenue": []},
        "transition": {"trim": False},
    },
    # Eligibility beyond segment, a named holdout rep, a floor on priority, a re-switch.
    "eligibility_and_holdout": {
        "distribution": {
            "match_region": True,
            "match_language": True,
            "max_time_zone_gap_hours": 6,
            "open_opportunity_holdout": "named_rep",
            "holdout_rep_id": "{manager}",
            "min_priority": 20,
            "pool_owner_id": "{integration}",
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
        },
        "transition": {"reswitch_on": [AS_OF.isoformat()], "protect_worked_days": 0},
        "fit": {"icp_min_score": 30},
    },
}


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    landing = tmp_path_factory.mktemp("variants") / "landing"
    generate(landing, accounts=150, reps=6, seed=3, as_of=AS_OF, activities_per_account=3)
    return landing


def users(landing) -> dict[str, str]:
    import csv

    with (landing / "User.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        "manager": next(r["Id"] for r in rows if r["Title"] == "Sales Manager"),
        "integration": next(r["Id"] for r in rows if r["Title"] == "Integration"),
    }


def rules_file(landing, folder, variant: dict) -> RunPaths:
    rules = yaml.safe_load((landing / "rules.yml").read_text())
    text = yaml.safe_dump({**rules, **variant}, sort_keys=False)
    for name, user in users(landing).items():
        text = text.replace(f"'{{{name}}}'", f"'{user}'")
    folder.mkdir()
    (folder / "rules.yml").write_text(text)
    return RunPaths(landing, folder / "rules.yml", folder / "wh.duckdb")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_documented_variant_runs_end_to_end(team, tmp_path, name):
    paths = rules_file(team, tmp_path / name, VARIANTS[name])
    run_books(paths, AS_OF)
    (books,) = query(paths, "SELECT count(*) FROM marts.current_books")[0]
    assert books > 0
    if name == "fit_fallback":
        said = query(paths, "SELECT DISTINCT fit_explanation FROM marts.account_scores")
        assert said == [("no fit score configured: ranked by employees, then revenue",)]
        # Books adopted as they are (trim: false): both marts flag the same reps.
        hoarding = "SELECT rep_id FROM marts.{} WHERE is_hoarding ORDER BY 1"
        flagged = query(paths, hoarding.format("rep_books"))
        assert flagged == query(paths, hoarding.format("passive_territory_audit"))


def test_a_pool_owner_copied_as_15_characters_is_the_user_of_18(team, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(team, landing)
    owner = users(team)["integration"]
    real = salesforce_id_18("005Ab00000PoOL1")  # an id with a real checksum
    text = (landing / "User.csv").read_text().replace(owner, real)
    (landing / "User.csv").write_text(text)
    for csv_name in ("Account.csv",):
        path = landing / csv_name
        path.write_text(path.read_text().replace(owner, real))
    paths = rules_file(landing, tmp_path / "ok", {"distribution": {"pool_owner_id": real[:15]}})
    run_books(paths, AS_OF)
    assert query(paths, "SELECT count(*) FROM marts.current_books")[0][0] > 0


@pytest.mark.parametrize(
    ("variant", "key"),
    [
        ({"distribution": {"pool_owner_id": "005000000000ZZZ"}}, "distribution.pool_owner_id"),
        (
            {
                "distribution": {
                    "open_opportunity_holdout": "named_rep",
                    "holdout_rep_id": "005Ab00000NoBoD",
                }
            },  # fmt: skip
            "distribution.holdout_rep_id",
        ),
        ({"target_book_size": {"SDR": {"smb": 0}, "AE": {}}}, "target_book_size."),
    ],
)
def test_a_rules_file_that_does_not_fit_the_team_is_refused_before_anything_is_written(
    team, tmp_path, variant, key
):
    paths = rules_file(team, tmp_path / "bad", variant)
    with pytest.raises(ConfigurationError) as caught:
        run_books(paths, AS_OF)
    assert str(caught.value).startswith(key) and "\n" not in str(caught.value)
    assert not paths.warehouse.exists()
