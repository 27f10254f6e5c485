"""Salesforce record ids: a 15-character id (what an admin copies from the CRM's address
bar) and its 18-character form (what an export writes) name one record. Every id is stored
in its 18-character form: the loader's SQL (`data_quality.landing.checks.id_18`) and the
rules' validation (`salesforce_id_18`) both append the checksum from this alphabet, and a
test holds the two equal."""

from __future__ import annotations

import re

# Salesforce's checksum alphabet: the 18-character id appends, per 5-character chunk of the
# 15-character id, the letter at the number its capitals make (bit i: character i).
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ID_15 = re.compile(r"[A-Za-z0-9]{15}")


def salesforce_id_18(value: str) -> str:
    """A 15-character id as its 18-character form; any other text as it is."""
    if not ID_15.fullmatch(value):
        return value
    suffix = "".join(
        ID_ALPHABET[sum(1 << i for i, c in enumerate(value[k : k + 5]) if "A" <= c <= "Z")]
        for k in (0, 5, 10)
    )
    return value + suffix
