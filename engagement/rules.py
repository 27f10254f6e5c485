"""The rules of engagement: one YAML file, validated before anything runs.

Every knob RevOps can turn lives here, with a documented default, so the dbt
models and the allocation engine read the same numbers (dbt gets them as vars,
see `dbt_vars`). Unknown keys are errors, not silently ignored: a typo in a
rules file would otherwise quietly fall back to a default.

One module, over 400 lines on purpose: the rules model is one authority, and its sections
validate against each other (book sizes against segments, return reasons against the
system's exits, the holdout against its rep); split, `Rules._consistent` would reach into
every other module.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from engagement.countries import country_code
from engagement.ids import salesforce_id_18


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the key and what is allowed."""


# C0 and C1 control characters: no name RevOps writes holds one, and text that reaches
# SQL or an export must not carry one.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _control_characters(data: Any, path: tuple[str, ...] = ()) -> str | None:
    """The key (dotted) of the first name or value holding a control character."""
    if isinstance(data, dict):
        for key, value in data.items():
            # Escaped, so the one-line error stays one line.
            where = (*path, str(key).encode("unicode_escape").decode("ascii"))
            if isinstance(key, str) and CONTROL.search(key):
                return ".".join(where)
            found = _control_characters(value, where)
            if found is not None:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = _control_characters(value, (*path, str(i)))
            if found is not None:
                return found
    elif isinstance(data, str) and CONTROL.search(data):
        return ".".join(path)
    return None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Names the SQL uses as column names (segments, return reasons): lower_snake_case.
SNAKE = r"^[a-z][a-z0-9_]{0,62}$"
# A region as RevOps names it ("NA", "North America", "O'Brien's patch"): words, not code.
REGION = r"^[A-Za-z0-9][A-Za-z0-9 _.&'/-]{0,63}$"
# A language code as reps.csv lists them (ISO 639, optionally with a region: en, pt-br).
LANGUAGE = r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$"
# An IANA zone name (Area/Location[/Sub]); ZoneInfo then says whether it exists.
ZONE = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}$"
# The state part of a "Country/State" key (BillingState as the CRM writes it).
STATE = r"^[A-Za-z0-9][A-Za-z0-9 .'-]{0,63}$"
# The largest book a rep may be sized for: passive territories hold thousands.
MAX_BOOK = 10_000


def _alpha_2(value: str) -> str:
    code = country_code(value)
    if code is None:
        raise ValueError(
            f"{value!r} is not a country (an ISO 3166 code or name: US, USA, United States)"
        )
    return code


Country = Annotated[str, AfterValidator(_alpha_2)]


def _country_state(value: str) -> str:
    """`CC` or `CC/State`, the country normalised to its alpha-2 code."""
    country, _, state = value.partition("/")
    if state and not re.match(STATE, state):
        raise ValueError(f"{value!r}: the state after '/' must be a plain name")
    return _alpha_2(country) + (f"/{state}" if state else "")


SalesforceId = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$"), AfterValidator(salesforce_id_18)
]


class Segment(_Strict):
    """An account belongs to the first segment whose revenue or employee floor it meets; a
    floor left out (or 0, which every account meets) is not a criterion. Only the last
    segment has neither: it catches the rest."""

    name: Annotated[str, Field(pattern=SNAKE)]
    min_annual_revenue: Annotated[float, Field(ge=0)] | None = None
    min_employees: Annotated[int, Field(ge=0)] | None = None

    @property
    def floors(self) -> dict[str, float]:
        """The criteria it sets, by the account column they apply to."""
        floors = {
            "annual_revenue": self.min_annual_revenue,
            "number_of_employees": self.min_employees,
        }
        return {column: floor for column, floor in floors.items() if floor}


class Band(_Strict):
    """Points for a numeric firmographic at or above `min`."""

    min: Annotated[float, Field(ge=0)]
    points: Annotated[float, Field(ge=0, le=100)]


