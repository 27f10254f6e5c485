"""The input contract: every landing file, its warehouse table and its typed columns.

Field names follow a Salesforce Data Loader export. The dbt sources in
`transforms/models/staging/_sources.yml` name the same tables; a test keeps the
two in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type the raw column is cast to
    required: bool = False  # a row without a value is quarantined
    # The header must hold it, though a row may leave it blank: without the column the run
    # would decide differently (no CRM owners to adopt, no customers, no open deals).
    in_header: bool = False
    # A Salesforce record id (text): its 15-character form is stored as the 18-character
    # one, so the two forms of one record are one id everywhere.
    salesforce_id: bool = False


@dataclass(frozen=True)
class LandingFile:
    file: str
    source: str  # dbt source name, also the first part of the Dagster asset key
    table: str  # dbt source table name
    key: str  # the column that identifies a row for the review queue
    columns: tuple[Column, ...]
    # (column, landing file, column) it must point at: a dangling value quarantines the row
    references: tuple[tuple[str, str, str], ...] = ()

    @property
    def raw_table(self) -> str:
        """The rows that loaded, numbered: a view of `landed_table` without the quarantined."""
        return f"raw.{self.source}_{self.table}"

    @property
    def landed_table(self) -> str:
        """Every row read from the file, typed, in file order (its rowid + 1 is its row)."""
        return f"landed.{self.source}_{self.table}"

    @property
    def asset_key(self) -> list[str]:
        return [self.source, self.table]


def _cols(*spec: str) -> tuple[Column, ...]:
    """`"Name:TYPE"` with a trailing `!` for a required column, `+` for one the header must
    hold (values may be blank); TYPE `ID` is a Salesforce id, stored as VARCHAR."""
    out = []
    for item in spec:
        name, type_ = item.split(":")
        required, in_header = type_.endswith("!"), type_.endswith("+")
        type_ = type_.rstrip("!+")
        is_id = type_ == "ID"
        type_ = "VARCHAR" if is_id else type_
        out.append(Column(name, type_, required, required or in_header, is_id))
    return tuple(out)


ACCOUNT = ("Account.csv", "Id")

# Ordered so that every file loads after the files it references.
# fmt: off
LANDING_FILES: tuple[LandingFile, ...] = (
    LandingFile("User.csv", "salesforce", "users", "Id", _cols(
        "Id:ID!", "Name:VARCHAR", "Email:VARCHAR", "IsActive:BOOLEAN+", "Title:VARCHAR")),
    LandingFile("Account.csv", "salesforce", "accounts", "Id", _cols(
        "Id:ID!", "Name:VARCHAR!", "Website:VARCHAR", "Industry:VARCHAR",
        "AnnualRevenue:DOUBLE", "NumberOfEmployees:BIGINT", "BillingCountry:VARCHAR",
        "BillingState:VARCHAR", "Type:VARCHAR+", "OwnerId:ID+", "CreatedDate:TIMESTAMP")),
    LandingFile("Contact.csv", "salesforce", "contacts", "Id", _cols(
        "Id:ID!", "AccountId:ID+", "Email:VARCHAR", "Title:VARCHAR",
        "CreatedDate:TIMESTAMP"), references=(("AccountId", *ACCOUNT),)),
    LandingFile("Task.csv", "salesforce", "tasks", "Id", _cols(
        "Id:ID!", "WhatId:ID+", "WhoId:ID", "OwnerId:ID+",
        "ActivityDate:DATE", "CreatedDate:TIMESTAMP", "Type:VARCHAR", "TaskSubtype:VARCHAR",
        "Subject:VARCHAR", "Status:VARCHAR", "IsRecurrence:BOOLEAN",
        "CallDurationInSeconds:BIGINT"), references=(("WhatId", *ACCOUNT),)),
    LandingFile("Event.csv", "salesforce", "events", "Id", _cols(
        "Id:ID!", "WhatId:ID+", "OwnerId:ID+", "StartDateTime:TIMESTAMP+",
        "Type:VARCHAR", "Subject:VARCHAR"), references=(("WhatId", *ACCOUNT),)),
    LandingFile("Opportunity.csv", "salesforce", "opportunities", "Id", _cols(
        "Id:ID!", "AccountId:ID+", "OwnerId:ID", "StageName:VARCHAR",
        "Amount:DOUBLE", "CreatedDate:TIMESTAMP", "CloseDate:DATE", "IsClosed:BOOLEAN+",
        "IsWon:BOOLEAN"), references=(("AccountId", *ACCOUNT),)),
    LandingFile("Lead.csv", "salesforce", "leads", "Id", _cols(
        "Id:ID!", "Company:VARCHAR", "Email:VARCHAR", "Website:VARCHAR",
        "LeadSource:VARCHAR", "Status:VARCHAR", "CreatedDate:TIMESTAMP")),
    LandingFile("intent_signals.csv", "intent", "signals", "account_id", _cols(
        "account_id:ID", "account_domain:VARCHAR", "signal_type:VARCHAR!",
        "strength:DOUBLE!", "observed_at:TIMESTAMP!", "source:VARCHAR")),
    LandingFile("reps.csv", "books", "reps", "rep_id", _cols(
        "rep_id:ID!", "name:VARCHAR", "role:VARCHAR!", "segments:VARCHAR!",
        "region:VARCHAR", "time_zone:VARCHAR", "languages:VARCHAR", "target_book_size:BIGINT",
        "start_date:DATE", "unavailable_until:DATE", "departed_on:DATE", "manager_id:ID"),
        # A rep the CRM does not know could be named an owner it refuses.
        references=(("rep_id", "User.csv", "Id"),)),
    LandingFile("book_returns.csv", "books", "returns", "account_id", _cols(
        "account_id:ID!", "rep_id:ID!", "returned_at:TIMESTAMP!", "reason:VARCHAR!",
        "note:VARCHAR"), references=(("account_id", *ACCOUNT), ("rep_id", "reps.csv", "rep_id"))),
    # Queue mode: a rep claiming an account from the ranked queue.
    LandingFile("book_claims.csv", "books", "claims", "account_id", _cols(
        "account_id:ID!", "rep_id:ID!", "claimed_at:TIMESTAMP!"),
        references=(("account_id", *ACCOUNT), ("rep_id", "reps.csv", "rep_id"))),
)
# fmt: on

# The files a run cannot do without: the CRM's users and accounts, and the team. Any other
# may be missing (its table is empty and the load says so).
REQUIRED_FILES = frozenset({"User.csv", "Account.csv", "reps.csv"})

BY_FILE = {spec.file: spec for spec in LANDING_FILES}
QUARANTINE_TABLE = "quality.quarantine"
QUARANTINE_ASSET_KEY = ["quality", "quarantine"]
