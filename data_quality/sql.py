"""Quoting for the SQL the loader builds from contract names and file headers."""


def ident(name: str) -> str:
    """A column or table name, quoted (a header may hold any text)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A string literal."""
    return "'" + value.replace("'", "''") + "'"
