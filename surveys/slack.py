"""Slack delivery: survey links as direct messages from the organisation's Slack app, through the official slack_sdk.

Three Web API methods reach a person — users.lookupByEmail (their address as of opening), conversations.open (the
app's direct-message channel with them) and chat.postMessage — and auth.test checks the connection before a
reminder batch handles anyone, as opening the mail connection does for email. A rate limit (HTTP 429) is waited
out for as long as its Retry-After says (slack_sdk's RateLimitErrorRetryHandler), SLACK_RATE_LIMIT_RETRIES times.

Nothing here logs a recipient: a reminder goes only to people who have not answered, so a log line naming its
channel would list them (DESIGN.md §3.6). slack_sdk's own request log (its DEBUG lines carry the message body,
with the link) is kept at WARNING whatever LOG_LEVEL says.
"""

import logging
import urllib.error

from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import translation
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from . import languages
from .models import Delivery, Invitation

# slack_sdk logs each request's body at DEBUG: the survey link, and for a reminder who has not answered.
SDK_LOGGER = logging.getLogger("surveys.slack.sdk")
SDK_LOGGER.setLevel(logging.WARNING)

# What Slack says of one person rather than of the app or the service: they cannot be sent a direct message.
# https://docs.slack.dev/reference/methods/users.lookupByEmail, conversations.open, chat.postMessage
PERSON_ERRORS = frozenset({
    "users_not_found",
    "user_not_found",
    "user_disabled",
    "user_not_visible",
    "cannot_dm_bot",
    "channel_not_found",
    "is_archived",
    "messages_tab_disabled",
})  # fmt: skip

USES_SLACK = (Delivery.SLACK, Delivery.SLACK_ONLY, Delivery.BOTH)


class SlackUnavailable(Exception):
    """Slack or the app cannot be used now (unreachable, rate limited past the retries, a revoked token):
    nothing about any one person, so the send fails and is retried later."""


class SlackRefused(Exception):
    """Slack cannot deliver to this one person (PERSON_ERRORS)."""


def connected() -> bool:
    """Return whether a Slack app is connected (SLACK_BOT_TOKEN is set)."""
    return bool(settings.SLACK_BOT_TOKEN)


def uses_slack(delivery: str) -> bool:
    """Return whether a delivery choice sends Slack direct messages."""
    return delivery in USES_SLACK


def emails_too(delivery: str, *, channel: str | None) -> bool:
    """Return whether someone is emailed under this delivery, given their Slack channel ("" if Slack did not
    know them, None if Slack was not tried)."""
    if delivery == Delivery.SLACK:
        return not channel
    return delivery in (Delivery.EMAIL, Delivery.BOTH)


def _client() -> WebClient:
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL,
        timeout=30,
        logger=SDK_LOGGER,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=settings.SLACK_RATE_LIMIT_RETRIES),
        ],
    )


def _call(method: str, **arguments) -> dict:
    """Call one Web API method and return its answer; raise SlackRefused for a person's error, SlackUnavailable
    for anything else that went wrong."""
    try:
        return getattr(_client(), method)(**arguments).data
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if code in PERSON_ERRORS:
            raise SlackRefused(code) from None
        raise SlackUnavailable(f"Slack answered {method} with {code or error.response.status_code}") from None
    except (urllib.error.URLError, OSError, SlackRequestError) as error:
        raise SlackUnavailable(f"Slack could not be reached for {method}: {type(error).__name__}") from None


def connection_check() -> None:
    """Check that Slack answers and the token works (auth.test); raise SlackUnavailable if not."""
    _call("auth_test")


def direct_channel(*, address: str) -> str:
    """Return the app's direct-message channel with the person Slack knows by this address, or "" if none."""
    try:
        user = _call("users_lookupByEmail", email=address)["user"]
        if user.get("deleted") or user.get("is_bot"):
            return ""
        return _call("conversations_open", users=user["id"])["channel"]["id"]
    except SlackRefused:
        return ""


def message_post(*, channel: str, text: str) -> None:
    """Post a message to a direct-message channel, links not unfurled: Slack's unfurler would open the survey
    link itself, and the link is the person's credential."""
    _call("chat_postMessage", channel=channel, text=text, unfurl_links=False, unfurl_media=False)


def survey_link_text(*, invitation: Invitation, token: str, reminder: bool = False) -> str:
    """Return a person's survey link as a Slack message (mrkdwn), composed but not posted: the same words and
    the same link as the email (surveys.emails.survey_link_message), in the person's language."""
    from .emails import survey_link_context

    with translation.override(languages.of_person(invitation.person)):
        context = survey_link_context(invitation=invitation, token=token, reminder=reminder)
        return render_to_string("surveys/slack/invitation.txt", context).strip()


def cycle_reach(*, cycle_id: int) -> dict[str, int]:
    """Return how many of a cycle's invitations were posted on Slack and how many people Slack did not know
    (counts of everyone invited, fixed when the invitations went out: they say nothing of who answered)."""
    return Invitation.objects.filter(cycle_id=cycle_id, slack_channel__isnull=False).aggregate(
        posted=Count("id", filter=~Q(slack_channel="")), unreachable=Count("id", filter=Q(slack_channel=""))
    )
