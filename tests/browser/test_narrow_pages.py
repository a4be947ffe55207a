"""Every page of Align on a 375 px phone, as each role sees it: nothing scrolls the page sideways, and no text —
least of all what people typed or uploaded — runs out of its box or is cut off. A box that scrolls sideways
takes the keyboard's focus (WCAG 2.1.1), and a page's title is text, not markup.

The pages come from the URLconf itself: every route is either visited below (with an id from the seeded data,
and in the states a person meets: previews after upload, form errors, messages, empty lists) or skipped with
its reason, so a new page cannot escape the check. The data is the worst a phone meets: team names at their
column's 100 characters with no space, a 300-character URL in a comment, Arabic names and comments, a 96-
character person name, a long email, a custom question of 300 characters.
"""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from conversations.selectors import author_threads
from feedback.models import Action, MetricDefinition, MetricValue, RawEvent, Repository
from feedback.selectors import team_results_key
from feedback.services import scores_aggregate
from surveys import services
from surveys.models import (
    CycleSchedule,
    Dimension,
    Invitation,
    Person,
    Question,
    QuestionTranslation,
    SurveyTemplate,
    TemplateQuestion,
)
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_reports import log_in
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of, pulse_template
from tests.feedback.conftest import answer_all

pytestmark = [pytest.mark.browser]

PHONE = 375
PATH = ("Engineering/" + "Platformteamwithaverylongname" * 11)[:300]  # 300 characters, no space
LONG = "Xk7Qp2Lm9Tz4Rw8Bn3Vc6Hy1Gf5Js0Da" * 3  # 96 characters, unbroken
NAME = ("Platformteamwithaverylongname" * 4)[:100]  # a team's name at its column's length, no space
SUB = ("Subteamwhosenameneverends" * 4)[:100]
ARABIC = "فريق المنصة والبنية التحتية للمدفوعات والخدمات السحابية"
URL = "https://example.com/" + "wiki/Retrospectives/" * 14  # 300 characters, no space
COMMENT = f"راجعنا الحوادث معا {URL} and the retro notes"
LOGINS = {"admin": "ada@example.com", "leader": "lee@example.com", "manager": "maria@example.com"}
METRICS = "metric,team,period_start,period_end,value"
EMAIL = f"{'a' * 64}@{'subdomain' * 10}.example.com"

# Routes no browser page shows, with the reason. A route that is neither here nor in `visits` fails the test.
SKIPPED = {
    "admin/": "Django's own admin (its templates and CSS), for power users; not Align's pages",
    "healthz": "a JSON answer for load balancers",
    "manage/people/export.csv": "a file download (CSV)",
    "api/schema/": "a file download (the OpenAPI schema, YAML)",
    "api/v1/": "the JSON API (DRF renders JSON only)",
    "webhooks/github": "a POST endpoint for GitHub, answering JSON",
    "scim/v2/": "SCIM provisioning for the identity provider, answering JSON to a bearer token (tests/scim)",
    "conversations/teams/<int:team_id>/comments.csv": "a file download (CSV)",
    "oidc/": "redirects to and from the company's identity provider, 404 here (tests/integration/test_sso.py)",
    "conversations/mine/close/": "a form's POST that leads back to conversations/mine/ (visited)",
    "conversations/comment/<uuid:comment_id>/close/": "a form's POST that leads back to the thread (visited)",
    "language/": "sets the language cookie and redirects back to the page it came from (tests/test_language_switch.py)",
}
# Not routes but states of visited ones, left out: the reports' and dashboard's ?export=csv|pdf (file downloads;
# the PDF is printed by Chromium), the 429 after 20 unknown survey links, and the login's lockout page.

# Text left out of the measure: plotly's charts, which lay their own labels out in SVG (feedback/charts.py), and
# at 375 px cut off long tick labels — a cycle's 100-character name, Edmondson's longer items — at the chart's
# edge. Every chart's numbers and names are in the data table under it, which is measured.
UNMEASURED = ".js-plotly-plot"

