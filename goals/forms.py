"""Forms of the goals app. Every choice of a record (cycle, parent, owner, metric) lists only
the organization's own, so a forged id of another organization is "not a valid choice"."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext, gettext_lazy

from alignment_portal.organizations.models import Organization
from goals import selectors
from goals.models import (
    PRIORITY_GOAL_LIMIT,
    Cycle,
    Goal,
    GoalStatus,
    Outcome,
    Perspective,
)
from metrics.models import Metric

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

PRIORITY_CHOICES = [("", "Not a priority")] + [
    (str(rank), f"Priority {rank}") for rank in range(1, PRIORITY_GOAL_LIMIT + 1)]

MODEL_FIELDS = ["title", "description", "why_it_matters", "perspective", "level",
                "department", "baseline_value", "target_value", "start_date", "due_date"]
GOAL_LABELS = {"title": gettext_lazy("Title"), "description": gettext_lazy("Description"),
               "why_it_matters": gettext_lazy("Why it matters"),
               "perspective": gettext_lazy("Perspective"), "level": gettext_lazy("Level"),
               "department": gettext_lazy("Department"),
               "baseline_value": gettext_lazy("Baseline value"),
               "target_value": gettext_lazy("Target value"),
               "start_date": gettext_lazy("Start date"), "due_date": gettext_lazy("Due date")}


class GoalForm(forms.Form):
    """Every field of a goal. Used for the save and for the live SMART check."""

    def __init__(self, *args, organization: Organization, goal: Goal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.goal = goal
        model_fields = fields_for_model(Goal, fields=MODEL_FIELDS, labels=GOAL_LABELS)
        model_fields["title"].widget.attrs["autocomplete"] = "off"
        model_fields["description"].label = gettext("Description: what exactly changes, for whom")
        model_fields["description"].help_text = ""  # the label says it already
        model_fields["description"].widget.attrs["rows"] = 3
        model_fields["why_it_matters"].label = gettext("Why it matters")
        model_fields["why_it_matters"].widget.attrs["rows"] = 2
        model_fields["department"].help_text = gettext("Optional: the department it belongs to.")
        for name in ("start_date", "due_date"):
            model_fields[name].widget = DATE
        cycles = selectors.open_cycles(organization=organization)
        statuses = [c for c in GoalStatus.choices if c[0] != GoalStatus.ARCHIVED
                    or (goal is not None and goal.status == GoalStatus.ARCHIVED)]
        metrics = Metric.objects.filter(organization=organization).order_by("name")
        if goal is None or not goal.metric_id:
            metrics = metrics.filter(archived_at=None)
        self.fields.update({
            "title": model_fields["title"],
            "description": model_fields["description"],
            "why_it_matters": model_fields["why_it_matters"],
            "cycle": forms.ModelChoiceField(queryset=cycles, empty_label=None,
                                            label=gettext("Cycle"),
                                            help_text=gettext("Closed cycles cannot take goals.")),
            "perspective": model_fields["perspective"],
            "level": model_fields["level"],
            "department": model_fields["department"],
            "parent": forms.ModelChoiceField(
                queryset=selectors.parent_choices(organization=organization, goal=goal),
                required=False, label=gettext("Parent goal"), empty_label=gettext("No parent goal"),
                help_text=gettext("The goal this one serves: strategic → departmental → "
                                  "operational.")),
            "owner": forms.ModelChoiceField(
                queryset=selectors.members_of(organization=organization), required=False,
                label=gettext("Owner"), empty_label=gettext("No owner yet")),
            "priority_rank": forms.TypedChoiceField(
                choices=PRIORITY_CHOICES, coerce=int, empty_value=None, required=False,
                label=gettext("Priority"),
                help_text=gettext("At most %(priority_goal_limit)s priority goals per cycle, one "
                                  "per rank.") % {"priority_goal_limit": PRIORITY_GOAL_LIMIT}),
            "metric": forms.ModelChoiceField(queryset=metrics, required=False,
                                             label=gettext("Metric"),
                                             empty_label=gettext("No metric yet"),
                                             help_text=gettext("The one metric that measures it.")),
            "baseline_value": model_fields["baseline_value"],
            "target_value": model_fields["target_value"],
            "start_date": model_fields["start_date"],
            "due_date": model_fields["due_date"],
            "confidence": forms.IntegerField(
                required=False, label=gettext("Confidence (%)"),
                help_text=gettext("How confident you are it is achievable, 0-100 %.")),
            "status": forms.ChoiceField(
                choices=statuses, initial=GoalStatus.DRAFT,
                help_text=gettext("A draft may be saved while it fails the SMART check.")),
        })
        self.fields["metric"].label_from_instance = (
            lambda m: f"{m.name} ({m.get_unit_display()}, {m.get_direction_display().lower()})")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["parent"].label_from_instance = lambda g: f"{g.title} ({g.cycle.name})"

    def clean_title(self):
        return (self.cleaned_data.get("title") or "").strip()

    def clean_confidence(self):
        confidence = self.cleaned_data.get("confidence")
        if confidence is not None and not 0 <= confidence <= 100:
            raise forms.ValidationError(gettext("Confidence is a percentage: enter 0 to 100."))
        return confidence

    def clean(self):
        cleaned = super().clean()
        start, due = cleaned.get("start_date"), cleaned.get("due_date")
        if start and due and due <= start:
            self._reversed_due_date = due  # add_error drops it; the SMART check still reads it
            self.add_error("due_date", gettext("The due date must come after the start date."))
        return cleaned

    def partial_values(self) -> dict:
        """The values that parsed, for the live SMART check of a half-filled form. A due date
        before the start date is kept, so the check says they are reversed rather than
        asking for dates that are there."""
        self.is_valid()
        values = dict(getattr(self, "cleaned_data", {}))
        reversed_due = getattr(self, "_reversed_due_date", None)
        if reversed_due is not None and values.get("due_date") is None:
            values["due_date"] = reversed_due
        return values


class GoalFilterForm(forms.Form):
    """The goals list's filters; they live in the URL so a filtered list can be shared."""

    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), required=False,
                                   empty_label=gettext_lazy("Every cycle"))
    perspective = forms.ChoiceField(choices=[("", "Every perspective")] + Perspective.choices,
                                    required=False)
    status = forms.ChoiceField(
        choices=[("", "All but archived")] + GoalStatus.choices, required=False)
    owner = forms.ModelChoiceField(queryset=Goal.objects.none(), required=False,
                                   empty_label=gettext_lazy("Anyone"))
    view = forms.ChoiceField(choices=[("list", "List"), ("tree", "Tree")], required=False,
                             label=gettext_lazy("Show as"))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = selectors.cycles_for(organization=organization)
        self.fields["owner"].queryset = selectors.members_of(organization=organization)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username

    def filters(self) -> selectors.GoalFilters:
        if not self.is_valid():
            return selectors.GoalFilters()
        data = self.cleaned_data
        return selectors.GoalFilters(
            cycle=data["cycle"].pk if data.get("cycle") else None,
            perspective=data.get("perspective") or "",
            status=data.get("status") or "",
            owner=data["owner"].pk if data.get("owner") else None,
        )


