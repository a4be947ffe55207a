"""Conversation summaries for the report and results pages (feedback/score_tables.html)."""

from django import template
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from surveys.selectors import cycle_team_parents, team_subtree_ids

from ..models import Thread
from ..selectors import heard_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def thread_summary(context, comment_id) -> str:
    """Return a link to a comment's conversation, saying how many messages it holds (for readers' reports).

    The first call of a cycle's section reads the counts of all its comments in one query."""
    known = context.render_context.setdefault("conversation_summaries", {})
    if comment_id not in known:
        extras = context.get("extras")
        ids = [cid for _, comments in getattr(extras, "comments", []) for cid, _ in comments] or [comment_id]
        known.update(dict.fromkeys(ids, (0, Thread.State.OPEN)))
        for thread in Thread.objects.filter(comment_id__in=ids).annotate(count=Count("messages")):
            known[thread.comment_id] = (thread.count, thread.state)
    count, state = known.get(comment_id, (0, Thread.State.OPEN))
    words = "Reply or acknowledge" if not count else f"Conversation: {count} message{'s' if count != 1 else ''}"
    if state == Thread.State.CLOSED:
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
    heard = ngettext(
        "You said, we heard: %(heard)d of %(comments)d comment got a reply or an acknowledgement;",
        "You said, we heard: %(heard)d of %(comments)d comments got a reply or an acknowledgement;",
        counts.comments,
    ) % {"heard": counts.heard, "comments": counts.comments}
    still_open = ngettext("%(open)d conversation still open.", "%(open)d conversations still open.", counts.open) % {
        "open": counts.open
    }
    return format_html('<p class="heard">{} {}</p>', heard, still_open)
