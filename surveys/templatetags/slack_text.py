"""Slack's message text (mrkdwn) escaping: https://docs.slack.dev/messaging/formatting-message-text#escaping"""

from django import template

register = template.Library()


@register.filter
def slack_escaped(value) -> str:
    """Return a value as Slack shows it literally: &, < and > replaced by their entities, nothing else."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
