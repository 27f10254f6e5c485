"""A list of kinds is written once, in the code that makes the values; the dbt YAML's
accepted_values tests restate it for the marts, so they are held equal to it here. A new
accepted_values list must name its authority below (or be one a model's own SQL makes)."""

from pathlib import Path

import pytest
import yaml

from allocation import capacity, events, states
from data_quality.expectations import SEVERITIES
from data_quality.review import ALLOWED, Decision
from engagement.rules import Role

MODELS = Path(__file__).resolve().parents[2] / "transforms" / "models"

AUTHORITIES = {
    ("ownership_events", "kind"): events.KINDS,
    ("account_states", "book_state"): states.BOOK_STATES + states.POOL_STATES,
    ("stg_allocation__account_states", "state"): states.BOOK_STATES + states.POOL_STATES,
    ("pool", "pool_state"): states.POOL_STATES,
    ("rep_books", "status"): capacity.STATUSES,
    ("review_queue", "item_kind"): tuple(ALLOWED),
    ("review_queue", "status"): ("open", *Decision),
    ("stg_quality__review_decisions", "decision"): tuple(Decision),
    ("review_queue", "severity"): SEVERITIES,
    ("stg_books__reps", "role"): tuple(Role),
}
# Values one model's own SQL writes (a literal per branch of that model): the SQL and its
# YAML sit side by side, and the list has no reader in Python.
MADE_IN_SQL = {
    ("int_accounts__unknown_rule_values", "rule"),
    ("review_queue", "item_source"),
    ("opportunity_sources", "period"),
    ("opportunity_sources", "source"),
}


def _accepted_values() -> dict[tuple[str, str], list]:
    found = {}
    for path in sorted(MODELS.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            for column in model.get("columns") or []:
                for test in column.get("data_tests") or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        values = test["accepted_values"]["arguments"]["values"]
                        if isinstance(values, list):  # not one rendered from the rules' vars
                            found[(model["name"], column["name"])] = values
    return found


LISTS = _accepted_values()


@pytest.mark.parametrize("where", sorted(AUTHORITIES), ids=".".join)
def test_the_yaml_lists_what_the_code_writes(where):
    assert where in LISTS, f"{where} has no accepted_values test any more"
    listed = LISTS[where]
    assert len(set(listed)) == len(listed), f"{where} lists a value twice"
    assert set(listed) == {str(v) for v in AUTHORITIES[where]}


def test_every_list_in_the_yaml_has_an_authority():
    assert set(LISTS) - set(AUTHORITIES) - MADE_IN_SQL == set()


def test_the_sample_crm_returns_accounts_for_the_reasons_the_rules_allow():
    from engagement.rules import Rules
    from sample_data.generate import RETURN_REASONS, RETURN_WEIGHTS

    assert sorted(RETURN_REASONS) == Rules().allowed_returns
    assert len(RETURN_WEIGHTS) == len(RETURN_REASONS)
