"""Conversation pages: a comment's thread for those who may see the comment, and the author's own page.

The author's key never reaches the server in an address: their link carries it after `#` (browsers do not send
that part), and the page posts it once in a form body, which swaps it for a signed cookie on their device.
Every other visitor of a reader's page gets a 404, as for a report outside their scope. The author's pages keep
the site's same-origin referrer policy: their addresses hold no key, and under no-referrer browsers send
`Origin: null`, which CSRF protection refuses.
"""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alignsite.attempts import attempt_refund, attempt_start, attempts_key, rate_parse
from alignsite.client_address import client_limit_key
from alignsite.downloads import csv_attachment
from feedback.models import ReportAccess
from feedback.selectors import team_report, teams_visible_to
from feedback.services.audit import report_access_record
from surveys.access import is_admin
from surveys.csv_table import write_table

from . import selectors, services
from .models import Message, Thread

COOKIE = "align_conversation"
COOKIE_SALT = "align.conversation"
COOKIE_SECONDS = 2 * 3600
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")  # as response_submit makes them (secrets.token_urlsafe)


# A reader's side ----------------------------------------------------------------------------------------------


def _visible_comment(request, comment_id):
    comment = selectors.comment_visible(user=request.user, comment_id=comment_id)
    if comment is None:
        raise Http404
    return comment


@login_required
@require_GET
def thread_page(request, comment_id):
    """Show a comment, its thread, and the controls to acknowledge, reply, close and (admins) hide."""
    return _thread_page(request, _visible_comment(request, comment_id))


def _thread_page(request, comment, *, problem: str = "", text: str = ""):
    thread = Thread.objects.filter(comment=comment).first()
    context = {
        "comment": comment,
        "thread": thread,
        "messages_shown": selectors.thread_messages(thread=thread),
        "acknowledgements": Message.Acknowledgement.choices,
        "can_hide": is_admin(request.user),
        "open": thread is None or thread.state == Thread.State.OPEN,
        "problem": problem,
        "text": text,
    }
    return render(request, "conversations/thread.html", context, status=400 if problem else 200)


def _done(request, comment, action):
    """Do a reader's action and go back to the thread; a refusal is shown on the thread with a 400, with the
    reply as typed."""
    try:
        action()
    except ValidationError as error:
        return _thread_page(request, comment, problem=" ".join(error.messages), text=request.POST.get("text", ""))
    return redirect("conversations:thread", comment_id=comment.id)


@login_required
@require_POST
def thread_reply(request, comment_id):
    comment = _visible_comment(request, comment_id)
    text = request.POST.get("text", "")
    return _done(request, comment, lambda: services.message_reply(comment=comment, user=request.user, text=text))


@login_required
@require_POST
def thread_acknowledge(request, comment_id):
    comment = _visible_comment(request, comment_id)
    choice = request.POST.get("acknowledgement", "")
    return _done(
        request,
        comment,
        lambda: services.message_acknowledge(comment=comment, user=request.user, acknowledgement=choice),
    )


@login_required
@require_POST
def thread_close(request, comment_id):
    comment = _visible_comment(request, comment_id)
    thread = get_object_or_404(Thread, comment=comment)
    return _done(request, comment, lambda: services.thread_close(thread=thread, side=Thread.Side.STAFF))


@login_required
@require_POST
def message_hide(request, comment_id, message_id):
    comment = _visible_comment(request, comment_id)
    if not is_admin(request.user):
        raise Http404
    message = get_object_or_404(Message, id=message_id, thread__comment=comment)
    note = request.POST.get("note", "")
    return _done(request, comment, lambda: services.message_hide(message=message, user=request.user, note=note))


@login_required
@require_GET
def comments_export(request, team_id: int):
    """Download a team's shown comments with their conversations as CSV (the report's rules), audited."""
    team = get_object_or_404(teams_visible_to(user=request.user), id=team_id)
    header, rows = selectors.comments_table(reports=team_report(team=team))
    report_access_record(
        user=request.user, report="team_report:comments", subject=team.name, output=ReportAccess.Format.CSV
    )
    return csv_attachment(write_table(header, rows), filename="align-team-comments.csv")


# The author's side --------------------------------------------------------------------------------------------


