import re
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from surveys import selectors, services
from surveys.emails import survey_link_message
from surveys.forms import SurveyForm, field_name
from surveys.models import Answer, Comment, Cycle, Question, Response
from tests.factories import opened

pytestmark = pytest.mark.django_db


def form_data(cycle, **overrides):
    data = {}
    for question in selectors.cycle_questions(cycle=cycle):
        if question.kind == Question.Kind.LIKERT:
            data[field_name(question)] = "4"
        elif question.kind == Question.Kind.ENPS:
            data[field_name(question)] = "9"
    data.update(overrides)
    return data


def test_the_link_swaps_its_token_for_a_session_and_redirects_to_a_url_without_it(client, token):
    response = client.get(f"/s/{token}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:answer")
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_the_survey_page_states_the_promise_and_asks_every_question(client, token, open_cycle):
    client.get(f"/s/{token}/")
    response = client.get(reverse("surveys:answer"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"  # never sent off-site; Origin still sent for CSRF
    page = response.content.decode()
    assert "fewer than 5 respondents" in page
    assert "stored without your name" in page
    for question in selectors.cycle_questions(cycle=open_cycle):
        assert question.text.replace("'", "&#x27;") in page
    assert page.count("<fieldset") == 8 and page.count("<legend>") == 8


def test_submitting_the_survey_stores_one_anonymous_response_and_thanks_the_person(client, token, open_cycle):
    client.get(f"/s/{token}/")
    comment = next(q for q in selectors.cycle_questions(cycle=open_cycle) if q.kind == "comment")
    response = client.post(reverse("surveys:answer"), form_data(open_cycle, **{field_name(comment): "Good team"}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("surveys:thanks"))
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 8
    assert opened(Comment.objects.get()) == "Good team"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "/reports/results/" not in thanks.content.decode()  # nothing published yet


def test_the_thank_you_page_links_to_the_teams_published_results(client, token, open_cycle, invitation):
    from feedback.services import scores_aggregate
    from tests.feedback.conftest import run_cycle

    past = run_cycle([(invitation.team, [{}] * 5)])
    scores_aggregate(cycle_id=past.id)
    past.state = "published"
    past.save()
    client.get(f"/s/{token}/")
    done = client.post(reverse("surveys:answer"), form_data(open_cycle))
    page = client.get(done["Location"]).content.decode()
    link = re.search(r'href="(/reports/results/[^"]+)"', page).group(1)
    results = client.get(link).content.decode()
    assert past.name in results and "<td>5</td>" in results
    assert open_cycle.name not in results  # the open cycle is not published


def test_a_forged_results_link_is_a_404(client, db):
    assert client.get(reverse("feedback:team_results", args=["MQ:forged:sig"])).status_code == 404


def test_a_second_submit_is_refused_and_opening_the_link_again_says_it_was_received(client, token, open_cycle):
    client.get(f"/s/{token}/")
    data = form_data(open_cycle)
    client.post(reverse("surveys:answer"), data)
    again = client.post(reverse("surveys:answer"), data)
    assert again.status_code == 400
    reopened = client.get(f"/s/{token}/")
    assert reopened.status_code == 200
    assert "answers were received" in reopened.content.decode()
    assert Response.objects.count() == 1


def test_a_missing_answer_is_explained_and_the_other_answers_stay_on_the_page(client, token, open_cycle):
    client.get(f"/s/{token}/")
    first, second = selectors.cycle_questions(cycle=open_cycle)[:2]
    data = form_data(open_cycle, **{field_name(second): "2"})
    del data[field_name(first)]
    response = client.post(reverse("surveys:answer"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This question needs an answer." in page
    assert 'role="alert"' in page
    # the summary names the question by its number and text, then what is wrong (never "….: This …")
    assert f"1. {escape(first.text)} — This question needs an answer.</a>" in page
    assert f'name="{field_name(second)}" value="2" required id="id_{field_name(second)}_1" checked' in page
    assert not Response.objects.exists()


def test_the_questions_on_a_scale_are_numbered_in_turn_wherever_the_comment_box_stands():
    # round 9 of the outside tests: a comment box among the questions made the numbering skip ("8." then "10.")
    kinds = [Question.Kind.LIKERT, Question.Kind.COMMENT, Question.Kind.LIKERT, Question.Kind.ENPS]
    questions = [Question(id=i + 1, text=f"Q{i}", kind=kind, scale_points=5) for i, kind in enumerate(kinds)]
    form = SurveyForm(questions=questions)
    assert [form.fields[field_name(q)].number for q in questions] == [1, None, 2, 3]
    page = render_to_string("surveys/answer_questions.html", {"form": form})
    assert re.findall(r"<legend>(\d+)\. ", page) == ["1", "2", "3"]


def test_the_invitation_says_how_long_the_survey_takes(open_cycle):
    questions = selectors.cycle_questions(cycle=open_cycle)
    boxes = sum(q.kind == Question.Kind.COMMENT for q in questions)
    minutes = max(1, round((7 * (len(questions) - boxes) + 45 * boxes) / 60))
    assert selectors.answering_minutes(cycle=open_cycle) == minutes
    invitation = open_cycle.invitations.select_related("person", "cycle").first()
    message = survey_link_message(invitation=invitation, token="t" * 43)
    assert f"takes about {minutes} minute" in message.body and f"a {minutes}-minute" in message.subject


def test_the_thanks_and_problem_pages_send_no_referrer_and_every_other_page_same_origin(client, token):
    assert client.get(f"/s/{token}/")["Referrer-Policy"] == "no-referrer"
    assert client.get("/s/unknown/")["Referrer-Policy"] == "no-referrer"
    assert client.get(reverse("surveys:thanks"))["Referrer-Policy"] == "no-referrer"
    assert client.get(reverse("login"))["Referrer-Policy"] == "same-origin"


def test_a_tampered_value_gets_a_clear_error_and_nothing_is_stored(client, token, open_cycle):
    client.get(f"/s/{token}/")
    first = selectors.cycle_questions(cycle=open_cycle)[0]
    response = client.post(reverse("surveys:answer"), form_data(open_cycle, **{field_name(first): "42"}))
    assert response.status_code == 400
    assert "Choose one of the options." in response.content.decode()
    assert not Response.objects.exists()


def test_an_unknown_token_is_a_404_with_a_clear_message(client, open_cycle):
    response = client.get("/s/not-a-real-token/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_a_link_to_a_closed_cycle_is_gone(client, token, open_cycle, time_machine):
    time_machine.move_to(open_cycle.closes_at + timedelta(minutes=1))
    response = client.get(f"/s/{token}/")
    assert response.status_code == 410
    assert "closed" in response.content.decode()


def test_the_survey_page_without_a_session_asks_for_the_email_link(client):
    response = client.get(reverse("surveys:answer"))
    assert response.status_code == 400
    assert "link in your invitation email" in response.content.decode()


def test_guessing_links_is_refused_after_the_limit_even_for_a_real_link(client, token, settings):
    settings.ALIGN_TOKEN_GUESS_RATE = "5/h"
    for attempt in range(5):
        assert client.get(f"/s/guess-{attempt}/").status_code == 404
    response = client.get(f"/s/{token}/")
    assert response.status_code == 429
    assert "Too many unrecognised links" in response.content.decode()


def test_behind_the_proxy_clients_without_its_header_are_limited_by_their_own_address(client, token, settings):
    # given: a proxy is configured but these requests reach Align without its header
    settings.ALIGN_CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    settings.ALIGN_TOKEN_GUESS_RATE = "3/h"
    # when: one client uses up its guesses
    for attempt in range(3):
        assert client.get(f"/s/guess-{attempt}/", REMOTE_ADDR="198.51.100.7").status_code == 404
    # then: it is refused, and another client is not (they used to share one empty-key bucket)
    assert client.get(f"/s/{token}/", REMOTE_ADDR="198.51.100.7").status_code == 429
    assert client.get(f"/s/{token}/", REMOTE_ADDR="198.51.100.8").status_code == 302


@pytest.mark.parametrize(
    "forged", ["garbage-{n}", "203.0.113.9, 10.0.0.{n}", "10.0.0.{n}:80", "fe80::1%{n}", "10.0.0.{n} 1.2.3.4"]
)
def test_a_forged_header_that_is_not_one_address_does_not_escape_the_limit(client, token, settings, forged):
    settings.ALIGN_CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    settings.ALIGN_TOKEN_GUESS_RATE = "3/h"
    for attempt in range(3):
        assert client.get(f"/s/guess-{attempt}/", HTTP_X_REAL_IP=forged.format(n=attempt)).status_code == 404
    assert client.get(f"/s/{token}/", HTTP_X_REAL_IP=forged.format(n=99)).status_code == 429
    assert client.get(f"/s/{token}/").status_code == 429  # the bucket was the peer's own all along


def test_opening_real_links_never_counts_against_the_limit(client, open_cycle, settings):
    from surveys.models import Invitation

    settings.ALIGN_TOKEN_GUESS_RATE = "2/h"
    for invitation in Invitation.objects.filter(cycle=open_cycle):
        link = f"/s/{services.invitation_link_issue(invitation_id=invitation.id)}/"
        assert client.get(link).status_code == 302


@pytest.mark.parametrize("value", ["four", "٣", "1_0", "4.0", " 4", "-1", "6", "9" * 5000])
def test_a_value_that_is_not_one_of_the_options_gets_the_forms_error_and_nothing_is_stored(
    client, token, open_cycle, value
):
    client.get(f"/s/{token}/")
    first = selectors.cycle_questions(cycle=open_cycle)[0]
    response = client.post(reverse("surveys:answer"), form_data(open_cycle, **{field_name(first): value}))
    assert response.status_code == 400
    assert "Choose one of the options." in response.content.decode()
    assert not Response.objects.exists()


def submit_through_two_links(client, open_cycle, invitation, token, data):
    """Open the form through two links of one invitation, answer through the other one; return the form's
    client."""
    from django.test import Client

    other = Client()
    other.get(f"/s/{services.invitation_link_issue(invitation_id=invitation.id)}/")
    client.get(f"/s/{token}/")
    assert client.get(reverse("surveys:answer")).status_code == 200
    assert other.post(reverse("surveys:answer"), form_data(open_cycle)).status_code == 302
    return client.post(reverse("surveys:answer"), data)


@pytest.mark.parametrize("valid", [True, False])
def test_submitting_a_form_answered_meanwhile_through_another_link_says_it_was_received(
    client, token, open_cycle, invitation, valid
):
    first = selectors.cycle_questions(cycle=open_cycle)[0]
    data = form_data(open_cycle) if valid else form_data(open_cycle, **{field_name(first): "42"})
    response = submit_through_two_links(client, open_cycle, invitation, token, data)
    assert response.status_code == 200
    assert "answers were received" in response.content.decode()
    assert response.cookies["align_survey"]["max-age"] == 0  # the link's cookie is forgotten
    assert Response.objects.count() == 1


def test_submitting_after_the_deadline_says_the_survey_closed(client, token, open_cycle, time_machine):
    from django.utils import timezone

    deadline = timezone.now() + timedelta(minutes=30)
    Cycle.objects.filter(id=open_cycle.id).update(closes_at=deadline)
    client.get(f"/s/{token}/")
    assert client.get(reverse("surveys:answer")).status_code == 200
    time_machine.move_to(deadline + timedelta(minutes=1))  # the form was loaded before the deadline
    response = client.post(reverse("surveys:answer"), form_data(open_cycle))
    assert response.status_code == 410
    assert "closed" in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("valid", [True, False])
def test_submitting_after_the_deadline_says_the_survey_closed_even_with_a_wrong_answer(
    client, token, open_cycle, time_machine, valid
):
    from django.utils import timezone

    deadline = timezone.now() + timedelta(minutes=30)
    Cycle.objects.filter(id=open_cycle.id).update(closes_at=deadline)
    first = selectors.cycle_questions(cycle=open_cycle)[0]
    data = form_data(open_cycle) if valid else form_data(open_cycle, **{field_name(first): "42"})
    client.get(f"/s/{token}/")
    time_machine.move_to(deadline + timedelta(minutes=1))
    response = client.post(reverse("surveys:answer"), data)
    assert response.status_code == 410 and "closed" in response.content.decode()
    assert not Response.objects.exists()


def test_the_links_cookie_carries_what_it_leads_to_so_the_submit_looks_nothing_up(
    client, token, open_cycle, invitation
):
    client.get(f"/s/{token}/")
    assert client.get(reverse("surveys:answer")).status_code == 200  # the questions are now kept
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("surveys:answer"), form_data(open_cycle))
    assert response.status_code == 302 and Response.objects.get().team_id == invitation.team_id
    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]  # the test's transaction
    assert not any("surveys_invitation" in sql for sql in queries)  # no token, no invitation read
    if connection.vendor == "postgresql":
        assert len(queries) == 1  # the store's one statement (on SQLite the ORM stores in several)


def test_a_cookie_whose_ids_were_changed_is_refused_and_nothing_is_stored(client, token, open_cycle, invitation):
    client.get(f"/s/{token}/")
    cookie = client.cookies["align_survey"]
    value = cookie.value.replace(f":{invitation.id}:", f":{invitation.id + 1}:", 1)
    assert value != cookie.value
    cookie.set(cookie.key, value, value)
    response = client.post(reverse("surveys:answer"), form_data(open_cycle))
    assert response.status_code == 400 and "open the survey from the link" in response.content.decode()
    assert not Response.objects.exists()


def test_a_cookie_holding_only_the_token_from_before_ids_were_carried_still_works(client, token, open_cycle):
    signed = signing.get_cookie_signer(salt="align_survey" + "align.survey").sign(token)  # as set_signed_cookie
    client.cookies["align_survey"] = signed
    response = client.post(reverse("surveys:answer"), form_data(open_cycle))
    assert response.status_code == 302 and Response.objects.count() == 1


def test_a_comment_with_a_pasted_null_character_is_stored_without_it(client, token, open_cycle):
    # round 8 of issue 20: refused, the box came back holding U+FFFD where the NUL was, and that was stored
    client.get(f"/s/{token}/")
    comment = next(q for q in selectors.cycle_questions(cycle=open_cycle) if q.kind == Question.Kind.COMMENT)
    response = client.post(reverse("surveys:answer"), form_data(open_cycle, **{field_name(comment): "fine\x00"}))
    assert response.status_code == 302
    assert [opened(c) for c in Comment.objects.all()] == ["fine"]
