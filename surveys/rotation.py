"""Which dimensions a rotating template asks in a cycle. Pure: plain data in, plain data out, no Django.

A pulse must stay short, so a template may ask at most N rated questions per cycle (agreement items and eNPS;
the optional comment is not counted) while measuring each of its dimensions at least once in every M
consecutive cycles. Whole dimensions rotate, never single items: a dimension's score and its Cronbach's α need
all its items answered together.

Why a plan and not a greedy pick: with every dimension due by some cycle, asking the most overdue first can
leave, a cycle later, two large dimensions due in one cycle that cannot hold both. Instead each cycle checks
that every dimension can still be placed before its deadline (a small bin-packing search), asks the dimensions
that plan puts in this cycle, and fills what room is left with the dimensions asked longest ago.
"""

from collections import Counter
from collections.abc import Collection, Hashable, Mapping, Sequence

SEARCH_BUDGET = 200_000  # placements tried before a plan is given up for (far above any real template's needs)


class RotationImpossible(ValueError):
    """No rotation asks at most N questions per cycle and every dimension at least every M cycles."""


def rotation_problem(sizes: Mapping[Hashable, int], *, max_questions: int, every: int, always: int) -> str | None:
    """Return why no rotation fits the template, in words an admin can act on, or None when one does.

    `sizes`: each rotating dimension's number of items; `always`: the rated questions asked every cycle (eNPS).
    It fits exactly when the dimensions can be split into `every` cycles of at most `max_questions - always`
    items each: any M consecutive cycles of a rotation hold such a split, and repeating a split is a rotation.
    """
    room = max_questions - always
    if max_questions < 1 or every < 1:
        return "Ask at least one question per cycle, and measure every dimension at least every cycle or more."
    if room < 0:
        return f"The {always} questions asked every cycle (eNPS) are already more than {max_questions}."
    largest = max(sizes.values(), default=0)
    if largest > room:
        return (
            f"A dimension of {largest} questions does not fit in a cycle of {max_questions} questions with the "
            f"{always} asked every cycle (eNPS): allow at least {largest + always} questions per cycle."
        )
    if _plan(sizes, dict.fromkeys(sizes, every), room=room) is None:
        total = sum(sizes.values())
        return (
            f"{total} rotating questions do not fit into {every} cycles of {room} questions (besides the "
            f"{always} asked every cycle): allow more questions per cycle, or more cycles between measurements."
        )
    return None


def cycle_dimensions(
    sizes: Mapping[Hashable, int],
    *,
    max_questions: int,
    every: int,
    always: int,
    history: Sequence[Collection[Hashable]],
) -> list[Hashable]:
    """Return the dimensions this cycle asks, in the order of `sizes` (the template's order).

    Contract:
    - `sizes` maps each rotating dimension to its number of items; `always` counts the rated questions asked
      every cycle whatever happens (eNPS), which the caller adds; `history` lists the dimensions asked by the
      previous cycles of the same schedule, oldest first (dimensions outside `sizes` are ignored).
    - The items of the returned dimensions plus `always` are at most `max_questions`.
    - Started from an empty history and fed its own answers, every window of `every` consecutive cycles,
      the first included, asks every dimension at least once.
    - Dimensions are whole: all of a dimension's items are asked together, or none.
    - Spare room is used: after the dimensions that must be asked now, the ones asked longest ago (then least
      often in `history`, then first in the template) are added while they fit, so a template whose questions
      all fit in `max_questions` asks them all every cycle. A longer history than `every` cycles only evens
      out how often each dimension gets the spare room.
    - Deterministic: the same arguments give the same answer.
    - After a change that breaks the schedule (a dimension added, `every` lowered, a cycle opened by hand in
      between), dimensions past their deadline count as due now, and if they cannot all be asked now, every
      deadline is pushed back by the fewest cycles that let them be caught up.

    Raise RotationImpossible when no rotation fits (`rotation_problem` says why).
    """
    problem = rotation_problem(sizes, max_questions=max_questions, every=every, always=always)
    if problem:
        raise RotationImpossible(problem)
    room = max_questions - always
    recent = list(history)[-every:] if every else []
    # How many cycles each dimension may still wait, this one counted as 1. A dimension never asked counts
    # as asked just before the history starts, so the first `every` cycles ask everything.
    deadline = {}
    for key in sizes:
        since = next((i for i, asked in enumerate(reversed(recent), 1) if key in asked), len(recent) + 1)
        deadline[key] = max(1, every - since + 1)
    plan = None
    for floor in range(1, every + 1):  # floor = every is the empty history, which rotation_problem checked
        plan = _plan(sizes, {key: max(d, floor) for key, d in deadline.items()}, room=room)
        if plan is not None:
            break
    if plan is None:  # unreachable: the last floor is the template's own check
        raise RotationImpossible("No rotation fits.")
    chosen = {key for key, offset in plan.items() if offset == 1}
    used = sum(sizes[key] for key in chosen)
    order = list(sizes)
    asked = Counter(key for cycle in history for key in cycle)
    # Longest ago first, then least often in the history given, so spare room is shared out evenly over time.
    for key in sorted((k for k in sizes if k not in chosen), key=lambda k: (deadline[k], asked[k], order.index(k))):
        if used + sizes[key] <= room:
            chosen.add(key)
            used += sizes[key]
    return [key for key in sizes if key in chosen]


def _plan(sizes: Mapping[Hashable, int], deadline: Mapping[Hashable, int], *, room: int) -> dict | None:
    """Return {dimension: the cycle it is next asked in, 1 = this one}, each by its deadline, at most `room`
    items per cycle; or None when there is none (or the search ran past its budget).

    Repeating the plan every `max(deadline)` cycles continues it, so a plan existing means the rotation can go on.
    Depth-first over the dimensions by deadline, then size (largest first), each placed as late as it may be.
    Cycles up to the current
    dimension's deadline are interchangeable for every dimension still to place (their deadlines are no
    earlier), so of those with the same load only one is tried.
    """
    horizon = max(deadline.values(), default=0)
    order = list(sizes)
    keys = sorted(sizes, key=lambda k: (deadline[k], -sizes[k], order.index(k)))
    load = [0] * (horizon + 1)
    placed: dict = {}
    budget = [SEARCH_BUDGET]

    def place(i: int) -> bool:
        if i == len(keys):
            return True
        key = keys[i]
        size, last = sizes[key], deadline[key]
        if sum(room - load[c] for c in range(1, last + 1)) < sum(sizes[k] for k in keys[i:] if deadline[k] <= last):
            return False  # the dimensions due by then cannot fit however they are placed
        tried = set()
        for cycle in range(last, 0, -1):  # as late as allowed: this cycle's spare room is shared out below
            if load[cycle] + size > room or load[cycle] in tried:
                continue
            budget[0] -= 1
            if budget[0] < 0:
                return False
            tried.add(load[cycle])
            load[cycle] += size
            placed[key] = cycle
            if place(i + 1):
                return True
            load[cycle] -= size
            del placed[key]
        return False

    return dict(placed) if place(0) else None
