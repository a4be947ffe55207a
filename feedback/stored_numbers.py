"""The one rule by which a number from outside (a CSV cell, an API value) becomes a stored value. Pure.

Metric values are stored as 64-bit floating point (`MetricValue.value` is a FloatField), which holds magnitudes
from about 5e-324 to 1.8e308 and keeps 15 to 17 significant digits. A number is stored only if the float is that
number as written: one beyond LARGEST (1e20) is refused, so no sum of values can overflow; one too close to zero
to be anything but 0 is refused (write 0 if it is 0); and one with more significant digits than a float keeps
(12345678901234567890 would be stored as 12345678901234567000) is refused with the nearest number that can be
stored — never rounded silently.

Exponents are read by `power`, whatever their length, and a number far beyond a float's range either way is built
as a stand-in (±1e1000 or ±1e-1000), so `1E999999999999999999999` and an exponent of 5,000 nines are refused as too
large instead of overflowing Decimal or Python's int().
"""

import math
from decimal import Decimal

# The largest magnitude a metric value may have: beyond any measure in any unit (a year of world output in cents
# is about 1e16), and small enough that a sum of values never overflows a float (1e308) into infinity, which
# dashboards would show as "inf". 1e308 was storable, and two of them summed to inf on the dashboard.
LARGEST = 1e20
# Far beyond a float's range (1e308 … 5e-324) yet well inside Decimal's, so comparing and formatting never traps.
FAR = 1000
# Python's int() reads at most 4,300 digits (sys.get_int_max_str_digits) and raises a plain ValueError beyond;
# an exponent with more significant digits than this is beyond every number a file or request can write.
EXPONENT_DIGITS = 18


class NumberError(ValueError):
    """The text is not one number that can be stored: the message says why, and how to write it."""


def power(text: str) -> int:
    """Return an exponent written as ASCII digits with at most one leading sign ("-5", "+0012", 5,000 nines).

    One with more than EXPONENT_DIGITS significant digits is returned as ±10^EXPONENT_DIGITS: no mantissa short
    enough to be read brings such a number within a float's range, so `exact` makes it a stand-in either way.
    """
    sign = "-" if text[:1] == "-" else ""
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > EXPONENT_DIGITS:
        digits = "1" + "0" * EXPONENT_DIGITS
    return int(sign + digits)


def exact(sign: str, mantissa: str, exponent: int) -> Decimal:
    """Return sign · mantissa · 10^exponent exactly, or a stand-in of the same sign beyond a float's range.

    mantissa is ASCII digits with at most one point ("123.45", ".5"); sign is "" or "-".
    """
    base = Decimal(f"{sign}{mantissa}")
    if not base:
        return Decimal(0)
    magnitude = base.adjusted() + exponent  # the power of ten of the first significant digit
    if magnitude > FAR:
        return Decimal(f"{sign}1e{FAR}")
    if magnitude < -FAR:
        return Decimal(f"{sign}1e-{FAR}")
    return Decimal(f"{sign}{mantissa}e{exponent}")


def number_text(value: float) -> str:
    """Return a float as plain text without grouping: 1250, 0.5, 1e+22."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def to_float(number: Decimal, raw: str) -> float:
    """Return the float stored for an exact number, or raise NumberError saying why it cannot be stored."""
    try:
        value = float(number)
    except OverflowError:  # not raised by CPython today (it gives inf), kept for safety
        value = math.inf
    if not math.isfinite(value) or abs(value) > LARGEST:
        raise NumberError(
            f"value “{raw}” is too large to store (a metric value is at most 1e20 either way, so that every sum "
            "and average of values stays a number)."
        )
    if value == 0 and number != 0:
        raise NumberError(
            f"value “{raw}” is too close to zero to store (the smallest is about 5e-324); write 0 if it is 0."
        )
    if Decimal(repr(value)) != number:
        raise NumberError(
            f"value “{raw}” has more significant digits than a stored number keeps (values are stored as floating "
            f"point, 15 to 17 significant digits): round it, for example to {number_text(value + 0.0)}."
        )
    return value + 0.0  # + 0.0: -0 is stored as 0
