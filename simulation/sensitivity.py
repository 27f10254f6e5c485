"""How the lift of dynamic books over static territories moves with each main knob: the
scenario run at a low and a high value of one knob at a time (a tornado), the widest swing
first."""

from __future__ import annotations

import pandas as pd

from simulation.compare import compare
from simulation.scenario import Scenario, parse_scenario

# The knobs RevOps asks about, each with the values tried below and above the scenario's.
KNOBS = {
    "team.capacity": lambda s: (round(s.team.capacity * 0.75), round(s.team.capacity * 1.25)),
    "team.reps": lambda s: (max(s.team.reps - 3, 1), s.team.reps + 3),
    "rules.working_window_days": lambda s: (15, 60),
    "rules.grace_days": lambda s: (7, 30),
    "rules.exit_rest_days.retrieved": lambda s: (0, 90),
    "market.half_life_days": lambda s: (15, 60),
    "market.in_market_share": lambda s: (
        round(s.market.in_market_share / 2, 4),
        round(s.market.in_market_share * 2, 4),
    ),
}


def tornado(
    scenario: Scenario, seeds: list[int], workers: int = 1, policy: str = "dynamic"
) -> pd.DataFrame:
    """Per knob: its low and high value and the lift in opportunities of `policy` against
    static at each (expected values, so the markets' luck does not blur the swing)."""
    base = scenario.model_dump(mode="json") | {"expected_value": True}
    rows = []
    for knob, values in KNOBS.items():
        if knob == "team.reps" and scenario.team.roster:
            continue
        lifts = []
        for value in values(scenario):
            varied = parse_scenario(base, scenario.name, {knob: str(value)})
            result = compare(varied, ["static", policy], seeds, workers)
            lifts.append(result.lift(policy, "opportunities")[0])
        low, high = values(scenario)
        rows.append(
            {
                "knob": knob,
                "low": low,
                "high": high,
                "lift_at_low": lifts[0],
                "lift_at_high": lifts[1],
                "swing": abs(lifts[1] - lifts[0]),
            }
        )
    return pd.DataFrame(rows).sort_values("swing", ascending=False).reset_index(drop=True)


def tornado_table(frame: pd.DataFrame, base_lift: float) -> str:
    lines = [
        f"Sensitivity of the lift in opportunities (at the scenario's values: "
        f"{base_lift:+.1f}), widest swing first:"
    ]
    for r in frame.itertuples():
        lines.append(
            f"  {r.knob:<32} {r.low!s:>8} -> {r.lift_at_low:+7.1f}   "
            f"{r.high!s:>8} -> {r.lift_at_high:+7.1f}   swing {r.swing:.1f}"
        )
    return "\n".join(lines)
