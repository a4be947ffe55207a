"""Conversation pages: a comment's thread for those who may see the comment, and the author's own page.

The author's key never reaches the server in an address: their link carries it after `#` (browsers do not send
that part), and the page posts it once in a form body, which swaps it for a signed cookie on their device.
Every other visitor of a reader's page gets a 404, as for a report outside their scope. The author's pages keep
the site's same-origin referrer policy: their addresses hold no key, and under no-referrer browsers send
`Origin: null`, which CSRF protection refuses.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alignsite.attempts import attempt_refund, attempt_start, attempts_key, rate_parse
from alignsite.client_address import client_limit_key
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
    comment = _visible_comment(request, comment_id)
    thread = Thread.objects.filter(comment=comment).first()
    context = {
        "comment": comment,
        "thread": thread,
        "messages_shown": selectors.thread_messages(thread=thread),
        "acknowledgements": Message.Acknowledgement.choices,
        "can_hide": is_admin(request.user),
        "open": thread is None or thread.state == Thread.State.OPEN,
    }
    return render(request, "conversations/thread.html", context)


def _done(request, comment, action):
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
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
    response = HttpResponse(write_table(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="align-team-comments.csv"'
    return response


# The author's side --------------------------------------------------------------------------------------------


@never_cache
@require_GET
def author_start(request):
    """The author's link lands here: its key (after `#`) is posted by the page's script, or pasted."""
    return render(request, "conversations/author_start.html")


@never_cache
@require_POST
def author_open(request):
    """Swap a posted key for a signed cookie and go to the author's threads.

    Unknown keys count against the client's limit as unknown invitation links do (ALIGN_TOKEN_GUESS_RATE):
    every attempt is counted when it starts and given back when the key opens a thread."""
    key = request.POST.get("key", "").strip().lstrip("#")
    guesses = attempts_key("conversation", client_limit_key(request))
    limit, seconds = rate_parse(settings.ALIGN_TOKEN_GUESS_RATE)
    if not attempt_start(guesses, limit=limit, seconds=seconds):
        message = "Too many unrecognised conversation links were tried from your network. Please wait and try again."
        return render(request, "conversations/author_start.html", {"problem": message}, status=429)
    if not selectors.author_threads(key=key):
        # Said the same whether the key is wrong or its survey is still open: nothing is kept to tell them apart.
        message = (
            "This link opens no conversation. If your survey is still open, its conversations start when it "
            "closes; check that you copied the whole link."
        )
        return render(request, "conversations/author_start.html", {"problem": message}, status=404)
    attempt_refund(guesses)
    response = redirect("conversations:mine")
    response.set_signed_cookie(
        COOKIE,
        key,
        salt=COOKIE_SALT,
        max_age=COOKIE_SECONDS,
        path=reverse("conversations:mine"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _author_key(request) -> str:
    key = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT, max_age=COOKIE_SECONDS)
    if not key:
        raise Http404
    return key


@never_cache
@require_GET
def author_page(request):
    """Show the author their comments and threads, with a box to answer each open one."""
    return _author_page(request, key=_author_key(request))


def _author_page(request, *, key: str, problem: str = ""):
    threads = selectors.author_threads(key=key)
    if not threads:
        raise Http404
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


def _author_done(request, key: str, action):
    # A problem is shown on the page itself: Django's messages would keep it in a session, a row written
    # because the author wrote.
    try:
        action()
    except ValidationError as error:
        return _author_page(request, key=key, problem=" ".join(error.messages))
    return redirect("conversations:mine")


def _author_thread(request) -> tuple[str, Thread]:
    """Return the cookie's key and the posted thread, if the key opens it; else raise Http404."""
    key = _author_key(request)
    thread = selectors.author_thread(key=key, thread_id=request.POST.get("thread", ""))
    if thread is None:
        raise Http404
    return key, thread


@never_cache
@require_POST
def author_reply(request):
    key, thread = _author_thread(request)
    text = request.POST.get("text", "")
    return _author_done(request, key, lambda: services.message_from_author(thread=thread, text=text))


@never_cache
@require_POST
def author_close(request):
    key, thread = _author_thread(request)
    return _author_done(request, key, lambda: services.thread_close(thread=thread, side=Thread.Side.AUTHOR))
