"""How the outputs people read (summary, dry run, explain, report) name a rep."""

from __future__ import annotations


def rep_label(rep_id: str | None, names: dict[str, str]) -> str:
    """A rep's name beside the id that tells two of one name apart: 'Jane Chen
    (005...1000)'; the id alone when the CRM has no name; the pool when there is no rep."""
    if not rep_id:
        return "pool"
    name = names.get(rep_id)
    return f"{name} ({rep_id})" if name else rep_id
