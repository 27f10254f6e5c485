"""One Salesforce id, two forms: the rules' ids and the landing files' are normalised the
same way (issue 37.4), by the Python the rules validate with and the SQL the loader runs."""

import random
import string

import duckdb

from data_quality.landing.checks import id_18
from data_quality.sql import literal
from engagement.ids import salesforce_id_18
from engagement.rules import parse_rules


def test_the_rules_and_the_loader_give_every_id_the_same_18_characters():
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits
    ids = ["".join(rng.choice(alphabet) for _ in range(15)) for _ in range(300)]
    ids += ["001000000000001", "005Ab00000PoOL1", "short", "x" * 18]
    con = duckdb.connect()
    sql = ", ".join(id_18(literal(i)) for i in ids)
    assert list(con.execute(f"SELECT {sql}").fetchone()) == [salesforce_id_18(i) for i in ids]


def test_a_pool_owner_copied_from_the_address_bar_is_stored_in_its_18_character_form():
    rules = parse_rules({"distribution": {"pool_owner_id": "005Ab00000PoOL1"}})
    assert rules.distribution.pool_owner_id == salesforce_id_18("005Ab00000PoOL1")
    assert len(rules.distribution.pool_owner_id) == 18
