"""The respondent's pages: open an invitation link, answer, thank you."""

import hashlib
from functools import cache, wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from alignsite.attempts import attempt_refund, attempt_start, attempts_key, rate_parse
from alignsite.client_address import client_limit_key
from alignsite.secret_addresses import secret_address
from alignsite.views import language_cookie_set
from feedback.selectors import team_from_results_key, team_results_coming, team_results_key, team_results_published

from .. import languages, selectors, services
from ..forms import SurveyForm, answers_posted, field_name
from ..models import Invitation

# The token moves from the link into this signed, HttpOnly cookie, scoped to the survey pages. It is the
# respondent's own credential, so it stays on their device: nothing server-side ties a browser to it. With it
# go the ids the link was found to lead to (invitation, cycle, team), so the submit need not look them up
# again: the signature vouches for them, and the submit's one statement checks that the cycle still takes
# answers and that the invitation has not been answered.
COOKIE = "align_survey"
COOKIE_SALT = "align.survey"
# Long enough to answer at leisure, short enough that a shared computer forgets it.
COOKIE_SECONDS = 2 * 3600


def _guess_key(request) -> str:
    """Return the cache key counting this client's link attempts (its address, hashed, never kept)."""
    return attempts_key("link", client_limit_key(request))


def no_referrer(view):
    """Send `Referrer-Policy: no-referrer` from a page that holds or follows an invitation token."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def path_of(name: str) -> str:
    """Return the path of a respondent's page, reversed once per process and script prefix (three reverses
    cost about 0.2 ms of a submit's CPU)."""
    return _paths(get_script_prefix())[name]


@cache
def _paths(prefix: str) -> dict[str, str]:  # the prefix is the cache key; reverse() reads it itself
    return {name: reverse(f"surveys:{name}") for name in ("answer", "thanks")}


def _problem(request, problem: selectors.InvitationProblem):
    return render(request, "surveys/message.html", {"message": problem.message}, status=problem.status)


def _forget_token(response):
    response.delete_cookie(COOKIE, path=path_of("answer"), samesite="Lax")
    return response


