"""The weekly leadership digest: each leader's and admin's subtree in a few lines, under disclosure control."""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from alignsite.mail import templated_message
from surveys.emails import login_address, login_language
from surveys.models import Person

from ..models import DigestSent, Finding
from ..selectors import teams_visible_to
from ..selectors.dashboard import dashboard, reported_cycles


def digest_recipients() -> list:
    """Return the active logins with an email address who lead a subtree or administer Align."""
    roles = [Person.Role.LEADER, Person.Role.ADMIN]
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(person__role__in=roles, person__is_active=True))
        .distinct()
        .order_by("id")
    )


def digest_message(*, user) -> EmailMultiAlternatives | None:
    """Return a login's digest email, composed but not sent, or None when there is nothing to report (no
    closed cycle, no teams)."""
    teams = list(teams_visible_to(user=user))
    ids = {team.id for team in teams}
    roots = sorted((team for team in teams if team.parent_id not in ids), key=lambda team: team.name)
    if not roots or not reported_cycles():
        return None
    from conversations.selectors import conversation_counts  # conversations builds on feedback, not the reverse

    boards = [dashboard(root=root) for root in roots]
    context = {
        "name": getattr(getattr(user, "person", None), "name", "") or user.get_username(),
        "boards": [board for board in boards if board.heat_cycle],
        "findings": list(Finding.objects.filter(significant=True).select_related("dimension", "metric")[:5]),
        "organisation": settings.ORGANISATION_NAME,
        "link": settings.SITE_URL + reverse("feedback:dashboard"),
        "conversations": conversation_counts(user=user),
    }
    with translation.override(login_language(user)):  # the reader's language, whoever runs the job
        return templated_message(
            subject=gettext("%(organisation)s: your weekly Align digest")
            % {"organisation": settings.ORGANISATION_NAME},
            template="feedback/email/digest",
            context=context,
            to=[login_address(user)],
        )


def digest_text(*, user) -> str | None:
    """Return the text of a login's digest, or None when there is nothing to report."""
    message = digest_message(user=user)
    return None if message is None else message.body


def digest_send(*, user, week_start: date) -> bool:
    """Send one login its digest for a week, at most once; return whether it was sent now."""
    message = digest_message(user=user)
    if message is None:
        return False
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, week_start=week_start)
            # Inside the transaction: if the mail server fails, the claim rolls back and a retry sends it.
            message.send()
    except IntegrityError:
        return False  # already sent this week
    return True
