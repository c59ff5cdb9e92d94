"""`{% record_url "metrics:detail" organization.slug metric.pk %}`: the same path as `{% url %}`
for a route of one organization and one record id, without a reverse() per row
(alignment_portal.lib.urls). `{% route_url "goals:list" organization.slug %}`: the same path
as `{% url %}` for a route with no arguments or only the organization's slug, reversed once
per route and slug (the header's links on every page)."""

from django import template

from alignment_portal.lib.urls import record_path, route_path

register = template.Library()


@register.simple_tag
def record_url(name: str, slug: str, record_id) -> str:
    return record_path(name, slug, record_id)


@register.simple_tag
def route_url(name: str, *args) -> str:
    return route_path(name, *(str(arg) for arg in args))