@secret_address
@require_GET
def invitation_open(request, token: str):
    """Swap the token in the link for a short-lived cookie and move to a URL that does not contain it.

    Only unknown tokens count against a client's limit, so a whole office behind one address can still
    open its own links: every attempt is counted when it starts (so a burst cannot slip past the limit) and
    given back when the link is known.
    """
    # The link carries its person's language (`?lang=de`, emails.survey_link): this page and the survey
    # open in it, by the language cookie the switcher sets too, so the respondent can still switch. Nothing of it
    # is stored: the response is the same whatever the language.
    language = languages.tag_read(request.GET.get("lang", "")) or ""
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    key = _guess_key(request)
    limit, seconds = rate_parse(settings.ALIGN_TOKEN_GUESS_RATE)
    if not attempt_start(key, limit=limit, seconds=seconds):
        message = gettext(
            "Too many unrecognised links were tried from your network. Please wait an hour and try again."
        )
        return render(request, "surveys/message.html", {"message": message}, status=429)
    try:
        invitation = selectors.invitation_redeemable(token=token)
    except selectors.InvitationUnknown as problem:
        return _problem(request, problem)
    except selectors.InvitationProblem as problem:
        attempt_refund(key)
        return _problem(request, problem)
    attempt_refund(key)
    response = HttpResponseRedirect(path_of("answer"))
    language_cookie_set(response, language)
    response.set_signed_cookie(
        COOKIE,
        f"{token}:{invitation.id}:{invitation.cycle_id}:{invitation.team_id}",
        salt=COOKIE_SALT,
        max_age=COOKIE_SECONDS,
        path=path_of("answer"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def questions_key(form: SurveyForm) -> str:
    """Return a key for the unanswered questions' markup: everyone in a cycle sees the same, so it is cached.

    Made from everything the markup shows, so a different set of questions, or another wording of them (a
    translation added or edited), can never get another's markup.
    """
    fields = ((q, form.fields[field_name(q)]) for q in form.questions)
    shown = [(q.id, f.label, f.text_lang, q.kind, q.scale_points, q.required) for q, f in fields]
    return hashlib.sha256(repr(shown).encode()).hexdigest()


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request):
    """Show the survey and accept one submission for the invitation whose token the cookie holds."""
    carried = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT, max_age=COOKIE_SECONDS)
    if carried is None:
        message = gettext("Please open the survey from the link in your invitation email.")
        return render(request, "surveys/message.html", {"message": message}, status=400)
    token, _, ids = carried.partition(":")
    posted = request.method == "POST"
    try:
        if posted and ids:
            # What the link led to, as its signed cookie says; storing checks the rest (see STORE_POSTGRESQL).
            invitation_id, cycle_id, team_id = map(int, ids.split(":"))
            invitation = Invitation(id=invitation_id, cycle_id=cycle_id, team_id=team_id)
            questions = selectors.frozen_questions(cycle_id=cycle_id)
        else:
            # A submit learns whether the invitation was answered when it stores (the marker refuses a second).
            invitation = (selectors.invitation_live if posted else selectors.invitation_redeemable)(token=token)
            questions = selectors.cycle_questions(cycle=invitation.cycle)
        if posted:
            answers, comments = answers_posted(request.POST, questions=questions)
            conversation_key = services.response_submit(
                token=token, questions=questions, invitation=invitation, answers=answers, comments=comments
            )
    except selectors.InvitationProblem as problem:
        return _forget_token(_problem(request, problem))
    except ValidationError as refused:
        return _refused_page(request, questions, invitation, refused)
    if not posted:
        return _form_page(request, SurveyForm(questions=questions), invitation)
    # The team the invitation recorded (the person's own as of opening), not the cycle's audience. Nothing else
    # goes in the address: a server's access log keeps it, in the clear but for the key, at the time of answering.
    results = team_results_key(team_id=invitation.team_id)
    # A comment's author gets their conversation key after `#`, which browsers keep and never send: the thanks
    # page that follows is requested alike by everyone, and its script shows the link (conversations/).
    kept = f"#{conversation_key}" if conversation_key else ""
    return _forget_token(HttpResponseRedirect(f"{path_of('thanks')}?results={results}{kept}"))


def _refused_page(request, questions, invitation, refused: ValidationError):
    """Show the answers back with what was wrong: the form's own messages, else the service's."""
    if selectors.invitation_answered(invitation_id=invitation.id):
        return _forget_token(_problem(request, selectors.InvitationUsed()))
    if not selectors.cycle_accepts_answers(cycle=invitation.cycle):  # a submit from the cookie did not look
        return _forget_token(_problem(request, selectors.CycleNotOpen()))
    form = SurveyForm(request.POST, questions=questions)
    if form.is_valid():
        for field, messages in refused.message_dict.items():
            for message in messages:
                form.add_error(None if field == "__all__" else field, message)
    return _form_page(request, form, invitation)


def _form_page(request, form: SurveyForm, invitation):
    # Each question in the page's language (a translation, else its own text marked with its language).
    form.wordings_show(selectors.question_wordings(questions=form.questions, language=get_language()))
    context = {"form": form, "cycle": invitation.cycle, "questions_key": questions_key(form)}
    # The site-wide same-origin policy, not no-referrer: this page posts a form, and under no-referrer browsers
    # send `Origin: null`, which CSRF protection refuses. Its URL carries no token.
    return render(request, "surveys/answer.html", context, status=400 if form.errors else 200)


@no_referrer
@never_cache
@require_GET
def survey_thanks(request):
    """Thank the respondent, say when results come, and link to their team's published results if it has any.

    Everything here is read from the team the invitation recorded and from published cycles, never from the
    answer just given or from who else has answered: every respondent of a team in a cycle gets the same page.
    Nothing is written or logged.
    """
    key = request.GET.get("results", "")
    team = team_from_results_key(key=key) if key else None
    if team is None:
        return render(request, "surveys/thanks.html", {"results_key": None, "coming": []})
    context = {
        "results_key": key if team_results_published(team_id=team.id) else None,
        "coming": team_results_coming(team_id=team.id),
    }
    return render(request, "surveys/thanks.html", context)
