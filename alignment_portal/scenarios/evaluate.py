"""Before and after: a scenario's changes scored with the same pure scoring as a recompute.

Pure (frames in, plain dicts out), no database: the caller loads the frames once
(engine.load_frames) and passes `today`. "Before" is the frames as loaded, scored on that day,
so it equals the stored scores of a recompute on that day; "after" is the frames with every
change made (apply.py); each change's own effect is the plan with that change alone, scored
only as far as the rung, dimensions, misaligned spend and net benefit (compute.core_scores).
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.utils.translation import gettext, gettext_lazy

from alignment_portal.scenarios.apply import Change, apply_changes
from alignment_portal.scoring import wording
from alignment_portal.scoring.benefits import plan_net_monthly
from alignment_portal.scoring.compute import CoreScores, Scorecard, core_scores, score
from alignment_portal.scoring.frames import OrgFrames

DIMENSIONS = ("d1", "d2", "d3", "d4", "d5")
# Read on the scenario page: lazy, so each reader gets their language.
DIMENSION_LABELS = {"d1": gettext_lazy("D1 Goals"), "d2": gettext_lazy("D2 Alignment"),
                    "d3": gettext_lazy("D3 Measurement"), "d4": gettext_lazy("D4 Feedback"),
                    "d5": gettext_lazy("D5 Integration")}


def net_monthly_benefit(frames: OrgFrames) -> tuple[float | None, str]:
    """The plan's net monthly benefit from the benefit ledger's rule (scoring/benefits.py):
    expected monthly benefit of the active initiatives less the monthly cost of active
    initiatives and tools, currency per month; (None, why) while the hour value is not set
    and some active initiative's benefit is in hours."""
    return plan_net_monthly(frames.initiatives, frames.tools, hour_value=frames.hour_value)


def summary(frames: OrgFrames, card: Scorecard | CoreScores) -> dict:
    """The organization's figures a scenario moves: rung, D1-D5 (0-100), misaligned spend
    (monthly money and its share 0-100 of active monthly spend), open flags by severity and
    net monthly benefit (None when not known)."""
    counts = (Counter(row["severity"] for row in card.flag_records)
              if isinstance(card, Scorecard) else {})
    return {
        "rung": int(card.rung), "rung_name": card.explanation["name"],
        **{d: float(card.dimensions[d]) for d in DIMENSIONS},
        "misaligned_spend": float(card.misaligned_spend["amount"]),
        "misaligned_share": float(card.misaligned_spend["share"]),
        "open_flags": {s: int(counts.get(s, 0)) for s in ("high", "medium", "low")},
        **net_benefit_figures(frames),
    }


def net_benefit_figures(frames: OrgFrames) -> dict:
    net, why = net_monthly_benefit(frames)
    return {"net_monthly_benefit": net, "net_benefit_note": gettext(why) if why else why}


def flag_rows(records: list[dict]) -> dict[tuple, dict]:
    """{(code, subject type, subject id): flag} of flags as dicts of flags.FLAG_COLUMNS (the
    first of each key)."""
    rows = {}
    for row in records:
        rows.setdefault((row["code"], row["subject_type"], row["subject_id"]), row)
    return rows


SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass
class Before:
    """What "before" needs: the summary, the flags that hold and each initiative's alignment
    score, either scored from the frames (`before_of`) or read from the stored scores when
    they are up to date (selectors.stored_before), which saves one scoring run."""

    summary: dict
    flags: dict[tuple, dict]
    alignment: pd.Series  # alignment score by initiative id


def before_of(frames: OrgFrames, card: Scorecard) -> Before:
    return Before(summary(frames, card), flag_rows(card.flag_records),
                  card.initiatives["alignment_score"])


def flag_changes(old: dict[tuple, dict], new: dict[tuple, dict]
                 ) -> tuple[list[dict], list[dict]]:
    """(flags that would open, flags that would resolve), highest severity first."""

    def ordered(rows):
        return sorted(rows, key=lambda r: (SEVERITY_RANK.get(r["severity"], 3), r["code"],
                                           r["subject_label"]))
    def worded(row):
        # The message in the reader's language (a scenario is evaluated for its reader).
        return {**row, "message": wording.flag_message(row["code"], row["params"])}
    return (ordered(worded(row) for key, row in new.items() if key not in old),
            ordered(worded(row) for key, row in old.items() if key not in new))


def _touched_initiatives(changes: list[Change]) -> set[int]:
    return {c.initiative for c in changes if c.initiative is not None}


