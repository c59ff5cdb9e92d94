"""Every chart of the portal, built as plain plotly specifications (dicts of `data` and
`layout`, which plotly.js reads as they are: no plotly Python `Figure`, whose validation of
every property cost tens of milliseconds a chart on the request path). Views pass data in and
put the result in a template with {% include "_chart.html" with chart=... %};
static/js/charts.js draws it with the locally served plotly.js. Each chart carries a text
alternative."""

import json
import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from alignment_portal.lib.formats import local_digits
from alignment_portal.scoring.constants import RUNG_LABELS

FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
INK = "#1f2937"
BRAND = "#1d4ed8"
OK = "#166534"
WARN = "#b45309"
BAD = "#991b1b"
GRID = "#e5e7eb"


@dataclass(frozen=True)
class Chart:
    """A figure ready for the page: its JSON, and what a screen reader gets instead."""

    figure_json: str
    title: str
    summary: str  # one or two sentences with the numbers that matter
    table: list[tuple] | None = None  # optional (label, value, ...) rows for the text version
    table_header: tuple | None = None
    # Set when there is nothing to draw: the page shows this sentence instead of empty axes.
    empty_message: str = ""


# The history charts before the first nightly snapshot.
NO_HISTORY_YET = gettext_lazy("No history yet: the scores are saved every night, so the first "
                              "point appears tomorrow and the line grows from there.")


def _nothing_to_draw(chart: Chart, message: str = NO_HISTORY_YET) -> Chart:
    return replace(chart, empty_message=str(message), summary=str(message))


