"""A believable demo organisation: uneven teams, answers that drift, comments. Deterministic for a seed.

Used by `manage.py seed_demo`. Closed cycles are written in bulk in the shape answering leaves behind (a
response per respondent with its team and answers, comments apart, no link to the invitation), because
pushing 10,000 people × 26 cycles through the answering form would take hours and prove nothing new.
"""

import uuid
from dataclasses import dataclass, field

import numpy as np

from .models import Answer, Comment, Cycle, Person, Question, QuestionTranslation, Response, Team
from .selectors import cycle_questions

ORGANISATION = "Acme"
DEPARTMENTS = [
    "Engineering", "Product", "Data", "Infrastructure", "Customer Success", "Security", "Growth", "Finance",
    "People", "Mobile", "Payments", "Marketplace",
]  # fmt: skip
TEAM_WORDS = [
    "Platform", "Checkout", "Search", "Identity", "Billing", "Insights", "Onboarding", "Reliability", "Design",
    "Research", "Android", "iOS", "Web", "API", "Ledger", "Risk", "Catalog", "Messaging", "Support", "Tooling",
]  # fmt: skip
# Who reads Align in another language than the organisation's: every person whose place in the team plus the
# team's index falls here (no random draw, so the rest of a seed's demo is as it was). About one in five.
LANGUAGE_BY_PLACE = {0: "de", 7: "de", 3: "fr", 11: "es"}
LANGUAGE_PLACES = 20
# Translations of the Align pulse's psychological safety items (Edmondson 1999), its eNPS and its comment, written
# for the demo: no published source, so the first seven show as "translation not validated" (question key →
# language → text).
TRANSLATIONS = {
    "psafety-1": {
        "de": "Wer in diesem Team einen Fehler macht, bekommt ihn oft vorgehalten.",
        "fr": "Dans cette équipe, une erreur vous est souvent reprochée.",
        "es": "En este equipo, si cometes un error, a menudo te lo echan en cara.",
    },
    "psafety-2": {
        "de": "In diesem Team können Probleme und heikle Themen angesprochen werden.",
        "fr": "Les membres de cette équipe peuvent aborder les problèmes et les sujets délicats.",
        "es": "Los miembros de este equipo pueden plantear problemas y temas delicados.",
    },
    "psafety-3": {
        "de": "In diesem Team wird manchmal jemand abgelehnt, weil er anders ist.",
        "fr": "Dans cette équipe, il arrive que quelqu'un soit mis à l'écart parce qu'il est différent.",
        "es": "En este equipo, a veces se rechaza a alguien por ser diferente.",
    },
    "psafety-4": {
        "de": "In diesem Team kann man gefahrlos ein Risiko eingehen.",
        "fr": "Dans cette équipe, on peut prendre un risque sans crainte.",
        "es": "En este equipo se puede asumir un riesgo sin temor.",
    },
    "psafety-5": {
        "de": "Es fällt schwer, andere in diesem Team um Hilfe zu bitten.",
        "fr": "Il est difficile de demander de l'aide aux autres membres de cette équipe.",
        "es": "Cuesta pedir ayuda a otros miembros de este equipo.",
    },
    "psafety-6": {
        "de": "Niemand in diesem Team würde absichtlich meine Arbeit untergraben.",
        "fr": "Personne dans cette équipe ne chercherait délibérément à saper mon travail.",
        "es": "Nadie en este equipo actuaría a propósito para socavar mi trabajo.",
    },
    "psafety-7": {
        "de": "In der Zusammenarbeit mit diesem Team werden meine besonderen Fähigkeiten geschätzt und genutzt.",
        "fr": "Dans cette équipe, mes compétences et talents propres sont reconnus et mis à profit.",
        "es": "Al trabajar con este equipo, se valoran y aprovechan mis capacidades y talentos propios.",
    },
    "enps": {
        "de": "Wie wahrscheinlich ist es, dass Sie dieses Unternehmen als Arbeitgeber empfehlen?",
        "fr": "Quelle est la probabilité que vous recommandiez cette entreprise comme employeur ?",
        "es": "¿Qué probabilidad hay de que recomiende esta empresa como lugar para trabajar?",
    },
    "comment": {
        "de": "Möchten Sie der Leitung Ihres Teams noch etwas sagen?",
        "fr": "Voulez-vous dire autre chose à la direction de votre équipe ?",
        "es": "¿Quiere decir algo más a la dirección de su equipo?",
    },
}
FIRST_NAMES = ["Sam", "Alex", "Jo", "Kim", "Ravi", "Mei", "Tom", "Ana", "Luca", "Noor", "Ivan", "Zoe", "Omar", "Eva"]
COMMENTS = {
    "low": [
        "People get blamed when an incident happens; nobody wants to own the next one.",
        "Decisions arrive without context and we are not asked.",
        "I would raise more problems if it did not feel risky.",
        "Too many priorities at once, and they change every week.",
    ],
    "high": [
        "Retros are honest and we actually change things afterwards.",
        "I can ask for help without feeling judged.",
        "Our lead explains the why behind priorities.",
        "Pairing on incidents made on-call much less scary.",
    ],
}


