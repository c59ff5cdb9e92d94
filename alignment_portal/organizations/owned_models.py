"""Which tables hold an organization's rows: every model with an `organization` foreign key
(found, not listed, so a model added later is covered), and the order that deletes them
without tripping a PROTECT foreign key."""

from django.apps import apps
from django.db import models

from alignment_portal.organizations.models import Organization


def organization_models() -> list[type[models.Model]]:
    """Every model whose rows belong to one organization (history tables included), by
    label."""
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is not None and field.is_relation and field.related_model is Organization:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def deletion_order() -> list[type[models.Model]]:
    """organization_models() ordered so a model that PROTECTs a reference to another comes
    before it (a goal before its cycle, an outcome before its goal)."""
    owned = organization_models()
    before = {model: set() for model in owned}  # model -> models to delete before it
    for model in owned:
        for field in model._meta.concrete_fields:
            if (field.is_relation and field.related_model in before
                    and field.remote_field.on_delete in (models.PROTECT, models.RESTRICT)):
                before[field.related_model].add(model)
    ordered, placed = [], set()
    while len(ordered) < len(owned):
        ready = [m for m in owned if m not in placed and before[m] <= placed]
        if not ready:  # a cycle of PROTECTs: leave the rest to the cascade
            ready = [m for m in owned if m not in placed]
        for model in ready:
            ordered.append(model)
            placed.add(model)
    return ordered