def _json_value(value):
    """Dates as ISO text and decimals as numbers, as plotly.js reads them."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    return str(value)


def _script_safe(json_text: str) -> str:
    """JSON that cannot close its <script> element: <, > and & only occur inside strings,
    where the \\u escapes mean the same characters (as Django's json_script does)."""
    return (json_text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def _axis(**extra) -> dict:
    return {"gridcolor": GRID, "zeroline": False, "automargin": True, **extra}


def _layout(*, height: int, show_legend: bool = False, margin: dict | None = None,
            xaxis: dict | None = None, yaxis: dict | None = None, **extra) -> dict:
    """The portal's look as a plain layout: white, the system font, light grid lines; the
    legend only for charts with more than one series (which also differ by pattern or dash,
    not colour alone)."""
    return {"height": height,
            "margin": {"l": 48, "r": 16, "t": 24, "b": 40, **(margin or {})},
            "font": {"family": FONT, "color": INK, "size": 13},
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "showlegend": show_legend,
            "hovermode": "closest",
            "xaxis": _axis(**(xaxis or {})), "yaxis": _axis(**(yaxis or {})), **extra}


def _chart(data: list[dict], layout: dict, *, title: str, summary: str, table=None,
           table_header=None) -> Chart:
    spec = {"data": data, "layout": layout}
    try:
        figure = json.dumps(spec, default=_json_value, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a NaN or infinity somewhere: JSON has none, plotly.js draws a gap
        figure = json.dumps(_finite(spec), default=_json_value, separators=(",", ":"))
    return Chart(figure_json=_script_safe(figure), title=title, summary=summary, table=table,
                 table_header=table_header)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _hline(y: float, *, line: dict, text: str = "", position: str = "top right",
           font: dict | None = None) -> tuple[dict, dict | None]:
    """A horizontal line across the plot at `y` and its label (plotly's add_hline, as data):
    (shape, annotation or None)."""
    shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": y,
             "y1": y, "line": line}
    if not text:
        return shape, None
    vertical, horizontal = position.split()
    annotation = {"text": text, "showarrow": False, "xref": "x domain", "yref": "y", "y": y,
                  "x": 0 if horizontal == "left" else 1, "xanchor": horizontal,
                  "yanchor": "bottom" if vertical == "top" else "top"}
    if font:
        annotation["font"] = font
    return shape, annotation


def _float(value):
    """A number for the chart; NaN and infinities (never stored, but never drawn) as gaps."""
    number = float(value)
    return number if math.isfinite(number) else None


# Impact x effort (initiatives). Impact and effort are scores of 1-5; 4 and 5 count as high, so
# the quadrant lines sit at 3.5 and a middling 3 reads as low (the cheaper, humbler reading).
QUADRANT_SPLIT = 3.5
QUADRANTS = {  # (high impact, high effort) -> name
    (True, False): gettext_lazy("Quick wins"), (True, True): gettext_lazy("Major projects"),
    (False, False): gettext_lazy("Fill-ins"), (False, True): gettext_lazy("Thankless tasks"),
}


def impact_effort_quadrant(impact: float, effort: float) -> str:
    return str(QUADRANTS[(impact > QUADRANT_SPLIT, effort > QUADRANT_SPLIT)])


def impact_effort_chart(points: list[dict], *, currency: str = "") -> Chart:
    """Active initiatives by effort (x) and impact (y), sized by monthly cost, coloured by
    alignment score.

    `points`: dicts with name, impact, effort, monthly_cost, alignment_score (0-100, None
    before the first recompute) and href (the initiative's page, opened on click). The score
    falls in a named band, each with its own colour and marker shape, so the reading does not
    rest on colour alone; hover text and the table give the score itself. Points on the same
    spot are spread a little around it so none hides another."""
    # (lowest score, name, colour, marker); a score falls in the first band it reaches.
    bands = [(70, gettext("well aligned (70–100)"), BRAND, "circle"),
             (40, gettext("partly aligned (40–69)"), WARN, "square"),
             (0, gettext("poorly aligned (under 40)"), BAD, "diamond")]
    unscored = gettext("not scored yet")

    def band_of(score) -> str:
        if score is None:
            return unscored
        return next(name for low, name, _, _ in bands if score >= low)

    max_cost = max((p["monthly_cost"] for p in points), default=0) or 1
    seen: dict = {}
    groups: dict = {name: [] for _, name, _, _ in bands} | {unscored: []}
    for p in points:
        n = seen.get((p["impact"], p["effort"]), 0)
        seen[(p["impact"], p["effort"])] = n + 1
        angle, radius = n * 2.4, 0.12 * math.sqrt(n)  # a small sunflower spiral
        groups[band_of(p["alignment_score"])].append({
            **p, "x": p["effort"] + radius * math.cos(angle),
            "y": p["impact"] + radius * math.sin(angle),
            "size": 12 + 28 * math.sqrt(max(p["monthly_cost"], 0) / max_cost),
        })
    data = []
    styles = [(name, colour, symbol) for _, name, colour, symbol in bands]
    for label, colour, symbol in styles + [(unscored, "#6b7280", "x")]:
        group = groups[label]
        data.append({
            "type": "scatter", "mode": "markers", "name": label,
            "x": [g["x"] for g in group], "y": [g["y"] for g in group],
            "marker": {"size": [g["size"] for g in group], "color": colour, "symbol": symbol,
                       "opacity": 0.75, "line": {"width": 1, "color": "#ffffff"}},
            "customdata": [[g["href"]] for g in group],
            "text": [f"{g['name']}<br>"
                     + gettext("impact %(impact)s, effort %(effort)s")
                     % {"impact": g["impact"], "effort": g["effort"]} + "<br>"
                     + gettext("%(cost)s %(currency)s/month")
                     % {"cost": local_digits(f"{g['monthly_cost']:,.0f}"),
                        "currency": currency} + "<br>"
                     + (gettext("alignment score %(score)s: %(band)s")
                        % {"score": f"{g['alignment_score']:.0f}", "band": label}
                        if g["alignment_score"] is not None else label) for g in group],
            "hovertemplate": "%{text}<extra></extra>",
        })
    split_line = {"color": "#9ca3af", "dash": "dash"}
    shapes = [{"type": "line", "xref": "x", "yref": "y", "line": split_line,
               "x0": QUADRANT_SPLIT, "x1": QUADRANT_SPLIT, "y0": 0.5, "y1": 5.5},
              {"type": "line", "xref": "x", "yref": "y", "line": split_line,
               "x0": 0.5, "x1": 5.5, "y0": QUADRANT_SPLIT, "y1": QUADRANT_SPLIT}]
    annotations = [{"x": 5.4 if high_effort else 0.6, "y": 5.4 if high_impact else 0.6,
                    "xref": "x", "yref": "y", "text": f"<b>{name}</b>", "showarrow": False,
                    "xanchor": "right" if high_effort else "left",
                    "yanchor": "top" if high_impact else "bottom",
                    "font": {"color": "#374151"}}
                   for (high_impact, high_effort), name in QUADRANTS.items()]
    layout = _layout(
        height=460, shapes=shapes, annotations=annotations,
        xaxis={"title": {"text": gettext("Effort (1 small – 5 large)")}, "range": [0.5, 5.5],
               "dtick": 1},
        yaxis={"title": {"text": gettext("Impact (1 small – 5 large)")}, "range": [0.5, 5.5],
               "dtick": 1})
    counts: dict = {}
    for p in points:
        quadrant = impact_effort_quadrant(p["impact"], p["effort"])
        counts[quadrant] = counts.get(quadrant, 0) + 1
    summary = ngettext(
        "%(count)s active initiatives; %(bands)s. %(quadrants)s.",
        "%(count)s active initiatives; %(bands)s. %(quadrants)s.", len(points)) % {
        "count": len(points),
        "bands": ", ".join(f"{len(members)} {label}" for label, members in groups.items()
                           if members or label != unscored),
        "quadrants": ", ".join(f"{name}: {counts.get(str(name), 0)}"
                               for name in QUADRANTS.values())}
    table = [(p["name"], p["impact"], p["effort"],
              impact_effort_quadrant(p["impact"], p["effort"]),
              local_digits(f"{p['monthly_cost']:,.2f}"),
              (f"{p['alignment_score']:.0f} ({band_of(p['alignment_score'])})"
               if p["alignment_score"] is not None else unscored)) for p in points]
    return _chart(data, layout, title=gettext("Impact × effort of active initiatives"),
                  summary=summary, table=table,
                  table_header=(gettext("Initiative"), gettext("Impact"), gettext("Effort"),
                                gettext("Quadrant"),
                                (gettext("Monthly cost") + f" {currency}").strip(),
                                gettext("Alignment score")))


def goal_progress_chart(*, periods, values, metric_name: str, baseline, target, due_date,
                        forecast_value: float | None) -> Chart:
    """A goal's metric over time with its baseline and target, and the forecast line from the
    start date to the due date when there is one (goals issue)."""
    periods, values = list(periods), [float(v) for v in values]
    data = [{"type": "scatter", "mode": "lines+markers", "name": metric_name,
             "x": periods, "y": values, "line": {"color": BRAND}}]
    # Its baseline and target named in the legend, as on the metric chart (_goal_lines).
    shapes = _goal_lines([{"title": "", "baseline": baseline, "target": target}])
    if forecast_value is not None and due_date is not None:
        # From the latest value to where the trend line stands on the due date.
        data.append({"type": "scatter", "mode": "lines", "name": gettext("forecast"),
                     "x": [periods[-1], due_date], "y": [values[-1], float(forecast_value)],
                     "line": {"color": WARN, "dash": "dash"}})
    latest = values[-1]
    summary = ngettext("%(count)s values of %(metric)s; latest %(latest)s on %(day)s",
                       "%(count)s values of %(metric)s; latest %(latest)s on %(day)s",
                       len(values)) % {"count": len(values), "metric": metric_name,
                                       "latest": local_digits(f"{latest:.4g}"),
                                       "day": f"{periods[-1]:%Y-%m-%d}"}
    if target is not None:
        summary += ", " + gettext("target %(value)s") % {
            "value": local_digits(f"{float(target):.4g}")}
    if forecast_value is not None and due_date is not None:
        summary += ", " + gettext("forecast %(value)s by %(day)s") % {
            "value": local_digits(f"{forecast_value:.4g}"), "day": f"{due_date:%Y-%m-%d}"}
    return _chart(data, _layout(height=320 + 36 * len(shapes), shapes=shapes, show_legend=True,
                                legend=GOAL_LEGEND),
                  title=gettext("%(metric)s towards the target") % {"metric": metric_name},
                  summary=summary + ".",
                  table=[(f"{p:%Y-%m-%d}", local_digits(f"{v:.4g}"))
                         for p, v in zip(periods, values, strict=True)],
                  table_header=(gettext("Period"), metric_name))


# The (baseline, target) dashes of the first, second, third... goal a metric measures.
_GOAL_DASHES = (("dot", "dash"), ("dashdot", "longdash"), ("longdashdot", "solid"))
# The goal lines' legend: at the foot of the figure, one entry a row on a phone.
GOAL_LEGEND = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom",
               "font": {"size": 11}}


def _goal_lines(goals: list[dict]) -> list[dict]:
    """Each goal's baseline and target (dicts with title, baseline and target, either may be
    None) as lines across the plot, named in the legend rather than by labels on the lines:
    on a phone the plot is some 300 px wide, and labels ran over the values and over each
    other wherever two lines lay close (a target of 8 beside the next goal's baseline of
    7.8). Every line has a dash of its own, so the legend tells them apart without relying
    on colour. A goal without a title (the goal's own chart) is named by the line alone."""
    shapes = []
    for number, goal in enumerate(goals):
        dashes = _GOAL_DASHES[number % len(_GOAL_DASHES)]
        for key, colour, label, dash in (
                ("baseline", INK, gettext("baseline"), dashes[0]),
                ("target", OK, gettext("target"), dashes[1])):
            if goal.get(key) is None:
                continue
            shape, _ = _hline(float(goal[key]),
                              line={"color": colour, "dash": dash, "width": 1.5})
            # The title on a line of its own, short enough to fit a phone's width.
            title = goal["title"] if len(goal["title"]) <= 48 else goal["title"][:47] + "…"
            shape.update(name=f"{label}:<br>{title}" if title else label, showlegend=True)
            shapes.append(shape)
    return shapes


def metric_trend(*, name: str, unit: str, direction: str, points: list[tuple],
                 goals: list[dict], freshness: str) -> Chart:
    """A metric's values over time with the baseline and target of each goal it measures
    (dashed lines). `points` are (period date, value) in date order; `goals` are dicts with
    title, baseline and target (either may be None)."""
    dates = [p for p, _ in points]
    values = [float(v) for _, v in points]
    data = [{"type": "scatter", "mode": "lines+markers", "name": name,
             "x": dates, "y": values, "line": {"color": BRAND, "width": 2},
             "marker": {"size": 5}, "hovertemplate": "%{x|%d %b %Y}: %{y}<extra></extra>"}]
    shapes = _goal_lines(goals)
    layout = _layout(height=320 + 36 * len(shapes), shapes=shapes,
                     show_legend=bool(shapes), legend=GOAL_LEGEND,
                     yaxis={"title": {"text": unit},
                            "rangemode": "tozero" if unit != "score" else "normal"})
    better = (gettext("Higher is better.") if direction == "higher"
              else gettext("Lower is better."))
    if values:
        summary = ngettext(
            "%(count)s values from %(first)s to %(last)s; latest %(latest)s %(unit)s, lowest "
            "%(lowest)s, highest %(highest)s. %(better)s Data is %(freshness)s.",
            "%(count)s values from %(first)s to %(last)s; latest %(latest)s %(unit)s, lowest "
            "%(lowest)s, highest %(highest)s. %(better)s Data is %(freshness)s.",
            len(values)) % {
            "count": len(values), "first": _day(dates[0]), "last": _day(dates[-1]),
            "latest": local_digits(f"{values[-1]:g}"), "unit": unit,
            "lowest": local_digits(f"{min(values):g}"),
            "highest": local_digits(f"{max(values):g}"), "better": better,
            "freshness": {"fresh": gettext("fresh"), "stale": gettext("stale"),
                          "no data": gettext("no data")}.get(freshness, freshness)}
    else:
        summary = gettext("No values yet.")
    words = {"baseline": gettext("baseline"), "target": gettext("target")}
    for goal in goals:
        parts = [f"{words[k]} {local_digits(f'{float(goal[k]):g}')}"
                 for k in ("baseline", "target") if goal.get(k) is not None]
        if parts:
            summary += " " + gettext("Goal “%(title)s”: %(parts)s.") % {
                "title": goal["title"], "parts": ", ".join(parts)}
    table = [(f"{p:%Y-%m-%d}", local_digits(f"{v:g}"))
             for p, v in zip(dates[-24:], values[-24:], strict=True)]
    return _chart(data, layout, title=gettext("%(metric)s over time") % {"metric": name},
                  summary=summary, table=table, table_header=(gettext("Period"), unit))


# --- Dashboards (organization dashboard and history) -----------------------------------------

MUTED = "#9ca3af"
DIMENSION_COLOURS = ["#1d4ed8", "#0f766e", "#7c3aed", "#b45309", "#be185d"]
# RUNG_LABELS (imported from scoring.constants): the rung names in the reader's language.


def _day(value) -> str:
    """A date as "05 Jan 2026", the month in the reader's language."""
    return date_format(value, "d M Y")


def dimensions_chart(rows: list[dict], *, before_label: str = "") -> Chart:
    """The five dimensions (0-100) now, beside their value `before_label` when there is one
    ("a month ago" unless given). `rows`: dicts with label, now and before (None when unknown).
    Horizontal bars, so the labels stay readable on a phone."""
    before_label = str(before_label or gettext("a month ago"))
    labels = [str(r["label"]) for r in rows]
    has_before = any(r["before"] is not None for r in rows)
    before_title = before_label[:1].upper() + before_label[1:]
    data = []
    if has_before:
        data.append({
            "type": "bar", "orientation": "h", "name": before_title, "y": labels,
            "x": [r["before"] if r["before"] is not None else 0 for r in rows],
            "marker": {"color": "#cbd5e1", "pattern": {"shape": "/"}},
            "hovertemplate": "%{y} " + before_label + ": %{x:.0f}<extra></extra>"})
    data.append({
        "type": "bar", "orientation": "h", "name": gettext("Now"), "y": labels,
        "x": [r["now"] or 0 for r in rows], "marker": {"color": BRAND},
        "text": [f"{(r['now'] or 0):.0f}" for r in rows], "textposition": "outside",
        # A bar at 100 prints its number past the axis' end: in the margin, not cut off.
        "cliponaxis": False,
        "hovertemplate": "%{y} " + gettext("now") + ": %{x:.0f}<extra></extra>"})
    layout = _layout(height=300, show_legend=has_before, barmode="group", margin={"r": 32},
                     legend={"orientation": "h", "y": -0.18},
                     xaxis={"range": [0, 110], "dtick": 25}, yaxis={"autorange": "reversed"})

    def change(r):
        if r["before"] is None or r["now"] is None:
            return ""
        delta = r["now"] - r["before"]
        return f"{delta:+.0f}"

    parts = [f"{r['label']} {r['now']:.0f}"
             + (" (" + gettext("%(change)s since %(before)s") % {"change": change(r),
                                                                 "before": before_label} + ")"
                if change(r) else "")
             for r in rows if r["now"] is not None]
    summary = (gettext("The five dimensions now: %(parts)s.") % {"parts": "; ".join(parts)}
               if parts else gettext("No scores yet."))
    table = [(str(r["label"]), "" if r["now"] is None else f"{r['now']:.0f}",
              "" if r["before"] is None else f"{r['before']:.0f}", change(r)) for r in rows]
    return _chart(data, layout, title=gettext("The five dimensions"), summary=summary,
                  table=table, table_header=(gettext("Dimension"), gettext("Now"), before_title,
                                             gettext("Change")))


def rung_history_chart(points: list[tuple]) -> Chart:
    """The maturity rung over time; `points` are (date, rung 1-5), oldest first."""
    dates = [d for d, _ in points]
    rungs = [r for _, r in points]
    data = [{"type": "scatter", "mode": "lines+markers", "x": dates, "y": rungs,
             "line": {"shape": "hv", "color": BRAND, "width": 2}, "marker": {"size": 5},
             "hovertemplate": "%{x|%d %b %Y}: " + gettext("rung") + " %{y}<extra></extra>"}]
    layout = _layout(height=280, margin={"l": 110},
                     yaxis={"range": [0.5, 5.5], "tickvals": list(RUNG_LABELS),
                            "ticktext": [f"{n} {name}" for n, name in RUNG_LABELS.items()]})
    if points:
        changes = [(d, r) for i, (d, r) in enumerate(points) if i == 0 or r != rungs[i - 1]]
        steps = "; ".join(gettext("%(day)s: rung %(rung)s (%(name)s)")
                          % {"day": _day(d), "rung": r, "name": RUNG_LABELS.get(r, "")}
                          for d, r in changes)
        summary = ngettext("%(count)s snapshots from %(first)s to %(last)s. %(steps)s.",
                           "%(count)s snapshots from %(first)s to %(last)s. %(steps)s.",
                           len(points)) % {"count": len(points), "first": _day(dates[0]),
                                           "last": _day(dates[-1]), "steps": steps}
    else:
        changes, summary = [], gettext("No snapshots yet.")
    chart = _chart(data, layout, title=gettext("Maturity rung over time"), summary=summary,
                   table=[(f"{d:%Y-%m-%d}", f"{r} {RUNG_LABELS.get(r, '')}")
                          for d, r in changes],
                   table_header=(gettext("From"), gettext("Rung")))
    return chart if points else _nothing_to_draw(chart)


def _every_nth_row(count: int, rows: int = 24) -> list[int]:
    """About `rows` evenly spaced indexes of `count` items for a table, the last included."""
    step = max(1, count // rows)
    indexes = list(range(0, count, step))
    if count and indexes[-1] != count - 1:
        indexes.append(count - 1)
    return indexes


def dimensions_history_chart(dates: list, series: dict[str, list[float]]) -> Chart:
    """D1-D5 over time (0-100); `series` maps each dimension's label to its values."""
    series = {str(label): values for label, values in series.items()}
    dashes = ["solid", "dot", "dash", "longdash", "dashdot"]
    data = [{"type": "scatter", "mode": "lines", "name": label, "x": dates,
             "y": [_float(v) for v in values], "line": {"color": colour, "dash": dash},
             "hovertemplate": label + " %{x|%d %b %Y}: %{y:.0f}<extra></extra>"}
            for (label, values), colour, dash in zip(series.items(), DIMENSION_COLOURS, dashes,
                                                     strict=False)]
    layout = _layout(height=340, show_legend=True, legend={"orientation": "h", "y": -0.2},
                     yaxis={"range": [0, 105], "title": {"text": "0-100"}})
    if dates:
        summary = gettext("From %(first)s to %(last)s: %(changes)s.") % {
            "first": _day(dates[0]), "last": _day(dates[-1]),
            "changes": "; ".join(f"{label} {values[0]:.0f} → {values[-1]:.0f}"
                                 for label, values in series.items())}
    else:
        summary = gettext("No snapshots yet.")
    table = [(f"{dates[i]:%Y-%m-%d}", *[f"{values[i]:.0f}" for values in series.values()])
             for i in _every_nth_row(len(dates))]
    chart = _chart(data, layout, title=gettext("The five dimensions over time"),
                   summary=summary, table=table, table_header=(gettext("Date"), *series))
    return chart if dates else _nothing_to_draw(chart)


def spend_history_chart(dates: list, amounts: list[float], shares: list[float], *,
                        currency: str = "") -> Chart:
    """Misaligned monthly spend over time: the amount (bars) and its share of all monthly
    spend (line, right axis)."""
    data = [{"type": "bar", "name": (gettext("Amount") + f" {currency}").strip(), "x": dates,
             "y": [_float(a) for a in amounts], "marker": {"color": "#fca5a5"},
             "hovertemplate": "%{x|%d %b %Y}: %{y:,.0f} " + currency + "<extra></extra>"},
            {"type": "scatter", "name": gettext("Share of monthly spend (%)"),
             "mode": "lines+markers",
             "x": dates, "y": [_float(s) for s in shares], "yaxis": "y2",
             "marker": {"size": 4}, "line": {"color": BAD},
             "hovertemplate": "%{x|%d %b %Y}: %{y:.0f} %<extra></extra>"}]
    layout = _layout(height=320, show_legend=True, legend={"orientation": "h", "y": -0.2},
                     margin={"r": 56},
                     yaxis={"title": {"text": (gettext("per month") + f" {currency}").strip()},
                            "rangemode": "tozero"},
                     yaxis2={"title": {"text": "% " + gettext("of spend")}, "overlaying": "y",
                             "side": "right", "range": [0, 100], "showgrid": False,
                             "zeroline": False, "automargin": True})
    if dates:
        summary = gettext(
            "Misaligned spend went from %(first_amount)s %(currency)s (%(first_share)s %%) on "
            "%(first)s to %(last_amount)s %(currency)s (%(last_share)s %%) on %(last)s.") % {
            "first_amount": local_digits(f"{amounts[0]:,.0f}"), "currency": currency,
            "first_share": f"{shares[0]:.0f}", "first": _day(dates[0]),
            "last_amount": local_digits(f"{amounts[-1]:,.0f}"),
            "last_share": f"{shares[-1]:.0f}", "last": _day(dates[-1])}
    else:
        summary = gettext("No snapshots yet.")
    table = [(f"{dates[i]:%Y-%m-%d}", local_digits(f"{amounts[i]:,.2f}"), f"{shares[i]:.0f} %")
             for i in _every_nth_row(len(dates))]
    chart = _chart(data, layout, title=gettext("Misaligned spend over time"), summary=summary,
                   table=table, table_header=(gettext("Date"),
                                              (gettext("Per month") + f" {currency}").strip(),
                                              gettext("Share")))
    return chart if dates else _nothing_to_draw(chart)

# --- Impact evidence (initiative page) -------------------------------------------------------

def impact_chart(*, metric_name: str, unit: str, points: list[tuple], go_live, after_start,
                 baseline_at, after_median: float | None, sentence: str,
                 n_before_shown: int = 26) -> Chart:
    """One outcome metric around an initiative's go-live: the values before (grey), during
    the ramp-up (hollow) and after (blue), a vertical line on the go-live date, the baseline
    projection (dashed: the Theil–Sen line when the baseline was detrended, else the before
    median) over the whole span, and the after median (dotted) over the after phase. `points`
    are (period date, value) in date order; `baseline_at(day)` gives the baseline on a date
    (None when there is no verdict to draw it from). The table alternative lists each value
    with its phase and the baseline."""
    before = [(d, v) for d, v in points if d < go_live][-n_before_shown:]
    ramp = [(d, v) for d, v in points if go_live <= d < after_start]
    after = [(d, v) for d, v in points if d >= after_start]
    shown = before + ramp + after

    def trace(rows, name, colour, *, hollow=False):
        return {"type": "scatter", "mode": "lines+markers", "name": name,
                "x": [d.isoformat() for d, _ in rows], "y": [v for _, v in rows],
                "line": {"color": colour, "width": 2},
                "marker": {"size": 7, "color": "#ffffff" if hollow else colour,
                           "line": {"color": colour, "width": 2}},
                "hovertemplate": "%{x|%d %b %Y}: %{y} " + unit + "<extra>" + name
                                 + "</extra>"}

    data = [trace(before, gettext("before go-live"), "#6b7280")]
    if ramp:
        data.append(trace(ramp, gettext("ramp-up (left out)"), WARN, hollow=True))
    data.append(trace(after, gettext("after go-live"), BRAND))
    if baseline_at is not None and shown:
        ends = [shown[0][0], shown[-1][0]]
        data.append({"type": "scatter", "mode": "lines", "name": gettext("baseline projection"),
                     "x": [d.isoformat() for d in ends], "y": [baseline_at(d) for d in ends],
                     "line": {"color": INK, "dash": "dash", "width": 1.5},
                     "hoverinfo": "skip"})
    if after_median is not None and after:
        data.append({"type": "scatter", "mode": "lines", "name": gettext("after median"),
                     "x": [after[0][0].isoformat(), after[-1][0].isoformat()],
                     "y": [after_median, after_median],
                     "line": {"color": OK, "dash": "dot", "width": 2.5}, "hoverinfo": "skip"})
    layout = _layout(
        # The legend at the foot of the figure, below the axis' labels whatever their height
        # (placed on the plot's scale, it ran into them on a phone); month over year on two
        # short lines, so that six of them fit a phone's width unturned.
        height=340, show_legend=True,
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
        margin={"l": 56}, xaxis={"type": "date", "nticks": 6, "tickformat": "%b\n%Y"},
        yaxis={"title": {"text": unit}},
        shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": go_live.isoformat(),
                 "x1": go_live.isoformat(), "y0": 0, "y1": 1,
                 "line": {"color": BAD, "width": 2}}],
        annotations=[{"x": go_live.isoformat(), "y": 1, "xref": "x", "yref": "paper",
                      "text": gettext("go-live"), "showarrow": False, "xanchor": "left",
                      "yanchor": "top", "font": {"color": BAD}}])
    table = [(f"{d:%Y-%m-%d}", f"{v:g}", phase,
              "" if baseline_at is None else f"{baseline_at(d):.4g}")
             for rows, phase in ((before, pgettext("phase", "before")),
                                 (ramp, pgettext("phase", "ramp-up")),
                                 (after, pgettext("phase", "after")))
             for d, v in rows]
    return _chart(data, layout,
                  title=gettext("%(metric)s before and after go-live") % {"metric": metric_name},
                  summary=sentence, table=table,
                  table_header=(gettext("Period"), unit, gettext("Phase"), gettext("Baseline")))


