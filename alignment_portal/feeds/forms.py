from django import forms
from django.utils.translation import gettext, gettext_lazy

from alignment_portal.feeds.models import Format, Kind, Schedule

MAP_BY_NAME = ""  # the select's value for "match the metric of the same name"
MAP_IGNORE = "ignore"
SAMPLE_MAX_CHARS = 200_000


class FeedForm(forms.Form):
    """A feed's set-up. What a URL may be is decided by services.check_pull_url; the mapping
    comes from the preview's rows (see mapping_from_post)."""

    name = forms.CharField(max_length=80, help_text=gettext_lazy("What it is, e.g. 'Till export'."))
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.PULL, widget=forms.RadioSelect)
    url = forms.CharField(label=gettext_lazy("Address (pull)"), required=False, max_length=2000,
                          help_text=gettext_lazy("https://… of a CSV or JSON file, e.g. a Google "
                                                 "Sheet published as CSV (File → Share → Publish "
                                                 "to web → CSV)."),
                          widget=forms.URLInput(attrs={"inputmode": "url"}))
    schedule = forms.ChoiceField(choices=Schedule.choices, initial=Schedule.DAILY,
                                 label=gettext_lazy("Schedule"))
    daily_hour = forms.TypedChoiceField(
        label=gettext_lazy("Hour (daily)"), coerce=int, initial=6,
        choices=[(h, f"{h:02d}:00") for h in range(24)])
    format = forms.ChoiceField(choices=Format.choices, initial=Format.AUTO,
                               label=gettext_lazy("Format"))
    all_or_nothing = forms.BooleanField(
        required=False, label=gettext_lazy("All or nothing"),
        help_text=gettext_lazy("Store nothing from a run in which any row is refused."))
    signing_secret = forms.CharField(
        label=gettext_lazy("Signing secret (push, optional)"), required=False, max_length=200,
        help_text=gettext_lazy("If set, every post must carry the header X-Feed-Signature: "
                               "sha256= followed by the hex HMAC-SHA256 of the body with this "
                               "secret."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    sample = forms.CharField(
        label=gettext_lazy("Sample (push, optional)"), required=False, max_length=SAMPLE_MAX_CHARS,
        help_text=gettext_lazy("Paste what your automation will post (CSV or JSON) to preview it "
                               "and map its names to metrics."),
        widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or self.initial.get("kind")
        if kind == Kind.PULL and not (data.get("url") or "").strip():
            self.add_error("url", gettext("A pull feed needs the address of its file."))
        return data


def mapping_from_post(post) -> dict[str, int | None] | None:
    """The mapping table's rows (map-N-name, map-N-metric) as {name: id or None}; names left
    on "match by name" are not stored. None when the form had no mapping table."""
    if "map-count" not in post:
        return None
    try:
        count = min(int(post.get("map-count") or 0), 500)
    except ValueError:
        return None
    mapping = {}
    for index in range(count):
        name = (post.get(f"map-{index}-name") or "").strip()
        choice = (post.get(f"map-{index}-metric") or "").strip()
        if not name or choice == MAP_BY_NAME:
            continue
        if choice == MAP_IGNORE:
            mapping[name] = None
        elif choice.isdigit():
            mapping[name] = int(choice)
    return mapping
