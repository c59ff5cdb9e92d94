"""How a metric's numbers read on a page: a value as it was entered (5.9, not 5.900000) and a
unit in words a person uses (the organization's currency, not "currency")."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def plain_number(value):
    """5.900000 → 5.9, 12.000 → 12; up to 6 decimals, none that are trailing zeros."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return value
    text = format(number.normalize(), "f")
    decimals = len(text.partition(".")[2])
    return number_format(number, decimal_pos=decimals)


@register.filter
def unit_label(metric, currency: str = "") -> str:
    """The metric's unit as shown beside a number: the currency's code for money."""
    if metric is None:
        return ""
    if metric.unit == "currency" and currency:
        return currency
    return metric.unit