def benefit_months_chart(months: list[dict], *, currency: str) -> Chart:
    """Expected against realised benefit per month (benefits.selectors.overview): expected as a
    line, realised as bars, both in money; the table gives every month's figures."""
    labels = [date_format(m["month"], "M Y") for m in months]
    expected = [round(float(m["expected"]), 2) for m in months]
    realised = [round(float(m["realised"]), 2) for m in months]
    data = [{"type": "bar", "name": gettext("Realised"), "x": labels, "y": realised,
             "marker": {"color": BRAND},
             "hovertemplate": "%{x}: " + gettext("realised") + " %{y:,.2f} " + currency
                              + "<extra></extra>"},
            {"type": "scatter", "name": gettext("Expected"), "mode": "lines+markers",
             "x": labels, "y": expected, "line": {"color": WARN, "dash": "dash"},
             "hovertemplate": "%{x}: " + gettext("expected") + " %{y:,.2f} " + currency
                              + "<extra></extra>"}]
    per_month = gettext("%(currency)s per month") % {"currency": currency}
    # At most six month labels, level, the year under the month: turned labels were hard to
    # read on a phone, and twelve level ones do not fit its 300 px plot.
    step = max(1, -(-len(months) // 6))
    ticks = [(label, date_format(m["month"], "M") + "<br>" + date_format(m["month"], "Y"))
             for label, m in list(zip(labels, months, strict=True))[::step]]
    layout = _layout(height=280, show_legend=True,
                     legend={"orientation": "h", "x": 0, "y": 1.12},
                     xaxis={"tickmode": "array", "tickangle": 0,
                            "tickvals": [value for value, _ in ticks],
                            "ticktext": [text for _, text in ticks]},
                     yaxis={"title": {"text": per_month}, "rangemode": "tozero"})
    total_expected, total_realised = sum(expected), sum(realised)
    summary = (ngettext(
        "Over the %(count)s months from %(first)s to %(last)s, the active initiatives were "
        "expected to bring %(expected)s %(currency)s and realised %(realised)s %(currency)s.",
        "Over the %(count)s months from %(first)s to %(last)s, the active initiatives were "
        "expected to bring %(expected)s %(currency)s and realised %(realised)s %(currency)s.",
        len(months)) % {"count": len(months), "first": labels[0], "last": labels[-1],
                        "expected": local_digits(f"{total_expected:,.2f}"),
                        "realised": local_digits(f"{total_realised:,.2f}"),
                        "currency": currency}
               if months else gettext("No months yet."))
    return _chart(data, layout,
                  title=gettext("Expected against realised benefit, %(per_month)s")
                  % {"per_month": per_month},
                  summary=summary,
                  table=[(label, local_digits(f"{e:,.2f}"), local_digits(f"{r:,.2f}"))
                         for label, e, r in zip(labels, expected, realised, strict=True)],
                  table_header=(gettext("Month"),
                                gettext("Expected (%(currency)s)") % {"currency": currency},
                                gettext("Realised (%(currency)s)") % {"currency": currency}))