# Whether text runs out of the page, out of its own box, or is cut off by a box that hides overflow, with every
# <details> opened (the charts' data tables). Text in a box that scrolls sideways (.scroll) is reachable and counts
# as inside; hidden text (.visually-hidden, <option>) is not shown and not measured; SVG text must stay inside
# its <svg>.
MEASURE = """(UNMEASURED) => {
  document.querySelectorAll('details').forEach((details) => { details.open = true; });
  const width = window.innerWidth, problems = [];
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width) problems.push(`the page is ${pageWidth} px wide`);
  const name = (el, text) => `<${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().replace(/\\s+/g, '.') : ''}> "${text.slice(0, 50)}"`;
  const isBox = (el) => !['inline', 'contents'].includes(getComputedStyle(el).display);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const holder = node.parentElement;
    if (!text || holder.closest(`script, style, template, noscript, option, .visually-hidden, .skip-link, ${
      UNMEASURED}`)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const left = Math.min(...rects.map((r) => r.left)), right = Math.max(...rects.map((r) => r.right));
    let box = holder.closest('svg') || holder;
    while (!isBox(box)) box = box.parentElement;
    const own = box.getBoundingClientRect();
    if (left < own.left - 1 || right > own.right + 1) {
      problems.push(`${name(holder, text)} runs out of its ${box.tagName.toLowerCase()} by ${
        Math.round(Math.max(own.left - left, right - own.right))} px`);
      continue;
    }
    let scrolled = false;
    for (let outer = box.parentElement; outer && outer !== document.documentElement; outer = outer.parentElement) {
      const overflow = getComputedStyle(outer).overflowX;
      if (overflow === 'visible') continue;
      if (overflow === 'auto' || overflow === 'scroll') { scrolled = true; break; }
      const clip = outer.getBoundingClientRect();
      if (left < clip.left - 1 || right > clip.right + 1) {
        problems.push(`${name(holder, text)} is cut off by its ${outer.tagName.toLowerCase()}`);
        break;
      }
    }
    if (!scrolled && (left < -1 || right > width + 1)) problems.push(`${name(holder, text)} is off the screen`);
  }
  if (/[<>]/.test(document.title)) problems.push(`the title holds markup: "${document.title.slice(0, 50)}"`);
  const reachable = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
  for (const box of document.body.querySelectorAll('*')) {
    if (!['auto', 'scroll'].includes(getComputedStyle(box).overflowX) || box.scrollWidth <= box.clientWidth) continue;
    if (box.tabIndex < 0 && !box.querySelector(reachable)) {
      problems.push(`${name(box, box.textContent.trim())} scrolls sideways, but not for a keyboard`);
    }
  }
  return problems;
}"""


