"""The emails the collecting side sends. One function per email; sending goes through Django's backends."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext, pgettext

from alignsite.mail import participation_revealing, templated_message

from . import addresses, languages
from .models import Invitation
from .selectors import answering_minutes
from .templatetags.wall_clocks import day_on_clock


def survey_link_message(
    *, invitation: Invitation, token: str, reminder: bool = False, memo: dict | None = None
) -> EmailMultiAlternatives:
    """Return a person's survey link email, composed but not sent: the one way invitations and reminders leave
    Align.

    Composing reads the team's latest actions; a reminder round composes one for every invitation, answered
    or not, so what it reads never depends on who has answered. Slack direct messages carry the same words
    and link (surveys.slack.survey_link_text); the cycle's delivery chooses the channels. A batch passes one
    `memo` dict to all its messages: each team's actions and each cycle's length are then read once.

    Written in the person's language (`languages.of_person`), whose code its link carries.
    """
    with translation.override(languages.of_person(invitation.person)):
        return _survey_link_message(invitation=invitation, token=token, reminder=reminder, memo=memo)


def _survey_link_message(*, invitation: Invitation, token: str, reminder: bool, memo: dict | None):
    cycle = invitation.cycle
    context = survey_link_context(invitation=invitation, token=token, reminder=reminder, memo=memo)
    if reminder:
        day = day_on_clock(
            cycle.closes_at, cycle.time_zone, pgettext("day and month format (Django's date syntax)", "j M")
        )
        subject = gettext("Reminder: %(survey)s closes %(day)s") % {"survey": cycle.name, "day": day}
    else:
        subject = gettext("%(organisation)s: a %(minutes)d-minute anonymous pulse survey") % {
            "organisation": settings.ORGANISATION_NAME,
            "minutes": context["minutes"],
        }
    message = templated_message(
        subject=subject, template="surveys/email/invitation", context=context, to=[invitation.address]
    )
    if reminder:
        participation_revealing(message)
    return message


def survey_link_context(*, invitation: Invitation, token: str, reminder: bool, memo: dict | None = None) -> dict:
    """Return what a survey link message says, whichever channel carries it.

    `memo` (optional, shared by a batch's messages) keeps the team's actions and the cycle's length in minutes
    under ("actions", team id) and ("minutes", cycle id), so a batch reads each once.
    """
    from feedback.selectors.team import latest_actions

    memo = {} if memo is None else memo
    actions_key, minutes_key = ("actions", invitation.team_id), ("minutes", invitation.cycle_id)
    if actions_key not in memo:
        memo[actions_key] = latest_actions(team_id=invitation.team_id)
    if minutes_key not in memo:
        memo[minutes_key] = answering_minutes(cycle=invitation.cycle)
    return {
        "organisation": settings.ORGANISATION_NAME,
        "actions": memo[actions_key],
        "person": invitation.person,
        "cycle": invitation.cycle,
        "reminder": reminder,
        "minutes": memo[minutes_key],
        "link": survey_link(person=invitation.person, token=token),
    }


def survey_link(*, person, token: str) -> str:
    """Return a survey link on SITE_URL: /s/<token>/, and `?lang=<code>` when the person has a language of their
    own, so the survey opens in it (surveys.views.survey.invitation_open); without one the page follows the
    browser's languages, as every page does."""
    link = settings.SITE_URL + reverse("surveys:invitation", kwargs={"token": token})
    return f"{link}?{urlencode({'lang': person.language})}" if person.language else link


def login_language(user) -> str:
    """Return the language a login's emails are written in: its person's (`languages.of_person`), else the
    default (a superuser may have no person)."""
    person = getattr(user, "person", None) if user.pk else None
    return languages.of_person(person) if person is not None else languages.default()


def login_address(user) -> str:
    """Return the address a login's emails go to: its person's stored address (which its username and email follow,
    surveys.services.people.login_follow), else its own email (a superuser may have no person)."""
    person = getattr(user, "person", None) if user.pk else None
    return person.email if person is not None else user.email


def login_granted_email_send(*, user_id: int) -> None:
    """Email a new login a one-time link to choose a password (Django's password-reset token), in its person's
    language."""
    user = get_user_model().objects.select_related("person").get(pk=user_id)
    address = login_address(user)
    context = {"organisation": settings.ORGANISATION_NAME, "link": _choose_password_link(user), "email": address}
    with translation.override(login_language(user)):
        message = templated_message(
            subject=gettext("%(organisation)s: your Align login") % {"organisation": settings.ORGANISATION_NAME},
            template="surveys/email/login_granted",
            context=context,
            to=[address],
        )
    message.send()


def password_reset_email_send(*, email: str) -> None:
    """Email every active login with this address a one-time link to choose a new password.

    Run by a worker, never inside the request: how long this takes, and whether it sends anything, must not
    reach the person who asked (see surveys.views.accounts.QueuedPasswordResetView). The users are found as
    Django's PasswordResetForm.get_users finds them — active, address equal ignoring case — except that a
    login with an unusable password is included: Align creates every login that way and sends it a
    choose-a-password link (login_granted_email_send), so someone whose link expired or got lost must be
    able to ask for another. Align has no other authentication backend, so an unusable password never
    means "this login must not get a password". The link is built on SITE_URL rather than the request's
    Host header. Each email is in its login's language (`login_language`), never the asker's.
    """
    User = get_user_model()
    email_field = User.get_email_field_name()
    email = addresses.stored(email)  # full-width letters, an IDNA domain: the spelling Align stores
    users = User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
    for user in users:
        address = getattr(user, email_field)
        if not _same_address(email, address):  # iexact folds less than Unicode does; Django checks again
            continue
        context = {
            "organisation": settings.ORGANISATION_NAME,
            "email": address,
            "site_name": urlsplit(settings.SITE_URL).netloc,
            "link": _choose_password_link(user),
        }
        with translation.override(login_language(user)):
            message = templated_message(
                subject=gettext("%(organisation)s: reset your Align password")
                % {"organisation": settings.ORGANISATION_NAME},
                template="surveys/email/password_reset",
                context=context,
                to=[address],
            )
        # Unlike PasswordResetForm.send_mail, a failure is raised, so the task retries a mail server hiccup.
        message.send()


def _choose_password_link(user) -> str:
    """Return a login's one-time link to choose a password (Django's password-reset token), on SITE_URL."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _same_address(first: str, second: str) -> bool:
    """Return whether two addresses are one mailbox (addresses.key: NFKC, casefold, as Django's
    PasswordResetForm compares them, and the domain as IDNA)."""
    return addresses.key(first) == addresses.key(second)
