"""Money, numbers and percentages in the reader's language: `{% load local_formats %}`, then
`{{ amount|money:organization.currency }}`, `{{ value|decimal:1 }}`, `{{ share|percent }}`."""

from django import template

from alignment_portal.lib import formats

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    return formats.money(amount, currency)


@register.filter
def money_whole(amount, currency: str = "") -> str:
    return formats.money(amount, currency, whole=True)


@register.filter
def decimal(value, digits: int = 2) -> str:
    return formats.decimal(value, int(digits))


@register.filter(name="percent_of")
def percent(fraction) -> str:
    """A fraction (0.8) as a percentage; named percent_of beside the ledger's own `percent`."""
    return formats.percent(fraction)
