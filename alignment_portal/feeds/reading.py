"""Reading a feed's body (CSV in the import's formats, or JSON) into the CSV import's
ImportPreview: valid rows, refused lines with reasons. Writes nothing.

CSV goes through metrics/csv_import.py unchanged (encodings, delimiters, decimal commas, long
and wide shapes); JSON is a list of {metric, date, value, note} objects (or {"items": [...]},
the values API's shape), each validated by metrics/validation.py like a CSV line. The feed's
mapping names file names (columns, metric names) to metrics; unmapped names match a metric of
the same name.
"""

import json
import re
from difflib import get_close_matches

from django.utils.formats import number_format
from django.utils.translation import gettext

from alignment_portal.feeds.models import Feed, Format
from metrics.csv_import import (
    ImportPreview,
    Problem,
    add_entry,
    parse_date,
    parse_values_csv,
    refuse_duplicates,
    summarise,
)
from metrics.models import Metric

JSON_MAX_ITEMS = 100_000
# How alike (difflib's ratio, 0-1) a name and a metric's name must be to suggest the metric.
SUGGEST_CUTOFF = 0.75


def mapping_for(feed: Feed, metrics: list[Metric]) -> dict[str, Metric | None]:
    """The feed's mapping as {name: Metric or None}; ids that are not (or no longer) metrics of
    the feed's organization are dropped (and so fall back to matching by name)."""
    by_id = {m.pk: m for m in metrics if m.organization_id == feed.organization_id}
    mapping = {}
    for name, metric_id in (feed.metric_map or {}).items():
        if metric_id is None:
            mapping[name] = None
        elif metric_id in by_id:
            mapping[name] = by_id[metric_id]
    return mapping


def looks_like_json(body: bytes, content_type: str, declared: str) -> bool:
    if declared == Format.JSON:
        return True
    if declared == Format.CSV:
        return False
    if "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")


def read_body(body: bytes, *, feed: Feed, content_type: str = "", today=None) -> ImportPreview:
    metrics = list(Metric.objects.filter(organization_id=feed.organization_id))
    mapping = mapping_for(feed, metrics)
    if looks_like_json(body, content_type, feed.format):
        return read_json(body, organization=feed.organization, metrics=metrics,
                         mapping=mapping, today=today)
    return parse_values_csv(body, organization=feed.organization, today=today,
                            mapping=mapping)


def read_json(body: bytes, *, organization, metrics: list[Metric], mapping: dict,
              today=None) -> ImportPreview:
    """A JSON body into an ImportPreview; an item's "line" is its position, from 1."""
    preview = ImportPreview(shape="json", encoding="UTF-8")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        preview.error = gettext("The body is not valid JSON (%(detail)s).") % {
            "detail": str(exc)[:120]}
        return preview
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        preview.error = gettext('The JSON must be a list of {"metric", "date", "value", '
                                '"note"} objects (or {"items": [...]}).')
        return preview
    if len(data) > JSON_MAX_ITEMS:
        preview.error = gettext("The JSON has %(items)s items; the limit is %(max)s.") % {
            "items": number_format(len(data), force_grouping=True),
            "max": number_format(JSON_MAX_ITEMS, force_grouping=True)}
        return preview
    by_name = {m.name.strip().lower(): m for m in metrics}
    by_id = {m.pk: m for m in metrics}
    preview.metrics_by_id = dict(by_id)
    ignored = {name.strip().lower() for name, metric in mapping.items() if metric is None}
    for name, metric in mapping.items():
        if metric is not None:
            by_name[name.strip().lower()] = metric
    names = []
    for position, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            preview.problems.append(Problem(position, gettext(
                "This item is not an object with metric, date and value.")))
            preview.data_lines += 1
            continue
        raw_metric = item.get("metric")
        key = str(raw_metric).strip().lower() if raw_metric is not None else ""
        if key in ignored:
            continue
        preview.data_lines += 1
        names.append(str(raw_metric))
        metric = (by_id.get(raw_metric) if isinstance(raw_metric, int)
                  and not isinstance(raw_metric, bool) else by_name.get(key))
        if metric is None:
            shown = (str(raw_metric)[:60] if raw_metric not in (None, "")
                     else gettext("(empty)"))
            preview.problems.append(Problem(position, gettext(
                "“%(metric)s” is not a metric of this organization.") % {"metric": shown}))
            continue
        raw_date = item.get("date", item.get("period"))
        raw_date = "" if raw_date is None else str(raw_date)
        raw_value = item.get("value")
        if isinstance(raw_value, bool):
            raw_value = str(raw_value)  # true/false are not numbers
        note = item.get("note") or ""
        add_entry(preview, line=position, metric=metric, raw_date=raw_date,
                  day=parse_date(raw_date), raw_value=raw_value, note=str(note), today=today)
    preview.columns = sorted(set(names))
    if preview.data_lines == 0 and not preview.error:
        preview.error = gettext("The JSON has no values.")
    refuse_duplicates(preview)
    summarise(preview)
    preview.problems.sort(key=lambda p: p.line)
    return preview


def source_names(preview: ImportPreview) -> list[str]:
    """The names a mapping maps: a wide file's metric columns, or the metric names of a long
    file or a JSON body (at most 200)."""
    if preview.shape == "wide":
        return preview.columns[1:201]
    if preview.shape == "long":
        return preview.names
    return preview.columns[:200] if preview.shape == "json" else []


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9%]+", " ", name.lower()).strip()


def _words(name: str) -> str:
    """The name's words in order, for names that say the same in another order ("Waste
    (loaves)" and "Loaves wasted")."""
    return " ".join(sorted(_normal(name).split()))


def suggest_mapping(names: list[str], metrics: list[Metric]) -> dict[str, int | None]:
    """{name: metric id or None}: the same name (any case or punctuation), else the closest
    name (as written, or with its words in order), else nothing."""
    open_metrics = [m for m in metrics if not m.is_archived]
    normal = {_normal(m.name): m for m in open_metrics}
    ordered = {_words(m.name): m for m in open_metrics}
    suggestion = {}
    for name in names:
        exact = normal.get(_normal(name))
        if exact is not None:
            suggestion[name] = exact.pk
            continue
        close = get_close_matches(_normal(name), list(normal), n=1, cutoff=SUGGEST_CUTOFF)
        if close:
            suggestion[name] = normal[close[0]].pk
            continue
        close = get_close_matches(_words(name), list(ordered), n=1, cutoff=SUGGEST_CUTOFF)
        suggestion[name] = ordered[close[0]].pk if close else None
    return suggestion