def routes() -> list[str]:
    """Every route of the URLconf, as its pattern reads ("manage/teams/<int:team_id>/")."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return sorted(set(walk(get_resolver().url_patterns, "")))


def skipped(route: str) -> bool:
    return any(route == skip or (skip.endswith("/") and route.startswith(skip)) for skip in SKIPPED)


@pytest.fixture
def world(live_server):
    """An organisation at its longest: two aggregated cycles (the latest published), an open one, every kind
    of object an admin manages, and logins for an admin, a leader and a manager."""
    engineering = TeamFactory(name="Engineering")
    long, arabic, mobile = (TeamFactory(name=name, parent=engineering) for name in (NAME, ARABIC, "Mobile"))
    sub = TeamFactory(name=SUB, parent=long)
    PersonFactory(team=long, name=LONG, email=EMAIL)
    PersonFactory.create_batch(5, team=long)
    PersonFactory(team=arabic, name="نور الهدى عبد الرحمن")
    PersonFactory.create_batch(4, team=arabic)
    PersonFactory.create_batch(3, team=mobile)
    cycles, keys = [], []
    for low in (2, 4):
        answers = {
            long: [{"psafety-2": low, "comment": COMMENT}] * 6,
            arabic: [{"comment": "الفريق يساعد بعضه"}] * 5,
            mobile: [{"comment": "Only Mobile"}] * 3,
        }
        cycle = CycleFactory(teams=[engineering])
        services.cycle_open(cycle_id=cycle.id)
        keys = [key for team, given in answers.items() for key in answer_all(cycle, team, given)]
        services.cycle_close(cycle_id=cycle.id)
        scores_aggregate(cycle_id=cycle.id)
        cycles.append(cycle)
    for number, cycle in enumerate(cycles):
        type(cycle).objects.filter(id=cycle.id).update(name=f"{number}{LONG}")
    services.cycle_publish(cycle_id=cycles[-1].id)
    Action.objects.create(team=long, cycle=cycles[-1], text=f"Post-incident reviews: {URL}")
    metric = MetricDefinition.objects.create(key=("k" + LONG.lower())[:50], name=LONG, unit="x" * 30)
    start = cycles[0].opens_at.date()
    for week in range(4):
        day = start + timedelta(days=7 * week)
        MetricValue.objects.create(metric=metric, team=long, period_start=day, period_end=day + timedelta(6), value=3)
    Repository.objects.create(full_name=f"{LONG}/{LONG}", team=sub)
    RawEvent.objects.create(source="github", delivery_id="1", event="push", body={"repository": {"full_name": LONG}})
    dimension = Dimension.objects.create(key="custom-long", name=NAME)
    question = Question.objects.create(key="custom-long", dimension=dimension, text=(f"{LONG} " * 4)[:300])
    # a translation as long as a question may be, in a script that wraps differently
    translation = QuestionTranslation.objects.create(
        question=question, language="de", text=("Unverhältnismäßigkeitsgrundsatz " * 10)[:300], source=LONG * 3
    )
    template = SurveyTemplate.objects.create(slug="long", name=NAME)
    for position, item in enumerate([question, *pulse_template().questions.all()]):
        TemplateQuestion.objects.create(template=template, question=item, position=position)
    now = timezone.now()
    schedule = CycleSchedule.objects.create(name=NAME, template=template, first_opens_at=now + timedelta(days=30))
    scheduled = CycleFactory(teams=[long], template=template, name=NAME, schedule=schedule, opens_at=now + timedelta(9))
    survey = CycleFactory(teams=[long], template=template, name=SUB)
    services.cycle_open(cycle_id=survey.id)
    invitations = list(Invitation.objects.filter(cycle=survey).order_by("id"))
    logins = {
        "admin": manager_of(engineering, email="ada@example.com", role=Person.Role.ADMIN),
        "leader": manager_of(engineering, email="lee@example.com", role=Person.Role.LEADER),
        "manager": manager_of(long, email="maria@example.com", role=Person.Role.MANAGER),
    }
    return {
        "url": live_server.url,
        "teams": [engineering, long, arabic, sub],
        "cycles": cycles,
        "scheduled": scheduled,
        "survey": survey,
        "links": [services.invitation_link_issue(invitation_id=i.id) for i in invitations[:2]],
        "person": Person.objects.get(email=EMAIL),
        "question": question,
        "translation": translation,
        "template": template,
        "schedule": schedule,
        "user": logins["admin"][0],
        "results": team_results_key(team_id=long.id),
        "key": keys[0],  # the conversation key of a comment of the long-named team, in the published cycle
        "comment": author_threads(key=keys[0])[0].comment,
    }


# A visit: the route it covers, a label, and what to do: a path to open, or steps that leave the page showing
# the state to measure.
Visit = tuple[str, str, str | Callable]


def upload(page, path: str, name: str, text: str) -> None:
    page.goto(path)
    page.get_by_label("File").set_input_files({"name": name, "mimeType": "text/csv", "buffer": text.encode()})
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()


def submit(page, path: str, button: str, fields: dict | None = None) -> None:
    page.goto(path)
    for label, value in (fields or {}).items():
        page.get_by_label(label).first.fill(value)
    page.get_by_role("button", name=button).first.click()
    page.wait_for_load_state()


def survey_answered(page, link: str) -> None:
    page.goto(link)
    for group in page.get_by_role("group").all():
        group.get_by_role("radio").first.check()
    page.get_by_role("textbox").last.fill(COMMENT)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(re.compile(r"/survey/thanks/"))


def anonymous_visits(w) -> list[Visit]:
    user = w["user"]
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return [
        ("", "the front page (to the login)", "/"),
        ("accounts/login/", "login", "/accounts/login/"),
        (
            "accounts/login/",
            "login refused",
            lambda p: submit(p, "/accounts/login/", "Log in", {"Email": EMAIL, "Password": LONG}),
        ),
        ("accounts/password_reset/", "password reset", "/accounts/password_reset/"),
        (
            "accounts/password_reset/done/",
            "reset asked",
            lambda p: submit(p, "/accounts/password_reset/", "Send the link", {"Email": EMAIL}),
        ),
        ("accounts/reset/<uidb64>/<token>/", "reset link used up", f"/accounts/reset/{uid}/{LONG}/"),
        (
            "accounts/reset/<uidb64>/<token>/",
            "new password refused",
            lambda p: submit(
                p, f"/accounts/reset/{uid}/{token}/", "Save password", {"New password": LONG, "confirmation": "x"}
            ),
        ),
        ("accounts/reset/done/", "password set", "/accounts/reset/done/"),
        ("s/<str:token>/", "unknown link", f"/s/{LONG}/"),
        ("survey/", "the survey", f"/s/{w['links'][0]}/"),
        ("survey/", "the survey with errors", lambda p: submit(p, f"/s/{w['links'][1]}/", "Send my answers")),
        ("survey/thanks/", "thanks", lambda p: survey_answered(p, f"/s/{w['links'][0]}/")),
        ("s/<str:token>/", "a used link", f"/s/{w['links'][0]}/"),
        ("survey/", "the survey without its cookie", "/survey/"),
        ("reports/results/<str:key>/", "a team's results", f"/reports/results/{w['results']}/"),
        ("reports/results/<str:key>/", "an unknown results link", f"/reports/results/{LONG}/"),
        ("reports/", "reports (to the login)", "/reports/"),
        ("conversations/", "the conversation link's landing page", "/conversations/"),
        ("conversations/open/", "an unknown conversation key", lambda p: author_opened(p, "A" * 43, "open/")),
        ("conversations/mine/", "the author's conversation", lambda p: author_opened(p, w["key"], "mine/")),
        (
            "conversations/mine/reply/",
            "the author's empty answer refused",
            lambda p: submit(p, "/conversations/mine/", "Send", {"Answer, as the author": " "}),
        ),
    ]


def author_opened(page, key: str, lands: str) -> None:
    page.goto("about:blank")  # from /conversations/ itself, a new fragment would not load the page again
    page.goto(f"/conversations/#{key}")
    page.wait_for_url(f"**/conversations/{lands}")


def admin_visits(w) -> list[Visit]:
    engineering, long, arabic, sub = w["teams"]
    cycle, person = w["cycles"][-1], w["person"]
    thread = f"/conversations/comment/{w['comment'].id}/"
    people = "\n".join(["email,name,team,role,manager", f"{EMAIL},{LONG},{PATH},member,no", "bo@x,Bo,Nowhere,boss,x"])
    valid = "\n".join(["email,name,team,role,manager", f"new@example.com,{LONG},Engineering/{NAME}/{SUB},member,no"])
    metrics = f"{METRICS}\n{LONG},{PATH},2026-10-01,2026-10-31,{'9' * 60}"
    good = f"{METRICS}\n{LONG.lower()[:50]},Engineering/{NAME},2026-10-01,2026-10-31,1"
    return [
        ("reports/", "reports", "/reports/"),
        ("reports/dashboard/", "dashboard", "/reports/dashboard/"),
        ("reports/teams/<int:team_id>/", "Arabic team report", f"/reports/teams/{arabic.id}/"),
        ("reports/teams/<int:team_id>/", "report of the organisation", f"/reports/teams/{engineering.id}/"),
        (
            "reports/teams/<int:team_id>/cycles/<int:cycle_id>/actions/",
            "team report, an action recorded",
            lambda p: submit(
                p, f"/reports/teams/{long.id}/", "Record action", {"Add what the team will change": COMMENT}
            ),
        ),
        ("manage/", "overview", "/manage/"),
        ("manage/teams/", "teams", "/manage/teams/"),
        ("manage/teams/", "teams form errors", lambda p: submit(p, "/manage/teams/", "Add team")),
        ("manage/teams/<int:team_id>/", "team", f"/manage/teams/{sub.id}/"),
        ("manage/people/", "people", "/manage/people/"),
        ("manage/people/new/", "new person errors", lambda p: submit(p, "/manage/people/new/", "Save")),
        ("manage/people/<int:person_id>/", "person", f"/manage/people/{person.id}/"),
        (
            "manage/people/<int:person_id>/login/",
            "login given",
            lambda p: submit(p, f"/manage/people/{person.id}/", "Give a login and email a link to choose a password"),
        ),
        ("manage/people/import/", "import", "/manage/people/import/"),
        (
            "manage/people/import/",
            "import preview, refused",
            lambda p: upload(p, "/manage/people/import/", "people.csv", people),
        ),
        (
            "manage/people/import/",
            "import preview, deactivations",
            lambda p: upload(p, "/manage/people/import/", "people.csv", valid),
        ),
        ("manage/questions/", "questions", "/manage/questions/"),
        ("manage/questions/", "questions form errors", lambda p: submit(p, "/manage/questions/", "Add question")),
        ("manage/questions/<int:question_id>/", "question", f"/manage/questions/{w['question'].id}/"),
        (
            "manage/questions/<int:question_id>/translations/new/",
            "new translation",
            f"/manage/questions/{w['question'].id}/translations/new/",
        ),
        (
            "manage/questions/<int:question_id>/translations/<int:translation_id>/",
            "translation",
            f"/manage/questions/{w['question'].id}/translations/{w['translation'].id}/",
        ),
        ("manage/templates/", "templates", "/manage/templates/"),
        ("manage/templates/new/", "new template", "/manage/templates/new/"),
        ("manage/templates/<int:template_id>/", "template", f"/manage/templates/{w['template'].id}/"),
        ("manage/templates/<int:template_id>/preview/", "preview", f"/manage/templates/{w['template'].id}/preview/"),
        ("manage/schedules/", "schedules", "/manage/schedules/"),
        ("manage/schedules/new/", "new schedule errors", lambda p: submit(p, "/manage/schedules/new/", "Save")),
        ("manage/schedules/<int:schedule_id>/", "schedule", f"/manage/schedules/{w['schedule'].id}/"),
        ("manage/cycles/", "cycles", "/manage/cycles/"),
        ("manage/cycles/<int:cycle_id>/", "open cycle", f"/manage/cycles/{w['survey'].id}/"),
        ("manage/cycles/<int:cycle_id>/", "scheduled cycle (nobody invited)", f"/manage/cycles/{w['scheduled'].id}/"),
        ("manage/cycles/<int:cycle_id>/", "published cycle", f"/manage/cycles/{cycle.id}/"),
        (
            "manage/cycles/<int:cycle_id>/<slug:action>/",
            "extend refused",
            lambda p: submit(p, f"/manage/cycles/{w['survey'].id}/", "Extend"),
        ),
        (
            "manage/api-tokens/",
            "API tokens, a new secret",
            lambda p: submit(p, "/manage/api-tokens/", "Create token", {"Name:": NAME}),
        ),
        (
            "manage/api-tokens/<int:token_id>/revoke/",
            "token revoked",
            lambda p: submit(p, "/manage/api-tokens/", "Revoke"),
        ),
        ("manage/metrics/", "metrics", "/manage/metrics/"),
        ("manage/metrics/", "metrics form errors", lambda p: submit(p, "/manage/metrics/", "Add metric")),
        ("manage/metrics/upload/", "metric upload", "/manage/metrics/upload/"),
        (
            "manage/metrics/upload/",
            "metric preview, refused",
            lambda p: upload(p, "/manage/metrics/upload/", "metrics.csv", metrics),
        ),
        (
            "manage/metrics/upload/",
            "metric preview",
            lambda p: upload(p, "/manage/metrics/upload/", "metrics.csv", good),
        ),
        ("manage/repositories/", "repositories", "/manage/repositories/"),
        ("manage/audit/", "audit log", "/manage/audit/"),
        ("api/docs/", "API documentation", "/api/docs/"),
        ("accounts/password_change/", "password change", "/accounts/password_change/"),
        ("accounts/password_change/done/", "password changed", "/accounts/password_change/done/"),
        ("manage/teams/<int:team_id>/", "a missing team (404)", "/manage/teams/999999/"),
        ("conversations/comment/<uuid:comment_id>/", "a comment's conversation", thread),
        (
            "conversations/comment/<uuid:comment_id>/acknowledge/",
            "a comment acknowledged",
            lambda p: submit(p, thread, "We're looking into it"),
        ),
        (
            "conversations/comment/<uuid:comment_id>/reply/",
            "a reply sent",
            lambda p: submit(p, thread, "Send reply", {"Reply to the author": COMMENT}),
        ),
        (
            "conversations/comment/<uuid:comment_id>/messages/<uuid:message_id>/hide/",
            "a message hidden, with its note",
            lambda p: submit(p, thread, "Hide message", {"Hide this message": LONG}),
        ),
        ("accounts/logout/", "logged out", lambda p: submit(p, "/reports/", "Log out")),
    ]


def reader_visits(w, role: str) -> list[Visit]:
    """What a leader (of Engineering) or a manager (of the long-named team) opens: the reports, and 404s."""
    _engineering, long, arabic, sub = w["teams"]
    reports = {
        "leader": [("Arabic team report", arabic), ("sub-team report", sub)],
        "manager": [("team report", long), ("a team out of scope (404)", arabic)],
    }
    return [
        ("reports/", "reports", "/reports/"),
        ("reports/dashboard/", "dashboard", "/reports/dashboard/"),
        *(("reports/teams/<int:team_id>/", label, f"/reports/teams/{team.id}/") for label, team in reports[role]),
        ("manage/", "manage (404)", "/manage/"),
        (
            "conversations/comment/<uuid:comment_id>/",
            "a comment's conversation",
            f"/conversations/comment/{w['comment'].id}/",
        ),
        ("accounts/password_change/", "password change", "/accounts/password_change/"),
    ]


def test_the_measure_itself_reports_wide_pages_cut_off_text_markup_in_titles_and_unreachable_scrolling(chromium):
    context = chromium.new_context(viewport={"width": PHONE, "height": 812})
    page = context.new_page()
    page.set_content(
        f'<html lang="en"><body><h1>{NAME}</h1><p style="width: 200px; overflow: hidden">{LONG}</p>'
        f'<title>Teams &lt;h2&gt;</title><div style="overflow-x: auto" tabindex="0"><table><tr><td>{SUB}</td></tr>'
        f'</table></div><div style="overflow-x: auto"><p style="width: 600px">{ARABIC}</p></div>'
        f'<details><summary>Data</summary><p style="width: 100px; overflow: clip">{ARABIC.replace(" ", "")}</p>'
        "</details></body></html>"
    )
    problems = page.evaluate(MEASURE, UNMEASURED)
    context.close()
    assert problems[0].startswith("the page is ") and int(problems[0].split()[3]) > PHONE
    assert [p.split('"')[1][:10] for p in problems[1:]] == [
        NAME[:10], LONG[:10], ARABIC.replace(" ", "")[:10], "Teams <h2>", ARABIC[:10]
    ]  # fmt: skip
    assert problems[-1].endswith("scrolls sideways, but not for a keyboard")


@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_375px_phone_for_every_role(chromium, live_server, world):
    w = world
    plan = {"anonymous": anonymous_visits(w), "admin": admin_visits(w)}
    plan |= {role: reader_visits(w, role) for role in ("leader", "manager")}
    covered = {route for visits in plan.values() for route, _, _ in visits}
    # given: every route of the URLconf is visited or skipped with its reason
    assert [r for r in routes() if r not in covered and not skipped(r)] == [], "visit these routes or skip them"
    context = chromium.new_context(viewport={"width": PHONE, "height": 812}, base_url=w["url"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found, errors = {}, {}
    for role, visits in plan.items():
        context.clear_cookies()
        if role != "anonymous":
            log_in(page, live_server, LOGINS[role])
        for _route, label, how in visits:
            response = page.goto(how) if isinstance(how, str) else how(page)
            if response is not None and response.status >= 500 and response.status != 503:
                errors[f"{role}: {label}"] = response.status
            page.wait_for_load_state()
            if page.locator("body[data-charts]").count():
                page.wait_for_function("document.body.dataset.charts === 'drawn'")
            problems = page.evaluate(MEASURE, UNMEASURED)
            if problems:
                found[f"{role}: {label} ({page.url.removeprefix(w['url'])})"] = problems[:5]
                name = re.sub(r"\W+", "-", f"narrow {role} {label}")
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert errors == {}
    assert not found, "\n".join(f"{visit}: {'; '.join(problems)}" for visit, problems in found.items())


@pytest.mark.django_db(transaction=True)
def test_the_header_keeps_each_word_whole_and_wraps_its_links_at_320px(chromium, live_server):
    # given an admin's header, the widest (Reports, Dashboard, Manage, Log out); "Align" broke as "Alig" / "n"
    team = TeamFactory(name="Engineering")
    manager_of(team, email="ada@example.com", role=Person.Role.ADMIN)
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    log_in(page, live_server, "ada@example.com")
    # then each item of the header is on one line: its text's range has one rectangle per line it takes
    lines = page.evaluate(
        """() => [...document.querySelectorAll('.site-header .brand, .site-header nav a, .site-header nav button')]
                 .map((el) => { const range = document.createRange(); range.selectNodeContents(el);
                                return [el.textContent.trim(), range.getClientRects().length]; })"""
    )
    context.close()
    assert [name for name, _ in lines] == ["Align", "Reports", "Dashboard", "Manage", "Log out"]
    assert all(count == 1 for _, count in lines), lines
