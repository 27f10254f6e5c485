"""Countries as ISO 3166 alpha-2 codes, whatever a rules file or a CRM export writes.

pycountry is the authority: codes (alpha-2, alpha-3, numeric) and the ISO names (short,
official, common) match exactly, case aside. A CRM also holds short English forms that ISO
does not list; those few are named below, and nothing else is guessed.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry

# Short forms in everyday English use that ISO 3166 does not list (it has "Korea, Republic
# of", "Türkiye", "United Kingdom of Great Britain and Northern Ireland").
COMMON_NAMES = {
    "UK": "GB",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "KOREA": "KR",
    "RUSSIA": "RU",
    "TURKEY": "TR",
    "HOLLAND": "NL",
    "THE NETHERLANDS": "NL",
    "UAE": "AE",
    "U.S.": "US",
    "U.S.A.": "US",
    "UNITED STATES OF AMERICA": "US",
    "AMERICA": "US",
}


def _key(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip().upper()


@cache
def aliases() -> dict[str, str]:
    """Every spelling recognised, normalised (upper case, single spaces) -> alpha-2."""
    out: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "numeric", "name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                out.setdefault(_key(value), country.alpha_2)
    for name, code in COMMON_NAMES.items():
        out.setdefault(_key(name), code)
    return out


def country_code(value: object) -> str | None:
    """The alpha-2 code of a country written any way `aliases` knows, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    return aliases().get(_key(value))
