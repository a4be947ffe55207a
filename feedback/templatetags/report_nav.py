"""What the site's navigation offers a login: `{% load report_nav %}`, then `{% if user|opens_reports %}`."""

from django import template

from .. import selectors

register = template.Library()


@register.filter
def opens_reports(user) -> bool:
    """Return whether the login may open any team report or the dashboard (else both would answer 404): the
    same scope the report views read, so the navigation never offers a page its role cannot open."""
    return selectors.teams_visible_to(user=user).exists()
