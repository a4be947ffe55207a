from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys import selectors, services
from surveys.models import Answer, AnsweredMarker, Comment, Cycle, Invitation, InvitationToken, Question, Response
from surveys.tokens import answered_marker, token_hash
from tests.factories import CycleFactory, PersonFactory, TeamFactory, opened

pytestmark = pytest.mark.django_db


def full_answers(cycle, value=4):
    questions = selectors.cycle_questions(cycle=cycle)
    answers = {q.id: (8 if q.kind == Question.Kind.ENPS else value) for q in questions if q.kind != "comment"}
    return questions, answers


def test_opening_a_cycle_invites_every_active_person_below_its_teams_with_their_team_of_today():
    # given
    engineering = TeamFactory(name="Engineering")
    platform = TeamFactory(name="Platform", parent=engineering)
    sales = TeamFactory(name="Sales")
    alice = PersonFactory(team=platform)
    bob = PersonFactory(team=engineering)
    PersonFactory(team=platform, is_active=False)
    PersonFactory(team=sales)
    cycle = CycleFactory(teams=[engineering])
    # when
    assert services.cycle_open(cycle_id=cycle.id) is True
    # then
    invited = dict(Invitation.objects.filter(cycle=cycle).values_list("person_id", "team_id"))
    assert invited == {alice.id: platform.id, bob.id: engineering.id}
    assert Cycle.objects.get(id=cycle.id).state == Cycle.State.OPEN


def test_opening_a_cycle_twice_does_not_invite_twice(platform):
    PersonFactory.create_batch(3, team=platform)
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    assert services.cycle_open(cycle_id=cycle.id) is False
    assert Invitation.objects.filter(cycle=cycle).count() == 3


