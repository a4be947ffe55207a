"""The emails the collecting side sends. One function per email; sending goes through Django's backends."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Invitation


def invitation_email_send(*, invitation: Invitation, token: str) -> None:
    """Email a person their one-time survey link."""
    context = {
        "organisation": settings.ORGANISATION_NAME,
        "person": invitation.person,
        "cycle": invitation.cycle,
        "link": settings.SITE_URL + reverse("surveys:invitation", kwargs={"token": token}),
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.ORGANISATION_NAME}: a two-minute anonymous pulse survey",
        body=render_to_string("surveys/email/invitation.txt", context),
        to=[invitation.person.email],
    )
    message.attach_alternative(render_to_string("surveys/email/invitation.html", context), "text/html")
    message.send()