# Every dimension of the Align pulse has its own latent level per team and cycle. A team's starting levels go
# together (a good team tends to be good at several things), but each dimension then moves on its own, so a
# relation planted on one dimension (feedback.demo) does not show up on the others within a team.
DIMENSIONS = [
    "psychological-safety", "trust-leadership", "structure-clarity", "business-clarity", "meaning", "impact",
    "dependability",
]  # fmt: skip


@dataclass
class DemoTeam:
    team: Team
    size: int
    levels: np.ndarray  # the team's latent psychological safety per cycle, 1–5
    dimensions: dict[str, np.ndarray] = field(default_factory=dict)  # dimension key → latent level per cycle

    def level(self, dimension: str, index: int) -> float:
        """Return the team's latent level of a dimension in a cycle (psychological safety for any other)."""
        return float(self.dimensions.get(dimension, self.levels)[index])


def team_sizes(rng: np.random.Generator, *, teams: int, people: int) -> list[int]:
    """Split people over teams unevenly (log-normal weights), every team at least 2 people."""
    weights = rng.lognormal(0.0, 0.5, teams)
    sizes = np.maximum(2, np.floor(weights / weights.sum() * people)).astype(int)
    while sizes.sum() > people:
        sizes[int(np.argmax(sizes))] -= 1
    for index in rng.choice(teams, people - int(sizes.sum()), replace=True) if sizes.sum() < people else []:
        sizes[index] += 1
    return sizes.tolist()


def organisation_build(rng: np.random.Generator, *, teams: int, people: int, cycles: int) -> list[DemoTeam]:
    """Create the organisation root, departments, teams and people; return the teams with latent trajectories.

    Each team starts at its own level of psychological safety and drifts from cycle to cycle (a random walk
    pulled back towards its start), so some teams improve, some decline, most wander.
    """
    root = Team.objects.create(name=ORGANISATION)
    count = max(2, min(len(DEPARTMENTS) * 4, round(teams / 7)))
    names = [DEPARTMENTS[i % len(DEPARTMENTS)] + (f" {i // len(DEPARTMENTS) + 1}" if i >= len(DEPARTMENTS) else "")
             for i in range(count)]  # fmt: skip
    departments = Team.objects.bulk_create(Team(name=name, parent=root) for name in names)
    made = Team.objects.bulk_create(
        Team(
            name=TEAM_WORDS[t % len(TEAM_WORDS)] + (f" {t // len(TEAM_WORDS) + 1}" if t >= len(TEAM_WORDS) else ""),
            parent=departments[t % count],
        )
        for t in range(teams)
    )
    sizes = team_sizes(rng, teams=teams, people=people)
    Person.objects.bulk_create(
        (
            Person(
                email=f"{FIRST_NAMES[i % len(FIRST_NAMES)].lower()}.{t}.{i}@example.com",
                name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {team.name}",
                team=team,
                language=LANGUAGE_BY_PLACE.get((t + i) % LANGUAGE_PLACES, ""),
            )
            for t, (team, size) in enumerate(zip(made, sizes, strict=True))
            for i in range(size)
        ),
        batch_size=2000,
    )
    shared = rng.normal(0, 0.35, teams)
    walks = {}
    # Each dimension draws from a stream of its own, so adding a dimension to the demo leaves the others' paths.
    for key, stream in zip(DIMENSIONS, rng.spawn(len(DIMENSIONS)), strict=True):
        start = 3.6 + shared + stream.normal(0, 0.3, teams)
        levels = np.empty((teams, cycles))
        levels[:, 0] = start
        for c in range(1, cycles):
            levels[:, c] = levels[:, c - 1] + 0.25 * (start - levels[:, c - 1]) + stream.normal(0, 0.3, teams)
        walks[key] = np.clip(levels, 1.6, 4.8)
    return [
        DemoTeam(
            team=t,
            size=s,
            levels=walks["psychological-safety"][i],
            dimensions={key: walk[i] for key, walk in walks.items()},
        )
        for i, (t, s) in enumerate(zip(made, sizes, strict=True))
    ]


