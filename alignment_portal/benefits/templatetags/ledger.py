"""Filters for the benefit ledger's figures."""

from django import template

register = template.Library()


@register.filter
def percent(fraction) -> str:
    """A fraction as a whole percentage ("80 %"); an en dash for None."""
    if fraction is None:
        return "–"
    return f"{float(fraction) * 100:.0f} %"
