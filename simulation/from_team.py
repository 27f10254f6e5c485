"""A scenario built from a team's own warehouse: its reps with their capacities and the
touches they log, its accounts' fit, how often timing signals fire, how often reps return
accounts, and how often an opportunity followed a distribution. A figure the data is too
thin to measure keeps its default, and the provenance says which is which."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from simulation.scenario import RESPONSE_K, Market, default_p_max

# Below these the data says too little and the default stands.
MIN_SIGNALS, MIN_RETURNS, MIN_DISTRIBUTED, MIN_FOLLOWED = 20, 10, 50, 3
TOUCHES_A_CYCLE = 8  # what a worked account gets in the default market


@dataclass(frozen=True)
class Provenance:
    key: str
    value: object
    measured: bool
    basis: str

    def line(self) -> str:
        how = "measured" if self.measured else "default"
        return f"  {self.key:<32} {self.value!s:<12} {how}: {self.basis}"


def _expected_cycle_rate(market: Market, p_max) -> float:
    """A worked account's chance of an opportunity in a cycle in a market like the default."""
    saturation = 1 - math.exp(-RESPONSE_K * TOUCHES_A_CYCLE)
    share = market.in_market_share
    return saturation * sum(
        market.tiers[t] * (share * p_max[t]["in"] + (1 - share) * p_max[t]["out"])
        for t in market.tiers
    )


def scenario_data(figures: dict[str, pd.DataFrame], name: str = "team") -> tuple[dict, list]:
    """The scenario (as YAML would give it) and the provenance of each figure."""
    said: list[Provenance] = []
    reps = figures["reps"]
    active = reps[(reps["status"] != "departed") & (reps["capacity"] > 0)]
    roster = []
    for r in active.itertuples():
        touches = r.activities_30d / 30 if r.activities_30d > 0 else None
        roster.append(
            {
                "name": f"r{len(roster) + 1:02d}",
                "capacity": int(r.capacity),
                **({"daily_touches": round(touches, 2)} if touches else {}),
            }
        )
        said.append(
            Provenance(
                f"team.roster.{roster[-1]['name']}",
                f"{int(r.capacity)} / {roster[-1].get('daily_touches', 16)}",
                touches is not None,
                f"{r.rep_id}: capacity / touches a day ("
                + ("meaningful activities in 30 days / 30)" if touches else "none logged)"),
            )
        )
    accounts = figures["accounts"]["fit_score"]
    market: dict = {"accounts": max(int(len(accounts)), 1)}
    said.append(Provenance("market.accounts", market["accounts"], len(accounts) > 0, "NBTAM"))
    if len(accounts):
        a, b = float((accounts >= 60).mean()), float(((accounts >= 30) & (accounts < 60)).mean())
        market["tiers"] = {"A": round(a, 4), "B": round(b, 4), "C": round(1 - a - b, 4)}
        said.append(
            Provenance("market.tiers", market["tiers"], True, "fit >= 60 is A, 30-60 B, the rest C")
        )
    defaults = Market()
    signals = int(figures["signals"]["signals_90d"].iloc[0]) if len(figures["signals"]) else 0
    if signals >= MIN_SIGNALS and len(accounts):
        per_quarter = signals / len(accounts)
        share = (per_quarter - defaults.false_signals_per_quarter) / defaults.signal_recall
        share = min(max(share, 0.005), 0.5)
        market["in_market_share"] = round(share, 4)
    said.append(
        Provenance(
            "market.in_market_share",
            market.get("in_market_share", defaults.in_market_share),
            "in_market_share" in market,
            f"{signals} signals in 90 days (from their rate, less false ones, over the recall)",
        )
    )
    returns = int(figures["returns"]["returns_30d"].sum()) if len(figures["returns"]) else 0
    worked = int(active["worked_accounts"].sum())
    if returns >= MIN_RETURNS and worked:
        market["returns_out_of_market"] = round(min(returns / worked, 1.0), 4)
    said.append(
        Provenance(
            "market.returns_out_of_market",
            market.get("returns_out_of_market", defaults.returns_out_of_market),
            "returns_out_of_market" in market,
            f"{returns} returns in 30 days over {worked} worked accounts",
        )
    )
    deciles = figures["deciles"]
    distributed = int(deciles["distributed"].sum()) if len(deciles) else 0
    followed = int(deciles["followed"].sum()) if len(deciles) else 0
    if distributed >= MIN_DISTRIBUTED and followed >= MIN_FOLLOWED:
        observed = followed / distributed / 3  # 90 days: three cycles
        base = default_p_max()
        shaped = Market(**{k: v for k, v in market.items() if k != "accounts"})
        factor = observed / _expected_cycle_rate(shaped, base)
        market["p_max"] = {
            t: {s: round(min(p * factor, 1.0), 6) for s, p in v.items()} for t, v in base.items()
        }
    said.append(
        Provenance(
            "market.p_max",
            "scaled" if "p_max" in market else "seed's",
            "p_max" in market,
            f"{followed} opportunities followed {distributed} distributions in 90 days",
        )
    )
    data = {
        "name": name,
        "description": "this team, from its warehouse",
        "market": market,
        "team": {"roster": roster} if roster else {},
    }
    return data, said


def deciles_table(figures: dict[str, pd.DataFrame]) -> str:
    """Opportunities that followed distribution, by priority decile: does the score rank?"""
    deciles = figures["deciles"]
    if deciles.empty:
        return "  no distributions yet"
    return "\n".join(
        f"  decile {int(r.decile):>2}: {int(r.followed):>4} of {int(r.distributed):>6} "
        f"({(r.followed / r.distributed if r.distributed else 0):.1%})"
        for r in deciles.itertuples()
    )
