"""Invitation batches: id ranges shared by any number of workers, one mail connection per batch, and each
email still exactly once when a batch fails half-way or runs twice."""

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.models import Invitation, InvitationToken
from surveys.services.invitations import id_ranges
from surveys.tasks import invitations_send_task
from surveys.tokens import invitation_token, token_hash
from tests.factories import CycleFactory, PersonFactory


class FailsOnceAtTheThirdBackend(locmem.EmailBackend):
    """A mail server that drops the connection on the third message it is handed, once."""

    handed = 0

    def send_messages(self, email_messages):
        type(self).handed += len(email_messages)
        if type(self).handed == 3:
            raise ConnectionError("mail server went away")
        return super().send_messages(email_messages)


class CountingOpensBackend(locmem.EmailBackend):
    """A mail server that counts the connections opened to it."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return True


@pytest.fixture
def cycle_of_six(platform):
    PersonFactory.create_batch(6, team=platform)
    cycle = CycleFactory(teams=[platform])
    services.cycle_open(cycle_id=cycle.id)
    return cycle


@given(ids=st.lists(st.integers(1, 10_000), unique=True).map(sorted), size=st.integers(1, 50))
@settings(max_examples=300)
def test_id_ranges_cover_every_id_once_in_order_with_at_most_size_ids_each(ids, size):
    ranges = id_ranges(iter(ids), size=size)
    covered = [[i for i in ids if first <= i <= last] for first, last in ranges]
    assert [i for part in covered for i in part] == ids
    assert all(1 <= len(part) <= size for part in covered)
    assert all(len(part) == size for part in covered[:-1])
    assert all(part[0] == first and part[-1] == last for part, (first, last) in zip(covered, ranges, strict=True))


def test_id_ranges_refuse_an_empty_batch():
    with pytest.raises(ValueError, match="at least one"):
        id_ranges([1, 2], size=0)


@pytest.mark.django_db
def test_a_batch_that_fails_half_way_keeps_what_it_sent_and_its_retry_sends_the_rest_once(cycle_of_six, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnceAtTheThirdBackend"
    FailsOnceAtTheThirdBackend.handed = 0
    with pytest.raises(ConnectionError):
        services.invitations_send_batch(cycle_id=cycle_of_six.id, batch_size=100)
    assert len(mail.outbox) == 2
    assert Invitation.objects.filter(cycle=cycle_of_six, sent_at__isnull=False).count() == 2
    assert InvitationToken.objects.filter(invitation__cycle=cycle_of_six).count() == 2  # the failed one rolled back

    assert services.invitations_send_batch(cycle_id=cycle_of_six.id, batch_size=100) == (4, 0)

    invited = sorted(Invitation.objects.filter(cycle=cycle_of_six).values_list("person__email", flat=True))
    assert sorted(message.to[0] for message in mail.outbox) == invited
    for invitation in Invitation.objects.filter(cycle=cycle_of_six):
        assert InvitationToken.objects.filter(invitation=invitation).get().token_hash == token_hash(
            invitation_token(invitation.id)
        )


@pytest.mark.django_db
def test_two_batches_over_the_same_ids_send_each_invitation_once(cycle_of_six):
    (first, last), *_ = services.invitations_send_plan(cycle_id=cycle_of_six.id, batch_size=10)
    sent = services.invitations_send_batch(cycle_id=cycle_of_six.id, batch_size=10, first_id=first, last_id=last)
    again = services.invitations_send_batch(cycle_id=cycle_of_six.id, batch_size=10, first_id=first, last_id=last)
    assert (sent, again) == ((6, 0), (0, 0))
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_a_batch_sends_only_its_range_and_says_what_is_left_in_it(cycle_of_six):
    ids = list(Invitation.objects.filter(cycle=cycle_of_six).order_by("id").values_list("id", flat=True))
    assert services.invitations_send_batch(cycle_id=cycle_of_six.id, batch_size=2, first_id=ids[1], last_id=ids[3]) == (
        2,
        1,
    )
    assert set(Invitation.objects.filter(sent_at__isnull=False).values_list("id", flat=True)) == set(ids[1:3])


@pytest.mark.django_db
def test_a_batch_hands_all_its_emails_to_one_mail_connection(cycle_of_six, settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingOpensBackend"
    CountingOpensBackend.opened = 0
    assert services.invitations_send_batch(cycle_id=cycle_of_six.id, batch_size=100) == (6, 0)
    assert len(mail.outbox) == 6
    assert CountingOpensBackend.opened == 1


@pytest.mark.django_db
def test_the_sending_task_queues_one_batch_per_range_and_every_invitation_is_sent_once(cycle_of_six, settings):
    settings.ALIGN_INVITATION_BATCH_SIZE = 4
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert invitations_send_task.apply(args=(cycle_of_six.id,)).get() == 2  # batches of 4 and 2
    invited = sorted(Invitation.objects.filter(cycle=cycle_of_six).values_list("person__email", flat=True))
    assert sorted(message.to[0] for message in mail.outbox) == invited
    assert services.invitations_send_plan(cycle_id=cycle_of_six.id, batch_size=4) == []
