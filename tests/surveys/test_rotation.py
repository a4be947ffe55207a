"""The rotation rule (`surveys.rotation`, pure): at most N questions a cycle, every dimension every M cycles."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.rotation import RotationImpossible, cycle_dimensions, rotation_problem

ALIGN_PULSE = {
    "psychological-safety": 7,
    "trust-leadership": 3,
    "structure-clarity": 2,
    "business-clarity": 3,
    "meaning": 2,
    "impact": 2,
    "dependability": 2,
}


def run(sizes, *, max_questions, every, always=1, cycles):
    """Return what `cycles` consecutive cycles of one schedule ask, each fed the ones before."""
    history: list[list] = []
    for _ in range(cycles):
        history.append(
            cycle_dimensions(sizes, max_questions=max_questions, every=every, always=always, history=history)
        )
    return history


def test_the_align_pulse_asks_at_most_ten_questions_and_every_dimension_every_three_cycles():
    asked = run(ALIGN_PULSE, max_questions=10, every=3, cycles=12)
    assert all(sum(ALIGN_PULSE[d] for d in cycle) + 1 <= 10 for cycle in asked)
    for start in range(len(asked) - 2):
        assert set().union(*asked[start : start + 3]) == set(ALIGN_PULSE)
    counts = {d: sum(d in cycle for cycle in asked) for d in ALIGN_PULSE}
    assert counts["psychological-safety"] == 4  # seven items: every third cycle, as late as allowed
    assert max(counts.values()) - min(counts.values()) <= 2  # spare room is shared out evenly


def test_a_template_that_fits_asks_everything_every_cycle():
    sizes = {"safety": 7}
    assert run(sizes, max_questions=10, every=3, cycles=4) == [["safety"]] * 4


def test_the_align_pulse_cannot_measure_everything_every_two_cycles_in_ten_questions():
    problem = rotation_problem(ALIGN_PULSE, max_questions=10, every=2, always=1)
    assert "21 rotating questions do not fit into 2 cycles of 9" in problem
    with pytest.raises(RotationImpossible):
        cycle_dimensions(ALIGN_PULSE, max_questions=10, every=2, always=1, history=[])


def test_a_dimension_larger_than_a_cycle_is_refused_naming_the_size_needed():
    assert "allow at least 8 questions per cycle" in rotation_problem(ALIGN_PULSE, max_questions=7, every=9, always=1)


def test_a_greedy_choice_would_miss_a_deadline_that_the_plan_keeps():
    # Two 5s and two 4s in cycles of 9 every 2 cycles: only {5, 4} + {5, 4} works; {5, 5} or {4, 4} first fails.
    sizes = {"a": 5, "b": 5, "c": 4, "d": 4}
    asked = run(sizes, max_questions=9, every=2, always=0, cycles=6)
    for start in range(len(asked) - 1):
        assert set(asked[start]) | set(asked[start + 1]) == set(sizes)


def test_after_a_dimension_is_added_it_is_caught_up_at_once_when_it_fits():
    history = [["psychological-safety", "structure-clarity"], ["trust-leadership", "business-clarity", "meaning"]]
    sizes = ALIGN_PULSE | {"workload": 2}
    chosen = cycle_dimensions(sizes, max_questions=12, every=3, always=1, history=history)
    assert "workload" in chosen and {"impact", "dependability"} <= set(chosen)


def test_it_is_deterministic_and_keeps_the_templates_order():
    history = [["meaning"], ["impact"]]
    first = cycle_dimensions(ALIGN_PULSE, max_questions=10, every=3, always=1, history=history)
    assert first == cycle_dimensions(ALIGN_PULSE, max_questions=10, every=3, always=1, history=history)
    assert first == [d for d in ALIGN_PULSE if d in first]


@st.composite
def templates(draw):
    """A template of 1–8 dimensions of 1–7 items, an M of 1–5 and the smallest N that fits or a little more."""
    count = draw(st.integers(1, 8))
    sizes = {f"d{i}": draw(st.integers(1, 7)) for i in range(count)}
    every = draw(st.integers(1, 5))
    always = draw(st.integers(0, 2))
    smallest = next(
        n for n in range(1, 200) if rotation_problem(sizes, max_questions=n, every=every, always=always) is None
    )
    return sizes, draw(st.integers(smallest, smallest + 4)), every, always


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates(), st.integers(1, 16))
def test_every_generated_template_keeps_both_promises_over_many_cycles(template, cycles):
    sizes, max_questions, every, always = template
    asked = run(sizes, max_questions=max_questions, every=every, always=always, cycles=cycles)
    for cycle in asked:
        assert sum(sizes[d] for d in cycle) + always <= max_questions  # eNPS (always) fits beside them
        assert len(set(cycle)) == len(cycle)
    for start in range(max(1, len(asked) - every + 1)):
        window = asked[start : start + every]
        if len(window) == every:
            assert set().union(*map(set, window)) == set(sizes)


@settings(max_examples=100, deadline=None)
@given(templates(), st.integers(0, 2))
def test_one_question_fewer_than_the_smallest_fitting_n_is_refused(template, extra):
    sizes, _, every, always = template
    smallest = next(
        n for n in range(1, 200) if rotation_problem(sizes, max_questions=n, every=every, always=always) is None
    )
    assert rotation_problem(sizes, max_questions=smallest - 1, every=every, always=always) is not None
    # and the smallest fitting N splits the items into M cycles of room: no fewer than the total needs
    assert (smallest - always) * every >= sum(sizes.values())


@settings(max_examples=100, deadline=None)
@given(templates(), st.lists(st.sets(st.sampled_from([f"d{i}" for i in range(10)])), max_size=8))
def test_any_history_gets_a_cycle_within_n_and_the_rotation_recovers_within_m_cycles(template, history):
    sizes, max_questions, every, always = template
    history = [sorted(h) for h in history]  # a broken schedule: a template edited, cycles opened by hand
    for _ in range(2 * every):
        chosen = cycle_dimensions(sizes, max_questions=max_questions, every=every, always=always, history=history)
        assert sum(sizes[d] for d in chosen) + always <= max_questions
        history.append(chosen)
    recovered = history[-every:]
    assert set().union(*map(set, recovered)) == set(sizes)
