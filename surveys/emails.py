"""The emails the collecting side sends. One function per email; sending goes through Django's backends."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Invitation


def survey_link_send(*, invitation: Invitation, token: str, reminder: bool = False) -> None:
    """Send a person their survey link: the one way invitations and reminders leave Align.

    Email is the only channel today; a chat channel (Slack, Teams) would be chosen here, per person.
    """
    cycle = invitation.cycle
    if reminder:
        subject = f"Reminder: {cycle.name} closes {cycle.closes_at:%d %b}"
    else:
        subject = f"{settings.ORGANISATION_NAME}: a two-minute anonymous pulse survey"
    from feedback.selectors.team import latest_actions

    context = {
        "organisation": settings.ORGANISATION_NAME,
        "actions": latest_actions(team_id=invitation.team_id),
        "person": invitation.person,
        "cycle": cycle,
        "reminder": reminder,
        "link": settings.SITE_URL + reverse("surveys:invitation", kwargs={"token": token}),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("surveys/email/invitation.txt", context),
        to=[invitation.person.email],
    )
    message.attach_alternative(render_to_string("surveys/email/invitation.html", context), "text/html")
    message.send()


def login_granted_email_send(*, user_id: int) -> None:
    """Email a new login a one-time link to choose a password (Django's password-reset token)."""
    user = get_user_model().objects.get(pk=user_id)
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"organisation": settings.ORGANISATION_NAME, "link": settings.SITE_URL + path, "email": user.email}
    send_mail(
        subject=f"{settings.ORGANISATION_NAME}: your Align login",
        message=render_to_string("registration/login_granted_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
