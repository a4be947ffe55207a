"""Issue 22, the survey page in Chromium at 375 and 1280 px: each rating scale in one row where it fits, 0-10 in
at most two rows, progress that counts answers as they are given, and the same page working without JavaScript.

Ten questions are asked: seven agreement items (5 points), a custom 7-point item, eNPS (0-10) and a clarity item,
then the comment box."""

import re

import pytest

from surveys import services
from surveys.models import Answer, Dimension, Invitation, Question, Response
from surveys.templatetags.wall_clocks import time_on_clock
from tests.browser.conftest import ARTIFACTS
from tests.factories import CycleFactory, PersonFactory, TeamFactory, pulse_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [375, 1280]
SEVEN_POINTS = "My workload is sustainable."
ENPS = "How likely are you to recommend this company as a place to work?"


@pytest.fixture
def ten_questions(live_server):
    """An open survey of ten rated questions for one of Platform's six people, closing on Berlin's clock."""
    pulse = [q for q in pulse_template().questions.order_by("templatequestion__position")]
    workload = services.dimension_create(name="Workload")
    seven = services.question_create(dimension=workload, text=SEVEN_POINTS, scale_points=7, required=False)
    clarity = Question.objects.filter(dimension=Dimension.objects.get(key="structure-clarity"), retired=False)[0]
    rated = [q for q in pulse if q.kind == Question.Kind.LIKERT]
    others = [q for q in pulse if q.kind != Question.Kind.LIKERT]  # eNPS, then the comment
    ordered = [*rated, seven, others[0], clarity, *others[1:]]
    template = services.template_save(name="Ten questions", question_ids=[q.id for q in ordered])
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(6, team=team)
    cycle = CycleFactory(teams=[team], template=template, name="March pulse", threshold=6, time_zone="Europe/Berlin")
    services.cycle_open(cycle_id=cycle.id)
    invitation = Invitation.objects.filter(cycle=cycle).first()
    return {
        "cycle": cycle,
        "url": f"{live_server.url}/s/{services.invitation_link_issue(invitation_id=invitation.id)}/",
    }


def rows_of(group) -> list[list[str]]:
    """Return a question's options as the screen shows them: rows top to bottom, each option's name left to right."""
    radios = group.get_by_role("radio")
    placed = []
    for index in range(radios.count()):
        label = group.locator("label").nth(index)
        box = label.bounding_box()
        placed.append((box["y"], box["x"], radios.nth(index).get_attribute("value")))
    rows: list[list[tuple]] = []
    for y, x, value in sorted(placed):
        if rows and abs(rows[-1][0][0] - y) < 4:
            rows[-1].append((y, x, value))
        else:
            rows.append([(y, x, value)])
    return [[value for _, _, value in sorted(row, key=lambda option: option[1])] for row in rows]


def group_named(page, start: str):
    return page.get_by_role("group", name=re.compile(rf"^\d+\. {re.escape(start)}"))


@pytest.mark.parametrize("width", WIDTHS)
def test_each_scale_is_one_row_where_it_fits_and_0_to_10_at_most_two_tidy_rows(
    page, ten_questions, width, accessibility_violations
):
    # given the survey on a phone or a laptop
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(ten_questions["url"])
    groups = page.get_by_role("group")
    assert groups.count() == 10

    # then every 5-point scale is one row, in order, at both widths
    for index in [*range(7), 9]:
        assert rows_of(groups.nth(index)) == [["1", "2", "3", "4", "5"]], index
    # the 7-point scale is one row where its labels fit (a laptop), else a list of one option a line
    seven = rows_of(group_named(page, SEVEN_POINTS))
    assert seven == ([[str(v) for v in range(1, 8)]] if width == 1280 else [[str(v)] for v in range(1, 8)])
    # and 0-10 is one row on a laptop, on a phone two rows, 0-5 above 6-10, its ends named under it
    enps = group_named(page, ENPS)
    expected = (
        [[str(v) for v in range(11)]] if width == 1280 else [[str(v) for v in range(6)], [str(v) for v in range(6, 11)]]
    )
    assert rows_of(enps) == expected
    low, high = enps.get_by_text("0 = Not at all likely"), enps.get_by_text("10 = Extremely likely")
    assert low.is_visible() and high.is_visible()
    assert low.bounding_box()["x"] < high.bounding_box()["x"]
    assert enps.get_by_role("radio", name="0 – not at all likely").count() == 1
    assert enps.get_by_role("radio", name="10 – extremely likely").count() == 1

    # every option is a labelled radio whose label is shown whole, chosen or not, a target at least 44 px square
    for index in range(7):
        groups.nth(index).get_by_role("radio").nth(index % 5).check()
    labels = page.locator("fieldset.question label")
    sizes = labels.evaluate_all(
        "labels => labels.map(l => [l.textContent.trim(), l.getBoundingClientRect().width,"
        " l.getBoundingClientRect().height, l.scrollWidth <= l.clientWidth])"
    )
    assert len(sizes) == 7 * 5 + 7 + 11 + 5
    assert [s for s in sizes if s[1] < 44 or s[2] < 44 or not s[3]] == []
    for index in range(7):
        assert groups.nth(index).get_by_role("radio", name="Neither agree nor disagree").is_visible()
        assert groups.nth(index).get_by_text("Neither agree nor disagree").is_visible()

    # and nothing runs off the side of the page; answered boxes too pass axe-core
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    enps.get_by_label("10 – extremely likely").check()
    assert accessibility_violations(page) == []
    page.evaluate("() => window.scrollTo(0, 0)")  # the progress line, kept in view, is drawn where it is
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"survey-scales-{width}.png"), full_page=True)


def announcements(page) -> list[str]:
    return page.evaluate("window.announced")


