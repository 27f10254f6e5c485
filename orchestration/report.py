"""The coverage report: one self-contained HTML page (plotly.js inlined, no network) with
the charts RevOps and sales leaders look at. Frames in (`stores.marts.report_frames`),
HTML out: this module reads no warehouse."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from orchestration.labels import rep_label


@dataclass
class Report:
    html: str
    numbers: dict[str, float | int | None]  # the headline figures, also asset metadata


def _number(value) -> float | int | None:
    if value is None or pd.isna(value):
        return None
    return int(value) if float(value).is_integer() else round(float(value), 4)


def headline(frames: dict[str, pd.DataFrame]) -> dict[str, float | int | None]:
    latest = frames["trend"].iloc[-1] if len(frames["trend"]) else pd.Series(dtype=object)
    runway = frames["runway"]["weeks_of_runway"].dropna()
    return {
        "nbtam_accounts": _number(latest.get("nbtam_accounts")),
        "nbtam_in_books": _number(latest.get("nbtam_in_books")),
        "nbtam_worked_30d_share": _number(latest.get("nbtam_worked_30d_share")),
        "nbtam_worked_60d_share": _number(latest.get("nbtam_worked_60d_share")),
        "nbtam_worked_90d_share": _number(latest.get("nbtam_worked_90d_share")),
        "pool_eligible": _number(frames["runway"]["eligible_accounts"].sum()),
        "shortest_runway_weeks": _number(runway.min()) if len(runway) else None,
        "worst_book_value_cv": _number(frames["fairness"]["book_value_cv"].max()),
        "hoarding_reps": _number(frames["reps"]["is_hoarding"].sum()),
    }


def _trend(frame: pd.DataFrame) -> go.Figure:
    long = frame.melt(
        id_vars="as_of_date",
        value_vars=[f"nbtam_worked_{d}d_share" for d in (30, 60, 90)],
        var_name="window",
        value_name="share",
    )
    long["window"] = long["window"].str.extract(r"(\d+d)", expand=False)
    fig = px.line(long, x="as_of_date", y="share", color="window", markers=True)
    fig.update_layout(title="Share of NBTAM worked, by run date", yaxis_tickformat=".0%")
    fig.update_xaxes(tickformat="%Y-%m-%d", dtick=86_400_000)  # one tick per run date
    return fig


def _books(frame: pd.DataFrame) -> go.Figure:
    names = dict(zip(frame["rep_id"], frame["rep_name"], strict=True))
    fig = px.bar(
        # Name and id: two reps may share a name (one bar for both, books summed, by name).
        frame.assign(rep=[rep_label(r, names) for r in frame["rep_id"]]),
        x="rep",
        y="book_priority_sum",
        color="peer_group",
        hover_data=[
            "rep_name",
            "book_size",
            "capacity",
            "book_priority_mean",
            "worked_share",
            "status",
        ],
    )
    fig.update_layout(title="Book quality per rep (sum of priority), by peer group")
    return fig


def _pool(frame: pd.DataFrame) -> go.Figure:
    fig = px.bar(frame, x="segment", y="accounts", color="pool_state")
    fig.update_layout(title="Pool by state and segment", barmode="stack")
    return fig


def _funnel(frame: pd.DataFrame) -> go.Figure:
    row = frame.iloc[0]
    fig = go.Figure(
        go.Funnel(
            y=["Distributed", "Worked by the receiving rep", "Opportunity within 90 days"],
            x=[int(row["distributed"]), int(row["worked"]), int(row["opportunities"])],
        )
    )
    fig.update_layout(
        title=f"Distribution funnel (pipeline within 90 days: {row['pipeline']:,.0f})"
    )
    return fig


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(
        index=False, border=0, classes="data", na_rep="", float_format="{:,.4g}".format
    )


def _tiles(numbers: dict) -> str:
    def show(key, value):
        if value is None:
            return "-"
        return f"{value:.0%}" if key.endswith("_share") else f"{value:,}"

    return "".join(
        f'<div class="tile"><div class="value">{show(k, v)}</div>'
        f'<div class="label">{html.escape(k.replace("_", " "))}</div></div>'
        for k, v in numbers.items()
    )


def build(frames: dict[str, pd.DataFrame], as_of: dt.date) -> Report:
    numbers = headline(frames)
    figures = [
        _trend(frames["trend"]),
        _books(frames["reps"]),
        _pool(frames["pool"]),
        _funnel(frames["funnel"]),
    ]
    # plotly.js goes in once, inline: the page opens offline, from a file or an e-mail.
    charts = "".join(
        '<section class="chart">'
        # Fixed div ids (plotly's default is random): the same input writes the same bytes.
        + fig.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"chart-{i}")
        + "</section>"
        for i, fig in enumerate(figures)
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>dynamic-books coverage {as_of}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: 1rem; }}
.tile {{ border: 1px solid #ddd; border-radius: 6px; padding: .8rem 1rem; min-width: 9rem; }}
.tile .value {{ font-size: 1.6rem; font-weight: 600; }}
.tile .label {{ color: #666; font-size: .85rem; }}
.scroll {{ overflow-x: auto; }}
table.data {{ border-collapse: collapse; font-size: .85rem; }}
table.data td, table.data th {{ padding: .2rem .6rem; border-bottom: 1px solid #eee; }}
</style></head><body>
<h1>Coverage on {as_of}</h1>
<div class="tiles">{_tiles(numbers)}</div>
{charts}
<h2>Coverage by segment</h2>{_table(frames["segments"])}
<h2>Fairness by peer group</h2>{_table(frames["fairness"])}
<h2>Pool runway</h2>{_table(frames["runway"])}
</body></html>
"""
    return Report(page, numbers)
