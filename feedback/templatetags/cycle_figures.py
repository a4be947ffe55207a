"""A group's figure in the cycle a heading names (`feedback.selectors.summary.figure_in_cycle`)."""

from django import template

from ..selectors.summary import CycleFigure, figure_in_cycle

register = template.Library()


@register.filter
def in_cycle(trend, cycle) -> CycleFigure:
    """Return a trend's figure in `cycle`: `{% with figure=trend|in_cycle:board.heat_cycle %}`."""
    return figure_in_cycle(trend, cycle)
