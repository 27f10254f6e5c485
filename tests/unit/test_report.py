"""The coverage report as a pure function: frames in, figures out."""

import pandas as pd

from orchestration.report import _books


def test_the_report_draws_one_bar_per_rep_even_when_names_repeat():
    reps = pd.DataFrame(
        {
            "rep_id": ["005A", "005B"],
            "rep_name": ["Diego Chen", "Diego Chen"],
            "peer_group": ["SDR:smb", "SDR:smb"],
            "status": ["active", "active"],
            "capacity": [10, 10],
            "book_size": [10, 10],
            "worked_share": [1.0, 1.0],
            "book_priority_sum": [500.0, 300.0],
            "book_priority_mean": [50.0, 30.0],
            "is_hoarding": [False, False],
        }
    )
    bars = _books(reps).data[0]
    assert list(bars.x) == ["Diego Chen (005A)", "Diego Chen (005B)"]
    assert list(bars.y) == [500.0, 300.0]
