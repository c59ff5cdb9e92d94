from django import forms
from django.utils.translation import gettext_lazy

from alignment_portal.notifications.models import WEEKDAY_CHOICES
from alignment_portal.notifications.rules import KIND_LABELS, WEBHOOK_KINDS


class OrganizationNotificationsForm(forms.Form):
    """The owner's page: the digest day and the Slack or Teams channel. The webhook URL is
    never shown back: an empty field keeps the stored one."""

    digest_weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekly digest day"), choices=WEEKDAY_CHOICES, coerce=int,
        help_text=gettext_lazy("Each person's weekly digest goes out on this day (a "
                               "consultant's, covering all their clients, on the earliest day "
                               "any of them chose)."))
    platform = forms.ChoiceField(
        label=gettext_lazy("Chat platform"), required=False,
        choices=[("", "None"), ("slack", "Slack"), ("teams", "Microsoft Teams")])
    webhook_url = forms.CharField(
        label=gettext_lazy("Incoming-webhook URL"), required=False, max_length=2000, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Paste it from Slack (Incoming Webhooks) or Teams (Workflows). It "
                               "is stored encrypted and never shown again; leave empty to keep "
                               "the one saved."))
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Events to post"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(k.value, KIND_LABELS[k]) for k in WEBHOOK_KINDS])
    include_values = forms.BooleanField(
        label=gettext_lazy("Include the numbers (metric values, flag details) in channel messages"),
        required=False)
