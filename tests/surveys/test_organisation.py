import pytest
from django.core.exceptions import ValidationError

from surveys import csv_table, services
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,team,role,manager\n"


@pytest.fixture
def tree():
    engineering = TeamFactory(name="Engineering")
    return {
        "Engineering": engineering,
        "Platform": TeamFactory(name="Platform", parent=engineering),
        "Mobile": TeamFactory(name="Mobile", parent=engineering),
    }


def test_a_team_can_be_renamed_and_moved_but_not_into_itself(tree):
    moved = services.team_save(team_id=tree["Mobile"].id, name="Apps", parent=tree["Platform"])
    assert (moved.name, moved.parent) == ("Apps", tree["Platform"])
    with pytest.raises(ValidationError, match="inside itself"):
        services.team_save(team_id=tree["Engineering"].id, name="Engineering", parent=tree["Platform"])


def test_sibling_teams_need_different_names_without_slashes(tree):
    with pytest.raises(ValidationError):
        services.team_save(name="platform", parent=tree["Engineering"])
    with pytest.raises(ValidationError):
        services.team_save(name="A/B", parent=None)


def test_a_valid_import_creates_updates_and_deactivates_whoever_is_missing(tree):
    # given: alice exists in Mobile; bob is active but not in the file
    PersonFactory(email="alice@example.com", name="Alice", team=tree["Mobile"])
    PersonFactory(email="bob@example.com", name="Bob", team=tree["Mobile"])
    text = HEADER + (
        "Alice@Example.com,Alice Smith,Engineering/Platform,manager,yes\ncarol@example.com,Carol,Engineering,member,\n"
    )
    # when
    plan = services.people_import_plan(csv_text=text)
    # then the preview says what will happen, before anything does
    assert plan.valid
    assert (plan.created, plan.updated, [p.email for p in plan.deactivated]) == (
        ["carol@example.com"],
        ["alice@example.com"],
        ["bob@example.com"],
    )
    assert not Person.objects.filter(email="carol@example.com").exists()
    services.people_import(csv_text=text)
    alice = Person.objects.get(email="alice@example.com")
    assert (alice.name, alice.team, alice.role) == ("Alice Smith", tree["Platform"], "manager")
    assert list(alice.managed_teams.all()) == [tree["Platform"]]
    assert Person.objects.get(email="carol@example.com").team == tree["Engineering"]
    assert Person.objects.get(email="bob@example.com").is_active is False


def test_an_invalid_file_reports_every_row_error_and_imports_nothing(tree):
    text = HEADER + (
        "not-an-email,Ann,Engineering/Platform,member,no\n"
        "dan@example.com,Dan,Engineering/Nowhere,member,no\n"
        "eve@example.com,Eve,Engineering,chief,maybe\n"
        "fay@example.com,Fay,Engineering,member,no\n"
        "FAY@example.com,Fay again,Engineering,member,no\n"
    )
    plan = services.people_import_plan(csv_text=text)
    errors = {row.line: " ".join(row.errors) for row in plan.error_rows}
    assert "not an email" in errors[2]
    assert "no team" in errors[3]
    assert "not a role" in errors[4] and "yes or no" in errors[4]
    assert "already appears on line 5" in errors[6]
    assert 5 not in errors
    with pytest.raises(ValidationError):
        services.people_import(csv_text=text)
    assert not Person.objects.exists()


def test_a_file_without_the_columns_is_refused_as_a_whole(tree):
    plan = services.people_import_plan(csv_text="mail,who\nx@example.com,X\n")
    assert not plan.valid and "missing: email, name, team, role, manager" in plan.file_errors[0]


def test_export_writes_the_import_format_and_neutralises_formulas(tree):
    PersonFactory(
        email="zed@example.com", name="=HYPERLINK(1)", team=tree["Platform"], role="manager"
    ).managed_teams.add(tree["Platform"])
    text = services.people_export()
    assert text.splitlines() == [
        "email,name,team,role,manager,language",
        "zed@example.com,'=HYPERLINK(1),Engineering/Platform,manager,yes,",
    ]
    # and it imports back unchanged, apart from the neutralised formula
    plan = services.people_import_plan(csv_text=text)
    assert plan.valid and plan.updated == [] and plan.unchanged == ["zed@example.com"] and not plan.deactivated


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert csv_table.safe_cell(value).startswith("'")
