"""A people file over the limit is refused saying why it cannot be split (issue #20, finding 2)."""

import pytest
from django.core.exceptions import ValidationError

from surveys import people_csv, services
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory

HEADER = "email,name,team,role,manager\n"


def people(count: int) -> str:
    return HEADER + "".join(f"p{i}@example.com,P {i},Ops,member,no\n" for i in range(count))


def test_the_limit_message_says_an_import_replaces_everyone_so_a_file_cannot_be_split():
    rows, errors = people_csv.parse(people(people_csv.MAX_ROWS + 1), team_ids={"Ops": 1})
    assert rows == [] and len(errors) == 1
    assert f"more than {people_csv.MAX_ROWS:,} people" in errors[0]
    assert "cannot be split" in errors[0] and "replaces everyone" in errors[0]
    assert "split it" not in errors[0]


def test_a_file_of_exactly_the_limit_is_read(monkeypatch):
    monkeypatch.setattr(people_csv, "MAX_ROWS", 3)
    rows, errors = people_csv.parse(people(3), team_ids={"Ops": 1})
    assert errors == [] and [row.email for row in rows] == ["p0@example.com", "p1@example.com", "p2@example.com"]
    rows, errors = people_csv.parse(people(4), team_ids={"Ops": 1})
    assert rows == [] and "more than 3 people" in errors[0]


@pytest.mark.django_db
def test_an_import_over_the_limit_changes_nobody(monkeypatch):
    monkeypatch.setattr(people_csv, "MAX_ROWS", 3)
    ops = TeamFactory(name="Ops")
    PersonFactory(email="zed@example.com", team=ops)
    plan = services.people_import_plan(csv_text=people(4))
    assert not plan.valid and plan.deactivated  # the plan says what it would do, but it may not be done
    with pytest.raises(ValidationError):
        services.people_import(csv_text=people(4))
    assert list(Person.objects.values_list("email", "is_active")) == [("zed@example.com", True)]