def translations_write(*, since) -> int:
    """Give the current versions of the TRANSLATIONS' questions their texts (no source: not validated), dated
    `since` (the demo's history had them from its first cycle); return how many were written."""
    from .services import question_translation_save

    current = {q.key: q for q in Question.objects.filter(key__in=TRANSLATIONS, retired=False)}
    written = [
        question_translation_save(question_id=current[key].id, language=language, text=text).id
        for key, texts in TRANSLATIONS.items()
        if key in current
        for language, text in texts.items()
    ]
    QuestionTranslation.objects.filter(id__in=written).update(created_at=since)
    return len(written)


def respondent_answers(
    rng: np.random.Generator, questions, felt: float, by_dimension: dict[str, float] | None = None
) -> tuple[dict[int, int], dict[int, str]]:
    """Return one respondent's (answers, comments) by question id, for someone feeling `felt` on a 1–5 scale
    overall and `by_dimension` (dimension key → 1–5) about the dimensions named there.

    Items are answered as asked (a reverse-scored item is answered low by someone who feels safe); eNPS
    follows the overall feeling; about a third leave a comment in its tone.
    """
    answers, comments = {}, {}
    by_dimension = by_dimension or {}
    for question in questions:
        if question.kind == Question.Kind.LIKERT:
            level = by_dimension.get(question.dimension.key, felt)
            value = int(np.clip(np.rint(level + rng.normal(0, 0.7)), 1, question.scale_points))
            answers[question.id] = question.scale_points + 1 - value if question.reverse_scored else value
        elif question.kind == Question.Kind.ENPS:
            answers[question.id] = int(np.clip(np.rint(2.2 * felt - 0.5 + rng.normal(0, 1.5)), 0, 10))
        elif rng.random() < 0.3:
            comments[question.id] = str(rng.choice(COMMENTS["high" if felt >= 3.5 else "low"]))
    return answers, comments


def cycle_answers_write(rng: np.random.Generator, *, cycle: Cycle, teams: list[DemoTeam], index: int, share: float):
    """Write a cycle's responses: about `share` of each team answers, around the team's level that cycle."""
    questions = cycle_questions(cycle=cycle)
    asked = sorted({q.dimension.key for q in questions if q.kind == Question.Kind.LIKERT} & set(DIMENSIONS))
    responses, answers, comments = [], [], []
    for demo in teams:
        levels = np.array([demo.level(key, index) for key in asked])
        overall = float(np.mean([walk[index] for walk in demo.dimensions.values()] or [demo.levels[index]]))
        for _ in range(int(rng.binomial(demo.size, share))):
            response = Response(id=uuid.uuid4(), cycle=cycle, team=demo.team)
            responses.append(response)
            # A person's own mood colours every answer; each dimension adds a little of its own.
            mood = rng.normal(0, 0.4)
            felt = dict(zip(asked, levels + mood + rng.normal(0, 0.3, len(asked)), strict=True))
            given, said = respondent_answers(rng, questions, overall + mood, felt)
            answers += [Answer(response=response, question_id=q, value=v) for q, v in given.items()]
            comments += [Comment(cycle=cycle, team=demo.team, question_id=q, text=t) for q, t in said.items()]
    Response.objects.bulk_create(responses, batch_size=2000)
    Answer.objects.bulk_create(answers, batch_size=5000)
    rng.shuffle(comments)  # no order that follows the responses
    Comment.objects.bulk_create(comments, batch_size=2000)
    return len(responses)