class FitRules(_Strict):
    """A transparent points model; the score is the capped sum of the factors."""

    # Accounts at or above this fit are in the ICP, so in TAM (0: every account is).
    icp_min_score: Annotated[float, Field(ge=0, le=100)] = 0

    industry: dict[str, Annotated[float, Field(ge=0, le=100)]] = {}
    country: dict[Country, Annotated[float, Field(ge=0, le=100)]] = {}
    employees: list[Band] = []
    annual_revenue: list[Band] = []

    @property
    def configured(self) -> bool:
        return bool(self.industry or self.country or self.employees or self.annual_revenue)


class TimingRules(_Strict):
    half_life_days: Annotated[float, Field(gt=0, le=365)] = 14
    lookback_days: Annotated[int, Field(gt=0, le=730)] = 90
    # Points for a signal of strength 100 observed today, by intent signal_type.
    signal_weights: dict[str, Annotated[float, Field(ge=0, le=100)]] = {
        "topic_surge": 30,
        "pricing_page": 40,
        "review_site": 25,
        "funding": 35,
        "hiring": 15,
    }
    # Points for an inbound lead (hand raise) by LeadSource.
    hand_raise_weights: dict[str, Annotated[float, Field(ge=0, le=100)]] = {
        "Demo Request": 60,
        "Contact Us": 50,
        "Webinar": 20,
        "Content Download": 15,
    }


class ActivityRules(_Strict):
    """What counts as meaningful work on an account (the rest is phantom activity)."""

    meaningful_task_subtypes: list[str] = ["Call", "Email", "LinkedIn"]
    completed_statuses: list[str] = ["Completed"]
    min_call_seconds: Annotated[int, Field(ge=0)] = 30
    count_recurring_tasks: bool = False
    meaningful_event_types: list[str] = ["Meeting", "Demo", "Discovery Call"]
    # A rep logging more tasks than this on one day is bulk-logging, not working.
    bulk_log_tasks_per_day: Annotated[int, Field(gt=0)] = 200
    phantom_share_flag: Annotated[float, Field(gt=0, le=1)] = 0.5
    # A rep whose book is more than this share unworked is hoarding (passive territory).
    hoarding_unworked_share: Annotated[float, Field(gt=0, le=1)] = 0.5


class Role(StrEnum):
    SDR = "SDR"
    AE = "AE"


class RampStep(_Strict):
    """Until a rep has `days` of tenure, they carry `share` of their target book."""

    days: Annotated[int, Field(gt=0)]
    share: Annotated[float, Field(gt=0, le=1)]


class Mode(StrEnum):
    NAMED = "named"
    QUEUE = "queue"


class Holdout(StrEnum):
    MANAGER = "manager"
    NAMED_REP = "named_rep"
    POOL = "pool"


class DistributionRules(_Strict):
    # named: the pipeline fills books; queue: reps claim from a ranked queue (book_claims.csv).
    mode: Mode = Mode.NAMED
    # ISO weekdays (1 = Monday) on which distribution runs; returns and retrieval run daily.
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = [1, 2, 3, 4, 5]
    # Eligibility beyond segment: the account's region (rules.regions) equals the rep's,
    match_region: bool = False
    # one of the rep's languages (reps.csv, ';'-separated) is the account's (rules.languages),
    match_language: bool = False
    # and the account's time zone (rules.time_zones) is within this many hours of the rep's.
    max_time_zone_gap_hours: Annotated[float, Field(ge=0, le=24)] | None = None
    # One AE plus one SDR per account: each role keeps its own books, pool and capacity.
    shared_ownership: bool = False
    open_opportunity_holdout: Holdout = Holdout.MANAGER
    # Ids as the CRM writes them, 15 or 18 characters: stored in their 18-character form,
    # as the landing files' ids are (engagement.ids).
    holdout_rep_id: SalesforceId | None = None
    # Accounts scoring below this priority are never distributed; they wait in the pool.
    min_priority: Annotated[float, Field(ge=0, le=100)] = 0
    # The CRM user who owns the pool (a User.csv Id); unset: the user titled 'Integration'.
    pool_owner_id: SalesforceId | None = None

    @model_validator(mode="after")
    def _named_rep_needs_id(self) -> DistributionRules:
        if self.open_opportunity_holdout == Holdout.NAMED_REP and not self.holdout_rep_id:
            raise ValueError(
                "holdout_rep_id is required when open_opportunity_holdout is named_rep"
            )
        return self


