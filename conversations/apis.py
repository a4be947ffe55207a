"""The API's read of a team's comments and their conversations, for logins that may open the team's report.

Machines (ingestion tokens) never read people's words: only a logged-in session does, by the same scope and
rules as the report and its CSV (conversations.selectors.comments_shown), audited as the CSV is.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.models import ReportAccess
from feedback.selectors import team_report, teams_visible_to
from feedback.services.audit import report_access_record

from . import selectors
from .models import Message, Thread


class MessageOutput(serializers.Serializer):
    side = serializers.ChoiceField(Thread.Side.choices, help_text="'author' (shown as the author) or 'staff'.")
    signature = serializers.CharField(help_text="A reader's name and role as they were; empty for the author.")
    day = serializers.DateField(help_text="The day it was written (no finer time is kept).")
    kind = serializers.ChoiceField(Message.Kind.choices, help_text="'text' (a reply) or 'ack' (an acknowledgement).")
    text = serializers.CharField(help_text="The reply, or the acknowledgement's words; empty when hidden.")
    hidden = serializers.BooleanField()
    hidden_note = serializers.CharField(help_text="The admin's note shown in place of a hidden message.")


class CommentOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="The comment; its page is /conversations/comment/<id>/.")
    cycle = serializers.CharField(help_text="The cycle's name.")
    cycle_id = serializers.IntegerField()
    question = serializers.CharField()
    text = serializers.CharField()
    conversation = serializers.ChoiceField(
        ["none", *Thread.State.values], help_text="'none' until a reader or the author writes."
    )
    messages = MessageOutput(many=True)


class TeamCommentsOutput(serializers.Serializer):
    team = serializers.CharField()
    comments = CommentOutput(many=True)


def _comment(comment: selectors.ShownComment) -> dict:
    return {
        "id": comment.id,
        "cycle": comment.cycle.name,
        "cycle_id": comment.cycle.id,
        "question": comment.question,
        "text": comment.text,
        "conversation": comment.thread.state if comment.messages else "none",
        "messages": [
            {
                "side": m.side,
                "signature": m.signature,
                "day": m.day,
                "kind": m.kind,
                "text": "" if m.hidden else m.label,
                "hidden": m.hidden,
                "hidden_note": m.hidden_note,
            }
            for m in comment.messages
        ],
    }


class TeamComments(APIView):
    """GET a team's comments with their conversations: what its report shows, newest cycle first.

    403 without a login (tokens included), 404 for a team outside the login's scope."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    metadata_class = None  # OPTIONS describes nothing: 405

    @extend_schema(operation_id="team_comments", responses=TeamCommentsOutput)
    def get(self, request, team_id: int):
        team = get_object_or_404(teams_visible_to(user=request.user), id=team_id)
        comments = selectors.comments_shown(reports=team_report(team=team))
        report_access_record(
            user=request.user, report="team_report:comments", subject=team.name, output=ReportAccess.Format.API
        )
        return Response(TeamCommentsOutput({"team": team.name, "comments": [_comment(c) for c in comments]}).data)
