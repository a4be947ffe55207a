"""A page that is not there, or not the visitor's, says so in Align's words and leads somewhere, the same for
both (a 404 must not tell what exists)."""

import re

import pytest

from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db


def test_a_missing_page_says_so_and_leads_to_the_login_or_the_reports(client, settings):
    settings.DEBUG = False  # Django's own debug page otherwise
    team, other = TeamFactory(name="A"), TeamFactory(name="B")
    anonymous = client.get("/nowhere/")
    assert anonymous.status_code == 404
    assert (
        "This page is not here" in anonymous.content.decode()
        and 'href="/accounts/login/"' in anonymous.content.decode()
    )
    client.force_login(manager_of(team, email="alice@example.com")[0])
    missing, outside = client.get("/reports/teams/999999/"), client.get(f"/reports/teams/{other.id}/")
    assert missing.status_code == outside.status_code == 404
    assert page(missing) == page(outside) and 'href="/reports/"' in page(missing)


def page(response) -> str:
    """The page without its CSRF token (masked afresh on every page)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