class PriorityRules(_Strict):
    """Distribution priority = a blend of fit and timing (in-market, high-fit accounts first)."""

    fit_weight: Annotated[float, Field(ge=0, le=1)] = 0.6
    timing_weight: Annotated[float, Field(ge=0, le=1)] = 0.4

    @model_validator(mode="after")
    def _sum_to_one(self) -> PriorityRules:
        if abs(self.fit_weight + self.timing_weight - 1) > 1e-9:
            raise ValueError("fit_weight + timing_weight must add up to 1")
        return self


class TransitionRules(_Strict):
    """The switch from static territories (the first run adopts the CRM's owners), see
    allocation/switch.py."""

    # The accounts a rep owns and is not working compete with the pool for the team's
    # capacity, and books above capacity are trimmed (reason `transition`); false leaves
    # the adopted books as they are.
    trim: bool = True
    # Worked accounts beyond capacity are kept this many days after the switch (respect the
    # work), then the book is trimmed to capacity like the rest (don't let reps coast).
    protect_worked_days: Annotated[int, Field(ge=0, le=365)] = 30
    # Days the books switch again (after a reorganisation): every account a rep is not
    # working competes with the pool for the team's capacity, as on the first run.
    reswitch_on: list[dt.date] = []


class Plausible(_Strict):
    """Beyond these a finite number is a typo or a unit slip: it would rank its account first
    (revenue and size score fit and pick the segment) or swamp the pipeline sums. An account
    beyond them waits in the review queue, out of the ranking, until RevOps corrects or
    retires it; a deal beyond them is flagged and left out of the sums (it still keeps its
    account with its owner). Defaults: no company has reported a trillion dollars of annual
    revenue (the largest, about 0.7 trillion) or five million employees (the largest
    employers, two to three million), and no single deal is worth ten billion."""

    max_annual_revenue: Annotated[float, Field(gt=0)] = 1e12
    max_employees: Annotated[int, Field(gt=0)] = 5_000_000
    max_deal_amount: Annotated[float, Field(gt=0)] = 1e10


class ReturnRules(_Strict):
    max_per_rep: Annotated[int, Field(ge=0)] = 25
    period_days: Annotated[int, Field(gt=0)] = 7


SOLE_LANE = "all"  # one owner per account, whatever their role

# A rep's return that the data is wrong: it waits in the review queue, not in the pool, so
# it has no rest, and every rules file allows it.
BAD_DATA = "bad_data"
# Exits the system makes (retrieval, a departure, trimming a book at the switch): reasons
# on its own events, never a reason a rep may give.
SYSTEM_EXITS = ("retrieved", "departed_rep", "transition")
# Keys an earlier rules file may hold, and what became of them.
REPLACED = {
    "rest_days": "replaced by return_reasons (the reasons a rep may give, each with its "
    "rest in days) and exit_rest_days (retrieved, transition)",
    "seed": "no longer read (ties break by expected value, then account id): remove it",
}


class ExitRestDays(_Strict):
    """Days an account rests in the pool after the system took it from a book."""

    retrieved: Annotated[int, Field(ge=0, le=730)] = 30
    # Trimmed from an adopted book above capacity at the switch from static territories.
    transition: Annotated[int, Field(ge=0, le=730)] = 0


ReturnReason = Annotated[str, Field(pattern=SNAKE)]  # a column name in the marts as well


