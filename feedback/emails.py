"""Emails from the feedback side. Every figure in them has passed the reporting threshold."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from surveys.models import Cycle, Person, Response


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
