"""Times typed and shown for a schedule or a cycle are read and written on its own wall clock, named, whatever
TIME_ZONE is."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.admin_forms import ExtendForm, WallClockField
from surveys.emails import survey_link_message
from surveys.models import Cycle, CycleSchedule, Invitation
from surveys.templatetags.wall_clocks import time_on_clock
from tests.factories import CycleFactory, PersonFactory, pulse_template
from tests.surveys.test_cadence import clock_changes, happens_at

ZONES = ["Europe/Berlin", "Asia/Tokyo", "America/Santiago", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]


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


# Cycles: shown and typed on the cycle's own clock, the zone named.

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def tokyo_cycle(settings):
    """A Tokyo cycle closing 10 March 2030 at 09:00 Tokyo (01:00 in Berlin, 00:00 UTC), on a Berlin site."""
    settings.TIME_ZONE = "Europe/Berlin"
    opens = datetime(2030, 3, 3, 9, 0, tzinfo=TOKYO)
    cycle = CycleFactory(opens_at=opens, closes_at=opens + timedelta(days=7))
    Cycle.objects.filter(id=cycle.id).update(time_zone="Asia/Tokyo")
    cycle.refresh_from_db()
    return cycle


@pytest.mark.django_db
def test_the_cycle_pages_show_its_times_on_its_own_clock_with_the_zone_named(client, ada, tokyo_cycle):
    detail = client.get(reverse("surveys:manage_cycle", args=[tokyo_cycle.id])).content.decode()
    assert "opens 3 Mar 2030, 09:00 JST, Asia/Tokyo · closes 10 Mar 2030, 09:00 JST, Asia/Tokyo" in detail
    assert 'value="2030-03-10T09:00"' in detail and "New closing time (Asia/Tokyo)" in detail
    for page in ("surveys:manage_cycles", "surveys:manage"):  # the overview lists when it opens
        assert "3 Mar 2030, 09:00 JST, Asia/Tokyo" in client.get(reverse(page)).content.decode()


@pytest.mark.django_db
def test_extend_reads_the_new_closing_time_on_the_cycles_clock(client, ada, tokyo_cycle):
    # 30 March 2031 02:30 does not exist in Berlin (TIME_ZONE) but does in Tokyo
    url = reverse("surveys:manage_cycle_action", args=[tokyo_cycle.id, "extend"])
    assert client.post(url, {"closes_at": "2031-03-30T02:30"}).status_code == 302
    tokyo_cycle.refresh_from_db()
    assert tokyo_cycle.closes_at == datetime(2031, 3, 30, 2, 30, tzinfo=TOKYO)


@pytest.mark.django_db
def test_extend_to_a_time_the_cycles_clock_skips_happens_as_much_later(client, ada, settings):
    settings.TIME_ZONE = "UTC"
    cycle = CycleFactory(opens_at=datetime(2030, 3, 20, 9, 0, tzinfo=ZoneInfo("UTC")))
    Cycle.objects.filter(id=cycle.id).update(time_zone="Europe/Berlin")
    url = reverse("surveys:manage_cycle_action", args=[cycle.id, "extend"])
    assert client.post(url, {"closes_at": "2030-03-31T02:30"}).status_code == 302
    cycle.refresh_from_db()
    assert cycle.closes_at == datetime(2030, 3, 31, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@settings(max_examples=300, deadline=None)
@given(site_zones_and_walls(), st.sampled_from(ZONES))
def test_a_closing_time_typed_for_a_cycle_happens_on_the_cycles_clock_whatever_time_zone(found, cycle_zone):
    site_zone, wall = found
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.TIME_ZONE", site_zone)
        form = ExtendForm({"closes_at": wall.strftime("%Y-%m-%dT%H:%M")}, time_zone=cycle_zone)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["closes_at"] == happens_at(wall, cycle_zone)


@pytest.mark.django_db
def test_emails_and_the_survey_page_give_the_closing_time_on_the_cycles_clock(client, tokyo_cycle, mailoutbox):
    # given: someone invited to the Tokyo cycle; it closes 10 March in Tokyo, still 9 March in UTC
    person = PersonFactory()
    invitation = Invitation.objects.create(cycle=tokyo_cycle, person=person, team=person.team)
    # when
    survey_link_message(invitation=invitation, token="t" * 43, reminder=True).send()
    services.cycle_open_now(cycle_id=tokyo_cycle.id) if tokyo_cycle.state == Cycle.State.SCHEDULED else None
    token = services.invitation_link_issue(invitation_id=invitation.id)
    client.get(f"/s/{token}/")
    page = client.get(reverse("surveys:answer")).content.decode()
    # then
    (message,) = mailoutbox
    assert message.subject.endswith("closes 10 Mar")
    assert "open until 10 Mar 2030, 09:00 JST, Asia/Tokyo" in message.body
    assert "10 Mar 2030, 09:00 JST, Asia/Tokyo" in message.alternatives[0][0]
    assert "Open until 10 Mar 2030, 09:00 JST, Asia/Tokyo" in page


def test_a_time_is_shown_with_its_abbreviation_so_a_doubled_hour_reads_apart():
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    second = datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=1)
    assert time_on_clock(first, "Europe/Berlin") == "25 Oct 2026, 02:30 CEST, Europe/Berlin"
    assert time_on_clock(second, "Europe/Berlin") == "25 Oct 2026, 02:30 CET, Europe/Berlin"
    assert time_on_clock(first, "UTC") == "25 Oct 2026, 00:30 UTC"


@pytest.mark.django_db
def test_the_django_admin_shows_and_reads_a_cycles_times_on_its_clock(admin_client, tokyo_cycle):
    listing = admin_client.get(reverse("admin:surveys_cycle_changelist")).content.decode()
    assert "10 Mar 2030, 09:00 JST, Asia/Tokyo" in listing
    change = admin_client.get(reverse("admin:surveys_cycle_change", args=[tokyo_cycle.id])).content.decode()
    assert 'name="closes_at_0" value="10/03/2030"' in change and 'name="closes_at_1" value="09:00:00"' in change
