"""Attack finding M4: `?root=2&cycle=15`, a closed cycle that does not report on Engineering, gave 200 with the
default view and no word; `?root=2&cycle=999` was refused but showed Acme to the admin who asked for Engineering.

A filter naming no cycle of the group is refused with 400, naming it, over the default view of the same group."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.forms import DashboardFilters
from feedback.selectors.dashboard import _in_range, reported_cycles
from feedback.selectors.participation import cycles_reporting
from feedback.services import scores_aggregate
from surveys.models import Cycle
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("feedback:dashboard")


@pytest.fixture
def acme(client, run_closed_cycle):
    """Acme: Engineering (its Risk team) and Sales, 6 people each; two cycles for everyone, then a one-off for
    Risk alone, then an open cycle. Alice, an admin, is logged in."""
    root = TeamFactory(name="Acme")
    engineering = TeamFactory(name="Engineering", parent=root)
    risk = TeamFactory(name="Risk", parent=engineering)
    sales = TeamFactory(name="Sales", parent=root)
    for team in (risk, sales):
        PersonFactory.create_batch(6, team=team)
    whole = []
    for _ in range(2):
        whole.append(run_closed_cycle([(risk, [{}] * 6), (sales, [{}] * 6)], audience=[root]))
        scores_aggregate(cycle_id=whole[-1].id)
    one_off = run_closed_cycle([(risk, [{}] * 6)], audience=[risk])
    scores_aggregate(cycle_id=one_off.id)
    CycleFactory(name="Open pulse", state=Cycle.State.OPEN)
    client.force_login(UserFactory(username="alice@example.com", is_superuser=True))
    return {"acme": root, "engineering": engineering, "risk": risk, "whole": whole, "one_off": one_off}


def _selected_group(page: str) -> str:
    """Return the name of the group the page's group picker has selected."""
    picker = page.split('name="root"', 1)[1].split("</select>", 1)[0]
    return picker.split(" selected>", 1)[1].split("<", 1)[0].split(" / ")[-1]


@pytest.mark.parametrize("name", ["cycle", "first", "last"])
def test_a_closed_cycle_that_does_not_report_on_the_group_is_refused_naming_it_for_the_same_group(client, acme, name):
    one_off = acme["one_off"]
    response = client.get(URL, {"root": acme["engineering"].id, name: one_off.id})
    page = response.content.decode()
    assert response.status_code == 400
    assert f"<li>{name}: The cycle {one_off.name} (id {one_off.id}) does not report on Engineering" in page
    assert _selected_group(page) == "Engineering" and f"Heatmap: {acme['whole'][-1].name}" in page
    # the same cycle is Risk's, and shown there
    shown = client.get(URL, {"root": acme["risk"].id, name: one_off.id})
    assert shown.status_code == 200 and f"Heatmap: {one_off.name}" in shown.content.decode()


@pytest.mark.parametrize(
    "refused",
    [
        {"cycle": "999"},
        {"first": "999"},
        {"last": "-1"},
        {"cycle": "open"},
        {"cycle": "1e3"},
        {"dimension": "nope"},
        {"export": "passwords"},
    ],
)
def test_every_refused_filter_keeps_the_group_asked_for(client, acme, refused):
    given = {k: str(Cycle.objects.get(name="Open pulse").id) if v == "open" else v for k, v in refused.items()}
    response = client.get(URL, {"root": acme["engineering"].id} | given)
    page = response.content.decode()
    assert response.status_code == 400 and f"<li>{next(iter(given))}:" in page
    assert _selected_group(page) == "Engineering" and acme["one_off"].name not in page


def test_a_malformed_group_is_refused_and_one_outside_the_scope_is_a_404(client, acme):
    response = client.get(URL, {"root": "two"})
    assert response.status_code == 400 and "<li>root:" in response.content.decode()
    assert _selected_group(response.content.decode()) == "Acme"
    assert client.get(URL, {"root": 999_999}).status_code == 404


CHOICES = ["whole0", "whole1", "one_off", "open", "unknown"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    group=st.sampled_from(["acme", "engineering", "risk"]),
    chosen=st.fixed_dictionaries({}, optional={name: st.sampled_from(CHOICES) for name in ("first", "last", "cycle")}),
)
def test_the_filters_pass_exactly_when_they_name_cycles_of_the_group_and_a_shown_heatmap_cycle(acme, group, chosen):
    ids = {
        "whole0": acme["whole"][0].id,
        "whole1": acme["whole"][1].id,
        "one_off": acme["one_off"].id,
        "open": Cycle.objects.get(name="Open pulse").id,
        "unknown": 999_999,
    }
    given = {name: ids[choice] for name, choice in chosen.items()}
    ours = [acme["whole"][0], acme["whole"][1]] + ([acme["one_off"]] if group == "risk" else [])
    assert cycles_reporting(team_id=acme[group].id, cycles=reported_cycles()) == ours
    valid = all(i in {c.id for c in ours} for i in given.values())
    if valid and "cycle" in given:
        valid = given["cycle"] in {c.id for c in _in_range(ours, given.get("first"), given.get("last"))}
    form = DashboardFilters({k: str(v) for k, v in given.items()})
    assert (form.is_valid() and not form.refuse_unreported(ours, group=acme[group].name)) is valid
