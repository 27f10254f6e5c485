"""A comparison for people: a table for the terminal and an HTML report with plots
(plotly, inlined, so the file opens offline as the coverage report does)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulation.compare import BASELINE, Comparison
from simulation.metrics import DECIMALS, METRICS, PERCENT

COLOURS = {
    "static": "#7f7f7f",
    "wild_west": "#d62728",
    "round_robin": "#ff7f0e",
    "claim_queue": "#9467bd",
    "dynamic": "#2ca02c",
    "switch": "#1f77b4",
}


def _number(metric: str, value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if metric in PERCENT:
        return f"{value * 100:+.1f} %" if signed else f"{value * 100:.1f} %"
    places = DECIMALS.get(metric, 1)
    return f"{value:+.{places}f}" if signed else f"{value:.{places}f}"


def text_table(comparison: Comparison) -> str:
    """Each figure, each policy's mean over seeds and its lift against static."""
    s = comparison.scenario
    mode = "expected value" if s.expected_value else f"{len(comparison.seeds)} seeds"
    lines = [
        f"Scenario {s.name}: {s.days} days, {s.market.size:,} accounts, "
        f"{len(s.team.names)} reps, {mode}",
        f"lift = paired difference against {BASELINE} on the same markets"
        + ("" if s.expected_value else ", with its 95 % interval"),
    ]
    table = comparison.table()
    width = max(len(p) for p in comparison.policies)
    for metric, (label, _, _) in METRICS.items():
        rows = table[table["metric"] == metric]
        if rows["mean"].isna().all():
            continue
        lines.append(label)
        for r in rows.itertuples():
            text = f"  {r.policy:<{width}}  {_number(metric, r.mean):>10}"
            if r.policy != BASELINE and not math.isnan(r.lift):
                text += f"  lift {_number(metric, r.lift, True):>9}"
                if r.low != r.high:
                    text += f"  [{_number(metric, r.low, True)}, {_number(metric, r.high, True)}]"
            lines.append(text)
    return "\n".join(lines)


def side_by_side_table(comparisons: list[Comparison], metric: str = "opportunities") -> str:
    """Scenarios side by side: each policy's lift in `metric` against static."""
    policies = [p for p in comparisons[0].policies if p != BASELINE]
    width = max(len(c.scenario.name) for c in comparisons)
    lines = [f"Side by side, lift in {METRICS[metric][0].lower()} against {BASELINE}:",
             " " * (width + 2) + "".join(f"{p:>24}" for p in policies)]  # fmt: skip
    for c in comparisons:
        cells = []
        for p in policies:
            if p not in c.outcomes:
                cells.append(f"{'-':>24}")
                continue
            mean, low, high = c.lift(p, metric)
            interval = (
                ""
                if low == high
                else f" [{_number(metric, low, True)}, {_number(metric, high, True)}]"
            )
            cells.append(f"{_number(metric, mean, True) + interval:>24}")
        lines.append(f"  {c.scenario.name:<{width}}" + "".join(cells))
    return "\n".join(lines)


def _forest(comparison: Comparison) -> go.Figure:
    table = comparison.table()
    shown = [m for m in METRICS if not table[table["metric"] == m]["lift"].isna().all()]
    figure = make_subplots(
        rows=len(shown),
        cols=1,
        subplot_titles=[METRICS[m][0] for m in shown],
        vertical_spacing=0.35 / max(len(shown), 1),
    )
    for row, metric in enumerate(shown, start=1):
        rows = table[(table["metric"] == metric) & (table["policy"] != BASELINE)]
        scale = 100 if metric in PERCENT else 1
        figure.add_trace(
            go.Scatter(
                x=rows["lift"] * scale,
                y=rows["policy"],
                mode="markers",
                marker={"size": 10, "color": [COLOURS.get(p, "#333") for p in rows["policy"]]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["high"] - rows["lift"]) * scale,
                    "arrayminus": (rows["lift"] - rows["low"]) * scale,
                },
                showlegend=False,
                name=metric,
            ),
            row=row,
            col=1,
        )
        figure.add_vline(x=0, line_dash="dot", line_color="#999", row=row, col=1)
    figure.update_layout(
        title="Lift against static territories (paired, 95 % interval)",
        height=180 * len(shown) + 80,
    )
    return figure


