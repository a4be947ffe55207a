"""The respondent's pages: open an invitation link, answer, thank you."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import SurveyForm
from .models import Invitation

SESSION_KEY = "survey_invitation"
# Long enough to answer at leisure, short enough that a shared computer forgets it.
SESSION_SECONDS = 2 * 3600


def _problem(request, problem: selectors.InvitationProblem):
    return render(request, "surveys/message.html", {"message": problem.message}, status=problem.status)


@never_cache
@require_GET
def invitation_open(request, token: str):
    """Swap the token in the link for a short session and move to a URL that does not contain it."""
    try:
        invitation = selectors.invitation_redeemable(token=token)
    except selectors.InvitationProblem as problem:
        return _problem(request, problem)
    request.session.flush()
    request.session[SESSION_KEY] = invitation.id
    request.session.set_expiry(SESSION_SECONDS)
    return redirect("surveys:answer")


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request):
    """Show the survey and accept one submission for the invitation held in the session."""
    invitation = Invitation.objects.select_related("cycle").filter(id=request.session.get(SESSION_KEY)).first()
    if invitation is None:
        return render(
            request,
            "surveys/message.html",
            {"message": "Please open the survey from the link in your invitation email."},
            status=400,
        )
    if invitation.responded:
        return _problem(request, selectors.InvitationUsed())
    if not selectors.cycle_accepts_answers(cycle=invitation.cycle):
        return _problem(request, selectors.CycleNotOpen())

    questions = selectors.cycle_questions(cycle=invitation.cycle)
    form = SurveyForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(invitation_id=invitation.id, answers=form.answers(), comments=form.comments())
        except selectors.InvitationProblem as problem:
            return _problem(request, problem)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(None if field == "__all__" else field, message)
        else:
            request.session.pop(SESSION_KEY, None)
            return redirect("surveys:thanks")
    context = {"form": form, "cycle": invitation.cycle}
    response = render(request, "surveys/answer.html", context, status=400 if form.errors else 200)
    # Everywhere else the policy is no-referrer, but under it browsers send `Origin: null` with the form's
    # POST and CSRF protection refuses it. This URL carries no token, and same-origin still sends nothing
    # to any other site.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def survey_thanks(request):
    return render(request, "surveys/thanks.html")
