"""`books explain`: an account's history and why it sits where it is, in words."""

from __future__ import annotations

from pathlib import Path

import duckdb


class UnknownAccount(LookupError):
    pass


def explain(warehouse: Path, account_id: str) -> str:
    if not warehouse.is_file():
        raise FileNotFoundError(f"{warehouse}: warehouse not found (run `books run` first)")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        score = con.execute(
            "SELECT account_name, segment, is_new_business, priority_explanation, fit_explanation,"
            " timing_signals, segment_rank FROM marts.account_scores WHERE account_id = ?",
            [account_id],
        ).fetchone()
        review = con.execute(
            "SELECT rule, severity, detail FROM marts.review_queue WHERE record_key = ?",
            [account_id],
        ).fetchall()
        if score is None and not review:
            raise UnknownAccount(f"{account_id}: no such account in {warehouse}")
        history = con.execute(
            "SELECT as_of_date, kind, from_rep_id, to_rep_id, reason_code, explanation "
            "FROM marts.ownership_events WHERE account_id = ? ORDER BY as_of_date, seq",
            [account_id],
        ).fetchall()
        owner = con.execute(
            "SELECT rep_id, entered_on FROM marts.current_books WHERE account_id = ?", [account_id]
        ).fetchone()
        pool = con.execute(
            "SELECT pool_state, rest_until FROM marts.pool WHERE account_id = ?", [account_id]
        ).fetchone()
        work = con.execute(
            "SELECT last_meaningful_activity_on, meaningful_activities_30d, is_working, "
            "is_phantom_only FROM marts.account_activity WHERE account_id = ? AND rep_id = ?",
            [account_id, owner[0] if owner else None],
        ).fetchone()
    finally:
        con.close()

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
            lines.append("  not new business (customer or open opportunity): never distributed")
    else:
        lines.append(f"{account_id}: not in the warehouse; its landing row was quarantined")
    if owner:
        lines.append(f"Now: in the book of {owner[0]} since {owner[1]}")
        if work:
            last, recent, working, phantom = work
            state = (
                "working"
                if working
                else ("phantom activity only" if phantom else "not worked within the window")
            )
            lines.append(
                f"  last meaningful activity {last or 'never'}, {recent} in 30 days: {state}"
            )
    elif pool:
        rest = f", resting until {pool[1]}" if pool[1] else ""
        lines.append(f"Now: in the pool ({pool[0]}{rest})")
    for rule, severity, detail in review:
        lines.append(f"Review queue: {rule} [{severity}] {detail}")
    lines.append("History:" if history else "History: no ownership changes recorded")
    for day, kind, source, target, reason, why in history:
        move = f"{source or 'pool'} -> {target or 'pool'}"
        lines.append(f"  {day} {kind:<14} {move:<42} {reason}: {why}")
    return "\n".join(lines)
