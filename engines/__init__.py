"""The engines that build the models besides the embedded DuckDB: their sessions and the
hand-over between them and the DuckDB file the Python steps use. Imports none of the
project's packages."""
