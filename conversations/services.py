"""Writes for conversations: threads opened at closing, messages from either side, closing, moderation."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext

from feedback.services.audit import report_access_record
from surveys.forms import COMMENT_TOO_LONG
from surveys.models import COMMENT_MAX_LENGTH, Comment, Person
from surveys.typed_text import text_stored, text_typed, typed_length

from .models import Message, Thread
from .selectors import comment_shown_anywhere

NOTE_MAX_LENGTH = 500
# The most messages a thread holds, both sides together: a conversation, not a chat, and a page that stays
# readable; one key's holder cannot grow it without end.
THREAD_MAX_MESSAGES = 100


def threads_open(*, keyed: Iterable[tuple]) -> int:
    """Write a thread for each (comment id, author's key hash), in the order given; return how many.

    Called by closing (surveys.services.cycles.comments_rewrite) with the comments' new ids in their random
    order: the threads' rows and random keys follow nothing that existed while the cycle was open."""
    threads = [Thread(comment_id=comment_id, key_hash=key_hash) for comment_id, key_hash in keyed]
    Thread.objects.bulk_create(threads, batch_size=1000)
    return len(threads)


def _clean_text(text: str) -> str:
    """Return a message's text as a comment's is kept (surveys.typed_text), or raise ValidationError."""
    text = text_typed(text)
    if not text:
        raise ValidationError(gettext("Write a message first."))
    if typed_length(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(COMMENT_TOO_LONG)
    return text_stored(text)


def _signature(user) -> str:
    person = Person.objects.filter(user=user).first()
    if person is None:
        return f"{user.get_full_name() or user.get_username()} (Admin)"
    return f"{person.name} ({person.get_role_display()})"


def _append(thread: Thread, **fields) -> Message:
    """Add a message at the end of a thread that takes messages. The thread row is held, so two writers
    cannot take the same position, and a thread closed meanwhile refuses it."""
    thread = Thread.objects.select_for_update().get(id=thread.id)
    if thread.state != Thread.State.OPEN:
        raise ValidationError(gettext("This conversation is closed."))
    if not comment_shown_anywhere(comment=thread.comment):
        raise ValidationError(gettext("This comment is not shown, so its conversation cannot take messages."))
    last = thread.messages.aggregate(last=Max("position"))["last"] or 0
    if last >= THREAD_MAX_MESSAGES:
        raise ValidationError(
            f"This conversation has reached its {THREAD_MAX_MESSAGES} messages: close it, and take it up in the next "
            "survey or in person."
        )
    # The day only: a finer time would line the author's messages up with whoever was connected then.
    return Message.objects.create(thread=thread, position=last + 1, day=timezone.localdate(), **fields)


def _thread_of(comment: Comment) -> Thread:
    """Return a comment's thread, starting one without an author's key where its author holds none."""
    thread, _ = Thread.objects.get_or_create(comment=comment)
    return thread


@transaction.atomic
def message_reply(*, comment: Comment, user, text: str) -> Message:
    """Add a reader's reply to a comment's thread, signed with their name and role."""
    return _append(
        _thread_of(comment), side=Thread.Side.STAFF, text=_clean_text(text), writer=user, signature=_signature(user)
    )


@transaction.atomic
def message_acknowledge(*, comment: Comment, user, acknowledgement: str) -> Message:
    """Add a reader's one-click acknowledgement (one of Message.Acknowledgement) to a comment's thread."""
    if acknowledgement not in Message.Acknowledgement.values:
        raise ValidationError("Choose one of the acknowledgements offered.")
    return _append(
        _thread_of(comment),
        side=Thread.Side.STAFF,
        kind=Message.Kind.ACKNOWLEDGEMENT,
        acknowledgement=acknowledgement,
        writer=user,
        signature=_signature(user),
    )


@transaction.atomic
def message_from_author(*, thread: Thread, text: str) -> Message:
    """Add the author's message (the caller checked the key): unsigned, under a comment's limits."""
    return _append(thread, side=Thread.Side.AUTHOR, text=_clean_text(text))


@transaction.atomic
def thread_close(*, thread: Thread, side: str) -> bool:
    """Close a thread on behalf of one side; return False if it was already closed. A thread whose comment no
    report shows takes nothing, a closing included (ValidationError)."""
    if not comment_shown_anywhere(comment=thread.comment):
        raise ValidationError(gettext("This comment is not shown, so its conversation cannot be changed."))
    return bool(
        Thread.objects.filter(id=thread.id, state=Thread.State.OPEN).update(state=Thread.State.CLOSED, closed_by=side)
    )


@transaction.atomic
def message_hide(*, message: Message, user, note: str) -> Message:
    """Hide a message behind a visible note (an admin's moderation), recorded in the audit log."""
    note = " ".join(text_typed(note).split())
    if not note:
        raise ValidationError("Say why the message is hidden: the note is shown in its place.")
    if typed_length(note) > NOTE_MAX_LENGTH:  # as its box counts it
        raise ValidationError(f"Keep the note to {NOTE_MAX_LENGTH} characters or fewer.")
    updated = Message.objects.filter(id=message.id, hidden=False).update(hidden=True, hidden_note=note)
    if not updated:
        raise ValidationError("This message is already hidden.")
    # The note is kept whole on the message; the audit line names the message and begins the note.
    subject = f"message {message.id}: "
    report_access_record(
        user=user, report="conversation:hide", subject=subject + Truncator(note).chars(200 - len(subject))
    )
    return Message.objects.get(id=message.id)
