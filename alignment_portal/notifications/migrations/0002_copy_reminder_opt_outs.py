"""The old daily reminder's opt-out (Membership.email_reminders off) becomes preferences: the
"value due" and "overdue" emails off for that person in that organization. Backwards, a
membership with either off gets email_reminders off again."""

from django.db import migrations

REMINDER_KINDS = ["value_due", "value_overdue"]


def copy_opt_outs(apps, schema_editor):
    Membership = apps.get_model("organizations", "Membership")
    Preference = apps.get_model("notifications", "Preference")
    Preference.objects.bulk_create([
        Preference(user_id=user_id, organization_id=organization_id, kind=kind,
                   channel="email", enabled=False)
        for user_id, organization_id in Membership.objects.filter(
            email_reminders=False).values_list("user_id", "organization_id")
        for kind in REMINDER_KINDS], ignore_conflicts=True)


def restore_opt_outs(apps, schema_editor):
    Membership = apps.get_model("organizations", "Membership")
    Preference = apps.get_model("notifications", "Preference")
    for user_id, organization_id in Preference.objects.filter(
            kind__in=REMINDER_KINDS, channel="email", enabled=False).values_list(
            "user_id", "organization_id").distinct():
        Membership.objects.filter(user_id=user_id, organization_id=organization_id).update(
            email_reminders=False)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_notification_models_and_preferences'),
        ('organizations', '0003_recompute_claims'),
    ]

    operations = [
        migrations.RunPython(copy_opt_outs, restore_opt_outs),
    ]