def test_progress_counts_answers_as_they_are_given_and_is_announced_only_when_the_count_settles(page, ten_questions):
    page.set_viewport_size({"width": 375, "height": 700})
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    page.goto(ten_questions["url"])
    sent.clear()
    progress = page.locator("#survey-progress-text")
    assert progress.inner_text() == "0 of 10 answered"
    status = page.get_by_role("status")
    assert status.count() == 1 and status.inner_text() == ""  # polite (role=status), silent until answers come
    page.evaluate(
        "window.announced = []; new MutationObserver(() => window.announced.push(document.getElementById("
        "'survey-progress-said').textContent)).observe(document.getElementById('survey-progress-said'),"
        " {childList: true, characterData: true, subtree: true})"
    )
    groups = page.get_by_role("group")

    # when the first question is answered: the line changes at once, the status once the count has settled
    groups.nth(0).get_by_label("Agree", exact=True).check()
    assert progress.inner_text() == "1 of 10 answered"
    page.wait_for_function("() => window.announced.length === 1")
    assert announcements(page) == ["1 of 10 answered."]

    # a changed answer changes no count: not said again
    groups.nth(0).get_by_label("Disagree", exact=True).check()
    page.wait_for_timeout(1500)
    assert announcements(page) == ["1 of 10 answered."]
    # moving through a question's options with the arrow keys selects each in turn: the count changes once
    groups.nth(1).get_by_role("radio").first.focus()
    page.keyboard.press("Space")
    for key in ["ArrowRight", "ArrowRight", "ArrowLeft"]:
        page.keyboard.press(key)
    assert progress.inner_text() == "2 of 10 answered"
    assert groups.nth(1).get_by_role("radio").nth(1).is_checked()
    page.wait_for_timeout(1500)
    assert announcements(page) == ["1 of 10 answered.", "2 of 10 answered."]
    # three answers given at once are said once, with the count they reached
    page.evaluate(
        "() => [2, 3, 4].forEach(i => document.querySelectorAll('fieldset.question')[i]"
        ".querySelector('input[type=radio]').click())"
    )
    assert progress.inner_text() == "5 of 10 answered"
    page.wait_for_timeout(1500)
    assert announcements(page) == ["1 of 10 answered.", "2 of 10 answered.", "5 of 10 answered."]

    # when every question is answered, the line and the status say so
    for index in range(5, 10):
        groups.nth(index).get_by_role("radio").first.check()
    assert progress.inner_text() == "All 10 answered"
    page.wait_for_function("() => window.announced.length === 4")
    assert announcements(page)[-1] == "All 10 questions answered."
    # the line stays in view at the bottom of the form, over nothing the focus can reach
    page.get_by_role("button", name="Send my answers").scroll_into_view_if_needed()
    assert progress.is_visible() and 0 <= progress.bounding_box()["y"] < 50
    page.screenshot(path=str(ARTIFACTS / "survey-progress-375.png"))

    # and counting sent nothing and kept nothing: no request, no storage, the cookies as they were
    assert sent == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_a_refused_submit_shows_the_answers_kept_counted(page, ten_questions):
    page.goto(ten_questions["url"])
    groups = page.get_by_role("group")
    for index in range(1, 10):
        groups.nth(index).get_by_role("radio").first.check()
    page.get_by_role("button", name="Send my answers").click()
    assert "Please check 1 answer" in page.get_by_role("alert").inner_text()
    assert page.locator("#survey-progress-text").inner_text() == "9 of 10 answered"
    assert not Response.objects.exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_page_counts_its_questions_keeps_its_rows_and_the_answers_are_sent(
    chromium, ten_questions, width
):
    context = chromium.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(ten_questions["url"])
        # then the progress line says how many questions there are, and no bar stands at zero
        assert page.locator("#survey-progress-text").inner_text() == "10 questions and a comment box"
        assert not page.locator("#survey-progress progress").is_visible()
        groups = page.get_by_role("group")
        assert rows_of(groups.nth(0)) == [["1", "2", "3", "4", "5"]]
        assert len(rows_of(group_named(page, ENPS))) == (1 if width == 1280 else 2)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for index in range(10):
            groups.nth(index).get_by_role("radio").nth(2).check()
        page.get_by_label("Is there anything else").fill("Sent without a script.")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / f"survey-without-javascript-{width}.png"), full_page=True)
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_url(re.compile(r"/survey/thanks/"))
        # and the answers are stored; the thank-you page says when results come, on the cycle's clock, and from
        # how many of the team's answers
        assert Response.objects.count() == 1 and Answer.objects.count() == 10
        cycle = ten_questions["cycle"]
        text = page.inner_text("main")
        assert f"March pulse closes on {time_on_clock(cycle.closes_at, 'Europe/Berlin')}." in text
        assert "Europe/Berlin" in text
        assert "only if at least 6 people in your team answered" in text
    finally:
        context.close()


def test_a_link_from_the_error_summary_lands_its_question_below_the_progress_line_kept_in_view(page, ten_questions):
    # given a phone, and a submit without the last two answers
    page.set_viewport_size({"width": 375, "height": 640})
    page.goto(ten_questions["url"])
    groups = page.get_by_role("group")
    for index in range(8):
        groups.nth(index).get_by_role("radio").first.check()
    page.get_by_role("button", name="Send my answers").click()
    # when the person follows the summary's link to the eNPS question
    page.get_by_role("alert").get_by_role("link", name=re.compile("How likely")).click()
    page.wait_for_url(re.compile(r"-group$"))
    # then its question is in view below the progress line, not under it
    bar = page.locator("#survey-progress").bounding_box()
    legend = group_named(page, ENPS).locator("legend").bounding_box()
    assert bar["y"] == 0 and bar["y"] + bar["height"] <= legend["y"] < 640
