"""`{% record_url "metrics:detail" organization.slug metric.pk %}`: the same path as `{% url %}`
for a route of one organization and one record id, without a reverse() per row
(alignment_portal.lib.urls)."""

from django import template

from alignment_portal.lib.urls import record_path

register = template.Library()


@register.simple_tag
def record_url(name: str, slug: str, record_id) -> str:
    return record_path(name, slug, record_id)
