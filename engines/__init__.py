"""The warehouse engines other than the embedded DuckDB: their sessions and the calls the
stores make of a connection. Imports none of the project's packages."""
