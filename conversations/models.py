"""Anonymous two-way conversations on comments (issue #23).

A comment's thread is written when its cycle closes, in the rewritten comments' random order, under a random
key; it keeps only a hash of its author's conversation key, which was sealed inside the comment while the
cycle was open (surveys.sealing). Messages carry the day they were written, never a finer time, and nothing
of the client that wrote them. Nothing here names an invitation, a person who answered, or a response.
"""

import uuid

from django.conf import settings
from django.db import models

from surveys.models import COMMENT_MAX_LENGTH, Comment


class Thread(models.Model):
    """The conversation on one comment, between its author (whoever holds the key) and those who may see it."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Side(models.TextChoices):
        AUTHOR = "author", "The author"
        STAFF = "staff", "A reader"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="thread")
    # SHA-256 of the author's key and the question (surveys.sealing.comment_key_hash); null for a comment whose
    # author holds no key (written before conversations, or still sealed): readers can still acknowledge it.
    key_hash = models.BinaryField(null=True, unique=True, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    closed_by = models.CharField(max_length=10, choices=Side.choices, blank=True)


class Message(models.Model):
    """One message of a thread: the author's words, or a reader's reply or acknowledgement, signed.

    Ordered by `position` within its thread; dated by the day only (a finer time would line the author's
    messages up with a web server's log of who was connected)."""

    class Kind(models.TextChoices):
        TEXT = "text", "Reply"
        ACKNOWLEDGEMENT = "ack", "Acknowledgement"

    class Acknowledgement(models.TextChoices):
        THANKS = "thanks", "Thank you"
        LOOKING = "looking", "We're looking into it"
        ACTED = "acted", "We've acted on this"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField()
    side = models.CharField(max_length=10, choices=Thread.Side.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    acknowledgement = models.CharField(max_length=10, choices=Acknowledgement.choices, blank=True)
    text = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    # A reader signs with their name and role as they were when writing; the author signs nothing.
    writer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    signature = models.CharField(max_length=250, blank=True)
    day = models.DateField()
    hidden = models.BooleanField(default=False)
    hidden_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["thread", "position"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "position"], name="message_position_unique"),
            models.CheckConstraint(
                condition=models.Q(side="staff") | models.Q(writer__isnull=True, signature=""),
                name="message_author_unsigned",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="text", acknowledgement="") | models.Q(kind="ack", side="staff"),
                name="message_acknowledgement_by_reader",
            ),
        ]

    @property
    def label(self) -> str:
        """Return what the message says: its text, or its acknowledgement's words."""
        if self.kind == self.Kind.ACKNOWLEDGEMENT:
            return self.Acknowledgement(self.acknowledgement).label
        return self.text
