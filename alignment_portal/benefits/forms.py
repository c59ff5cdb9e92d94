"""Forms of the benefit ledger. Only shapes are checked here: what an entry may hold is decided
by benefits/validation.py, through the service, so the form, the CSV and the API agree."""

from django import forms
from django.utils.translation import gettext, gettext_lazy

from metrics.csv_import import parse_date
from metrics.forms import ImportForm  # noqa: F401  (the same upload form and limit)


class BenefitEntryForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"), max_length=20, widget=forms.TextInput(attrs={"type": "month"}),
        help_text=gettext_lazy("The month the benefit was realised in (YYYY-MM)."),
        error_messages={"required": gettext_lazy("Enter the month, like 2026-03.")})
    hours_saved = forms.CharField(
        label=gettext_lazy("Hours saved"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    money_gained = forms.CharField(
        label=gettext_lazy("Money gained"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=600,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "benefit-%s"
        if currency:
            self.fields["money_gained"].label = gettext("Money gained (%(currency)s)") % {
                "currency": currency}

    def clean_month(self):
        day = parse_date(self.cleaned_data["month"])
        if day is None:
            raise forms.ValidationError(gettext("Enter a month like 2026-03."))
        return day
