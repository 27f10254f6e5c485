"""Quoting and typing for the SQL built from contract names, file headers and values:
the loader's, and the review queue's check of a corrected value."""


def ident(name: str) -> str:
    """A column or table name, quoted (a header may hold any text)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A string literal."""
    return "'" + value.replace("'", "''") + "'"


def read_as(type_: str) -> str:
    """The type the reader parses a column as: a timestamp with its offset (`+05:00`, `Z`),
    which a plain TIMESTAMP read drops; the loader stores it in UTC (`as_type`)."""
    return "TIMESTAMPTZ" if type_ == "TIMESTAMP" else type_


def as_type(value: str, type_: str) -> str:
    """A value as read (`read_as`) as its contract type: a timestamp converted to UTC. Not
    a CAST: DuckDB pushes a cast to TIMESTAMP into the reader, which then drops the offset
    again. (A timestamp without an offset is read in the session's zone: UTC, see
    `load_landing_file`.)"""
    return f"timezone('UTC', {value})" if type_ != read_as(type_) else value


def try_cast(text: str, type_: str) -> str:
    """Text as the contract's type, NULL where it is not one (NaN and infinity are not
    numbers: a NaN revenue would rank as the largest)."""
    value = as_type(f"TRY_CAST({text} AS {read_as(type_)})", type_)
    if type_ == "DOUBLE":
        return f"(CASE WHEN isfinite({value}) THEN {value} END)"
    return value
