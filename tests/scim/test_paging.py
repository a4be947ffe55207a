"""Paging of every SCIM list (RFC 7644 §3.4.2.4): startIndex and count are read in one place (views._paged), so
Users and Groups answer any whole number alike (attack round 9: startIndex=9223372036854775809 was a 500 on
Users, a bigint out of range, and an empty page on Groups)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PersonFactory, TeamFactory

from .conftest import scim_error

pytestmark = pytest.mark.django_db

LISTS = ("Users", "Groups")


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("start", ["9223372036854775807", "9223372036854775808", "9223372036854775809", "9" * 30])
def test_a_start_past_any_64_bit_offset_is_an_empty_page(scim, kind, start):
    PersonFactory(team=TeamFactory(name="Ops"))
    # when
    response = scim.get(kind, startIndex=start)
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["Resources"], body["itemsPerPage"], body["totalResults"]) == ([], 0, 1)


@pytest.mark.parametrize("kind", LISTS)
def test_a_start_or_count_that_is_not_a_whole_number_is_a_400(scim, kind):
    scim_error(scim.get(kind, startIndex="1e3"), 400, "invalidValue")
    scim_error(scim.get(kind, count="ten"), 400, "invalidValue")


@pytest.fixture
def three_teams(db):
    for name in ("Ops", "Sales", "Legal"):
        PersonFactory(team=TeamFactory(name=name))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(LISTS),
    start=st.one_of(st.integers(-5, 6), st.integers(-(2**80), 2**80)),
    count=st.one_of(st.integers(-3, 5), st.integers(-(2**80), 2**80)),
)
def test_every_list_pages_any_whole_numbers_alike(scim, three_teams, kind, start, count):
    # when
    response = scim.get(kind, startIndex=str(start), count=str(count))
    # then: the page is the slice RFC 7644 describes, whatever the numbers
    assert response.status_code == 200, response.content
    body = response.json()
    total, first = body["totalResults"], max(start, 1)
    assert total == 3
    assert body["itemsPerPage"] == len(body["Resources"]) == max(0, min(max(count, 0), 200, total - first + 1))