@never_cache
@require_GET
def author_start(request):
    """The author's link lands here: its key (after `#`) is posted by the page's script, or pasted."""
    return render(request, "conversations/author_start.html")


@never_cache
@require_POST
def author_open(request):
    """Swap a posted key (or the whole link: what follows its last `#`) for a signed cookie naming the threads
    it opens, and go to the author's threads. The cookie holds the threads' ids, not the key: whoever reads
    it gets two hours, not the conversation for good.

    Unknown keys count against the client's limit (ALIGN_CONVERSATION_KEY_RATE): every attempt is counted when
    it starts and given back when the key opens a thread."""
    key = request.POST.get("key", "").strip().rsplit("#", 1)[-1].strip()
    guesses = attempts_key("conversation", client_limit_key(request))
    limit, seconds = rate_parse(settings.ALIGN_CONVERSATION_KEY_RATE)
    if not attempt_start(guesses, limit=limit, seconds=seconds):
        message = gettext(
            "Too many unrecognised conversation links were tried from your network. Please wait and try again."
        )
        return render(request, "conversations/author_start.html", {"problem": message}, status=429)
    threads = selectors.author_threads(key=key)
    if not threads:
        # Said the same whether the key is wrong or its survey is still open: nothing is kept to tell them apart.
        # The key goes back on the page, so a link opened too early is not lost.
        message = gettext(
            "This link opens no conversation yet. Conversations start when the survey closes: keep your link and "
            "open it again then. If the survey has closed, check that you copied the whole link."
        )
        kept = (
            request.build_absolute_uri(reverse("conversations:author")) + "#" + key if KEY_SHAPE.fullmatch(key) else ""
        )
        return render(request, "conversations/author_start.html", {"problem": message, "kept": kept}, status=404)
    attempt_refund(guesses)
    response = redirect("conversations:mine")
    response.set_signed_cookie(
        COOKIE,
        " ".join(str(thread.id) for thread in threads),
        salt=COOKIE_SALT,
        max_age=COOKIE_SECONDS,
        path=reverse("conversations:mine"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _author_thread_ids(request) -> list[str]:
    ids = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT, max_age=COOKIE_SECONDS)
    return ids.split()


def _reopen(request, *, unsent: str = ""):
    """The landing page, saying the author's page opens from their link (no cookie, or it expired)."""
    message = gettext(
        "Your conversation opens from your private link (it ends in #…): open the link again. Each opening lasts "
        "two hours on this device."
    )
    if unsent:
        message += " " + gettext("Your answer was not sent; it is below, to copy.")
    context = {"problem": message, "unsent": unsent}
    return render(request, "conversations/author_start.html", context, status=404)


@never_cache
@require_GET
def author_page(request):
    """Show the author their comments and threads, with a box to answer each open one."""
    return _author_page(request, threads=selectors.threads_by_id(ids=_author_thread_ids(request)))


def _author_page(request, *, threads: list[Thread], problem: str = ""):
    if not threads:
        return _reopen(request)
    shown = [
        {
            "thread": thread,
            "messages": selectors.thread_messages(thread=thread),
            "can_write": thread.state == Thread.State.OPEN and selectors.comment_shown_anywhere(comment=thread.comment),
        }
        for thread in threads
    ]
    return render(
        request, "conversations/author.html", {"threads": shown, "problem": problem}, status=400 if problem else 200
    )


def _author_action(request, action):
    """Do an author's action on the posted thread, if the cookie names it; a refusal is shown on the page itself
    (Django's messages would keep it in a session, a row written because the author wrote)."""
    threads = selectors.threads_by_id(ids=_author_thread_ids(request))
    if not threads:
        return _reopen(request, unsent=request.POST.get("text", "").strip())
    thread = next((t for t in threads if str(t.id) == request.POST.get("thread", "")), None)
    if thread is None:
        raise Http404
    try:
        action(thread)
    except ValidationError as error:
        return _author_page(request, threads=threads, problem=" ".join(error.messages))
    return redirect("conversations:mine")


@never_cache
@require_POST
def author_reply(request):
    text = request.POST.get("text", "")
    return _author_action(request, lambda thread: services.message_from_author(thread=thread, text=text))


@never_cache
@require_POST
def author_close(request):
    return _author_action(request, lambda thread: services.thread_close(thread=thread, side=Thread.Side.AUTHOR))
