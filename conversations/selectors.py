"""Reads with rules for conversations: who may see a comment's thread, and the author's threads by key.

A thread is visible exactly where its comment is: to a login that may open the report of the comment's team
or of a team above it (as the tree stood when the cycle opened), where that group's comments are shown under
the threshold rules (feedback.selectors.team.comment_groups_shown), once the cycle has closed.
"""

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q

from feedback.selectors import teams_visible_to
from feedback.selectors.team import comment_groups_shown
from surveys.models import Comment, Cycle, Question
from surveys.sealing import comment_key_hash
from surveys.selectors import cycle_team_parents, team_ancestor_ids

from .models import Message, Thread

REPORTED = [Cycle.State.CLOSED, Cycle.State.PUBLISHED]


def _shown_groups(comment: Comment, *, known: dict | None = None) -> list[int]:
    """Return the comment's team and the teams above it whose reports show the comment (nearest first).

    `known`, where given, keeps each cycle's tree and shown groups for the next comment of the same cycle."""
    if comment.sealed is not None or comment.cycle.state not in REPORTED:
        return []
    known = {} if known is None else known
    if comment.cycle_id not in known:
        parents = cycle_team_parents(cycle_id=comment.cycle_id)
        known[comment.cycle_id] = (parents, comment_groups_shown(cycle=comment.cycle, parents=parents))
    parents, shown = known[comment.cycle_id]
    return [team for team in team_ancestor_ids(comment.team_id, parents=parents) if team in shown]


def comment_shown_anywhere(*, comment: Comment) -> bool:
    """Return whether some report shows this comment (its thread can take messages only then)."""
    return bool(_shown_groups(comment))


def comment_visible(*, user, comment_id) -> Comment | None:
    """Return the comment if this login may see it (and so its thread), else None."""
    comment = Comment.objects.select_related("cycle", "question").filter(id=comment_id).first()
    if comment is None or not user.is_authenticated:
        return None
    groups = _shown_groups(comment)
    if not groups or not teams_visible_to(user=user).filter(id__in=groups).exists():
        return None
    return comment


def thread_messages(*, thread: Thread | None) -> list[Message]:
    """Return a thread's messages in order (hidden ones included: pages show their note instead)."""
    if thread is None:
        return []
    return list(thread.messages.all())


def author_threads(*, key: str) -> list[Thread]:
    """Return the threads this conversation key opens (one per comment its author wrote in one response).

    Its hashes are made for every open question, as the key's hash covers its question too."""
    key = key.strip()
    if not key or len(key) > 100:
        return []
    questions = Question.objects.filter(kind=Question.Kind.COMMENT).values_list("id", flat=True)
    hashes = [comment_key_hash(key, question_id=q) for q in questions]
    return _threads(Thread.objects.filter(key_hash__in=hashes))


def threads_by_id(*, ids: list[str]) -> list[Thread]:
    """Return the threads with these ids (as the author's cookie names them), in author_threads' order;
    ids that are not UUIDs are passed over."""
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    return _threads(Thread.objects.filter(id__in=valid)) if valid else []


def _threads(threads) -> list[Thread]:
    return list(
        threads.select_related("comment", "comment__question", "comment__cycle").order_by("comment__question_id")
    )


@dataclass(frozen=True)
class HeardCounts:
    comments: int  # comments shown for the group
    heard: int  # of which got a reply or an acknowledgement
    open: int  # threads with a reply still open


def heard_counts(*, cycle: Cycle, team_ids: set[int]) -> HeardCounts:
    """Return how many comments of these teams in a cycle got a visible reply or acknowledgement from a reader."""
    comments = Comment.objects.filter(cycle=cycle, team_id__in=team_ids, sealed__isnull=True)
    answered = Thread.objects.filter(comment__in=comments).annotate(
        replies=Count("messages", filter=Q(messages__side=Thread.Side.STAFF, messages__hidden=False))
    )
    heard = answered.filter(replies__gt=0)
    return HeardCounts(
        comments=comments.count(), heard=heard.count(), open=heard.filter(state=Thread.State.OPEN).count()
    )


@dataclass(frozen=True)
class ConversationCounts:
    acknowledged: int  # comments this login may see that a reader replied to or acknowledged
    open: int  # of their conversations, those still open


def conversation_counts(*, user) -> ConversationCounts:
    """Return how many comments this login may see got an answer from a reader, and how many of those
    conversations are open (for the weekly digest). A comment counts only where the login may see it."""
    answered = (
        Thread.objects.filter(messages__side=Thread.Side.STAFF, messages__hidden=False)
        .distinct()
        .select_related("comment", "comment__cycle")
    )
    visible = set(teams_visible_to(user=user).values_list("id", flat=True))
    acknowledged = still_open = 0
    known = {}
    for thread in answered:
        if visible & set(_shown_groups(thread.comment, known=known)):
            acknowledged += 1
            still_open += thread.state == Thread.State.OPEN
    return ConversationCounts(acknowledged=acknowledged, open=still_open)


@dataclass(frozen=True)
class ShownComment:
    """A comment a team's report shows, with its conversation: messages in order, none without a thread."""

    id: uuid.UUID
    cycle: Cycle
    question: str
    text: str
    thread: Thread | None
    messages: list[Message]


def comments_shown(*, reports) -> list[ShownComment]:
    """Return the comments of a team's report (feedback.selectors.team_report) with their conversations.

    Made from the report's own comments, so exactly the comments the page shows, under the same rules, in the
    page's random order; newest cycle first."""
    shown = []
    for report in reports:
        extras = report.extras
        if not extras.comments_shown:
            continue
        ids = [comment_id for _, comments in extras.comments for comment_id, _ in comments]
        threads = {t.comment_id: t for t in Thread.objects.filter(comment_id__in=ids).prefetch_related("messages")}
        for prompt, comments in extras.comments:
            for comment_id, text in comments:
                thread = threads.get(comment_id)
                messages = list(thread.messages.all()) if thread else []
                shown.append(ShownComment(comment_id, report.cycle, prompt, text, thread, messages))
    return shown


def comments_table(*, reports) -> tuple[list[str], list[list]]:
    """Return the header and rows of a team's comments with their conversations (comments_shown), for CSV.

    One row per message, each in cells of its own (who, day, what), the comment repeated on each; a comment
    without messages has one row. A message's text may hold line breaks, so messages joined in one cell could
    be written to look like another's (a forged "Maria (Manager), …" line)."""
    rows = []
    for comment in comments_shown(reports=reports):
        state = comment.thread.get_state_display() if comment.messages else ""
        head = [comment.cycle.name, comment.question, comment.text, state]
        rows.extend([*head, *_message_cells(m)] for m in comment.messages)
        if not comment.messages:
            rows.append([*head, "", "", "", ""])
    return ["cycle", "question", "comment", "conversation", "message", "from", "day", "said"], rows


def _message_cells(message: Message) -> list:
    writer = "the author" if message.side == Thread.Side.AUTHOR else message.signature
    if message.hidden:
        said = f"[hidden by an admin: {message.hidden_note}]"
    elif message.kind == Message.Kind.ACKNOWLEDGEMENT:
        said = f"acknowledged: {message.label}"
    else:
        said = message.label
    return [message.position, writer, message.day.isoformat(), said]
