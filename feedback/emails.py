"""Emails from the feedback side. Every figure in them has passed the reporting threshold."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from alignsite.mail import templated_message
from surveys import languages
from surveys.models import Cycle, Invitation, Person, Response


def admin_emails() -> list[str]:
    """Return the addresses of everyone who administers Align."""
    admins = Person.objects.filter(is_active=True, role=Person.Role.ADMIN).values_list("email", flat=True)
    superusers = get_user_model().objects.filter(Q(is_superuser=True), is_active=True).exclude(email="")
    return sorted(set(admins) | set(superusers.values_list("email", flat=True)))


def results_ready_send(*, cycle: Cycle) -> None:
    """Tell admins a closed cycle's results are computed and waiting to be reviewed and published."""
    context = {
        "organisation": settings.ORGANISATION_NAME,
        "cycle": cycle,
        "answered": Response.objects.filter(cycle=cycle).count(),
        "link": settings.SITE_URL + reverse("surveys:manage_cycle", args=[cycle.id]),
    }
    templated_message(
        subject=gettext("%(organisation)s: results of %(survey)s are ready to publish")
        % {"organisation": settings.ORGANISATION_NAME, "survey": cycle.name},
        template="feedback/email/results_ready",
        context=context,
        to=admin_emails(),
    ).send()


def results_published_send(*, cycle: Cycle) -> int:
    """Tell everyone invited to a cycle that its results are published, with their team's results link.

    Everyone invited gets the same email, whether or not they answered (nobody may learn who did), and it
    holds no figures: the linked page applies the reporting threshold. Each is in its person's language.
    Return the number of emails sent.
    """
    from .selectors import team_results_key

    invitations = Invitation.objects.filter(cycle=cycle, person__is_active=True).select_related("person")
    messages = []
    for invitation in invitations:
        link = settings.SITE_URL + reverse("feedback:team_results", args=[team_results_key(team_id=invitation.team_id)])
        context = {
            "organisation": settings.ORGANISATION_NAME,
            "person": invitation.person,
            "cycle": cycle,
            "link": link,
        }
        with translation.override(languages.of_person(invitation.person)):
            message = templated_message(
                subject=gettext("%(organisation)s: the results of %(survey)s are in")
                % {"organisation": settings.ORGANISATION_NAME, "survey": cycle.name},
                template="feedback/email/results_published",
                context=context,
                to=[invitation.person.email],
            )
        messages.append(message)
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
