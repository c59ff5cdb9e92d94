"""Numbers and money as the reader writes them: "1.234,50 €" in German, "€1,234.50" in English.

Django's own formats (floatformat, number_format, the date filter) already follow the active
language; money needs the currency's symbol and its place, which Babel knows (CLDR data).
"""

from copy import copy
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils.translation import get_language, to_locale


def current_locale() -> str:
    """The active language as a Babel locale ("de", "en")."""
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(amount, currency: str, *, locale: str | None = None, whole: bool = False) -> str:
    """An amount in a currency, e.g. money(1234.5, "EUR") → "€1,234.50" (en), "1.234,50 €" (de).
    An en dash for nothing; `whole` drops the cents ("€1,235")."""
    number = _decimal(amount)
    if number is None:
        return "–"
    locale = locale or current_locale()
    if not whole:
        return format_currency(number, currency or "USD", locale=locale)
    pattern = copy(Locale.parse(locale).currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern.apply(number.quantize(Decimal(1), rounding=ROUND_HALF_UP), locale,
                         currency=currency or "USD", currency_digits=False)


def decimal(value, digits: int = 2, *, locale: str | None = None) -> str:
    """A number with up to `digits` decimals in the reader's locale ("1.234,5" in German)."""
    number = _decimal(value)
    if number is None:
        return "–"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(number, format=pattern, locale=locale or current_locale())


def percent(fraction, *, locale: str | None = None) -> str:
    """A fraction as a whole percentage ("80 %" in German, "80%" in English)."""
    number = _decimal(fraction)
    if number is None:
        return "–"
    return format_percent(number, locale=locale or current_locale())


def local_digits(text: str, *, locale: str | None = None) -> str:
    """A number already written the English way ("1,234.50", "p = 0.012", "80%") with the
    reader's decimal and group signs: "1.234,50" in German. English text comes back as it is,
    so sentences built with Python's format specs keep their exact English wording."""
    locale = locale or current_locale()
    if locale.startswith("en"):
        return text
    symbols = Locale.parse(locale).number_symbols["latn"]
    return text.translate({ord(","): "\x00", ord("."): symbols["decimal"]}).replace(
        "\x00", symbols["group"])
