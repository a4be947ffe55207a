"""Times of a cycle or schedule as its own wall clock shows them, the zone named: `{% load wall_clocks %}`,
then `{{ cycle.closes_at|on_clock:cycle.time_zone }}` ("29 Mar 2027, 09:00 CEST, Europe/Berlin") or
`{{ cycle.closes_at|day_on_clock:cycle.time_zone }}` ("29 March 2027").

A cycle's times are planned on its zone's clock; shown in TIME_ZONE, a Tokyo cycle's 09:00 reads as 02:00 and
nothing says so.

Month names and the order of day, month and year follow the active language (the formats are translated:
"2. Dez. 2026, 09:00 CET, Europe/Berlin" in German)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat
from django.utils.translation import pgettext

register = template.Library()


def time_on_clock(moment: datetime, time_zone: str) -> str:
    """Return a moment as date, time and zone on the zone's wall clock; the abbreviation tells apart the two
    times a clock shows twice when it goes back."""
    local = moment.astimezone(ZoneInfo(time_zone))
    shown = dateformat.format(local, pgettext("date and time format (Django's date syntax)", "j M Y, H:i"))
    abbreviation = local.tzname()
    return f"{shown} {time_zone}" if abbreviation == time_zone else f"{shown} {abbreviation}, {time_zone}"


def day_on_clock(moment: datetime, time_zone: str, format_string: str | None = None) -> str:
    """Return the date a moment falls on in a zone, by default as the active language writes a day ("j F Y")."""
    if format_string is None:
        format_string = pgettext("date format (Django's date syntax)", "j F Y")
    return dateformat.format(moment.astimezone(ZoneInfo(time_zone)), format_string)


@register.filter(name="on_clock")
def on_clock_filter(moment: datetime | None, time_zone: str) -> str:
    return "" if moment is None else time_on_clock(moment, time_zone)


@register.filter(name="day_on_clock")
def day_on_clock_filter(moment: datetime | None, time_zone: str) -> str:
    return "" if moment is None else day_on_clock(moment, time_zone)
