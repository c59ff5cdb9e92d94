from django import forms
from django.utils.translation import gettext_lazy

from alignment_portal.consultants.logo import LOGO_MAX_BYTES
from alignment_portal.consultants.models import ConsultantProfile


class ProfileForm(forms.ModelForm):
    logo_upload = forms.FileField(
        required=False, label=gettext_lazy("Logo"),
        help_text=f"PNG, JPEG, GIF or WebP, up to {LOGO_MAX_BYTES // (1024 * 1024)} MB (SVG is "
                  "refused). Shown at most 600 × 200 pixels.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,"
                                                         "image/webp"}))
    remove_logo = forms.BooleanField(required=False, label=gettext_lazy("Remove the current logo"))

    class Meta:
        model = ConsultantProfile
        fields = ["firm_name", "contact_line"]

    def _post_clean(self):
        pass  # the service validates and saves
