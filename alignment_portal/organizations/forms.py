from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext, gettext_lazy

from alignment_portal.lib.text import single_line
from alignment_portal.organizations.models import Organization, Role, SecurityEventKind

User = get_user_model()


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "fiscal_year_start_month", "currency", "hour_value"]
        labels = {"name": gettext_lazy("Business name"),
                  "fiscal_year_start_month": gettext_lazy("Fiscal year starts in"),
                  "currency": gettext_lazy("Currency")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "hour_value" in self.fields:
            self.fields["hour_value"].widget.attrs.update(min=0, inputmode="decimal")
            currency = self.instance.currency if self.instance.pk else ""
            if currency:
                self.fields["hour_value"].label = (
                    gettext("Value of an hour of staff time (%(currency)s per hour)") % {
                        "currency": currency})

    def clean_hour_value(self):
        value = self.cleaned_data.get("hour_value")
        if value is not None and value < 0:
            raise forms.ValidationError(gettext("The value of an hour cannot be negative."))
        return value

    def _post_clean(self):
        # The service runs full_clean when it saves.
        pass

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(gettext("Use a three-letter currency code, like USD or "
                                                "EUR."))
        return currency


class SignUpForm(UserCreationForm):
    email = forms.EmailField(help_text=gettext_lazy("For password resets and invitations."))
    organization_name = forms.CharField(
        max_length=120, label=gettext_lazy("Your business"), required=False,
        validators=[single_line],
        help_text=gettext_lazy("Creates your first organization; you become its owner."))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def __init__(self, *args, require_organization=True, fixed_email=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The open sign-up never says an address is taken (services.sign_up_request mails
        # its owner instead); an invitation's address is known to the invited person already.
        self.check_email_taken = bool(fixed_email)
        self.fields["organization_name"].required = require_organization
        if not require_organization:
            del self.fields["organization_name"]
        if fixed_email:
            self.fields["email"].initial = fixed_email
            self.fields["email"].disabled = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if self.check_email_taken and User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                gettext("An account with this email exists already: sign in instead."))
        return email


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(choices=[], label=gettext_lazy("Role"))

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        # The least role is the safe default: inviting an owner by a slip is not undone
        # by a second click.
        if roles:
            self.fields["role"].initial = list(roles)[-1].value


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SecurityLogFilterForm(forms.Form):
    """The security log's filters; an invalid value is ignored (the whole log is shown)."""

    kind = forms.ChoiceField(label=gettext_lazy("Event"), required=False,
                             choices=[("", "All events"), *SecurityEventKind.choices])
    person = forms.CharField(label=gettext_lazy("Person (name contains)"), required=False,
                             max_length=150,
                             validators=[single_line])
    since = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label=gettext_lazy("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"kind": data["kind"], "person": data["person"].strip(),
                "since": data["since"], "until": data["until"]}


class LanguageForm(forms.Form):
    """The language a person reads the portal in; empty follows the browser."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False, widget=forms.RadioSelect,
        choices=[("", gettext_lazy("Your browser's language")), *settings.LANGUAGES])
