"""The bad-input corpus: one small file per kind of damage, appended to a generated
landing folder (tests/corpus/manifest.yml says what must catch each)."""

from pathlib import Path

import duckdb
import yaml

from data_quality.contract import LANDING_FILES

CORPUS = Path(__file__).parent.parent / "corpus"


def corpus():
    """(corpus file, landing file, expected key or None, expected rule), from the manifest."""
    manifest = yaml.safe_load((CORPUS / "manifest.yml").read_text())
    landing = {spec.file.split(".")[0]: spec.file for spec in LANDING_FILES}
    return [
        (name, landing[name.split(".")[0]], entry["key"], entry["rule"])
        for name, entry in manifest.items()
    ]


def damage(landing: Path) -> list[tuple[str, str | None, str]]:
    """Appends every corpus file to its landing file: (file, key or None, rule) expected."""
    con = duckdb.connect()
    owned = con.execute(
        f"SELECT Id, OwnerId FROM read_csv('{landing / 'Account.csv'}') WHERE OwnerId IN "
        f"(SELECT rep_id FROM read_csv('{landing / 'reps.csv'}')) ORDER BY Id LIMIT 2"
    ).fetchall()
    manager = con.execute(
        f"SELECT min(Id) FROM read_csv('{landing / 'User.csv'}') WHERE Title = 'Sales Manager'"
    ).fetchone()[0]
    fill = {"account": owned[0][0], "account2": owned[1][0], "rep": owned[0][1], "user": manager}
    expected = []
    for name, file, key, rule in corpus():
        lines = (CORPUS / name).read_bytes()
        for placeholder, value in fill.items():
            lines = lines.replace(f"{{{placeholder}}}".encode(), value.encode())
        path = landing / file
        body = path.read_bytes()
        path.write_bytes(body + (b"" if body.endswith(b"\n") else b"\n") + lines)
        expected.append((file, key.format(**fill) if key else None, rule))
    return expected


HOSTILE = CORPUS / "rules" / "free_text_values_run.yml"
# What the hostile file sets that would change how the books are filled, not what is quoted.
NOT_MERGED = {"distribution"}


def _merged(base, extra):
    if isinstance(base, dict) and isinstance(extra, dict):
        return {k: _merged(base[k], v) if k in base else v for k, v in extra.items()} | {
            k: v for k, v in base.items() if k not in extra
        }
    if isinstance(base, list) and isinstance(extra, list):
        return base + [v for v in extra if v not in base]
    return extra


def hostile_rules(rules: Path, out: Path) -> Path:
    """`rules` with every hostile free-text value of the corpus added (names, lists and
    keys), so a run on any engine quotes each one, while its books fill as usual."""
    hostile = {k: v for k, v in yaml.safe_load(HOSTILE.read_text()).items() if k not in NOT_MERGED}
    out.write_text(
        yaml.safe_dump(_merged(yaml.safe_load(rules.read_text()), hostile), sort_keys=False)
    )
    return out
