"""Hostile rules files (tests/corpus/rules): names are validated, so an attempt to break out
of SQL through one is refused with one line naming the key, before anything runs."""

from pathlib import Path

import pytest
import yaml

from engagement.rules import RulesError, load_rules, parse_rules

CORPUS = Path(__file__).parents[1] / "corpus" / "rules"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yml").read_text())
REJECTED = sorted(name for name, case in MANIFEST.items() if "rejected" in case)


def test_the_manifest_lists_every_hostile_file():
    assert sorted(p.name for p in CORPUS.glob("*.yml") if p.name != "manifest.yml") == sorted(
        MANIFEST
    )


@pytest.mark.parametrize("name", REJECTED)
def test_a_hostile_name_is_refused_with_one_line_naming_the_key(name):
    with pytest.raises(RulesError) as caught:
        load_rules(CORPUS / name)
    message = str(caught.value)
    assert "\n" not in message
    assert MANIFEST[name]["rejected"] in message, message


def test_free_text_values_are_accepted_as_they_are():
    rules = load_rules(CORPUS / "free_text_values_run.yml")
    assert "O'Brien" in rules.regions
    assert "O'Brien Software" in rules.fit.industry


@pytest.mark.parametrize(
    "limit", ["2GB'; ATTACH '/tmp/x.duckdb' AS x; --", "lots", "2 GB; SET threads = 1"]
)
def test_a_warehouse_memory_limit_that_is_not_a_size_is_refused(limit):
    from orchestration.warehouse import Warehouse

    with pytest.raises(Exception, match="memory_limit"):
        Warehouse(path="/tmp/w.duckdb", memory_limit=limit)


def test_sizes_duckdb_understands_are_accepted():
    from orchestration.warehouse import Warehouse

    for limit in ("2GB", "512MiB", "1.5 GB", "80%"):
        assert Warehouse(path="/tmp/w.duckdb", memory_limit=limit).memory_limit == limit


def test_country_codes_may_be_written_as_names_or_alpha_3_and_are_stored_as_alpha_2():
    rules = parse_rules(
        {
            "fit": {"country": {"United States": 25, "DEU": 15, "gb": 20}},
            "regions": {"NA": ["united states", "CAN"]},
        }
    )
    assert rules.fit.country == {"US": 25, "DE": 15, "GB": 20}
    assert rules.regions["NA"] == ["US", "CA"]
