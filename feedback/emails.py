"""Emails from the feedback side. Every figure in them has passed the reporting threshold."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection, send_mail
from django.core.mail.message import EmailMessage
from django.db.models import Q
from django.urls import reverse

from surveys.models import Cycle, Invitation, Person, Response


def admin_emails() -> list[str]:
    """Return the addresses of everyone who administers Align."""
    admins = Person.objects.filter(is_active=True, role=Person.Role.ADMIN).values_list("email", flat=True)
    superusers = get_user_model().objects.filter(Q(is_superuser=True), is_active=True).exclude(email="")
    return sorted(set(admins) | set(superusers.values_list("email", flat=True)))


def results_ready_send(*, cycle: Cycle) -> None:
    """Tell admins a closed cycle's results are computed and waiting to be reviewed and published."""
    answered = Response.objects.filter(cycle=cycle).count()
    count = f"{answered} people answered" if answered >= cycle.threshold else f"fewer than {cycle.threshold} answered"
    link = settings.SITE_URL + reverse("surveys:manage_cycle", args=[cycle.id])
    send_mail(
        subject=f"{settings.ORGANISATION_NAME}: results of {cycle.name} are ready to publish",
        message=(
            f"{cycle.name} has closed and {count}. Its results are computed: review them and publish them to the "
            f"teams when you are ready.\n\n{link}\n\nGroups below the reporting threshold of {cycle.threshold} "
            "stay hidden everywhere, including from you."
        ),
        from_email=None,
        recipient_list=admin_emails(),
    )


def results_published_send(*, cycle: Cycle) -> int:
    """Tell everyone invited to a cycle that its results are published, with their team's results link.

    Everyone invited gets the same email, whether or not they answered (nobody may learn who did), and it
    holds no figures: the linked page applies the reporting threshold. Return the number of emails sent.
    """
    from .selectors import team_results_key

    invitations = Invitation.objects.filter(cycle=cycle, person__is_active=True).select_related("person")
    messages = []
    for invitation in invitations:
        link = settings.SITE_URL + reverse("feedback:team_results", args=[team_results_key(team_id=invitation.team_id)])
        body = (
            f"Hello {invitation.person.name},\n\nThe results of {cycle.name} are published. See what your team "
            f"said, and what it will change:\n\n{link}\n\nA group's figures are shown only when at least "
            f"{cycle.threshold} people answered, so nobody's answers can be singled out."
        )
        messages.append(
            EmailMessage(
                subject=f"{settings.ORGANISATION_NAME}: the results of {cycle.name} are in",
                body=body,
                to=[invitation.person.email],
            )
        )
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
