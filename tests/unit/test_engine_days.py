"""Three days of the pipeline replayed through the allocation engine: each day's events,
account states, capacity and decisions equal, row for row, what the engine answered when
they were recorded (tests/unit/engine_days/record.py says how and when to record again).
A faster engine must give the same answers."""

import io
from pathlib import Path

import pandas as pd
import pytest

from allocation import engine
from allocation.keys import AccountCodes
from engagement.rules import load_rules
from tests.unit.engine_days.record import DAYS, outputs

HERE = Path(__file__).parent / "engine_days"


def _round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    """As the recording stored it: Parquet's types, not the engine's in-memory ones."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return pd.read_parquet(buffer)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_engine_answers_a_recorded_day_as_it_did(day):
    folder = HERE / day.isoformat()
    inputs = {p.stem: pd.read_parquet(p) for p in sorted((folder / "inputs").glob("*.parquet"))}
    result = engine.run(engine.Inputs(**inputs), load_rules(HERE / "rules.yml"), day,
                        f"books-{day}")  # fmt: skip
    for name, frame in outputs(result).items():
        expected = pd.read_parquet(folder / "outputs" / f"{name}.parquet")
        pd.testing.assert_frame_equal(_round_trip(frame), expected, obj=f"{day} {name}")


def test_the_recording_covers_every_step():
    """The days exercise what the engine does: adoption and the switch, a return,
    retrieval, a departure and distribution."""
    kinds = set()
    for day in DAYS:
        kinds |= set(pd.read_parquet(HERE / day.isoformat() / "outputs" / "events.parquet")["kind"])
    assert {"adoption", "distribution", "return", "release", "retrieval", "redistribution"} <= kinds


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_engine_answers_the_same_given_account_codes(day):
    """As the warehouse's store hands them over: account ids as integer codes in the ids'
    order, with the id each code stands for; the answers, named again, are the same."""
    folder = HERE / day.isoformat()
    inputs = {p.stem: pd.read_parquet(p) for p in sorted((folder / "inputs").glob("*.parquet"))}
    keyed = ["accounts", *(n for n, f in inputs.items() if n != "accounts" and "account_id" in f)]
    codes, columns = AccountCodes.of(*(inputs[n]["account_id"] for n in keyed))
    inputs |= {n: inputs[n].assign(account_id=c) for n, c in zip(keyed, columns, strict=True)}
    result = engine.run(
        engine.Inputs(**inputs, account_ids=pd.Series(codes.ids)),
        load_rules(HERE / "rules.yml"), day, f"books-{day}",
    )  # fmt: skip
    for name, frame in outputs(result).items():
        expected = pd.read_parquet(folder / "outputs" / f"{name}.parquet")
        if "account_id" in frame:  # codes, which the store names as it writes them
            assert frame["account_id"].dtype == "int64", name
            ids = pd.Series(codes.decode(frame["account_id"]), index=frame.index)
            frame = frame.assign(account_id=ids.astype(expected["account_id"].dtype))
        pd.testing.assert_frame_equal(_round_trip(frame), expected, obj=f"{day} {name}")
