"""The dbt project reads the same on DuckDB and Spark: DuckDB-only SQL lives only in the
macros dispatched per adapter (transforms/portability.py, run by `make lint`)."""

from pathlib import Path

from transforms.portability import findings


def _project(tmp_path: Path, model: str, macro: str = "") -> Path:
    root = tmp_path / "transforms"
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    (root / "models" / "m.sql").write_text(model)
    (root / "macros" / "x.sql").write_text(macro)
    return root


def test_the_project_has_no_duckdb_only_sql_outside_dispatched_macros():
    assert findings() == []


def test_a_duckdb_cast_in_a_model_is_found_with_its_file_line_and_remedy(tmp_path):
    root = _project(tmp_path, "select\n    x::int as won\nfrom t\n")
    assert findings(root) == [
        "transforms/models/m.sql:2: DuckDB-only SQL, a :: cast: cast(x as type)"
    ]


def test_what_both_engines_read_is_no_finding(tmp_path):
    """Spark 4.3 reads these as DuckDB does: no macro, no dispatch."""
    model = (
        "select a, count(*) filter (where b) as n from t semi join u using (a)\n"
        "anti join v using (a) group by all\n"
        "qualify row_number() over (partition by a order by n) = 1\n"
    )
    assert findings(_project(tmp_path, model)) == []


def test_each_engines_own_macro_may_hold_its_sql_and_comments_are_prose(tmp_path):
    macro = (
        "{% macro duckdb__ids(column) -%}\n    unnest({{ column }})\n{%- endmacro %}\n"
        "{% macro spark__ids(column) -%}explode({{ column }}){%- endmacro %}\n"
    )
    model = "-- where DuckDB would write a semi join\nselect {{ ids('a') }} from t\n"
    assert findings(_project(tmp_path, model, macro)) == []


def test_a_duckdb_construct_in_a_shared_macro_or_a_jinja_sql_string_is_found(tmp_path):
    macro = "{% macro squish(x) -%}\n    regexp_replace({{ x }}, ' +', ' ', 'g')\n{%- endmacro %}\n"
    model = '{% set q = "select a::int from t" %}\nselect "Id" from t\n'
    found = findings(_project(tmp_path, model, macro))
    assert [line.split(": ", 1)[0] for line in found] == [
        "transforms/models/m.sql:1",
        "transforms/models/m.sql:2",
        "transforms/macros/x.sql:2",
    ]
    assert "a double-quoted identifier (a string on Spark)" in found[1]
