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


@register.filter
def scale_for(scales: dict | None, dimension_id: int):
    """Return a dimension's `surveys.scales.Scale` from a view's `scales` (`dimension_scales`), or None:
    `{% with scale=scales|scale_for:cell.dimension.id %}`."""
    return (scales or {}).get(dimension_id)


@register.filter
def scale_suffix(scale) -> str:
    """Return " (1–7)" for a `surveys.scales.Scale` (its range written after a figure), "" for None."""
    return f" ({scale.range_text})" if scale else ""
