"""`books explain`: an account's history and why it sits where it is, in words."""

from __future__ import annotations

from pathlib import Path

from engagement.rules import SOLE_LANE
from orchestration.labels import rep_label
from orchestration.stores import marts
from orchestration.warehouse import Warehouse


class UnknownAccount(LookupError):
    pass


def explain(store: Warehouse, account_id: str) -> str:
    warehouse = Path(store.duckdb_path)
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: warehouse not found (run `books run` first)")
    with store.read() as con:
        story = marts.account_story(con, account_id)
    score, review, history, now = story["score"], story["review"], story["history"], story["now"]
    names = story["names"]
    if score is None and not review:
        raise UnknownAccount(f"{account_id}: no such account in {warehouse}")

    lines = []
    if score:
        name, segment, new_business, priority, fit, timing, rank = score
        lines += [
            f"{account_id} {name} ({segment}, #{rank} in segment)",
            f"  {priority}",
            f"  {fit}",
            f"  timing signals: {timing or 'none'}",
        ]
        if not new_business:
            lines.append("  out of scope (a customer or an open opportunity): never distributed")
    else:
        lines.append(f"{account_id}: not in the warehouse; its landing row was quarantined")
    for (
        lane, rep, entered, pool_state, rest, last, recent, working, phantom, book_state,
        grace_until, scope,
    ) in now:  # fmt: skip
        where = "" if lane == SOLE_LANE else f" [{lane} book]"
        if rep:
            lines.append(f"Now{where}: in the book of {rep_label(rep, names)} since {entered}")
            if book_state == "out_of_scope":
                state = f"{scope}: it stays with its CRM owner, outside the book rules"
            elif working:
                state = "working"
            elif book_state == "in_grace":
                state = f"in grace until {grace_until}: not yet retrieved for want of work"
            else:
                state = "phantom activity only" if phantom else "not worked within the window"
            lines.append(
                f"  last meaningful activity {last or 'never'}, {recent or 0} in 30 days: {state}"
            )
        elif pool_state:
            rested = f", resting until {rest}" if rest else ""
            lines.append(f"Now{where}: in the pool ({pool_state}{rested})")
    for rule, severity, detail in review:
        lines.append(f"Review queue: {rule} [{severity}] {detail}")
    lines.append("History:" if history else "History: no ownership changes recorded")
    for day, kind, source, target, reason, why, lane in history:
        move = f"{rep_label(source, names)} -> {rep_label(target, names)}"
        if lane != SOLE_LANE:
            move = f"[{lane}] {move}"
        lines.append(f"  {day} {kind:<14} {move:<42} {reason}: {why}")
    return "\n".join(lines)