def initiative_rows(before_frames: OrgFrames, before: pd.Series, after_frames: OrgFrames,
                    after: Scorecard, changes: list[Change]) -> list[dict]:
    """Each initiative a change touches or whose alignment score moves (hypothetical ones
    included, with no "before"): name, status and alignment score (0-100) before and after."""
    b, a = before, after.initiatives
    common = b.index.intersection(a.index)
    moved = set(common[(b.loc[common] - a.loc[common, "alignment_score"])
                       .abs().gt(1e-9)].tolist())
    wanted = moved | (_touched_initiatives(changes) & set(a.index)) | \
        set(a.index[a.index < 0].tolist())
    names = after_frames.labels("initiatives")
    status_before = dict(zip(before_frames.initiatives["id"].tolist(),
                             before_frames.initiatives["status"].tolist(), strict=True))
    status_after = dict(zip(after_frames.initiatives["id"].tolist(),
                            after_frames.initiatives["status"].tolist(), strict=True))
    rows = []
    for i in sorted(wanted, key=lambda i: (i > 0, str(names.get(i, "")).lower())):
        rows.append({
            "id": int(i), "name": names.get(i, ""), "hypothetical": i < 0,
            "status_before": status_before.get(i), "status_after": status_after.get(i),
            "before": float(b.at[i]) if i in b.index else None,
            "after": float(a.at[i, "alignment_score"]),
        })
    return rows


@dataclass
class Evaluation:
    today: date
    before: dict
    after: dict
    flags_opened: list[dict]
    flags_resolved: list[dict]
    initiatives: list[dict]
    problems: list[str]  # per change, "" when it was made
    effects: list[dict | None] = field(default_factory=list)  # per change, its own effect

    @property
    def has_problems(self) -> bool:
        return any(self.problems)


def effect(before: dict, alone: dict) -> dict:
    """What one change does on its own: the after-minus-before of each figure."""
    net = (None if alone["net_monthly_benefit"] is None or before["net_monthly_benefit"] is None
           else round(alone["net_monthly_benefit"] - before["net_monthly_benefit"], 2))
    return {"rung": alone["rung"] - before["rung"],
            **{d: round(alone[d] - before[d], 2) for d in DIMENSIONS},
            "misaligned_spend": round(alone["misaligned_spend"] - before["misaligned_spend"], 2),
            "misaligned_share": round(alone["misaligned_share"] - before["misaligned_share"], 2),
            "net_monthly_benefit": net}


def evaluate(frames: OrgFrames, changes: list[Change], today: date, *,
             each: bool = True, stored: Before | None = None,
             known_effects: dict | None = None,
             rescore: Callable[[OrgFrames], Scorecard] | None = None,
             rescore_core: Callable[[OrgFrames], CoreScores] | None = None) -> Evaluation:
    """Score the plan as it is (or take `stored`, the stored scores of `frames` on `today`)
    and with `changes` made. With `each`, also every change on its own (core_scores per
    change). `known_effects` ({Change: effect or None}) holds own effects already computed
    on this very plan and day: they are taken from it, and the ones computed are added to it.
    `rescore` scores the changed frames as compute.score does on `today` (rescore.py: from
    the plan's own scorecard) and `rescore_core` as compute.core_scores does, for each change's
    own effect. Never touches `frames` or the database."""
    after_frames, problems = apply_changes(frames, changes)
    if stored is None:
        before_card = score(frames, today)
        stored = before_of(frames, before_card)
        after_card = before_card if after_frames is frames else score(after_frames, today)
    elif rescore is not None:
        after_card = rescore(after_frames)
    else:
        after_card = score(after_frames, today)
    before, after = stored.summary, summary(after_frames, after_card)
    opened, resolved = flag_changes(stored.flags, flag_rows(after_card.flag_records))
    evaluation = Evaluation(today, before, after, opened, resolved,
                            initiative_rows(frames, stored.alignment, after_frames, after_card,
                                            changes), problems)
    if each:
        known = known_effects if known_effects is not None else {}
        for change, problem in zip(changes, problems, strict=True):
            if problem:  # skipped in this scenario
                evaluation.effects.append(None)
                continue
            if change not in known:
                alone_frames, alone_problems = apply_changes(frames, [change])
                # None: it only makes sense after an earlier change of the scenario. Else
                # only the rung, dimensions, spend and net benefit: no impact evidence,
                # ledger or flags, which a change's own effect does not show.
                if alone_problems[0]:
                    known[change] = None
                else:
                    core = (rescore_core(alone_frames) if rescore_core is not None
                            else core_scores(alone_frames, today))
                    known[change] = effect(before, summary(alone_frames, core))
            evaluation.effects.append(known[change])
    return evaluation


def as_frame_free(value):
    """NumPy and pandas scalars as plain Python values (for JSON)."""
    if isinstance(value, dict):
        return {k: as_frame_free(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_frame_free(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    if value is not None and not isinstance(value, str | bool | int | float) and pd.isna(value):
        return None
    return value
