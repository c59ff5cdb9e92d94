"""The playbook document: a versioned JSON description of a plan, without values, notes,
people or (unless chosen) money. Pure: no database.

    {"format": "alignment-portal-playbook", "version": 1, "includes_money": false,
     "metrics": [{"name", "definition", "kind", "nature", "level", "unit", "direction",
                  "frequency"}],
     "tools": [{"name", "vendor", "category", "integration"[, "monthly_cost"]}],
     "initiatives": [{"name", "description", "process", "department", "impact", "effort",
                      "automation_level", "tools": [tool names]
                      [, "one_time_cost", "monthly_cost", "hours_saved_per_month",
                       "expected_money_per_month"]}],
     "goals": [{"title", "description", "why_it_matters", "perspective", "level",
                "department", "metric": a metric name or null}],
     "alignment_links": [{"initiative", "goal", "contribution", "rationale",
                          "expected_effect"}],
     "measurement_links": [{"initiative", "metric", "role"}]}

Records refer to each other by name (a goal by its title). `load` validates a document
completely, whatever produced it (this code, an older version, a hand edit, a corrupted row),
and returns it normalised; anything wrong is a `PlaybookDocumentError` listing each problem.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from alignment_portal.lib.text import DESCRIPTION_MAX_LENGTH, NoControlCharacters

FORMAT = "alignment-portal-playbook"
VERSION = 1
SUPPORTED_VERSIONS = {1}
MAX_RECORDS = 500  # per section
MONEY_FIELDS = {
    "tools": ("monthly_cost",),
    "initiatives": ("one_time_cost", "monthly_cost", "hours_saved_per_month",
                    "expected_money_per_month"),
}
MONEY_MAX = Decimal("9999999999.99")
SECTIONS = ("metrics", "tools", "initiatives", "goals", "alignment_links", "measurement_links")

_single = NoControlCharacters()
_multi = NoControlCharacters(multi_line=True)


def name_key(name: str) -> str:
    """How names match: case and spacing do not count ("Online  Store" = "online store")."""
    return " ".join(str(name).split()).casefold()


class PlaybookDocumentError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Choices:
    """The allowed values of each coded field, taken from the models' choices by the caller
    (choices.py), so this module stays free of Django models."""

    metric_kind: frozenset
    metric_nature: frozenset
    metric_level: frozenset
    unit: frozenset
    direction: frozenset
    frequency: frozenset
    tool_category: frozenset
    integration: frozenset
    perspective: frozenset
    goal_level: frozenset
    contribution: frozenset
    metric_role: frozenset
    automation_level: frozenset


class _Reader:
    def __init__(self, choices: Choices):
        self.choices = choices
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(f"{where}: {message}")

    def text(self, record: dict, key: str, where: str, *, max_length: int, required=False,
             multi=False) -> str:
        value = record.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(where, f"“{key}” must be text")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(where, f"“{key}” is empty")
        if len(value) > max_length:
            self.problem(where, f"“{key}” is longer than {max_length} characters")
        try:
            (_multi if multi else _single)(value)
        except ValidationError as exc:
            self.problem(where, f"“{key}”: {exc.messages[0]}")
        return value

    def code(self, record: dict, key: str, where: str, allowed: frozenset, default):
        value = record.get(key, default)
        if value not in allowed:
            known = ", ".join(map(str, sorted(allowed)))
            self.problem(where, f"“{key}” is {value!r}, not one of {known}")
            return default
        return value

    def whole(self, record: dict, key: str, where: str, low: int, high: int, default: int) -> int:
        value = record.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(where, f"“{key}” must be a whole number from {low} to {high}")
            return default
        return value

    def money(self, record: dict, key: str, where: str) -> str:
        raw = record.get(key, "0")
        try:
            if isinstance(raw, bool) or isinstance(raw, float) and not math.isfinite(raw):
                raise InvalidOperation
            number = Decimal(str(raw))
            if not number.is_finite() or number < 0 or number > MONEY_MAX:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.problem(where, f"“{key}” must be a number from 0 to {MONEY_MAX}")
            return "0"
        return str(number.quantize(Decimal("0.01")))


def _records(reader: _Reader, document: dict, section: str) -> list[dict]:
    records = document.get(section, [])
    if not isinstance(records, list):
        reader.problem(section, "must be a list")
        return []
    if len(records) > MAX_RECORDS:
        reader.problem(section, f"has {len(records)} entries; at most {MAX_RECORDS}")
        return []
    good = []
    for index, record in enumerate(records, start=1):
        if isinstance(record, dict):
            good.append(record)
        else:
            reader.problem(f"{section} {index}", "must be an object")
    return good


def _unique(reader: _Reader, section: str, rows: list[dict], key: str) -> None:
    seen: set[str] = set()
    for row in rows:
        k = name_key(row[key])
        if k and k in seen:
            reader.problem(section, f"“{row[key]}” appears twice (names match ignoring case "
                                    "and spaces)")
        seen.add(k)


def load(document, choices: Choices) -> dict:
    """The document validated and normalised (every field present, money as strings of two
    decimals, names stripped). Raises PlaybookDocumentError with every problem found."""
    reader = _Reader(choices)
    if not isinstance(document, dict):
        raise PlaybookDocumentError(["the playbook is not a JSON object"])
    if document.get("format") != FORMAT:
        raise PlaybookDocumentError([f"this is not a playbook (its format is not “{FORMAT}”)"])
    version = document.get("version")
    if version not in SUPPORTED_VERSIONS:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        raise PlaybookDocumentError([
            f"version {version!r} is " + ("from a newer portal: update this one first"
                                          if newer else "not a playbook version this portal "
                                          "reads")])
    includes_money = document.get("includes_money", False)
    if not isinstance(includes_money, bool):
        reader.problem("includes_money", "must be true or false")
        includes_money = False
    c = choices
    out: dict = {"format": FORMAT, "version": VERSION, "includes_money": includes_money}

    metrics = []
    for i, r in enumerate(_records(reader, document, "metrics"), start=1):
        w = f"metric {i}"
        metrics.append({
            "name": reader.text(r, "name", w, max_length=120, required=True),
            "definition": reader.text(r, "definition", w, max_length=DESCRIPTION_MAX_LENGTH,
                                      multi=True),
            "kind": reader.code(r, "kind", w, c.metric_kind, "KPI"),
            "nature": reader.code(r, "nature", w, c.metric_nature, "outcome"),
            "level": reader.code(r, "level", w, c.metric_level, "operational"),
            "unit": reader.code(r, "unit", w, c.unit, "count"),
            "direction": reader.code(r, "direction", w, c.direction, "higher"),
            "frequency": reader.code(r, "frequency", w, c.frequency, "monthly"),
        })
    _unique(reader, "metrics", metrics, "name")
    out["metrics"] = metrics

    tools = []
    for i, r in enumerate(_records(reader, document, "tools"), start=1):
        w = f"tool {i}"
        row = {"name": reader.text(r, "name", w, max_length=120, required=True),
               "vendor": reader.text(r, "vendor", w, max_length=120),
               "category": reader.code(r, "category", w, c.tool_category, "other"),
               "integration": reader.code(r, "integration", w, c.integration, "standalone")}
        if includes_money:
            row["monthly_cost"] = reader.money(r, "monthly_cost", w)
        tools.append(row)
    _unique(reader, "tools", tools, "name")
    out["tools"] = tools
    tool_names = {name_key(t["name"]) for t in tools}

    initiatives = []
    for i, r in enumerate(_records(reader, document, "initiatives"), start=1):
        w = f"initiative {i}"
        row = {"name": reader.text(r, "name", w, max_length=160, required=True),
               "description": reader.text(r, "description", w,
                                          max_length=DESCRIPTION_MAX_LENGTH, multi=True),
               "process": reader.text(r, "process", w, max_length=160),
               "department": reader.text(r, "department", w, max_length=80),
               "impact": reader.whole(r, "impact", w, 1, 5, 3),
               "effort": reader.whole(r, "effort", w, 1, 5, 3),
               "automation_level": reader.code(r, "automation_level", w, c.automation_level, 2),
               "tools": []}
        used = r.get("tools", [])
        if not isinstance(used, list) or not all(isinstance(t, str) for t in used):
            reader.problem(w, "“tools” must be a list of tool names")
        else:
            for tool in used:
                if name_key(tool) not in tool_names:
                    reader.problem(w, f"uses the tool “{tool}”, which the playbook does not have")
                elif name_key(tool) not in {name_key(t) for t in row["tools"]}:
                    row["tools"].append(tool.strip())
        if includes_money:
            for key in MONEY_FIELDS["initiatives"]:
                row[key] = reader.money(r, key, w)
        initiatives.append(row)
    _unique(reader, "initiatives", initiatives, "name")
    out["initiatives"] = initiatives

    metric_names = {name_key(m["name"]) for m in metrics}
    goals = []
    for i, r in enumerate(_records(reader, document, "goals"), start=1):
        w = f"goal {i}"
        metric = r.get("metric")
        if metric is not None and (not isinstance(metric, str)
                                   or name_key(metric) not in metric_names):
            reader.problem(w, f"is measured by “{metric}”, which the playbook does not have")
            metric = None
        goals.append({
            "title": reader.text(r, "title", w, max_length=200, required=True),
            "description": reader.text(r, "description", w, max_length=DESCRIPTION_MAX_LENGTH,
                                       multi=True),
            "why_it_matters": reader.text(r, "why_it_matters", w,
                                          max_length=DESCRIPTION_MAX_LENGTH, multi=True),
            "perspective": reader.code(r, "perspective", w, c.perspective, "financial"),
            "level": reader.code(r, "level", w, c.goal_level, "operational"),
            "department": reader.text(r, "department", w, max_length=80),
            "metric": metric.strip() if metric else None,
        })
    _unique(reader, "goals", goals, "title")
    out["goals"] = goals

    initiative_names = {name_key(x["name"]) for x in initiatives}
    goal_titles = {name_key(g["title"]) for g in goals}
    links, pairs = [], set()
    for i, r in enumerate(_records(reader, document, "alignment_links"), start=1):
        w = f"alignment link {i}"
        row = {"initiative": reader.text(r, "initiative", w, max_length=160, required=True),
               "goal": reader.text(r, "goal", w, max_length=200, required=True),
               "contribution": reader.code(r, "contribution", w, c.contribution, "primary"),
               "rationale": reader.text(r, "rationale", w, max_length=DESCRIPTION_MAX_LENGTH,
                                        required=True, multi=True),
               "expected_effect": reader.text(r, "expected_effect", w, max_length=200)}
        if name_key(row["initiative"]) not in initiative_names:
            reader.problem(w, f"names the initiative “{row['initiative']}”, which the playbook "
                              "does not have")
        if name_key(row["goal"]) not in goal_titles:
            reader.problem(w, f"names the goal “{row['goal']}”, which the playbook does not have")
        pair = (name_key(row["initiative"]), name_key(row["goal"]))
        if pair in pairs:
            reader.problem(w, "links the same initiative and goal twice")
        pairs.add(pair)
        links.append(row)
    out["alignment_links"] = links

    measures, pairs = [], set()
    for i, r in enumerate(_records(reader, document, "measurement_links"), start=1):
        w = f"measurement link {i}"
        row = {"initiative": reader.text(r, "initiative", w, max_length=160, required=True),
               "metric": reader.text(r, "metric", w, max_length=120, required=True),
               "role": reader.code(r, "role", w, c.metric_role, "outcome")}
        if name_key(row["initiative"]) not in initiative_names:
            reader.problem(w, f"names the initiative “{row['initiative']}”, which the playbook "
                              "does not have")
        if name_key(row["metric"]) not in metric_names:
            reader.problem(w, f"names the metric “{row['metric']}”, which the playbook does "
                              "not have")
        pair = (name_key(row["initiative"]), name_key(row["metric"]))
        if pair in pairs:
            reader.problem(w, "links the same initiative and metric twice")
        pairs.add(pair)
        measures.append(row)
    out["measurement_links"] = measures

    unknown = set(document) - set(SECTIONS) - {"format", "version", "includes_money"}
    if unknown:
        reader.problem("playbook", f"unknown part(s): {', '.join(sorted(map(str, unknown)))}")
    if reader.problems:
        raise PlaybookDocumentError(reader.problems)
    return out


def counts(document: dict) -> dict[str, int]:
    return {section: len(document.get(section, [])) for section in SECTIONS}
