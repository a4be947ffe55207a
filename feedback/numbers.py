"""How a figure is shown: one rounding rule for every page, data table, CSV, PDF, email and API figure.

A figure is rounded half away from zero on its shortest decimal form (the `repr` a reader would see written
out): 3.125 is shown 3.13 and −3.125 is −3.13, whatever the binary float beneath holds. This is the rule of
Django's `floatformat` (a Decimal of the value's text, ROUND_HALF_UP), which the pages use, so a page and the
table or CSV beside it never disagree in the last digit (Python's `round` and format strings round half to
even on the binary value: 3.125 → 3.12, 0.285 → 0.28). A share is made a percentage in decimal, for the same
reason (100 × 0.285 is 28.499999999999996 as a float).
"""

from decimal import ROUND_HALF_UP, Decimal


def rounded(value: float, digits: int) -> Decimal:
    """Return a finite figure rounded to `digits` decimals by the shown rule."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def shown(value: float | None, digits: int = 2) -> float | None:
    """Return a figure as shown with `digits` decimals, as a float whose repr is those digits (None stays None)."""
    return None if value is None else float(rounded(value, digits)) + 0.0  # + 0.0: never "-0.0"


def percent(share: float | None, digits: int = 0) -> float | int | None:
    """Return a share (0–1) as a percentage shown with `digits` decimals; a whole number for 0 digits."""
    if share is None:
        return None
    value = (Decimal(repr(float(share))) * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(value) if digits == 0 else float(value)


def text(value: float, digits: int = 2, *, sign: bool = False) -> str:
    """Return a figure's text with exactly `digits` decimals by the shown rule ("+0.30" with `sign`)."""
    figure = rounded(value, digits)
    if figure == 0:
        figure = abs(figure)  # never "−0.00"
    return f"{figure:+f}" if sign else f"{figure:f}"