def test_the_tick_opens_due_cycles_and_sends_each_invitation_once(platform, django_capture_on_commit_callbacks):
    PersonFactory.create_batch(3, team=platform)
    due = CycleFactory(teams=[platform], opens_at=timezone.now() - timedelta(minutes=1))
    later = CycleFactory(teams=[platform], opens_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.cycles_advance()
    with django_capture_on_commit_callbacks(execute=True):
        services.cycles_advance()
    assert Cycle.objects.get(id=due.id).state == Cycle.State.OPEN
    assert Cycle.objects.get(id=later.id).state == Cycle.State.SCHEDULED
    assert sorted(m.to[0] for m in mail.outbox) == sorted(platform.members.values_list("email", flat=True))


def test_the_tick_closes_cycles_past_their_deadline(open_cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.cycles_advance(now=open_cycle.closes_at)
    assert Cycle.objects.get(id=open_cycle.id).state == Cycle.State.CLOSED


def test_an_invitation_email_carries_a_link_whose_token_is_stored_only_as_a_hash(platform):
    PersonFactory(team=platform, email="alice@example.com")
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    invitation = Invitation.objects.get(cycle=cycle)

    assert services.invitation_send(invitation_id=invitation.id) is True

    (message,) = mail.outbox
    token = message.body.split("/s/")[1].split("/")[0]
    assert len(token) >= 43  # 256 bits in URL-safe base64
    assert InvitationToken.objects.get(invitation=invitation).token_hash == token_hash(token)
    assert token not in str(Invitation.objects.filter(id=invitation.id).values().get())
    assert token not in str(list(InvitationToken.objects.values()))
    assert message.alternatives and token in message.alternatives[0][0]


def test_sending_an_invitation_again_sends_nothing(invitation):
    assert services.invitation_send(invitation_id=invitation.id) is False
    assert mail.outbox == []


def test_an_email_that_fails_to_send_leaves_the_invitation_unsent_for_a_retry(platform, settings):
    settings.EMAIL_BACKEND = "tests.surveys.failing_email.FailingBackend"
    PersonFactory(team=platform)
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    invitation = Invitation.objects.get(cycle=cycle)
    with pytest.raises(ConnectionError):
        services.invitation_send(invitation_id=invitation.id)
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    assert not InvitationToken.objects.filter(invitation=invitation).exists()


def test_a_response_is_stored_with_the_team_and_nothing_that_leads_back(invitation, token):
    questions, answers = full_answers(invitation.cycle)
    comment_q = next(q for q in questions if q.kind == Question.Kind.COMMENT)
    invitation_row_before = Invitation.objects.filter(id=invitation.id).values().get()
    tokens_before = list(InvitationToken.objects.filter(invitation=invitation).values())

    services.response_submit(token=token, answers=answers, comments={comment_q.id: " Thanks "})

    response = Response.objects.get()
    assert (response.cycle_id, response.team_id) == (invitation.cycle_id, invitation.team_id)
    assert Answer.objects.filter(response=response).count() == len(answers)
    assert opened(Comment.objects.get()) == "Thanks"
    # The invitation and its token rows are untouched; a marker keyed by the secret records the answer.
    assert Invitation.objects.filter(id=invitation.id).values().get() == invitation_row_before
    assert list(InvitationToken.objects.filter(invitation=invitation).values()) == tokens_before
    assert AnsweredMarker.objects.get().marker == answered_marker(invitation.id)


def test_a_second_submit_of_the_same_invitation_is_refused(invitation, token):
    _, answers = full_answers(invitation.cycle)
    services.response_submit(token=token, answers=answers, comments={})
    with pytest.raises(selectors.InvitationUsed):
        services.response_submit(token=token, answers=answers, comments={})
    assert Response.objects.count() == 1


def test_every_link_of_an_invitation_works_and_answering_through_one_spends_them_all(invitation, token):
    _, answers = full_answers(invitation.cycle)
    reminder_token = services.invitation_link_issue(invitation_id=invitation.id)
    assert selectors.invitation_redeemable(token=token) == invitation
    services.response_submit(token=reminder_token, answers=answers, comments={})
    with pytest.raises(selectors.InvitationUsed):
        services.response_submit(token=token, answers=answers, comments={})
    with pytest.raises(selectors.InvitationUsed):
        selectors.invitation_redeemable(token=reminder_token)
    assert Response.objects.count() == 1


def test_an_answered_invitation_gets_a_new_link_like_any_other_which_says_its_answers_were_received(invitation, token):
    # Refusing would tell whoever asked — and the database, by the row not written — that the person answered.
    _, answers = full_answers(invitation.cycle)
    services.response_submit(token=token, answers=answers, comments={})
    again = services.invitation_link_issue(invitation_id=invitation.id)
    assert InvitationToken.objects.filter(invitation=invitation, token_hash=token_hash(again)).exists()
    with pytest.raises(selectors.InvitationUsed):
        selectors.invitation_redeemable(token=again)


def test_a_closed_cycle_gives_no_new_link(invitation):
    services.cycle_close(cycle_id=invitation.cycle_id)
    with pytest.raises(ValueError):
        services.invitation_link_issue(invitation_id=invitation.id)


def test_an_unknown_token_is_refused(open_cycle):
    _, answers = full_answers(open_cycle)
    with pytest.raises(selectors.InvitationUnknown):
        services.response_submit(token="made-up", answers=answers, comments={})


def test_closing_a_cycle_expires_every_link_and_forgets_who_answered(open_cycle, token):
    invitation = Invitation.objects.filter(cycle=open_cycle).order_by("id").last()
    _, answers = full_answers(open_cycle)
    services.response_submit(
        token=services.invitation_link_issue(invitation_id=invitation.id), answers=answers, comments={}
    )
    services.cycle_close(cycle_id=open_cycle.id)
    assert not InvitationToken.objects.filter(invitation__cycle=open_cycle).exists()
    assert not AnsweredMarker.objects.exists()
    with pytest.raises(selectors.InvitationUnknown):
        selectors.invitation_redeemable(token=token)


@pytest.mark.parametrize("bad", [0, 6, -1, 99])
def test_an_out_of_range_answer_is_refused_and_nothing_is_stored(invitation, token, bad):
    questions, answers = full_answers(invitation.cycle)
    likert = next(q for q in questions if q.kind == Question.Kind.LIKERT)
    answers[likert.id] = bad
    with pytest.raises(ValidationError) as error:
        services.response_submit(token=token, answers=answers, comments={})
    assert f"q{likert.id}" in error.value.message_dict
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert InvitationToken.objects.filter(invitation=invitation).exists()  # the link still works


def test_a_missing_required_answer_and_an_unknown_question_are_refused(invitation, token):
    questions, answers = full_answers(invitation.cycle)
    dropped = questions[0].id
    del answers[dropped]
    answers[999999] = 3
    with pytest.raises(ValidationError) as error:
        services.response_submit(token=token, answers=answers, comments={})
    assert f"q{dropped}" in error.value.message_dict
    assert "__all__" in error.value.message_dict
    assert not Response.objects.exists()


def test_an_oversize_comment_is_refused(invitation, token):
    questions, answers = full_answers(invitation.cycle)
    comment_q = next(q for q in questions if q.kind == Question.Kind.COMMENT)
    with pytest.raises(ValidationError):
        services.response_submit(token=token, answers=answers, comments={comment_q.id: "x" * 2001})
    assert not Comment.objects.exists()


def test_a_comment_with_a_pasted_null_character_is_kept_without_it(invitation, token):
    questions, answers = full_answers(invitation.cycle)
    comment_q = next(q for q in questions if q.kind == Question.Kind.COMMENT)
    services.response_submit(token=token, answers=answers, comments={comment_q.id: "a\x00b"})
    assert [opened(comment) for comment in Comment.objects.all()] == ["ab"]


def test_answers_after_the_deadline_are_refused(invitation, token, time_machine):
    _, answers = full_answers(invitation.cycle)
    time_machine.move_to(invitation.cycle.closes_at + timedelta(seconds=1))
    with pytest.raises(selectors.CycleNotOpen):
        services.response_submit(token=token, answers=answers, comments={})
    assert not Response.objects.exists()


def test_no_column_of_a_response_answer_or_comment_reaches_a_person_or_invitation():
    from django.apps import apps

    forbidden = {apps.get_model("surveys", "Invitation"), apps.get_model("surveys", "Person")}
    forbidden.add(apps.get_model("auth", "User"))
    for model in (Response, Answer, Comment, AnsweredMarker):
        reachable, frontier = set(), [model]
        while frontier:
            current = frontier.pop()
            for field in current._meta.get_fields():
                if field.is_relation and field.many_to_one and field.related_model not in reachable:
                    reachable.add(field.related_model)
                    frontier.append(field.related_model)
        # Following foreign keys outward (to cycle, team, question) never reaches a person or invitation.
        assert not (reachable & forbidden), (model, reachable & forbidden)
        kinds = {type(f).__name__ for f in model._meta.concrete_fields}
        assert not kinds & {"DateTimeField", "DateField", "TimeField", "AutoField", "BigAutoField"}, model


def test_closing_a_cycle_rewrites_its_comments_so_nothing_pairs_them_with_responses(open_cycle):
    # given: three people answer with comments
    questions, answers = full_answers(open_cycle)
    comment_q = next(q for q in questions if q.kind == Question.Kind.COMMENT)
    for invitation in Invitation.objects.filter(cycle=open_cycle)[:3]:
        token = services.invitation_link_issue(invitation_id=invitation.id)
        services.response_submit(token=token, answers=answers, comments={comment_q.id: f"note {invitation.id}"})
    before = {comment.id: opened(comment) for comment in Comment.objects.all()}
    # while open, the database holds no comment readably: sealed, and not even the text's bytes
    assert set(Comment.objects.values_list("text", flat=True)) == {""}
    assert not any(text.encode() in bytes(sealed) for text in before.values() for sealed in
                   Comment.objects.values_list("sealed", flat=True))  # fmt: skip
    # when
    services.cycle_close(cycle_id=open_cycle.id)
    # then: the same texts under new keys, opened
    after = dict(Comment.objects.values_list("id", "text"))
    assert sorted(after.values()) == sorted(before.values())
    assert not set(after) & set(before) and not Comment.objects.filter(sealed__isnull=False).exists()
