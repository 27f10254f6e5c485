"""What the rules say of the landing files, checked before anything is written.

A rules file can be valid on its own and still not fit the team: a pool owner who is no CRM
user, a holdout rep copied in the CRM's 15-character form, a segment size that leaves a rep
nothing to take. Each would otherwise run the whole day, commit the books and only then fail
(at the export), or quietly leave a rep without a book. These checks need only the rules
and two small landing files (User.csv, reps.csv), read and trimmed as the loader reads them,
their ids in the 18-character form the rules' ids take too (`engagement.ids`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from data_quality.contract import BY_FILE
from data_quality.landing import checks, reader
from data_quality.sql import ident
from engagement.rules import Holdout, Rules

# Where a rule names a user, and why the run needs that user.
NAMED_USERS = {
    "distribution.pool_owner_id": "the CRM owner of every account in the pool",
    "distribution.holdout_rep_id": "the holder of a departed rep's customers and open deals",
}
POOL_USER_TITLE = "Integration"  # the pool owner when the rules name none


class ConfigurationError(ValueError):
    """The rules do not fit the landing files; the message names the key."""


def _rows(path: Path, columns: list[str]) -> list[tuple]:
    """`columns` of a landing file, as text trimmed as the loader trims (ids 18 characters);
    a column the file lacks is NULL. Rows the loader would refuse are a later step's."""
    spec = BY_FILE[path.name]
    header = reader.read_header(path, spec, ())
    salesforce = {c.name for c in spec.columns if c.salesforce_id}
    con = duckdb.connect()
    try:
        reader.read_csv(con, path, path, header, {})
        picked = [
            checks.trim_text(ident(c), c in salesforce) if c in header else "NULL" for c in columns
        ]
        return con.execute(f"SELECT {', '.join(picked)} FROM landing_file").fetchall()
    finally:
        con.close()


def check(rules: Rules, landing: Path, as_of: dt.date) -> None:
    """Raises ConfigurationError (one line naming the key) when the rules do not fit the
    team in the landing files. A file that cannot be read is the ingest's to report."""
    users_file, reps_file = landing / "User.csv", landing / "reps.csv"
    if not users_file.is_file() or not reps_file.is_file():
        return
    try:
        users = _rows(users_file, ["Id", "IsActive", "Title"])
        roster = _rows(reps_file, ["rep_id", "role", "segments", "target_book_size", "departed_on"])
    except reader.LandingError:
        return
    active = {
        user for user, is_active, _ in users if str(is_active).strip().lower() in ("true", "1")
    }
    known = {user for user, *_ in users}
    named = {"distribution.pool_owner_id": rules.distribution.pool_owner_id}
    if rules.distribution.open_opportunity_holdout == Holdout.NAMED_REP:
        named["distribution.holdout_rep_id"] = rules.distribution.holdout_rep_id
    for key, user in named.items():
        if user is None:
            continue
        if user not in known:
            raise ConfigurationError(
                f"{key}: {user} is not a user in {users_file} (it is {NAMED_USERS[key]}; ids "
                "are compared in their 18-character form)"
            )
        if user not in active:
            raise ConfigurationError(
                f"{key}: {user} is not an active user in {users_file} ({NAMED_USERS[key]})"
            )
    if named["distribution.pool_owner_id"] is None and not any(
        str(title).strip() == POOL_USER_TITLE and user in active for user, _, title in users
    ):
        raise ConfigurationError(
            f"distribution.pool_owner_id: not set, and {users_file} has no active user titled "
            f"{POOL_USER_TITLE!r}; name the CRM user who owns the pool (a User.csv Id), or the "
            "CRM file would have no owner to give the accounts going to the pool"
        )
    _every_rep_can_take(rules, roster, as_of)


def _every_rep_can_take(rules: Rules, roster: list[tuple], as_of: dt.date) -> None:
    """A rep on the roster whose role and segments get no book size (and no size of their
    own in reps.csv) would never be given an account."""
    for rep, role, segments, own_size, departed in roster:
        if own_size is not None or rep is None:
            continue
        if departed is not None and str(departed)[:10] <= as_of.isoformat():
            continue
        role = str(role or "").strip().upper()
        sizes = rules.target_book_size.get(role)
        if sizes is None:
            continue  # not a role the rules know: the loader quarantines the row
        covered = [s.strip().lower() for s in str(segments or "").split(";") if s.strip()]
        covered = [s for s in covered if s in rules.segment_names]
        if covered and not any(sizes.get(s, 0) for s in covered):
            key = f"target_book_size.{role}.{covered[0]}"
            raise ConfigurationError(
                f"{key}: {'0' if covered[0] in sizes else 'not set'}, so rep {rep} ({role}, "
                f"{';'.join(covered)} in reps.csv) would never be given an account; give the "
                "segment a size, or the rep a target_book_size in reps.csv"
            )