def _band(figure, x, runs: np.ndarray, name: str, colour: str, row=None, col=None) -> None:
    """A policy's mean line over seeds with the band the seeds span (2.5-97.5 %)."""
    mean = runs.mean(axis=0)
    low, high = np.percentile(runs, [2.5, 97.5], axis=0)
    where = {"row": row, "col": col} if row else {}
    figure.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([high, low[::-1]]),
            fill="toself",
            fillcolor=colour,
            opacity=0.15,
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
        ),
        **where,
    )
    figure.add_trace(go.Scatter(x=x, y=mean, name=name, line={"color": colour}), **where)


def html_report(comparison: Comparison) -> str:
    """The whole report as one self-contained HTML page."""
    s, policies = comparison.scenario, comparison.policies
    figures = [_forest(comparison)]
    weeks = np.arange(len(comparison.outcomes[BASELINE][0].weekly_opportunities))
    cumulative = go.Figure()
    for p in policies:
        runs = np.array([o.weekly_opportunities for o in comparison.outcomes[p]])
        _band(cumulative, weeks, runs, p, COLOURS.get(p, "#333"))
    cumulative.update_layout(title="Cumulative opportunities by week", xaxis_title="week")
    figures.append(cumulative)
    heat = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[f"{p}: utilisation by rep and week" for p in (BASELINE, policies[-1])],
    )
    for col, p in enumerate((BASELINE, policies[-1]), start=1):
        first = comparison.outcomes[p][0]
        heat.add_trace(
            go.Heatmap(
                z=first.utilisation_by_rep_week,
                y=first.reps,
                zmin=0,
                zmax=1,
                colorscale="Greens",
                showscale=col == 2,
            ),
            row=1,
            col=col,
        )
    heat.update_layout(title="Rep utilisation (worked / capacity), first seed")
    figures.append(heat)
    owned = make_subplots(rows=1, cols=2, subplot_titles=["Accounts owned", "Accounts worked"])
    days = np.arange(s.days)
    for p in policies:
        colour = COLOURS.get(p, "#333")
        _band(owned, days, np.array([o.owned for o in comparison.outcomes[p]]), p, colour, 1, 1)
        _band(owned, days, np.array([o.worked for o in comparison.outcomes[p]]), p, colour, 1, 2)
    owned.update_layout(title="Owned against worked: what is held but not worked is hoarding")
    figures.append(owned)
    if s.team.departures:
        shock = go.Figure()
        for p in policies:
            runs = np.array(
                [np.diff(o.weekly_opportunities, prepend=0) for o in comparison.outcomes[p]]
            )
            _band(shock, weeks, runs, p, COLOURS.get(p, "#333"))
        for d in s.team.departures:
            shock.add_vline(x=d.day / 7, line_dash="dash", annotation_text=f"{d.rep} leaves")
        shock.update_layout(title="The departure shock: opportunities a week")
        figures.append(shock)
    pool = go.Figure()
    for p in policies:
        _band(
            pool,
            days,
            np.array([o.pool for o in comparison.outcomes[p]]),
            p,
            COLOURS.get(p, "#333"),
        )
    pool.update_layout(
        title="Pool health: accounts in no book, free to hand out", xaxis_title="day"
    )
    figures.append(pool)
    body = "".join(
        f.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False)
        for i, f in enumerate(figures)
    )
    table = text_table(comparison).replace("&", "&amp;").replace("<", "&lt;")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>books simulate: {s.name}</title></head><body style='font-family:sans-serif'>"
        f"<h1>Simulated year: {s.name}</h1><p>{s.description}</p><pre>{table}</pre>{body}"
        "</body></html>"
    )
