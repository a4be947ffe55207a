"""Figures on the pages, rounded by the one rule every table and CSV uses (`feedback.numbers`)."""

from django import template

from .. import numbers

register = template.Library()


@register.filter
def percent(share: float | None) -> int | str:
    """Return a share (0–1) as a whole percentage: `{{ rate|percent }}%`."""
    return "" if share is None else numbers.percent(share)


@register.filter
def share_of(count: int | None, total: int | None) -> int | str:
    """Return count / total as a whole percentage (0 of nobody is 0, as `widthratio` had it)."""
    if count is None or total is None:
        return ""
    return numbers.percent(count / total) if total else 0
