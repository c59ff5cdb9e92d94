"""Flags are stored as a code and params, said in the reader's language (scoring/wording.py).

The English text of the flags stored so far moves into their params under "legacy", which
wording.py shows as it is: an open flag until the next recompute rewrites it with params (its
params differ, so it is updated), a resolved one for good. Then the text columns go.
"""

from django.db import migrations, models


def text_to_params(apps, schema_editor):
    Flag = apps.get_model("scoring", "Flag")
    flags = list(Flag.objects.only("pk", "message", "suggested_fix"))
    for flag in flags:
        flag.params = {"legacy": {"message": flag.message, "suggested_fix": flag.suggested_fix}}
    Flag.objects.bulk_update(flags, ["params"], batch_size=1000)


def params_to_text(apps, schema_editor):
    """Back: the legacy text where there is one, else the English rendering of the params."""
    from django.utils import translation

    from alignment_portal.scoring import wording

    Flag = apps.get_model("scoring", "Flag")
    flags = list(Flag.objects.all())
    with translation.override("en"):
        for flag in flags:
            flag.message = wording.flag_message(flag.code, flag.params)
            flag.suggested_fix = wording.flag_fix(flag.code, flag.params, flag.subject_type)
    Flag.objects.bulk_update(flags, ["message", "suggested_fix"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0004_merge_20261201_2338"),
    ]

    operations = [
        migrations.AddField(model_name="flag", name="params",
                            field=models.JSONField(default=dict)),
        migrations.RunPython(text_to_params, params_to_text),
        migrations.RemoveField(model_name="flag", name="message"),
        migrations.RemoveField(model_name="flag", name="suggested_fix"),
    ]
