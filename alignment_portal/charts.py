"""Every chart of the portal, built from plotly figures. Views pass data in and put the
result in a template with {% include "_chart.html" with chart=... %}; static/js/charts.js
draws it with the locally served plotly.js. Each chart carries a text alternative."""

from dataclasses import dataclass

import plotly.graph_objects as go

FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
INK = "#1f2937"
BRAND = "#1d4ed8"
OK = "#166534"
WARN = "#b45309"
BAD = "#991b1b"


@dataclass(frozen=True)
class Chart:
    """A figure ready for the page: its JSON, and what a screen reader gets instead."""

    figure_json: str
    title: str
    summary: str  # one or two sentences with the numbers that matter
    table: list[tuple] | None = None  # optional (label, value, ...) rows for the text version
    table_header: tuple | None = None


def finish(figure: go.Figure, *, title: str, summary: str, height: int = 320,
           table: list[tuple] | None = None, table_header: tuple | None = None) -> Chart:
    """Apply the portal's look and wrap the figure."""
    figure.update_layout(
        height=height, margin={"l": 48, "r": 16, "t": 24, "b": 40},
        font={"family": FONT, "color": INK, "size": 13},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", showlegend=False,
    )
    figure.update_xaxes(gridcolor="#e5e7eb", zeroline=False)
    figure.update_yaxes(gridcolor="#e5e7eb", zeroline=False)
    return Chart(figure_json=_script_safe(figure.to_json()), title=title, summary=summary,
                 table=table, table_header=table_header)


