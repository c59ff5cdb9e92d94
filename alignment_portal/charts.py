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
