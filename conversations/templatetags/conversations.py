"""Conversation summaries for the report and results pages (feedback/score_tables.html)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from surveys.selectors import cycle_team_parents, team_subtree_ids

from ..models import Thread
from ..selectors import heard_counts

register = template.Library()


@register.simple_tag
def thread_summary(comment_id) -> str:
    """Return a link to a comment's conversation, saying how many messages it holds (for readers' reports)."""
    thread = Thread.objects.filter(comment_id=comment_id).first()
    count = thread.messages.count() if thread else 0
    state = "closed" if thread and thread.state == Thread.State.CLOSED else ""
    words = "Reply or acknowledge" if not count else f"Conversation: {count} message{'s' if count != 1 else ''}"
    if state:
        words += " (closed)"
    return format_html(
        '<a class="conversation-link" href="{}">{}</a>', reverse("conversations:thread", args=[comment_id]), words
    )


@register.simple_tag
def heard_line(cycle, team) -> str:
    """Return "you said, we heard" for a team's shown comments in a cycle: how many got a reply or an
    acknowledgement, and how many of those conversations are still open."""
    subtree = team_subtree_ids([team.id], parents=cycle_team_parents(cycle_id=cycle.id))
    counts = heard_counts(cycle=cycle, team_ids=subtree)
    if not counts.comments:
        return ""
    return format_html(
        '<p class="heard">You said, we heard: {} of {} comment{} got a reply or an acknowledgement; '
        "{} conversation{} still open.</p>",
        counts.heard,
        counts.comments,
        "" if counts.comments == 1 else "s",
        counts.open,
        "" if counts.open == 1 else "s",
    )