class CycleForm(forms.Form):
    """A custom planning period."""

    name = forms.CharField(max_length=60, help_text=gettext_lazy("For example “Spring launch "
                                                                 "2027”."))
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(widget=DATE)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", gettext("The cycle must end after it starts."))
        return cleaned


class ReviewForm(forms.Form):
    """Per goal an outcome and a note: fields outcome_<goal id> and note_<goal id>."""

    def __init__(self, *args, goals: list[Goal], outcomes: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            recorded = outcomes.get(goal.pk)
            self.fields[f"outcome_{goal.pk}"] = forms.ChoiceField(
                choices=[("", "Not decided yet")] + Outcome.choices, required=False,
                label=gettext("Outcome"), initial=recorded.outcome if recorded else "")
            self.fields[f"note_{goal.pk}"] = forms.CharField(
                required=False, label=gettext("Note"), widget=forms.Textarea(attrs={"rows": 2}),
                initial=recorded.note if recorded else "")

    def rows(self):
        """(goal, outcome field, note field) for the template."""
        return [(g, self[f"outcome_{g.pk}"], self[f"note_{g.pk}"]) for g in self.goals]

    def outcomes(self) -> dict[int, tuple[str, str]]:
        return {g.pk: (self.cleaned_data.get(f"outcome_{g.pk}") or "",
                       self.cleaned_data.get(f"note_{g.pk}") or "") for g in self.goals}
