"""One organization's whole scorecard from its frames: pure (frames in, frames out)."""

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pandas as pd

from alignment_portal.scoring import alignment, benefits, flags, impact, maturity
from alignment_portal.scoring.frames import OrgFrames


@dataclass
class Scorecard:
    """Everything a recompute writes: a frame per record kind, the organization's scores and
    the flags that hold now."""

    metrics: pd.DataFrame  # indexed by metric id
    goals: pd.DataFrame  # indexed by goal id
    initiatives: pd.DataFrame  # indexed by initiative id
    tools: pd.DataFrame  # indexed by tool id
    dimensions: dict  # d1..d5, 0-100
    misaligned_spend: dict  # amount, share (0-100), total, initiatives, tools
    explanation: dict  # the maturity rung and the next rung's unmet conditions
    flags: pd.DataFrame  # flags.FLAG_COLUMNS
    # impact.COLUMNS: one row per live initiative × outcome metric
    impact: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=impact.COLUMNS))
    benefits: pd.DataFrame = field(default_factory=benefits.empty_ledger)  # by initiative id

    @property
    def rung(self) -> int:
        return self.explanation["rung"]

    @cached_property
    def flag_records(self) -> list[dict]:
        """The flags as raise_flags' rows (flags.FLAG_COLUMNS), in the table's order: read
        once per scorecard (a scenario's evaluations read its plan's many times)."""
        table = self.flags
        return [dict(zip(flags.FLAG_COLUMNS, values, strict=True))
                for values in zip(*(table[c].tolist() for c in flags.FLAG_COLUMNS),
                                  strict=True)]


@dataclass
class CoreScores:
    """The part of a scorecard the rung stands on: the record tables, D1-D5, misaligned
    spend and the maturity explanation (no impact evidence, ledger or flags)."""

    metrics: pd.DataFrame
    goals: pd.DataFrame
    initiatives: pd.DataFrame
    tools: pd.DataFrame
    dimensions: dict
    misaligned_spend: dict
    explanation: dict

    @property
    def rung(self) -> int:
        return self.explanation["rung"]


def core_scores(frames: OrgFrames, today: date) -> CoreScores:
    """Rung, dimensions and misaligned spend with their tables: what `score` computes first,
    and all a scenario needs to show one change's own effect."""
    freshness = alignment.metric_freshness(frames.metrics, frames.values, today)
    weights = alignment.goal_weights(frames.goals, frames.cycles)
    metric_table = alignment.metric_scores(frames, weights, freshness)
    goal_table = alignment.goal_scores(frames, weights, freshness, today)
    initiative_table = alignment.initiative_scores(frames, weights, metric_table)
    return core_from_tables(frames, metric_table, goal_table, initiative_table,
                            alignment.tool_usage(frames, initiative_table))


def core_from_tables(frames: OrgFrames, metric_table: pd.DataFrame, goal_table: pd.DataFrame,
                     initiative_table: pd.DataFrame, tool_table: pd.DataFrame) -> CoreScores:
    """The rest of core_scores from its record tables: D1-D5, the spend and the rung."""
    dims = alignment.dimensions(goal_table, initiative_table, metric_table, tool_table)
    spend = alignment.misaligned_spend(initiative_table, tool_table)
    explanation = maturity.assess(frames, dims, spend, goal_table, initiative_table,
                                  metric_table, tool_table)
    return CoreScores(metric_table, goal_table, initiative_table, tool_table, dims, spend,
                      explanation)


def score(frames: OrgFrames, today: date) -> Scorecard:
    core = core_scores(frames, today)
    metric_table, goal_table = core.metrics, core.goals
    initiative_table, tool_table = core.initiatives, core.tools
    dims, spend, explanation = core.dimensions, core.misaligned_spend, core.explanation
    evidence = impact.impact_evidence(frames, today)
    ledger = benefits.ledger(frames.initiatives, frames.benefit_entries,
                             hour_value=frames.hour_value, today=today)
    raised = flags.raise_flags(frames, goal_table, initiative_table, metric_table, tool_table,
                               evidence=evidence, today=today, ledger=ledger)
    return Scorecard(metric_table, goal_table, initiative_table, tool_table, dims, spend,
                     explanation, raised, evidence, benefits=ledger)
