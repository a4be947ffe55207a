"""Times typed and shown for a schedule or a cycle are read and written on its own wall clock, named, whatever
TIME_ZONE is."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.admin_forms import WallClockField
from surveys.models import CycleSchedule, Person
from tests.factories import TeamFactory, manager_of, pulse_template
from tests.surveys.test_cadence import clock_changes

ZONES = ["Europe/Berlin", "Asia/Tokyo", "America/Santiago", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]


@pytest.fixture
def ada(client):
    """Ada is an admin by role."""
    user, _ = manager_of(TeamFactory(name="Ops"), email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


def schedule_data(**overrides) -> dict:
    data = {
        "name": "Pulse", "template": pulse_template().id, "cadence": "weekly", "first_opens_at": "2030-03-04T09:00",
        "time_zone": "UTC", "open_days": 7, "reminder_days": "2", "threshold": 5, "active": "on",
    }  # fmt: skip
    return data | overrides


@st.composite
def site_zones_and_walls(draw):
    """Return a site zone and a wall time, often one that zone skips or repeats."""
    site_zone = draw(st.sampled_from(ZONES))
    changes = clock_changes(site_zone)
    if changes and draw(st.booleans()):
        wall = draw(st.sampled_from(changes)) + timedelta(minutes=draw(st.integers(-90, 90)))
    else:
        wall = draw(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2031, 12, 31)))
    return site_zone, wall.replace(second=0, microsecond=0)


@settings(max_examples=300, deadline=None)
@given(site_zones_and_walls())
def test_a_typed_time_is_read_as_the_wall_time_typed_whatever_time_zone(found):
    site_zone, wall = found
    # whether the site's zone skips, repeats or has that time
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.TIME_ZONE", site_zone)
        assert WallClockField().clean(wall.strftime("%Y-%m-%dT%H:%M")) == wall


def test_a_typed_time_with_a_utc_offset_is_refused():
    with pytest.raises(Exception, match="without a UTC offset"):
        WallClockField().clean("2030-03-04T09:00+02:00")


@pytest.mark.django_db
def test_a_tokyo_schedule_at_a_time_berlin_repeats_is_saved_at_that_time_in_tokyo(client, ada, settings):
    settings.TIME_ZONE = "Europe/Berlin"  # 25 October 2026 02:30 happens twice in Berlin
    data = schedule_data(first_opens_at="2026-10-25T02:30", time_zone="Asia/Tokyo")
    assert client.post(reverse("surveys:manage_schedule_new"), data).status_code == 302
    schedule = CycleSchedule.objects.get()
    assert schedule.first_opens_at == datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.mark.django_db
def test_a_schedule_at_a_time_its_zone_skips_is_saved_and_kept_at_that_time(client, ada, settings, time_machine):
    # given: Berlin skips 02:30 on 29 March 2026
    time_machine.move_to(datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC")))
    settings.TIME_ZONE = "Europe/Berlin"
    data = schedule_data(first_opens_at="2026-03-29T02:30", time_zone="Europe/Berlin")

    # when
    assert client.post(reverse("surveys:manage_schedule_new"), data).status_code == 302

    # then: it opens at 03:30 that day, and the edit page shows the time typed
    schedule = CycleSchedule.objects.get()
    berlin = ZoneInfo("Europe/Berlin")
    assert schedule.first_opens_at.astimezone(berlin).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
    assert schedule.cycles.get().opens_at == schedule.first_opens_at
    page = client.get(reverse("surveys:manage_schedule", args=[schedule.id])).content.decode()
    assert 'value="2026-03-29T02:30"' in page
    assert schedule.first_opens_wall + timedelta(weeks=1) == datetime(2026, 4, 5, 2, 30)
