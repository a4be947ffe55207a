"""The admin pages: who may open them, and the flows they drive, through the test client."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from feedback.selectors import cycle_participation
from surveys.models import Cycle, CycleSchedule, Person, Question, SurveyTemplate, Team
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory, manager_of, pulse_template
from tests.feedback.conftest import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_manage_url():
    team = TeamFactory(name="Anywhere")
    person = PersonFactory(team=team)
    cycle = CycleFactory(teams=[team])
    schedule = CycleSchedule.objects.create(
        name="S", template=pulse_template(), first_opens_at=timezone.now() + timedelta(days=1)
    )
    question = Question.objects.first()
    template = pulse_template()
    return [
        reverse("surveys:manage"),
        reverse("surveys:manage_teams"),
        reverse("surveys:manage_team", args=[team.id]),
        reverse("surveys:manage_people"),
        reverse("surveys:manage_person_new"),
        reverse("surveys:manage_person", args=[person.id]),
        reverse("surveys:manage_people_import"),
        reverse("surveys:manage_people_export"),
        reverse("surveys:manage_questions"),
        reverse("surveys:manage_question", args=[question.id]),
        reverse("surveys:manage_templates"),
        reverse("surveys:manage_template_new"),
        reverse("surveys:manage_template", args=[template.id]),
        reverse("surveys:manage_template_preview", args=[template.id]),
        reverse("surveys:manage_schedules"),
        reverse("surveys:manage_schedule_new"),
        reverse("surveys:manage_schedule", args=[schedule.id]),
        reverse("surveys:manage_cycles"),
        reverse("surveys:manage_cycle", args=[cycle.id]),
        reverse("feedback:manage_audit_log"),
    ]


def test_every_admin_page_opens_for_an_admin(client, ada, every_manage_url):
    for url in every_manage_url:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Person.Role.MEMBER, Person.Role.MANAGER, Person.Role.LEADER])
def test_every_admin_page_is_a_404_for_other_roles(client, every_manage_url, role):
    user, _ = manager_of(TeamFactory(), email=f"{role}@example.com", role=role)
    client.force_login(user)
    for url in every_manage_url:
        assert client.get(url).status_code == 404, url
    action = reverse("surveys:manage_cycle_action", args=[Cycle.objects.first().id, "open"])
    assert client.post(action).status_code == 404
    assert Cycle.objects.first().state == Cycle.State.SCHEDULED


def test_every_admin_page_sends_anonymous_visitors_to_log_in(client, every_manage_url):
    for url in every_manage_url:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_a_superuser_is_an_admin(client, every_manage_url):
    client.force_login(UserFactory(username="root@example.com", is_superuser=True, is_staff=True))
    assert client.get(every_manage_url[0]).status_code == 200


def test_teams_are_added_renamed_and_moved_through_the_pages(client, ada):
    client.post(reverse("surveys:manage_teams"), {"name": "Engineering"})
    engineering = Team.objects.get(name="Engineering")
    client.post(reverse("surveys:manage_teams"), {"name": "Platform", "parent": engineering.id})
    platform = Team.objects.get(name="Platform")
    response = client.post(
        reverse("surveys:manage_team", args=[engineering.id]), {"name": "Eng", "parent": platform.id}
    )
    assert response.status_code == 400 and "inside itself" in response.content.decode()
    client.post(reverse("surveys:manage_team", args=[platform.id]), {"name": "Platform Team", "parent": ""})
    platform.refresh_from_db()
    assert (platform.name, platform.parent) == ("Platform Team", None)
    assert "Engineering" in client.get(reverse("surveys:manage_teams")).content.decode()


def test_an_empty_team_name_is_a_400_with_a_message_and_nothing_saved(client, ada):
    before = Team.objects.count()
    response = client.post(reverse("surveys:manage_teams"), {"name": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert Team.objects.count() == before


def test_importing_people_previews_then_imports_on_confirm(client, ada):
    engineering = TeamFactory(name="Engineering")
    TeamFactory(name="Platform", parent=engineering)
    PersonFactory(email="cy@example.com", team=engineering)
    csv_text = "email,name,team,role,manager\nbo@example.com,Bo,Engineering/Platform,manager,yes\n"
    csv_text += "ada@example.com,Ada,Ops,admin,yes\n"
    upload = SimpleUploadedFile("people.csv", csv_text.encode(), content_type="text/csv")
    preview = client.post(reverse("surveys:manage_people_import"), {"file": upload})
    page = preview.content.decode()
    assert preview.status_code == 200 and "Nothing has changed yet" in page
    # Cy is not in the file, so the preview warns that he would be deactivated.
    assert "will be deactivated" in page and "cy@example.com" in page
    assert not Person.objects.filter(email="bo@example.com").exists()
    confirm = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    done = client.post(reverse("surveys:manage_people_import"), {"confirm": confirm})
    assert done.status_code == 302
    assert Person.objects.get(email="bo@example.com").managed_teams.get().name == "Platform"


def test_an_import_with_errors_shows_them_per_line_and_imports_nothing(client, ada):
    upload = SimpleUploadedFile("people.csv", b"email,name,team,role,manager\nnope,Bo,Nowhere,member,no\n")
    response = client.post(reverse("surveys:manage_people_import"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400
    assert "not an email address" in page and "There is no team" in page
    assert not Person.objects.filter(name="Bo").exists()


def test_a_tampered_import_confirmation_is_refused(client, ada):
    response = client.post(reverse("surveys:manage_people_import"), {"confirm": "forged"}, follow=True)
    assert "expired or was altered" in response.content.decode()


def test_a_file_that_is_not_utf8_is_refused_clearly(client, ada):
    upload = SimpleUploadedFile("people.csv", "email,name\né".encode("latin-1"))
    response = client.post(reverse("surveys:manage_people_import"), {"file": upload})
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()


def test_a_file_with_a_nul_character_is_refused_before_the_preview(client, ada):
    # It used to pass the preview and fail at confirm on PostgreSQL, whose text cannot hold NUL (a 500).
    upload = SimpleUploadedFile("people.csv", b"email,name,team,role,manager\nbo@example.com,B\x00o,Org,member,no\n")
    response = client.post(reverse("surveys:manage_people_import"), {"file": upload})
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    assert 'name="confirm"' not in response.content.decode()


def test_export_downloads_csv(client, ada):
    response = client.get(reverse("surveys:manage_people_export"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("\ufeffemail,name,team,role,manager,language\r\nada@example.com,")


def test_a_template_is_built_in_order_and_previewed_as_respondents_see_it(client, ada):
    first, second = Question.objects.filter(key__in=["meaning-1", "psafety-2"]).order_by("key")
    data = {"name": "Two questions", "description": "", "max_questions": 10, "measure_every_cycles": 3}
    data |= {f"include_{first.id}": "on", f"position_{first.id}": "2"}
    data |= {f"include_{second.id}": "on", f"position_{second.id}": "1"}
    response = client.post(reverse("surveys:manage_template_new"), data)
    template = SurveyTemplate.objects.get(name="Two questions")
    assert response["Location"] == reverse("surveys:manage_template_preview", args=[template.id])
    page = client.get(response["Location"]).content.decode()
    assert page.index(second.text) < page.index(first.text)
    assert "Preview" in page and "Your answers are anonymous" in page and "Send my answers</button>" not in page


def test_editing_a_validated_question_on_the_page_saves_a_new_version(client, ada):
    question = Question.objects.get(key="psafety-4", version=1)
    data = {"text": "Taking risks is safe here.", "scale_points": 5, "required": "on"}
    response = client.post(reverse("surveys:manage_question", args=[question.id]), data, follow=True)
    assert "as version 2" in response.content.decode()


def test_a_schedule_made_on_the_page_plans_its_first_cycle_in_its_own_time_zone(client, ada):
    team = TeamFactory(name="Platform")
    data = {
        "name": "Platform pulse", "template": pulse_template().id, "teams": [team.id], "cadence": "fortnightly",
        "first_opens_at": "2030-03-04T09:00", "time_zone": "Europe/Berlin", "open_days": 5,
        "reminder_days": "2, 4", "threshold": 5, "active": "on",
    }  # fmt: skip
    assert client.post(reverse("surveys:manage_schedule_new"), data).status_code == 302
    cycle = Cycle.objects.get(schedule__name="Platform pulse")
    assert cycle.opens_at.isoformat() == "2030-03-04T08:00:00+00:00"  # 09:00 in Berlin, winter time
    assert cycle.reminder_days == [2, 4] and list(cycle.teams.all()) == [team]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("threshold", "2", "greater than or equal to 3"),
        ("reminder_days", "soon", "not a whole number of days"),
        ("reminder_days", "9", "before the survey closes"),
    ],
)
def test_a_bad_schedule_gets_a_400_with_the_reason_and_nothing_saved(client, ada, field, value, message):
    data = {
        "name": "Bad", "template": pulse_template().id, "cadence": "weekly", "first_opens_at": "2030-03-04T09:00",
        "time_zone": "UTC", "open_days": 5, "reminder_days": "2", "threshold": 5, field: value,
    }  # fmt: skip
    response = client.post(reverse("surveys:manage_schedule_new"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not CycleSchedule.objects.exists()


def test_open_now_then_close_then_publish_from_the_cycle_page(client, ada, django_capture_on_commit_callbacks):
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team], opens_at=timezone.now() + timedelta(days=1))
    action = lambda name: reverse("surveys:manage_cycle_action", args=[cycle.id, name])  # noqa: E731
    # each action asks first, saying what it does, and does nothing until confirmed
    for name, asked in [
        ("open", "cannot be called back"),
        ("close", "a closed cycle cannot be opened again"),
        ("publish", "Publishing cannot be undone"),
    ]:
        page = client.post(action(name))
        assert page.status_code == 200 and asked in page.content.decode()
        assert 'name="confirmed" value="yes"' in page.content.decode()
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.SCHEDULED and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action("open"), {"confirmed": "yes"})
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.OPEN
    assert len(mail.outbox) == 5
    page = client.get(reverse("surveys:manage_cycle", args=[cycle.id])).content.decode()
    # invited is shown; answered and rate wait for 5 respondents (0 answered would say that nobody did)
    assert "<td>5</td>" in page and "<td>0</td>" not in page and "Hidden to protect a small group" in page
    client.post(action("close"), {"confirmed": "yes"})
    client.post(action("publish"), {"confirmed": "yes"})
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.PUBLISHED


def test_participation_is_shown_only_where_enough_have_answered_and_nothing_smaller_follows(client, ada):
    # given: Platform (6 people, 5 answer), Mobile (2, 1 answers), Payments (5, none answer), Data (7, 6 answer)
    engineering = TeamFactory(name="Engineering")
    teams = {name: TeamFactory(name=name, parent=engineering) for name in ["Platform", "Mobile", "Payments", "Data"]}
    for name, size in [("Platform", 6), ("Mobile", 2), ("Payments", 5), ("Data", 7)]:
        PersonFactory.create_batch(size, team=teams[name])
    cycle = CycleFactory(teams=[engineering])
    client.post(reverse("surveys:manage_cycle_action", args=[cycle.id, "open"]), {"confirmed": "yes"})
    for name, answering in [("Platform", 5), ("Mobile", 1), ("Data", 6)]:
        answer_all(cycle, teams[name], [{}] * answering)
    # when
    rows = {row.name: row for row in cycle_participation(cycle=cycle)}
    page = client.get(reverse("surveys:manage_cycle", args=[cycle.id])).content.decode()
    # then: every invited count; answered only for Engineering (12), Platform (5) and Data (6) — Mobile (1)
    # and Payments (0) are hidden, and the one answer hidden below Engineering cannot be worked out, because
    # the smallest shown sibling (Platform) is hidden too
    assert {name: row.invited for name, row in rows.items()} == {
        "Engineering": 20, "Platform": 6, "Mobile": 2, "Payments": 5, "Data": 7
    }  # fmt: skip
    shown = {name: row.answered for name, row in rows.items() if row.shown}
    assert shown == {"Engineering": 12, "Data": 6}
    assert page.count("Hidden to protect a small group") == 3


def test_extending_to_an_earlier_time_is_refused_with_a_message(client, ada):
    cycle = CycleFactory(teams=[TeamFactory()])
    earlier = timezone.localtime(cycle.closes_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("surveys:manage_cycle_action", args=[cycle.id, "extend"]), {"closes_at": earlier})
    assert response.status_code == 400 and "after the current closing time" in response.content.decode()
    assert Cycle.objects.get(id=cycle.id).closes_at == cycle.closes_at


def test_publishing_a_cycle_that_is_not_closed_explains_why(client, ada):
    cycle = CycleFactory(teams=[TeamFactory()])
    response = client.post(
        reverse("surveys:manage_cycle_action", args=[cycle.id, "publish"]), {"confirmed": "yes"}, follow=True
    )
    assert "Only a closed cycle can be published." in response.content.decode()


def test_giving_a_person_a_login_emails_a_link_to_choose_a_password_that_then_works(
    client, ada, django_capture_on_commit_callbacks
):
    bo = PersonFactory(email="bo@example.com", team=TeamFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:manage_person_login", args=[bo.id]))
    assert response.status_code == 302
    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    visitor = type(client)()
    form_page = visitor.get(link, follow=True)
    password = "a long and unusual passphrase 42"
    done = visitor.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert visitor.login(username="bo@example.com", password=password)


def test_a_login_is_not_given_twice_or_to_an_inactive_person(client, ada):
    bo = PersonFactory(email="bo@example.com", team=TeamFactory(), is_active=False)
    response = client.post(reverse("surveys:manage_person_login", args=[bo.id]), follow=True)
    assert "Only an active person" in response.content.decode()


def test_the_page_flow_from_a_new_schedule_to_published_results(
    client, ada, time_machine, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from surveys import selectors, services
    from surveys.models import Response

    # given: an admin creates a schedule for Platform (five people) on the page, the day before it opens
    time_machine.move_to(datetime(2030, 3, 3, 12, 0, tzinfo=UTC))
    client.force_login(ada)  # a session from today would have expired by 2030
    platform = TeamFactory(name="Platform")
    PersonFactory.create_batch(5, team=platform)
    data = {
        "name": "Platform pulse", "template": pulse_template().id, "teams": [platform.id], "cadence": "weekly",
        "first_opens_at": "2030-03-04T09:00", "time_zone": "UTC", "open_days": 4, "reminder_days": "2",
        "threshold": 5, "active": "on",
    }  # fmt: skip
    response = client.post(reverse("surveys:manage_schedule_new"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    cycle = Cycle.objects.get(schedule__name="Platform pulse")

    def tick(at):
        time_machine.move_to(at)
        with django_capture_on_commit_callbacks(execute=True):
            services.cycles_advance()

    # when: it opens on time, four answer, the reminder goes to the fifth only, then it closes
    tick(datetime(2030, 3, 4, 9, 1, tzinfo=UTC))
    links = {m.to[0]: re.search(r"/s/([\w-]+)/", m.body).group(1) for m in mail.outbox}
    assert len(links) == 5
    questions = selectors.cycle_questions(cycle=cycle)
    answers = {q.id: (9 if q.kind == "enps" else 4) for q in questions if q.kind != "comment"}
    for email in sorted(links)[:4]:
        services.response_submit(token=links[email], answers=answers, comments={})
    mail.outbox.clear()
    tick(datetime(2030, 3, 6, 9, 1, tzinfo=UTC))
    assert [m.to[0] for m in mail.outbox] == [sorted(links)[4]]
    page = client.get(reverse("surveys:manage_cycle", args=[cycle.id])).content.decode()
    # 5 invited; 4 answered is fewer than the threshold of respondents, so the count waits
    assert "<td>5</td>" in page and "<td>4</td>" not in page and "Hidden to protect a small group" in page
    tick(datetime(2030, 3, 8, 9, 1, tzinfo=UTC))
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.CLOSED

    # then: the admin publishes it from its page, and next week's cycle is already waiting
    client.post(reverse("surveys:manage_cycle_action", args=[cycle.id, "publish"]), {"confirmed": "yes"})
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.PUBLISHED
    assert Response.objects.filter(cycle=cycle).count() == 4
    assert Cycle.objects.filter(schedule=cycle.schedule, state=Cycle.State.SCHEDULED).get().opens_at == datetime(
        2030, 3, 11, 9, 0, tzinfo=UTC
    )


def test_deactivating_a_person_asks_first_and_then_saves_every_field_as_sent(client, ada):
    # given Bo, active, managing two teams
    web, ops = TeamFactory(name="Web"), TeamFactory(name="Ops2")
    bo = PersonFactory(email="bo@example.com", name="Bo", team=web, role=Person.Role.MANAGER)
    bo.managed_teams.set([web, ops])
    url = reverse("surveys:manage_person", args=[bo.id])
    fields = {"email": "bo@example.com", "name": "Bo B", "team": web.id, "role": "manager"}
    fields["managed_teams"] = [web.id, ops.id]
    # when the form is saved without "Active": the page asks first and nothing changes
    page = client.post(url, fields)
    assert page.status_code == 200 and "Deactivate Bo?" in page.content.decode()
    assert Person.objects.get(id=bo.id).is_active and Person.objects.get(id=bo.id).name == "Bo"
    # then confirming posts the same fields again, both managed teams among them
    carried = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in carried:
        data.setdefault(name, []).append(value)
    assert data["managed_teams"] == [str(web.id), str(ops.id)] and data["confirmed"] == ["yes"]
    assert client.post(url, data).status_code == 302
    bo.refresh_from_db()
    assert (bo.is_active, bo.name, set(bo.managed_teams.all())) == (False, "Bo B", {web, ops})
    # and saving an inactive person again, or an active one, asks nothing
    assert client.post(url, {**fields, "is_active": "on"}).status_code == 302
