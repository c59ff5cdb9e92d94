from django import forms
from django.utils.translation import gettext_lazy

from alignment_portal.lib.text import DESCRIPTION_MAX_LENGTH, multi_line, single_line
from alignment_portal.organizations.forms import OrganizationForm


class PlaybookSaveForm(forms.Form):
    """Which records of the organization go into the playbook. Every section's records are
    offered (all ticked to start with); links and money are choices of their own."""

    name = forms.CharField(max_length=120, validators=[single_line], label=gettext_lazy("Playbook "
                                                                                        "name"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=DESCRIPTION_MAX_LENGTH, validators=[multi_line],
                                  help_text=gettext_lazy("What it is for, e.g. “a small shop's "
                                                         "morning rush”."))
    goals = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           label=gettext_lazy("Goals (as templates: no baseline, "
                                                              "target, dates, owner or rank)"))
    metrics = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple,
                                             label=gettext_lazy("Metric definitions (no values)"))
    initiatives = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                                 widget=forms.CheckboxSelectMultiple,
                                                 label=gettext_lazy("Initiatives (no status, "
                                                                    "dates or owner)"))
    tools = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           label=gettext_lazy("Tools (no seats or owner)"))
    include_links = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Their links"),
        help_text=gettext_lazy("Which goal each initiative serves (with its rationale) and which "
                               "metric measures it, between the records ticked above."))
    include_money = forms.BooleanField(
        required=False, initial=False, label=gettext_lazy("Money"),
        help_text=gettext_lazy("Costs of tools and initiatives, and the hours and money they are "
                               "expected to save. Left out unless ticked: another client's "
                               "prices rarely fit."))

    def __init__(self, *args, offer, **kwargs):
        super().__init__(*args, **kwargs)
        for section in ("goals", "metrics", "initiatives", "tools"):
            choices = getattr(offer, section)
            self.fields[section].choices = choices
            self.fields[section].initial = [pk for pk, _ in choices]


class PlaybookEditForm(forms.Form):
    name = forms.CharField(max_length=120, validators=[single_line], label=gettext_lazy("Playbook "
                                                                                        "name"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=DESCRIPTION_MAX_LENGTH, validators=[multi_line])


NEW_CYCLE = "new"


class ApplyForm(forms.Form):
    cycle = forms.ChoiceField(label=gettext_lazy("Goals land as drafts in"),
                              help_text=gettext_lazy("An open cycle of this organization, or a "
                                                     "new one."))
    digest = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, cycles, new_cycle_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.cycles = {str(c.pk): c for c in cycles}
        self.fields["cycle"].choices = (
            [(str(c.pk), f"{c.name} ({c.get_state_display().lower()})") for c in cycles]
            + [(NEW_CYCLE, f"A new cycle: {new_cycle_name}")])

    def chosen_cycle(self):
        """The Cycle chosen, or None for a new one."""
        return self.cycles.get(self.cleaned_data["cycle"])


class NewClientForm(OrganizationForm):
    class Meta(OrganizationForm.Meta):
        fields = ["name", "fiscal_year_start_month", "currency"]
        labels = {"name": "Client business name",
                  "fiscal_year_start_month": "Fiscal year starts in"}
