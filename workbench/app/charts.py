"""The app's charts as Vega-Lite specs: plain dicts, drawn with st.vega_lite_chart.

Building the same charts through Altair validates each one against the whole Vega-Lite schema
on every run of a page (tens of milliseconds of CPU per chart, for every person, every click);
a spec written out directly draws the same chart for nothing.
"""

from __future__ import annotations

from typing import Any

LEVELS = ["foundation", "intermediate", "advanced"]


def _field(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"field": name, "type": kind, **extra}


def coverage_over_time() -> dict[str, Any]:
    """Mean coverage of each gap report over time, a line per framework (data: coverage history entries)."""
    return {
        "mark": {"type": "line", "point": True},
        "height": 220,
        "encoding": {
            "x": _field("at", "temporal", title="Gap report"),
            "y": _field("mean_coverage", "quantitative", title="Mean coverage", scale={"domain": [0, 1]}),
            "color": _field("framework", "nominal", title="Framework"),
            "tooltip": [_field("at", "nominal"), _field("framework", "nominal"),
                        *(_field(status, "quantitative") for status in ("covered", "partial", "stale", "gap"))],
        },
    }


def review_throughput() -> dict[str, Any]:
    """Review actions per day, stacked by action (data: day, action, count)."""
    return {
        "mark": {"type": "bar", "size": 28},
        "height": 220,
        "encoding": {
            "x": _field("day", "nominal", title="Day", axis={"labelAngle": 0}),
            "y": _field("count", "quantitative", title="Actions"),
            "color": _field("action", "nominal"),
            "tooltip": [_field("day", "nominal"), _field("action", "nominal"), _field("count", "quantitative")],
        },
    }


def origin_share() -> dict[str, Any]:
    """AI-drafted against human-written modules, as a pie (data: origin, modules)."""
    return {
        "mark": {"type": "arc"},
        "encoding": {
            "theta": _field("modules", "quantitative"),
            "color": _field("origin", "nominal"),
            "tooltip": [_field("origin", "nominal"), _field("modules", "quantitative")],
        },
    }


def coverage_heatmap(colour: str, rows: int) -> dict[str, Any]:
    """Rows of the framework by level, coloured by coverage (0..1) or demand (0.5..2.5); data: heatmap cells."""
    # Demand is 0.5 .. 2.5 with 1 for "nothing known" (gaps/demand.py); coverage is 0 .. 1.
    scale = {"domain": [0, 1], "scheme": "blues"} if colour == "coverage" else {"domain": [0.5, 2.5], "scheme": "oranges"}
    description = ("Coverage of each row of the framework by the library at each level, from 0 (none) to 1 (fully taught)"
                   if colour == "coverage" else
                   "Demand for each row of the framework from imported signals, from 0.5 to 2.5 (1: nothing known)")
    return {
        "mark": {"type": "rect"},
        "height": max(90, 28 * int(rows)),
        "description": description,
        "encoding": {
            "x": _field("level", "nominal", sort=LEVELS, title="Level", axis={"labelAngle": 0}),
            # Full labels (Vega-Lite truncates at 180 px by default); the tooltip repeats them.
            "y": _field("row", "nominal", title=None, sort=None, axis={"labelLimit": 0, "labelColor": "#31333f"}),
            "color": _field(colour, "quantitative", scale=scale, title=colour.capitalize()),
            "tooltip": [_field("row", "nominal"), _field("level", "nominal"),
                        _field("coverage", "quantitative", format=".2f"), _field("demand", "quantitative", format=".2f")],
        },
    }


def market_trend(skill: str) -> dict[str, Any]:
    """Market-trend counts per period for one skill (data: period, count), in the report's order."""
    return {
        "mark": {"type": "line", "point": True},
        "height": 220,
        "description": f"Market-trend counts per period for {skill}",
        "encoding": {
            "x": _field("period", "ordinal", sort=None, title="Period", axis={"labelAngle": 0}),
            "y": _field("count", "quantitative", title="Count (market trend)"),
            "tooltip": [_field("period", "nominal"), _field("count", "quantitative", format=",")],
        },
    }
