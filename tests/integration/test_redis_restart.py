"""Redis restarted while invitations are queued: the queue is lost, the invitations are not.

The outbox is the invitation rows themselves: opening a cycle writes one unsent row per invitee in the same
transaction that opens it, and the tick (beat, every ALIGN_TICK_SECONDS) re-queues the sending of any open
cycle that still has unsent rows. Sending locks each row and sets `sent_at` in the transaction that hands the
email over, so however often the sending is queued, each invitee gets one email.
"""

import time

import pytest

from alignsite.celery import app
from surveys import services
from surveys.models import Invitation
from surveys.tasks import invitations_send_task
from tests.factories import CycleFactory, PersonFactory, TeamFactory

from .conftest import WorkerProcess, services_env, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_invitations_queued_when_redis_restarts_still_reach_everyone_exactly_once(
    own_redis, smtp_sink, monkeypatch, tmp_path
):
    # given a cycle opened while no worker runs: its sending is queued in Redis (this test's own)
    team = TeamFactory(name="Payments")
    people = PersonFactory.create_batch(30, team=team)
    cycle = CycleFactory(teams=[team])
    with app.connection_for_write(own_redis.url) as broker:
        monkeypatch.setattr(
            invitations_send_task, "delay", lambda *a: invitations_send_task.apply_async(a, connection=broker)
        )
        services.cycle_open(cycle_id=cycle.id)
    assert own_redis.client().llen("celery") == 1

    # when Redis stops and starts again (it keeps nothing on disk, as configured in production here)
    own_redis.stop()
    own_redis.start()
    assert own_redis.client().llen("celery") == 0  # the queued sending is gone
    assert Invitation.objects.filter(cycle=cycle, sent_at__isnull=True).count() == 30

    # then a worker started afterwards finds the unsent invitations on its tick and sends each exactly once
    env = services_env(REDIS_URL=own_redis.url, EMAIL_URL=f"smtp://127.0.0.1:{smtp_sink.port}")
    worker = WorkerProcess(env, tmp_path / "worker.log")
    worker.start()
    try:
        wait_for(lambda: not Invitation.objects.filter(cycle=cycle, sent_at__isnull=True).exists(),
                 timeout=60, what="the tick to resume the sending")  # fmt: skip
        time.sleep(3)  # more ticks: nothing is sent twice
    finally:
        worker.stop()
    assert smtp_sink.recipients() == sorted(person.email for person in people)
