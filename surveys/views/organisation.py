"""Admin pages for the organisation: teams, people, CSV import and export."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignsite.downloads import csv_attachment

from .. import selectors, services
from ..access import admin_required
from ..admin_forms import PeopleFilterForm, PeopleImportForm, PersonForm, TeamForm, apply_errors
from ..models import Person, Team
from .pages import confirmation_page, confirmed, form_page

IMPORT_SALT = "align.people-import"
IMPORT_MAX_AGE = 3600
PEOPLE_PER_PAGE = 50


@admin_required
@require_http_methods(["GET", "POST"])
def teams(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Added {form.cleaned_data['name']}.")
            return redirect("surveys:manage_teams")
    paths = sorted(selectors.team_paths().items(), key=lambda item: item[0].casefold())
    rows = [{"id": team_id, "path": path, "depth": path.count("/")} for path, team_id in paths]
    return render(
        request, "surveys/manage/teams.html", {"rows": rows, "form": form}, status=400 if form.errors else 200
    )


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request, team_id: int):
    team = get_object_or_404(Team, id=team_id)
    form = TeamForm(request.POST or None, initial={"name": team.name, "parent": team.parent})
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(team_id=team.id, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved. Past cycles keep the tree they opened with.")
            return redirect("surveys:manage_teams")
    intro = "Renaming or moving a team changes future cycles only; past results stay as they were."
    return form_page(request, form, title=f"Edit {team.name}", submit="Save team", intro=intro)


@admin_required
@require_GET
def people(request):
    team_paths = selectors.team_paths()
    form = PeopleFilterForm(request.GET, team_paths=team_paths)
    if not form.is_valid():
        context = {"form": form, "page": None, "rows": [], "filtered": True}
        return render(request, "surveys/manage/people.html", context, status=400)
    page = Paginator(selectors.people_listing(**form.listing_filters()), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    paths = {team_id: path for path, team_id in team_paths.items()}
    rows = [(person, paths.get(person.team_id, "")) for person in page]
    filtered = any(form.cleaned_data.values())
    return render(
        request, "surveys/manage/people.html", {"form": form, "page": page, "rows": rows, "filtered": filtered}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: int | None = None):
    person = get_object_or_404(Person, id=person_id) if person_id is not None else None
    initial = {"role": Person.Role.MEMBER, "is_active": True}
    if person:
        initial = {
            "email": person.email,
            "name": person.name,
            "team": person.team,
            "role": person.role,
            "managed_teams": list(person.managed_teams.all()),
            "is_active": person.is_active,
            "language": person.language,
        }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        deactivating = person is not None and person.is_active and not form.cleaned_data["is_active"]
        if deactivating and not confirmed(request):
            return confirmation_page(
                request,
                title=f"Deactivate {person.name}?",
                consequence="They are not invited to cycles that open from now on, and a login they have no "
                "longer opens results or admin pages. Cycles already open keep them in their audience; their past "
                "answers stay, anonymous, in the results.",
                submit="Deactivate and save",
                cancel_url=reverse("surveys:manage_person", args=[person.id]),
            )
        try:
            services.person_save(person_id=person.id if person else None, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved {form.cleaned_data['name']}.")
            return redirect("surveys:manage_people")
    title = f"Edit {person.name}" if person else "Add a person"
    return form_page(request, form, title=title, submit="Save person", template="person_form.html", person=person)


@admin_required
@require_POST
def person_login(request, person_id: int):
    person = get_object_or_404(Person, id=person_id)
    try:
        services.person_login_grant(person_id=person.id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{person.name} has a login; a link to choose a password is on its way.")
    return redirect("surveys:manage_person", person_id=person.id)


@admin_required
@require_http_methods(["GET", "POST"])
def people_import(request):
    """Upload → preview (each line as read, errors per line, who would be deactivated) → confirm. Nothing changes
    before confirm."""
    if request.method == "POST" and "confirm" in request.POST:
        try:
            token = signing.loads(request.POST["confirm"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
            text, previewed = token["csv"], token["plan"]
        except (signing.BadSignature, TypeError, KeyError):
            messages.error(request, "That preview has expired or was altered; please upload the file again.")
            return redirect("surveys:manage_people_import")
        try:
            plan = services.people_import(csv_text=text, previewed=previewed, importer=request.user)
        except services.ImportAlreadyDone as done:
            messages.info(request, " ".join(done.messages))
            return redirect("surveys:manage_people")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("surveys:manage_people_import")
        unchanged = f", {len(plan.unchanged)} unchanged" if plan.unchanged else ""
        messages.success(
            request,
            f"Imported: {len(plan.created)} added, {len(plan.updated)} updated{unchanged}, "
            f"{len(plan.deactivated)} deactivated.",
        )
        return redirect("surveys:manage_people")
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["file"]
        plan = services.people_import_plan(csv_text=text, importer=request.user)
        created = set(plan.created)
        lines = [
            (
                row,
                "add" if row.email in created else "update",
                plan.changes.get(row.line),
                plan.kept.get(row.line),
                plan.access_lost.get(row.line),
            )
            for row in plan.rows
        ]
        # The confirm carries the file and the digest of this preview's plan: confirm does what was shown, or nothing.
        confirm = signing.dumps({"csv": text, "plan": plan.digest}, salt=IMPORT_SALT, compress=True)
        context = {"plan": plan, "lines": lines, "confirm": confirm}
        return render(request, "surveys/manage/people_import.html", context, status=200 if plan.valid else 400)
    intro = (
        "Upload everyone who should be invited. You will see a preview first; people missing from the file are "
        "deactivated, and the preview lists them before anything changes. Save the file as “CSV UTF-8” or “Unicode "
        "text”, with columns separated by commas, semicolons or tabs."
    )
    return form_page(request, form, title="Import people", submit="Preview import", intro=intro, multipart=True)


@admin_required
@require_GET
def people_export(request):
    return csv_attachment(services.people_export(), filename="align-people.csv")