class Rules(_Strict):
    segments: Annotated[list[Segment], Field(min_length=1)] = [
        Segment(name="enterprise", min_annual_revenue=500_000_000, min_employees=2000),
        Segment(name="mid_market", min_annual_revenue=50_000_000, min_employees=200),
        Segment(name="smb"),
    ]
    fit: FitRules = FitRules(
        industry={
            "Software": 30,
            "Financial Services": 25,
            "Healthcare": 20,
            "Manufacturing": 15,
            "Retail": 10,
        },
        country={"US": 25, "GB": 20, "CA": 20, "DE": 15, "AU": 15},
        employees=[Band(min=1000, points=30), Band(min=200, points=20), Band(min=50, points=10)],
        annual_revenue=[
            Band(min=500_000_000, points=15),
            Band(min=50_000_000, points=10),
            Band(min=5_000_000, points=5),
        ],
    )
    timing: TimingRules = TimingRules()
    priority: PriorityRules = PriorityRules()
    activity: ActivityRules = ActivityRules()
    working_window_days: Annotated[int, Field(ge=15, le=90)] = 30
    grace_days: Annotated[int, Field(ge=0, le=90)] = 14
    # The reasons a rep may return an account with, and the days it then rests in the pool
    # (bad_data is always allowed besides: it goes to the review queue instead).
    return_reasons: dict[ReturnReason, Annotated[int, Field(ge=0, le=730)]] = {
        "disqualified": 90,
        "no_response": 30,
        "competitor": 90,
        "not_icp": 180,
        "duplicate": 0,
    }
    exit_rest_days: ExitRestDays = ExitRestDays()
    target_book_size: dict[Role, dict[str, Annotated[int, Field(ge=0, le=MAX_BOOK)]]] = {
        Role.SDR: {"smb": 150, "mid_market": 100, "enterprise": 60},
        Role.AE: {"smb": 80, "mid_market": 60, "enterprise": 30},
    }
    ramp: list[RampStep] = [
        RampStep(days=30, share=0.25),
        RampStep(days=60, share=0.5),
        RampStep(days=90, share=0.75),
    ]
    # Region of an account by BillingCountry, for match_region (reps.csv gives reps').
    regions: dict[Annotated[str, Field(pattern=REGION)], list[Country]] = {
        "NA": ["US", "CA", "MX"],
        "EMEA": ["GB", "DE", "FR", "NL", "ES", "IT", "SE", "IE"],
        "APAC": ["AU", "SG", "JP", "IN", "NZ"],
    }
    # Language of an account by BillingCountry, for match_language (first listed wins).
    languages: dict[Annotated[str, Field(pattern=LANGUAGE)], list[Country]] = {
        "en": ["US", "GB", "CA", "AU", "IE", "NZ", "SG", "IN"],
        "de": ["DE", "AT", "CH"],
        "fr": ["FR", "BE"],
        "ja": ["JP"],
        "es": ["ES", "MX"],
    }
    # IANA time zone of an account by "Country/State" or, failing that, BillingCountry,
    # for max_time_zone_gap_hours.
    time_zones: dict[
        Annotated[str, Field(pattern=ZONE)], list[Annotated[str, AfterValidator(_country_state)]]
    ] = {
        "America/Los_Angeles": ["US/CA", "US/WA", "US/OR", "US/NV"],
        "America/Denver": ["US/CO", "US/UT", "US/AZ"],
        "America/Chicago": ["US/TX", "US/IL", "US/AR", "US/MN"],
        "America/New_York": ["US"],
        "America/Vancouver": ["CA/BC"],
        "America/Toronto": ["CA"],
        "Europe/London": ["GB", "IE"],
        "Europe/Berlin": ["DE", "NL", "SE", "IT", "ES", "FR"],
        "Asia/Singapore": ["SG"],
        "Asia/Tokyo": ["JP"],
        "Asia/Kolkata": ["IN"],
        "Australia/Sydney": ["AU"],
        "Pacific/Auckland": ["NZ"],
        "America/Mexico_City": ["MX"],
    }
    distribution: DistributionRules = DistributionRules()
    returns: ReturnRules = ReturnRules()
    transition: TransitionRules = TransitionRules()
    plausible: Plausible = Plausible()

    @model_validator(mode="before")
    @classmethod
    def _no_replaced_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, fate in REPLACED.items():
                if key in data:
                    raise ValueError(f"{key}: {fate}")
            where = _control_characters(data)
            if where is not None:
                raise ValueError(
                    f"{where}: control characters (a tab, a line break, a NUL byte, ...) are "
                    "not allowed in a name or value of the rules"
                )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        names = [s.name for s in self.segments]
        if len(set(names)) != len(names):
            raise ValueError(f"segments: names must be unique, got {names}")
        *ranked, last = self.segments
        if last.floors:
            raise ValueError("segments: the last segment must be a catch-all with no minimums")
        for segment in ranked:
            if not segment.floors:
                raise ValueError(
                    f"segments: {segment.name!r} sets neither min_annual_revenue nor "
                    "min_employees; only the last segment catches every account"
                )
        for role, sizes in self.target_book_size.items():
            unknown = sorted(set(sizes) - set(names))
            if unknown:
                raise ValueError(
                    f"target_book_size.{role}: unknown segment(s) {unknown}; allowed: {names}"
                )
        for reason in self.return_reasons:
            if reason == BAD_DATA:
                raise ValueError(
                    f"return_reasons: {BAD_DATA} is always allowed and goes to the review "
                    "queue, with no rest: remove it"
                )
            if reason in SYSTEM_EXITS:
                raise ValueError(
                    f"return_reasons: {reason!r} is the system's own exit, not a reason a "
                    "rep may give (its rest is exit_rest_days)"
                )
        for zone in self.time_zones:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"time_zones: unknown IANA time zone {zone!r}") from None
        days = [step.days for step in self.ramp]
        if days != sorted(set(days)):
            raise ValueError("ramp: steps must have strictly increasing days")
        return self

    @property
    def segment_names(self) -> list[str]:
        return [s.name for s in self.segments]

    @property
    def lanes(self) -> list[str]:
        """The books an account can sit in at once: one per role when ownership is shared."""
        return (
            [r.value for r in sorted(Role)] if self.distribution.shared_ownership else [SOLE_LANE]
        )

    @property
    def allowed_returns(self) -> list[str]:
        """Every reason a rep may give, bad_data among them."""
        return sorted([*self.return_reasons, BAD_DATA])

    def dbt_vars(self) -> dict[str, Any]:
        """The knobs the dbt models read, so SQL never hard-codes a rule, and the facts
        derived from them (`derived`), so Jinja never derives them a second time."""
        derived = {
            "lanes": self.lanes,
            "allowed_returns": self.allowed_returns,
            "fit_configured": self.fit.configured,
        }
        return {"rules": {**self.model_dump(mode="json"), "derived": derived}}


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _describe(error: dict[str, Any]) -> str:
    key = _location(error["loc"])
    value = error.get("input")
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "value_error" and not error["loc"]:  # a check across keys: it names them
        return message.removeprefix("Value error, ")
    if error["type"] == "enum":
        return f"{key}: {value!r} is not allowed; {message.removeprefix('Input should be ')}"
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"{key}: {message}{shown}"


def describe_errors(exc: ValidationError) -> str:
    """A pydantic validation error as one line naming each key (the rules', a scenario's)."""
    return "; ".join(_describe(e) for e in exc.errors())


def parse_rules(data: Any, source: str = "rules") -> Rules:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError(
            f"{source}: the top level must be a mapping of keys, got {type(data).__name__}"
        )
    try:
        return Rules.model_validate(data)
    except RecursionError:
        raise RulesError(f"{source}: nested too deeply to be a rules file") from None
    except ValidationError as exc:
        raise RulesError(f"{source}: {describe_errors(exc)}") from None


def load_rules(path: str | Path) -> Rules:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read rules file ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise RulesError(f"{path}: not valid YAML ({problem})") from None
    except RecursionError:
        raise RulesError(f"{path}: nested too deeply to be a rules file") from None
    return parse_rules(data, source=str(path))
