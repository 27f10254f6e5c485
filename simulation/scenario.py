"""A scenario: the market, the team and the rules a simulated year runs on. One YAML file,
validated like the rules of engagement (a bad value is one line naming the key); every
default has its source in the README ("Simulating a year").

`--set KEY=VALUE` changes one value by its dotted key before validation, so a what-if is a
scenario too: `--set team.capacity=80`, `--set rules.working_window_days=45`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engagement.rules import Rules, RulesError, describe_errors, parse_rules

SCENARIOS = Path(__file__).with_name("scenarios")
TIERS = ("A", "B", "C")
# The saturating response (Lodish's CALLPLAN, Little's decision calculus): six attempts
# reach 93 % of what touching can get, so k = -ln(0.07) / 6.
RESPONSE_K = 0.44
# An in-market A account worked 8 times in a cycle converts at 10 %, the seed's rate.
SEED_RATE, SEED_TOUCHES = 0.10, 8


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the key and what is allowed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = Annotated[float, Field(ge=0, le=1)]


def default_p_max() -> dict[str, dict[str, float]]:
    """The best a cycle's work can convert, by fit tier and market state: an in-market A
    account at the seed's rate after 8 touches; B and C at a half and a fifth of A; out of
    market, a tenth of in market."""
    a_in = SEED_RATE / (1 - math.exp(-RESPONSE_K * SEED_TOUCHES))
    scale = {"A": 1.0, "B": 0.5, "C": 0.2}
    return {t: {"in": a_in * s, "out": a_in * s / 10} for t, s in scale.items()}


class AccountGroup(_Strict):
    """Accounts written out rather than drawn: the seed's example, a team's own market."""

    count: Annotated[int, Field(gt=0, le=1_000_000)]
    tier: Literal["A", "B", "C"]
    # always: in market all year at full strength (the seed's example); never; process:
    # the two-state in-market process of the market.
    in_market: Literal["always", "never", "process"] = "process"
    territory: str | None = None  # the rep whose static territory holds them


class Market(_Strict):
    accounts: Annotated[int, Field(gt=0, le=1_000_000)] = 6000
    tiers: dict[Literal["A", "B", "C"], Share] = {"A": 0.2, "B": 0.3, "C": 0.5}
    groups: list[AccountGroup] = []  # when given, the accounts are these
    # The two-state in-market process: the stationary share in market (the "95:5 rule")
    # and the mean length of a buying spell, so about a fifth enter the market in a year.
    in_market_share: Annotated[float, Field(gt=0, lt=1)] = 0.05
    mean_spell_days: Annotated[float, Field(gt=0, le=3650)] = 90
    # Timing signals: one fires when a spell starts with this recall, and at random at this
    # rate a quarter (false positives); they feed the timing score as intent data does.
    signal_recall: Share = 0.6
    false_signals_per_quarter: Share = 0.02
    response_k: Annotated[float, Field(gt=0, le=10)] = RESPONSE_K
    half_life_days: Annotated[float, Field(gt=0, le=3650)] = 30  # response decay in a spell
    p_max: dict[Literal["A", "B", "C"], dict[Literal["in", "out"], Share]] = Field(
        default_factory=default_p_max
    )
    # Worked accounts a rep returns in a cycle without an opportunity: out of market (no
    # response) and in market (disqualified), with the seed's reasons.
    returns_out_of_market: Share = 0.15
    returns_in_market: Share = 0.03
    # How unequal static territories are: 0 carves every territory alike, 1 gives one rep's
    # territory twice the A accounts of the average, and so on.
    territory_skew: Annotated[float, Field(ge=0, le=5)] = 1.0

    @model_validator(mode="before")
    @classmethod
    def _p_max_over_defaults(cls, data: Any) -> Any:
        """A scenario names only the response it changes; the rest keeps its default."""
        if isinstance(data, dict) and isinstance(data.get("p_max"), dict):
            merged = default_p_max()
            for tier, states in data["p_max"].items():
                if isinstance(states, dict) and tier in merged:
                    merged[tier] = {**merged[tier], **states}
                else:
                    merged[tier] = states
            data = {**data, "p_max": merged}
        return data

    @model_validator(mode="after")
    def _tiers_add_up(self) -> Market:
        if not self.groups and abs(sum(self.tiers.values()) - 1) > 1e-9:
            raise ValueError(f"market.tiers: shares must add up to 1, got {dict(self.tiers)}")
        return self

    @property
    def size(self) -> int:
        return sum(g.count for g in self.groups) if self.groups else self.accounts


class Departure(_Strict):
    rep: str  # a rep's name (rep01, ... when the team is drawn)
    day: Annotated[int, Field(ge=0)]
    backfill_day: Annotated[int, Field(ge=0)] | None = None  # a new hire takes the seat


class RepSpec(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,30}$")]
    capacity: Annotated[int, Field(ge=0, le=10_000)] | None = None  # default: team's
    daily_touches: Annotated[float, Field(ge=0, le=1000)] | None = None
    skill: Annotated[float, Field(gt=0, le=5)] = 1.0
    start_day: Annotated[int, Field(ge=-3650)] = -365  # tenure: new hires ramp (rules.ramp)


class Team(_Strict):
    reps: Annotated[int, Field(gt=0, le=1000)] = 10
    capacity: Annotated[int, Field(gt=0, le=10_000)] = 60  # accounts a rep can work at once
    # Enough to touch every account of a full book 8 times a cycle: 60 x 8 / 30.
    daily_touches: Annotated[float, Field(gt=0, le=1000)] = 16
    skill_spread: Annotated[float, Field(ge=0, le=1)] = 0.2  # reps' skill, 1 +- this
    roster: list[RepSpec] = []  # when given, the team is these
    departures: list[Departure] = []
    hires: dict[str, Annotated[int, Field(ge=0)]] = {}  # a new rep's name -> start day

    @property
    def names(self) -> list[str]:
        if self.roster:
            return [r.name for r in self.roster]
        return [f"rep{i + 1:02d}" for i in range(self.reps)]


class Scenario(_Strict):
    name: str = "scenario"
    description: str = ""
    days: Annotated[int, Field(gt=0, le=3650)] = 360
    cycle_days: Annotated[int, Field(gt=0, le=365)] = 30  # the response is judged per cycle
    # Expected value: each cycle adds each worked account's chance of an opportunity, so
    # one run gives the mean exactly; else seeds draw the outcomes.
    expected_value: bool = False
    switch_day: Annotated[int, Field(ge=0)] = 90  # the `switch` policy's day
    market: Market = Market()
    team: Team = Team()
    # The rules of engagement the dynamic-books engine runs under (rules.yml's keys).
    rules: dict[str, Any] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        names = self.team.names
        for departure in self.team.departures:
            if departure.rep not in names:
                raise ValueError(
                    f"team.departures: {departure.rep!r} is not on the team ({', '.join(names)})"
                )
        for group in self.market.groups:
            if group.territory is not None and group.territory not in names:
                raise ValueError(
                    f"market.groups: territory {group.territory!r} is not a rep of the team"
                )
        try:
            parse_rules(self.rules, source="rules")
        except RulesError as exc:
            raise ValueError(str(exc)) from None
        return self

    @property
    def engine_rules(self) -> Rules:
        """The rules the engine runs under: the scenario's, on a one-segment market."""
        base = {
            "segments": [{"name": "smb"}],
            "target_book_size": {"AE": {"smb": self.team.capacity}},
            "exit_rest_days": {"retrieved": 30, "transition": 0},
        }
        return parse_rules({**base, **self.rules}, source="rules")


def _set(data: dict, key: str, value: str) -> dict:
    """`data` with the dotted `key` set to `value` (read as YAML: numbers, lists, dates)."""
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ScenarioError(f"--set {key}: {part} is not a section")
    node[parts[-1]] = yaml.safe_load(value)
    return data


def parse_scenario(data: Any, source: str = "scenario", overrides: dict[str, str] = {}) -> Scenario:  # noqa: B006
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the top level must be a mapping of keys")
    for key, value in overrides.items():
        data = _set(data, key, value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {describe_errors(exc)}") from None


def load_scenario(name_or_path: str, overrides: dict[str, str] | None = None) -> Scenario:
    """A scenario by name (`simulation/scenarios/<name>.yml`) or path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIOS / f"{name_or_path}.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in SCENARIOS.glob("*.yml")))
        raise ScenarioError(f"{name_or_path}: no such scenario (known: {known})") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    data = data if isinstance(data, dict) else {}
    data.setdefault("name", path.stem)
    return parse_scenario(data, str(path), overrides or {})
