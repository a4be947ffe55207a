"""Build a small demo organisation with past results, one open cycle and a working invitation link."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from feedback.services import scores_aggregate
from surveys import selectors, services
from surveys.models import Cycle, CycleSchedule, Invitation, Person, Question, SurveyTemplate, Team

DEMO_PASSWORD = "align-demo"  # noqa: S105 - printed on purpose: these are demo logins
TEMPLATE = "psychological-safety-pulse"
# department → team → (people, how safe the team feels on a 1–5 scale)
ORGANISATION = {
    "Engineering": {"Platform": (7, 4.1), "Payments": (6, 3.4), "Mobile": (3, 3.8)},
    "Product": {"Design": (6, 3.9), "Research": (5, 3.2)},
}
LOGINS = [
    ("admin@example.com", "Ada Admin", "Platform", Person.Role.ADMIN, []),
    ("lee@example.com", "Lee Leader", "Platform", Person.Role.LEADER, ["Engineering"]),
    ("maria@example.com", "Maria Manager", "Platform", Person.Role.MANAGER, ["Platform"]),
]
FIRST_NAMES = ["Sam", "Alex", "Jo", "Kim", "Ravi", "Mei", "Tom", "Ana", "Luca", "Noor", "Ivan", "Zoe", "Omar", "Eva"]


class Command(BaseCommand):
    help = "Seed a demo organisation (idempotent) and print demo logins and an invitation link."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed for the demo answers.")
        parser.add_argument("--past-cycles", type=int, default=3, help="Closed cycles with results to create.")

    def handle(self, *args, seed: int, past_cycles: int, **options):
        if Team.objects.filter(name="Engineering", parent=None).exists():
            self.stdout.write("Demo organisation already exists; not seeding again.")
        else:
            with transaction.atomic():
                self._seed(random.Random(seed), past_cycles)  # noqa: S311 - demo data, not secrets
            self.stdout.write(self.style.SUCCESS("Seeded the demo organisation."))
        self._print_access()

    def _seed(self, rng: random.Random, past_cycles: int) -> None:
        team_level: dict[Team, float] = {}
        for department_name, teams in ORGANISATION.items():
            department = Team.objects.create(name=department_name)
            for team_name, (size, level) in teams.items():
                team = Team.objects.create(name=team_name, parent=department)
                team_level[team] = level
                for i in range(size):
                    first = FIRST_NAMES[(i + len(team_level) * 3) % len(FIRST_NAMES)]
                    Person.objects.create(
                        email=f"{first.lower()}.{team_name.lower()}{i}@example.com",
                        name=f"{first} {team_name}",
                        team=team,
                    )
        teams_by_name = {team.name: team for team in Team.objects.all()}
        User = get_user_model()
        for email, name, team_name, role, managed in LOGINS:
            user = User.objects.create_user(username=email, email=email, password=DEMO_PASSWORD)
            if role == Person.Role.ADMIN:
                user.is_staff = user.is_superuser = True
                user.save()
            person = Person.objects.create(email=email, name=name, team=teams_by_name[team_name], role=role, user=user)
            person.managed_teams.set([teams_by_name[n] for n in managed])

        template = SurveyTemplate.objects.get(slug=TEMPLATE)
        departments = list(Team.objects.filter(parent=None))
        now = timezone.now()
        for weeks_ago in range(past_cycles * 4, 0, -4):
            opens = now - timedelta(weeks=weeks_ago)
            cycle = Cycle.objects.create(
                name=f"Pulse {opens:%d %b %Y}", template=template, opens_at=opens, closes_at=now + timedelta(days=1)
            )
            cycle.teams.set(departments)
            services.cycle_open(cycle_id=cycle.id)
            drift = (past_cycles * 4 - weeks_ago) * 0.03
            self._answer(rng, cycle, team_level, share=0.85, drift=drift)
            Invitation.objects.filter(cycle=cycle, sent_at__isnull=True).update(sent_at=opens)
            Cycle.objects.filter(id=cycle.id).update(closes_at=opens + timedelta(days=7))
            services.cycle_close(cycle_id=cycle.id)
            scores_aggregate(cycle_id=cycle.id)

        schedule = CycleSchedule.objects.create(
            name="Monthly pulse",
            template=template,
            cadence=CycleSchedule.Cadence.MONTHLY,
            first_opens_at=now,
            open_days=7,
            reminder_days=[3],
        )
        current = Cycle.objects.create(
            name="Monthly pulse (this week)",
            schedule=schedule,
            template=template,
            opens_at=now,
            closes_at=now + timedelta(days=7),
            reminder_days=[3],
        )
        services.cycle_open(cycle_id=current.id)
        services.schedule_plan(schedule_id=schedule.id)  # next month's cycle waits, visible on the admin pages
        self._answer(rng, current, team_level, share=0.4, drift=0.1)

    def _answer(self, rng: random.Random, cycle: Cycle, team_level: dict[Team, float], *, share, drift) -> None:
        questions = selectors.cycle_questions(cycle=cycle)
        invitations = Invitation.objects.filter(cycle=cycle).exclude(person__user__isnull=False)
        for invitation in invitations:
            if rng.random() > share:
                continue
            level = team_level.get(invitation.team, 3.5) + drift
            answers = {}
            for question in questions:
                if question.kind == Question.Kind.LIKERT:
                    value = min(5, max(1, round(rng.gauss(level, 0.8))))
                    answers[question.id] = 6 - value if question.reverse_scored else value
                elif question.kind == Question.Kind.ENPS:
                    answers[question.id] = min(10, max(0, round(rng.gauss(level * 2, 1.8))))
            token = services.invitation_link_issue(invitation_id=invitation.id)
            services.response_submit(token=token, answers=answers, comments={})

    def _print_access(self) -> None:
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD}):")
        for email, _name, _team, role, managed in LOGINS:
            scope = ", ".join(managed) or "everything"
            self.stdout.write(f"  {email:<22} {role:<8} sees {scope}")
        self.stdout.write("  admin@example.com also manages Align at /manage/ (teams, people, questions, schedules)")
        invitation = (
            Invitation.objects.filter(cycle__state=Cycle.State.OPEN, person__user__isnull=True)
            .filter(Q(sent_at__isnull=True) | Q(tokens__isnull=False))
            .distinct()
            .order_by("id")
            .first()
        )
        if invitation is None:
            self.stdout.write("\nEvery demo invitation has been answered; run `make reset-demo` for a fresh start.")
            return
        from django.conf import settings
        from django.urls import reverse

        token = services.invitation_link_issue(invitation_id=invitation.id)
        link = settings.SITE_URL + reverse("surveys:invitation", kwargs={"token": token})
        self.stdout.write(f"\nAnswer the open survey as {invitation.person.name}:\n  {link}")
        site = settings.SITE_URL
        self.stdout.write(f"\nReports: {site}/reports/  ·  Manage: {site}/manage/  ·  Django admin: {site}/admin/\n")
