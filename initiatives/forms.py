"""Forms of the initiatives app. Every choice field lists only the organization's records, so a
forged id of another organization is refused as "not one of the available choices"."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from goals.models import Goal, GoalStatus
from initiatives.models import (
    MAX_RAMP_UP_PERIODS,
    AlignmentLink,
    BillingPeriod,
    Contribution,
    Initiative,
    InitiativeStatus,
    MeasurementLink,
    MetricRole,
    Tool,
    ToolStatus,
)
from metrics.models import Metric

User = get_user_model()

NOT_NEGATIVE = "Costs and hours cannot be negative."


def members_of(organization):
    return User.objects.filter(memberships__organization=organization).order_by("username")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Goals of several cycles (and achieved ones) are listed: each says which it is.
        facts = [obj.cycle.name] + ([] if obj.status == GoalStatus.ACTIVE
                                    else [obj.get_status_display()])
        rank = f"#{obj.priority_rank} " if obj.priority_rank else ""
        return f"{rank}{obj.title} ({', '.join(facts)})"


def goals_of(organization):
    # Active goals first; drafts next, so a plan can be linked before it starts.
    return (Goal.objects.filter(organization=organization).select_related("cycle")
            .exclude(status=GoalStatus.ARCHIVED)
            .order_by("status", "-cycle__start_date", "priority_rank", "title"))


class InitiativeForm(forms.ModelForm):
    owner = OwnerChoiceField(queryset=User.objects.none(), required=False,
                             label=gettext_lazy("Owner"))
    tools = forms.ModelMultipleChoiceField(
        queryset=Tool.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tools of this organization's inventory that the initiative uses."))

    class Meta:
        model = Initiative
        fields = ["name", "description", "process", "department", "tools", "owner", "status",
                  "start_date", "go_live_date", "ramp_up_periods", "one_time_cost", "monthly_cost",
                  "hours_saved_per_month", "expected_money_per_month", "impact", "effort",
                  "automation_level"]
        labels = {"name": gettext_lazy("Name"), "description": gettext_lazy("Description"),
                  "process": gettext_lazy("Business process it changes"),
                  "department": gettext_lazy("Department"), "status": gettext_lazy("Status"),
                  "start_date": gettext_lazy("Start date"),
                  "go_live_date": gettext_lazy("Go-live date"),
                  "ramp_up_periods": gettext_lazy("Ramp-up periods after go-live"),
                  "one_time_cost": gettext_lazy("One time cost"),
                  "monthly_cost": gettext_lazy("Monthly cost"),
                  "hours_saved_per_month": gettext_lazy("Hours saved per month (expected)"),
                  "expected_money_per_month": gettext_lazy("Money gained per month (expected)"),
                  "impact": gettext_lazy("Impact (1-5)"), "effort": gettext_lazy("Effort (1-5)"),
                  "automation_level": gettext_lazy("Automation level")}
        help_texts = {"impact": gettext_lazy("1 barely noticeable, 5 transforms the business."),
                      "effort": gettext_lazy("1 an afternoon, 5 a major project."),
                      "monthly_cost": gettext_lazy("Running cost per month, tools included."),
                      "one_time_cost": "Setup, licences bought once, consultants.",
                      "expected_money_per_month": "Extra revenue or savings it should bring "
                                                  "each month, besides staff hours."}
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}),
                   "go_live_date": forms.DateInput(attrs={"type": "date"}),
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        tools = Tool.objects.filter(organization=organization)
        if self.instance.pk:  # keep a retired tool the initiative still lists
            tools = tools.exclude(status=ToolStatus.RETIRED) | tools.filter(
                initiatives=self.instance)
        else:
            tools = tools.exclude(status=ToolStatus.RETIRED)
        self.fields["tools"].queryset = tools.distinct().order_by("category", "name")
        self.fields["owner"].queryset = members_of(organization)
        for name in ["impact", "effort"]:
            self.fields[name].min_value = 1
            self.fields[name].max_value = 5
            self.fields[name].widget.attrs.update(min=1, max=5)
        for name in ["one_time_cost", "monthly_cost", "hours_saved_per_month",
                     "expected_money_per_month"]:
            self.fields[name].widget.attrs["min"] = 0
        ramp_up = self.fields["ramp_up_periods"]
        ramp_up.required = False  # empty means none (forms and clients that predate it)
        ramp_up.validators = []  # clean() says the range in words
        ramp_up.widget.attrs.update(min=0, max=MAX_RAMP_UP_PERIODS)
        # Optional (DOMAIN.md, "Benefit ledger"): left empty, it is none.
        self.fields["expected_money_per_month"].required = False

    def clean(self):
        cleaned = super().clean()
        for name in ["one_time_cost", "monthly_cost", "hours_saved_per_month",
                     "expected_money_per_month"]:
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, NOT_NEGATIVE)
        for name in ["impact", "effort"]:
            value = cleaned.get(name)
            if value is not None and not 1 <= value <= 5:
                self.add_error(name, gettext("%(capitalize)s is a score from 1 to 5.") % {
                    "capitalize": name.capitalize()})
        ramp_up = cleaned.get("ramp_up_periods")
        if ramp_up is None and "ramp_up_periods" not in self.errors:
            cleaned["ramp_up_periods"] = 0
        elif ramp_up is not None and not 0 <= ramp_up <= MAX_RAMP_UP_PERIODS:
            self.add_error("ramp_up_periods",
                           gettext("Ramp-up is a number of periods from 0 to "
                                   "%(max_ramp_up_periods)s.") % {
                                       "max_ramp_up_periods": MAX_RAMP_UP_PERIODS})
        if "expected_money_per_month" in cleaned and cleaned["expected_money_per_month"] is None:
            cleaned["expected_money_per_month"] = Decimal(0)
        start, go_live = cleaned.get("start_date"), cleaned.get("go_live_date")
        if start and go_live and go_live < start:
            self.add_error("go_live_date", gettext("The go-live date cannot be before the start "
                                                   "date."))
        return cleaned

    def _post_clean(self):
        # The service runs the model's full_clean (and its constraints) when it saves; running
        # it here too would repeat the constraint messages in a less friendly wording.
        pass

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("tools", None)
        return data


class ToolForm(forms.ModelForm):
    owner = OwnerChoiceField(queryset=User.objects.none(), required=False,
                             label=gettext_lazy("Owner"))

    class Meta:
        model = Tool
        fields = ["name", "vendor", "category", "monthly_cost", "seats", "integration", "owner",
                  "status", "renewal_date", "billing_period", "notice_period_days"]
        labels = {"name": gettext_lazy("Name"), "vendor": gettext_lazy("Vendor"),
                  "category": gettext_lazy("Category"),
                  "monthly_cost": gettext_lazy("Monthly cost"),
                  "integration": gettext_lazy("Integration"), "status": gettext_lazy("Status"),
                  "renewal_date": gettext_lazy("Renewal date"),
                  "billing_period": gettext_lazy("Billing period")}
        help_texts = {"monthly_cost": gettext_lazy("What the subscription costs per month, all "
                                                   "seats (an annual plan: its yearly price "
                                                   "÷ 12).")}
        widgets = {"renewal_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner"].queryset = members_of(organization)
        self.fields["monthly_cost"].widget.attrs["min"] = 0
        self.fields["notice_period_days"].widget.attrs.update({"min": 0, "max": 730})
        # Renewal terms are optional: a form (or a script) that leaves them out keeps a
        # monthly plan with no notice period.
        self.fields["billing_period"].required = False
        self.fields["notice_period_days"].required = False

    def clean_billing_period(self):
        return self.cleaned_data.get("billing_period") or BillingPeriod.MONTHLY

    def clean_notice_period_days(self):
        value = self.cleaned_data.get("notice_period_days")
        return 0 if value is None else value

    def clean_monthly_cost(self):
        value = self.cleaned_data["monthly_cost"]
        if value is not None and value < 0:
            raise forms.ValidationError(gettext("The monthly cost cannot be negative."))
        return value

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Tool.objects.filter(organization=self.organization, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(gettext("The inventory has a tool of this name already."))
        return name

    def _post_clean(self):
        pass  # the service validates the model (see InitiativeForm._post_clean)


class AlignmentLinkForm(forms.Form):
    """An initiative serves a goal. Seen from an initiative, the goal is chosen; seen from a
    goal, the initiative is; in the matrix both are fixed by the cell."""

    initiative = forms.ModelChoiceField(queryset=Initiative.objects.none())
    goal = GoalChoiceField(queryset=Goal.objects.none(), label=gettext_lazy("Serves goal"))
    contribution = forms.ChoiceField(
        choices=Contribution.choices, label=gettext_lazy("Contribution"),
        help_text=gettext_lazy("Primary: the goal is why it exists. Supporting: it helps. "
                               "Indirect: it helps something that helps."))
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Rationale"),
        help_text=gettext_lazy("How will this move the goal?"),
        error_messages={"required": gettext_lazy("Say how this initiative will move the goal: a "
                                                 "link needs a rationale.")})
    expected_effect = forms.CharField(
        required=False, max_length=200, label=gettext_lazy("Expected effect (optional)"),
        help_text=gettext_lazy("The change you expect in the goal's metric, e.g. “−5 minutes "
                               "wait at peak”."))

    def __init__(self, *args, organization, initiative=None, goal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["initiative"].queryset = Initiative.objects.filter(
            organization=organization).exclude(status=InitiativeStatus.RETIRED)
        self.fields["goal"].queryset = goals_of(organization)
        # The side that is fixed by the page is not a field at all: nothing to forge.
        if initiative is not None:
            del self.fields["initiative"]
        if goal is not None:
            del self.fields["goal"]
        self.fixed = {"initiative": initiative, "goal": goal}

    @classmethod
    def for_link(cls, link: AlignmentLink, data=None, **kwargs):
        return cls(data, organization=link.organization, initiative=link.initiative,
                   goal=link.goal, initial={"contribution": link.contribution,
                                            "rationale": link.rationale,
                                            "expected_effect": link.expected_effect}, **kwargs)

    def link_fields(self) -> dict:
        data = {**self.cleaned_data}
        for side, record in self.fixed.items():
            if record is not None:
                data[side] = record
        return data


class MeasurementLinkForm(forms.Form):
    metric = forms.ModelChoiceField(queryset=Metric.objects.none(), label=gettext_lazy("Metric"))
    role = forms.ChoiceField(
        choices=MetricRole.choices, label=gettext_lazy("Role for this initiative"),
        help_text=gettext_lazy("Outcome: the result it should move. Activity: how much it does."))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = Metric.objects.filter(
            organization=organization).active()


class MeasurementRoleForm(forms.ModelForm):
    class Meta:
        model = MeasurementLink
        fields = ["role"]

    def _post_clean(self):
        pass  # the service validates


SORTS = {
    "name": gettext_lazy("Name"), "status": gettext_lazy("Status"),
    "department": gettext_lazy("Department"), "impact": gettext_lazy("Impact"),
    "effort": gettext_lazy("Effort"), "monthly_cost": gettext_lazy("Monthly cost"),
    "go_live_date": gettext_lazy("Go-live"), "alignment_score": gettext_lazy("Alignment score"),
    "priority_score": gettext_lazy("Priority score"),
}


class InitiativeFilterForm(forms.Form):
    """The list's filters; they live in the URL, so a filtered list can be shared."""

    q = forms.CharField(required=False, label=gettext_lazy("Name contains"))
    status = forms.ChoiceField(required=False, label=gettext_lazy("Status"),
                               choices=[("", gettext_lazy("Any status")),
                                        ("active", gettext_lazy("Any active"))]
                               + list(InitiativeStatus.choices))
    department = forms.ChoiceField(required=False, choices=[], label=gettext_lazy("Department"))
    tool = forms.ModelChoiceField(queryset=Tool.objects.none(), required=False,
                                  label=gettext_lazy("Tool"),
                                  empty_label=gettext_lazy("Any tool"))
    goal = GoalChoiceField(queryset=Goal.objects.none(), required=False,
                           empty_label=gettext_lazy("Any goal or none"),
                           label=gettext_lazy("Serves goal"))
    flag = forms.ChoiceField(required=False, choices=[], label=gettext_lazy("Open flag"))
    sort = forms.ChoiceField(required=False, label=gettext_lazy("Sort"), choices=[
        (f"{sign}{key}", format_lazy(gettext_lazy("{label} (descending)") if sign
                                     else gettext_lazy("{label} (ascending)"), label=label))
        for key, label in SORTS.items() for sign in ("", "-")])

    def __init__(self, *args, organization, departments, flag_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", gettext("Any department"))] + [
            (d, d) for d in departments]
        # Only the codes open on an initiative now (initiatives.selectors).
        self.fields["flag"].choices = [("", gettext("Any or none"))] + list(flag_choices)
        self.fields["tool"].queryset = Tool.objects.filter(organization=organization)
        self.fields["goal"].queryset = Goal.objects.filter(
            organization=organization).select_related("cycle").order_by(
            "status", "priority_rank", "title")

    def filters(self) -> dict:
        """The valid filters; an invalid one (a forged id) is left out and shown as an error."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}
