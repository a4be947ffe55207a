"""The emails the collecting side sends. One function per email; sending goes through Django's backends."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alignsite.mail import participation_revealing

from . import addresses
from .models import Invitation
from .templatetags.wall_clocks import day_on_clock


def survey_link_message(*, invitation: Invitation, token: str, reminder: bool = False) -> EmailMultiAlternatives:
    """Return a person's survey link email, composed but not sent: the one way invitations and reminders leave
    Align.

    Composing reads the team's latest actions; a reminder round composes one for every invitation, answered
    or not, so what it reads never depends on who has answered. Slack direct messages carry the same words
    and link (surveys.slack.survey_link_text); the cycle's delivery chooses the channels.
    """
    cycle = invitation.cycle
    if reminder:
        subject = f"Reminder: {cycle.name} closes {day_on_clock(cycle.closes_at, cycle.time_zone, 'j M')}"
    else:
        subject = f"{settings.ORGANISATION_NAME}: a two-minute anonymous pulse survey"
    context = survey_link_context(invitation=invitation, token=token, reminder=reminder)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("surveys/email/invitation.txt", context),
        to=[invitation.address],
    )
    message.attach_alternative(render_to_string("surveys/email/invitation.html", context), "text/html")
    if reminder:
        participation_revealing(message)
    return message


def survey_link_context(*, invitation: Invitation, token: str, reminder: bool) -> dict:
    """Return what a survey link message says, whichever channel carries it."""
    from feedback.selectors.team import latest_actions

    return {
        "organisation": settings.ORGANISATION_NAME,
        "actions": latest_actions(team_id=invitation.team_id),
        "person": invitation.person,
        "cycle": invitation.cycle,
        "reminder": reminder,
        "link": settings.SITE_URL + reverse("surveys:invitation", kwargs={"token": token}),
    }


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


def password_reset_email_send(*, email: str) -> None:
    """Email every active login with this address a one-time link to choose a new password.

    Run by a worker, never inside the request: how long this takes, and whether it sends anything, must not
    reach the person who asked (see surveys.views.accounts.QueuedPasswordResetView). The users are found as
    Django's PasswordResetForm.get_users finds them — active, address equal ignoring case — except that a
    login with an unusable password is included: Align creates every login that way and sends it a
    choose-a-password link (login_granted_email_send), so someone whose link expired or got lost must be
    able to ask for another. Align has no other authentication backend, so an unusable password never
    means "this login must not get a password". The email is Django's own (registration/ templates), with
    the link built on SITE_URL rather than the request's Host header.
    """
    User = get_user_model()
    email_field = User.get_email_field_name()
    email = addresses.stored(email)  # full-width letters, an IDNA domain: the spelling Align stores
    users = User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
    protocol, _, domain = settings.SITE_URL.partition("://")
    for user in users:
        address = getattr(user, email_field)
        if not _same_address(email, address):  # iexact folds less than Unicode does; Django checks again
            continue
        context = {
            "email": address,
            "domain": domain,
            "site_name": urlsplit(settings.SITE_URL).netloc,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": default_token_generator.make_token(user),
            "protocol": protocol,
        }
        subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
        body = render_to_string("registration/password_reset_email.html", context)
        # Unlike PasswordResetForm.send_mail, a failure is raised, so the task retries a mail server hiccup.
        EmailMultiAlternatives(subject=subject, body=body, to=[address]).send()


def _same_address(first: str, second: str) -> bool:
    """Return whether two addresses are one mailbox (addresses.key: NFKC, casefold, as Django's
    PasswordResetForm compares them, and the domain as IDNA)."""
    return addresses.key(first) == addresses.key(second)
