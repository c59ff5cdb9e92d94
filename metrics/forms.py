from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext, gettext_lazy

from metrics.csv_import import MAX_BYTES
from metrics.models import Metric

User = get_user_model()


class MetricForm(forms.ModelForm):
    class Meta:
        model = Metric
        fields = ["name", "definition", "kind", "nature", "level", "unit", "direction",
                  "frequency", "owner", "source"]
        labels = {"name": gettext_lazy("Name"), "definition": gettext_lazy("Definition"),
                  "kind": gettext_lazy("Kind"), "nature": gettext_lazy("Nature"),
                  "level": gettext_lazy("Level"), "unit": gettext_lazy("Unit"),
                  "direction": gettext_lazy("Direction"), "frequency": gettext_lazy("Frequency"),
                  "owner": gettext_lazy("Owner"), "source": gettext_lazy("Source")}
        widgets = {"definition": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner"].queryset = User.objects.filter(
            memberships__organization=organization).order_by("username")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.instance.organization = organization

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Metric.objects.filter(organization=self.organization, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(gettext("Another metric of this organization has this "
                                                "name."))
        return name


class LogValueForm(forms.Form):
    """One row of the "Log values" page. Only shapes are checked here: what a value may be is
    decided by metrics/validation.py, through the service."""

    period = forms.DateField(label=gettext_lazy("Period (any day in it)"), widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"), error_messages={
        "required": gettext_lazy("Enter the date of the period."),
        "invalid": gettext_lazy("Enter a date like 2026-03-01.")})
    value = forms.CharField(label=gettext_lazy("Value"), required=False, max_length=60,
                            widget=forms.TextInput(attrs={
                                "inputmode": "decimal", "autocomplete": "off",
                                "class": "log-value", "size": 10}))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=600,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, metric, **kwargs):
        super().__init__(*args, **kwargs)
        self.metric = metric
        self.auto_id = f"m{metric.pk}-%s"


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"),
                           help_text=gettext_lazy("Up to 5 MB and 100,000 rows."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                gettext("The file is %(value)s MB; the limit is 5 MB. Split it into smaller "
                        "files.") % {"value": f"{upload.size / 1_048_576:.1f}"})
        return upload