def _script_safe(json_text: str) -> str:
    """JSON that cannot close its <script> element: <, > and & only occur inside strings,
    where the \\u escapes mean the same characters (as Django's json_script does)."""
    return (json_text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


# Impact x effort (initiatives). Impact and effort are scores of 1-5; 4 and 5 count as high, so
# the quadrant lines sit at 3.5 and a middling 3 reads as low (the cheaper, humbler reading).
QUADRANT_SPLIT = 3.5
QUADRANTS = {  # (high impact, high effort) -> name
    (True, False): "Quick wins", (True, True): "Major projects",
    (False, False): "Fill-ins", (False, True): "Thankless tasks",
}


def impact_effort_quadrant(impact: float, effort: float) -> str:
    return QUADRANTS[(impact > QUADRANT_SPLIT, effort > QUADRANT_SPLIT)]


def impact_effort_chart(points: list[dict], *, currency: str = "",
                        colour_label: str = "linked to an active goal") -> Chart:
    """Active initiatives by effort (x) and impact (y), sized by monthly cost.

    `points`: dicts with name, impact, effort, monthly_cost, aligned (bool) and href (the
    initiative's page, opened on click). Aligned points are blue circles, the others red
    diamonds, so the split does not rest on colour alone. Points on the same spot are spread
    a little around it so none hides another."""
    import math

    max_cost = max((p["monthly_cost"] for p in points), default=0) or 1
    seen: dict = {}
    groups = {True: [], False: []}
    for p in points:
        n = seen.get((p["impact"], p["effort"]), 0)
        seen[(p["impact"], p["effort"])] = n + 1
        angle, radius = n * 2.4, 0.12 * math.sqrt(n)  # a small sunflower spiral
        groups[bool(p["aligned"])].append({
            **p, "x": p["effort"] + radius * math.cos(angle),
            "y": p["impact"] + radius * math.sin(angle),
            "size": 12 + 28 * math.sqrt(max(p["monthly_cost"], 0) / max_cost),
        })
    figure = go.Figure()
    for aligned, colour, symbol, label in [(True, BRAND, "circle", colour_label),
                                           (False, BAD, "diamond", f"not {colour_label}")]:
        group = groups[aligned]
        figure.add_trace(go.Scatter(
            x=[g["x"] for g in group], y=[g["y"] for g in group], mode="markers", name=label,
            marker={"size": [g["size"] for g in group], "color": colour, "symbol": symbol,
                    "opacity": 0.75, "line": {"width": 1, "color": "#ffffff"}},
            customdata=[[g["href"]] for g in group],
            text=[f"{g['name']}<br>impact {g['impact']}, effort {g['effort']}<br>"
                  f"{g['monthly_cost']:,.0f} {currency}/month<br>{label}" for g in group],
            hovertemplate="%{text}<extra></extra>",
        ))
    for value, axis in [(QUADRANT_SPLIT, "x"), (QUADRANT_SPLIT, "y")]:
        line = ({"x0": value, "x1": value, "y0": 0.5, "y1": 5.5} if axis == "x"
                else {"x0": 0.5, "x1": 5.5, "y0": value, "y1": value})
        figure.add_shape(type="line", line={"color": "#9ca3af", "dash": "dash"}, **line)
    for (high_impact, high_effort), name in QUADRANTS.items():
        figure.add_annotation(x=5.4 if high_effort else 0.6, y=5.4 if high_impact else 0.6,
                              text=f"<b>{name}</b>", showarrow=False,
                              xanchor="right" if high_effort else "left",
                              yanchor="top" if high_impact else "bottom",
                              font={"color": "#374151"})
    figure.update_xaxes(title_text="Effort (1 small – 5 large)", range=[0.5, 5.5], dtick=1)
    figure.update_yaxes(title_text="Impact (1 small – 5 large)", range=[0.5, 5.5], dtick=1)
    counts: dict = {}
    for p in points:
        quadrant = impact_effort_quadrant(p["impact"], p["effort"])
        counts[quadrant] = counts.get(quadrant, 0) + 1
    aligned = sum(1 for p in points if p["aligned"])
    summary = (f"{len(points)} active initiatives; {aligned} {colour_label}, "
               f"{len(points) - aligned} not. "
               + ", ".join(f"{name}: {counts.get(name, 0)}" for name in QUADRANTS.values())
               + ".")
    table = [(p["name"], p["impact"], p["effort"],
              impact_effort_quadrant(p["impact"], p["effort"]), f"{p['monthly_cost']:,.2f}",
              "yes" if p["aligned"] else "no") for p in points]
    return finish(figure, title="Impact × effort of active initiatives", summary=summary,
                  height=460, table=table,
                  table_header=("Initiative", "Impact", "Effort", "Quadrant",
                                f"Monthly cost {currency}".strip(),
                                colour_label.capitalize()))


def goal_progress_chart(*, periods, values, metric_name: str, baseline, target, due_date,
                        forecast_value: float | None) -> Chart:
    """A goal's metric over time with its baseline and target, and the forecast line from the
    start date to the due date when there is one (goals issue)."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=list(periods), y=list(values), mode="lines+markers",
                                name=metric_name, line={"color": BRAND}))
    if target is not None:
        figure.add_hline(y=float(target), line={"color": OK, "dash": "dash"},
                         annotation_text="target")
    if baseline is not None:
        figure.add_hline(y=float(baseline), line={"color": "#6b7280", "dash": "dot"},
                         annotation_text="baseline")
    if forecast_value is not None and due_date is not None:
        # From the latest value to where the trend line stands on the due date.
        figure.add_trace(go.Scatter(x=[periods[-1], due_date], y=[values[-1], forecast_value],
                                    mode="lines", name="forecast",
                                    line={"color": WARN, "dash": "dash"}))
    latest = values[-1]
    summary = (f"{len(values)} values of {metric_name}; latest {latest:.4g} on "
               f"{periods[-1]:%Y-%m-%d}")
    if target is not None:
        summary += f", target {float(target):.4g}"
    if forecast_value is not None and due_date is not None:
        summary += f", forecast {forecast_value:.4g} by {due_date:%Y-%m-%d}"
    return finish(figure, title=f"{metric_name} towards the target", summary=summary + ".",
                  table=[(f"{p:%Y-%m-%d}", f"{v:.4g}") for p, v in zip(periods, values,
                                                                       strict=True)],
                  table_header=("Period", metric_name))


def metric_trend(*, name: str, unit: str, direction: str, points: list[tuple],
                 goals: list[dict], freshness: str) -> Chart:
    """A metric's values over time with the baseline and target of each goal it measures
    (dashed lines). `points` are (period date, value) in date order; `goals` are dicts with
    title, baseline and target (either may be None)."""
    figure = go.Figure()
    dates = [p for p, _ in points]
    values = [float(v) for _, v in points]
    figure.add_trace(go.Scatter(x=dates, y=values, mode="lines+markers", name=name,
                                line={"color": BRAND, "width": 2}, marker={"size": 5},
                                hovertemplate="%{x|%d %b %Y}: %{y}<extra></extra>"))
    for goal in goals:
        for key, colour, label in (("baseline", INK, "baseline"), ("target", OK, "target")):
            if goal.get(key) is None:
                continue
            figure.add_hline(y=float(goal[key]), line={"color": colour, "dash": "dash",
                                                       "width": 1.5},
                             annotation_text=f"{label}: {goal['title'][:40]}",
                             annotation_position="top left",
                             annotation_font={"size": 11, "color": colour})
    figure.update_yaxes(title_text=unit, rangemode="tozero" if unit != "score" else "normal")
    better = "higher" if direction == "higher" else "lower"
    if values:
        summary = (f"{len(values)} values from {dates[0]:%d %b %Y} to {dates[-1]:%d %b %Y}; "
                   f"latest {values[-1]:g} {unit}, lowest {min(values):g}, highest "
                   f"{max(values):g}. {better.capitalize()} is better. Data is {freshness}.")
    else:
        summary = "No values yet."
    for goal in goals:
        parts = [f"{k} {float(goal[k]):g}" for k in ("baseline", "target")
                 if goal.get(k) is not None]
        if parts:
            summary += f" Goal “{goal['title']}”: {', '.join(parts)}."
    table = [(f"{p:%Y-%m-%d}", f"{v:g}") for p, v in zip(dates[-24:], values[-24:],
                                                          strict=True)]
    return finish(figure, title=f"{name} over time", summary=summary, table=table,
                  table_header=("Period", unit))
