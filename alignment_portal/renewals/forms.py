from django import forms
from django.utils.translation import gettext_lazy


class SeatCountForm(forms.Form):
    month = forms.DateField(widget=forms.DateInput(attrs={"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"],
                            help_text=gettext_lazy("The month counted, e.g. 2026-11."))
    seats_used = forms.CharField(label=gettext_lazy("Seats in use"), max_length=30,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    note = forms.CharField(required=False, max_length=500)
