"""Build a demo organisation with a history: closed cycles, delivery events, business metrics, one open cycle."""

import sys
import time
from datetime import timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from feedback import demo as feedback_demo
from feedback.models import Action
from feedback.services import correlations_refresh, scores_aggregate
from surveys import demo, selectors, services
from surveys.emails import survey_link
from surveys.models import Cycle, CycleSchedule, Invitation, Person, SurveyTemplate, Team
from surveys.selectors import cycle_questions
from surveys.tokens import invitation_token

DEMO_PASSWORD = "align-demo"  # noqa: S105 - printed on purpose: these are demo logins
TEMPLATE = "align-pulse"  # the mission's dimensions, rotated: at most 10 questions a cycle
CYCLE_DAYS = 28
LOGINS = [
    ("admin@example.com", "Ada Admin", Person.Role.ADMIN),
    ("lee@example.com", "Lee Leader", Person.Role.LEADER),
    ("maria@example.com", "Maria Manager", Person.Role.MANAGER),
]
LIVE_ANSWERS = 40  # answers to the open cycle that go through the real answering service


class Command(BaseCommand):
    help = "Seed a demo organisation (idempotent; deterministic for a seed) and print demo logins and a survey link."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=24, help="Teams (default 24), spread over departments.")
        parser.add_argument("--people", type=int, default=240, help="People answering surveys (default 240).")
        parser.add_argument("--cycles", type=int, default=12, help="Closed past cycles, four weeks apart (default 12).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed: the same seed builds the same demo.")

    def handle(self, *args, teams: int, people: int, cycles: int, seed: int, **options):
        if teams < 2 or people < 2 * teams or cycles < 1:
            raise CommandError("Use at least 2 teams, 2 people per team and 1 cycle (e.g. --teams 24 --people 240).")
        if Team.objects.filter(name=demo.ORGANISATION, parent=None).exists():
            self.stdout.write(
                "The demo organisation already exists; not seeding again (`make reset-demo` starts over)."
            )
        else:
            started = time.monotonic()
            with transaction.atomic():
                self._seed(np.random.default_rng(seed), teams=teams, people=people, cycles=cycles)
            self.stdout.write(
                self.style.SUCCESS(f"Seeded the demo organisation in {time.monotonic() - started:.0f} s.")
            )
        self._print_access()

    def _progress(self, label: str):
        def show(done: int, total: int) -> None:
            tty = sys.stdout.isatty()
            if tty or done == total or done % max(1, total // 10) == 0:
                end = "\r" if tty and done < total else "\n"
                self.stdout.write(f"  {label}: {done}/{total}", ending=end)
                self.stdout.flush()

        return show

    def _seed(self, rng: np.random.Generator, *, teams: int, people: int, cycles: int) -> None:
        self.stdout.write(f"Seeding {teams} teams, {people} people and {cycles} closed cycles…")
        demo_teams = demo.organisation_build(rng, teams=teams, people=people, cycles=cycles + 1)
        root = Team.objects.get(name=demo.ORGANISATION, parent=None)
        first_department = Team.objects.filter(parent=root).order_by("id").first()
        largest = max((d for d in demo_teams if d.team.parent_id == first_department.id), key=lambda d: d.size)
        scopes = {Person.Role.ADMIN: [], Person.Role.LEADER: [first_department], Person.Role.MANAGER: [largest.team]}
        User = get_user_model()
        for email, name, role in LOGINS:
            user = User.objects.create_user(username=email, email=email, password=DEMO_PASSWORD)
            if role == Person.Role.ADMIN:
                user.is_staff = user.is_superuser = True
                user.save()
            team = scopes[role][0] if scopes[role] else largest.team
            person = Person.objects.create(email=email, name=name, team=team, role=role, user=user)
            person.managed_teams.set(scopes[role])

        template = SurveyTemplate.objects.get(slug=TEMPLATE)
        now = timezone.now()
        # Some questions in German, French and Spanish, as if there from the start: shown as "translation not
        # validated" on /manage/questions/ and in the team reports' method note.
        demo.translations_write(since=now - timedelta(days=CYCLE_DAYS * (cycles + 1)))
        made = []
        show = self._progress("closed cycles")
        for index in range(cycles):
            opens = now - timedelta(days=CYCLE_DAYS * (cycles - index))
            cycle = Cycle.objects.create(
                name=f"Pulse {opens:%d %b %Y}", template=template, opens_at=opens, closes_at=now + timedelta(days=1)
            )
            cycle.teams.set([root])
            services.cycle_open(cycle_id=cycle.id)
            Invitation.objects.filter(cycle=cycle).update(sent_at=opens)
            demo.cycle_answers_write(
                rng, cycle=cycle, teams=demo_teams, index=index, share=float(rng.uniform(0.7, 0.9))
            )
            # Closed as beat would close it, without queueing a second aggregation or emails for past cycles.
            Cycle.objects.filter(id=cycle.id).update(
                state=Cycle.State.CLOSED, closes_at=opens + timedelta(days=7), results_announced=True
            )
            scores_aggregate(cycle_id=cycle.id)
            made.append(Cycle.objects.get(id=cycle.id))
            show(index + 1, cycles)
        # Every cycle but the latest is published, its "results are in" emails as if sent; the latest waits for
        # an admin to publish it, which emails everyone it invited.
        Cycle.objects.filter(id__in=[c.id for c in made[:-1]]).update(
            state=Cycle.State.PUBLISHED, members_notified=True
        )
        if len(made) > 1:
            Action.objects.create(
                team=largest.team, cycle=made[-2], text="Blameless post-incident reviews, with the whole team invited."
            )

        self.stdout.write("  delivery events and business metrics…")
        feedback_demo.delivery_events_write(rng, teams=demo_teams, cycles=made)
        first, last = feedback_demo.span(made)
        feedback_demo.dora_all_recompute(teams=demo_teams, first=first, last=last, progress=self._progress("DORA"))
        feedback_demo.business_metrics_write(rng, teams=demo_teams, cycles=made)
        self.stdout.write("  correlations…")
        correlations_refresh()

        schedule = CycleSchedule.objects.create(
            name="Monthly pulse", template=template, cadence=CycleSchedule.Cadence.MONTHLY, first_opens_at=now,
            open_days=7, reminder_days=[3],
        )  # fmt: skip
        current = Cycle.objects.create(
            name="Monthly pulse (this week)", schedule=schedule, template=template, opens_at=now,
            closes_at=now + timedelta(days=7), reminder_days=[3],
        )  # fmt: skip
        current.teams.set([root])
        services.cycle_open(cycle_id=current.id)
        # Invited as the worker would invite them — every invitation sent alike, so nothing in the database
        # tells the demo's respondents apart — but the made-up people's emails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            services.invitations_send_batch(cycle_id=current.id, batch_size=current.invitations.count())
        services.schedule_plan(schedule_id=schedule.id)  # next month's cycle waits, visible on the admin pages
        self._answer_live(rng, current)

    def _answer_live(self, rng: np.random.Generator, cycle: Cycle) -> None:
        """Answer a few invitations of the open cycle, chosen at random, through their emailed links (as
        respondents would)."""
        questions = cycle_questions(cycle=cycle)
        invitations = list(Invitation.objects.filter(cycle=cycle, person__user__isnull=True).order_by("id"))
        # In random order too: stored rows keep the order answers arrive in until the cycle closes.
        for index in rng.choice(len(invitations), size=min(LIVE_ANSWERS, len(invitations)), replace=False):
            answers, comments = demo.respondent_answers(rng, questions, float(rng.normal(3.6, 0.7)))
            token = invitation_token(invitations[index].id)
            services.response_submit(token=token, answers=answers, comments=comments)

    def _print_access(self) -> None:
        from django.conf import settings

        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD}):")
        for email, _name, role in LOGINS:
            person = Person.objects.filter(email=email).first()
            scope = ", ".join(t.name for t in person.managed_teams.all()) if person else ""
            self.stdout.write(f"  {email:<22} {role:<8} sees {scope or 'everything'}")
        self.stdout.write("  admin@example.com also manages Align at /manage/ (teams, people, questions, schedules)")
        candidates = Invitation.objects.filter(cycle__state=Cycle.State.OPEN, person__user__isnull=True)
        invitation = next(
            (i for i in candidates.order_by("-id") if not selectors.invitation_answered(invitation_id=i.id)), None
        )
        if invitation is None:
            opened = Cycle.objects.filter(state=Cycle.State.OPEN).exists()
            why = "every invitation of the open survey has been answered" if opened else "no survey is open now"
            self.stdout.write(f"\nNo invitation link to try: {why}. `make reset-demo`, then `make run`, builds a fresh")
            self.stdout.write("demo with an open survey (the next scheduled one is on /manage/).")
            return
        # The link the invitation email carried (with its person's language, if they have one): printing it writes
        # nothing.
        link = survey_link(person=invitation.person, token=invitation_token(invitation.id))
        self.stdout.write(f"\nAnswer the open survey as {invitation.person.name}:\n  {link}")
        german = next(
            (i for i in candidates.filter(person__language="de").order_by("-id") if i.id != invitation.id), None
        )
        if german is not None and not selectors.invitation_answered(invitation_id=german.id):
            link = survey_link(person=german.person, token=invitation_token(german.id))
            self.stdout.write(f"or in German (Deutsch) as {german.person.name}:\n  {link}")
        site = settings.SITE_URL
        self.stdout.write(
            f"\nReports: {site}/reports/  ·  Dashboard: {site}/reports/dashboard/  ·  Manage: {site}/manage/  ·  "
            f"Django admin: {site}/admin/\n"
        )
