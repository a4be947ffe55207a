"""Property-based proof of disclosure control: over random trees and counts, no set of fewer than k
respondents can be worked out by adding and subtracting the groups that are shown."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.disclosure import hidden_groups, participation_hidden


@st.composite
def organisations(draw):
    """A forest of up to 7 groups, each with its own direct respondents (0–8), and a threshold."""
    size = draw(st.integers(min_value=1, max_value=7))
    parents = {0: None}
    for node in range(1, size):
        parents[node] = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=node - 1)))
    own = {node: draw(st.integers(min_value=0, max_value=8)) for node in range(size)}
    return parents, own, draw(st.sampled_from([3, 4, 5]))


def subtree(node, parents):
    found, frontier = {node}, [node]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found.update(children)
        frontier.extend(children)
    return found


@settings(max_examples=400, deadline=None)
@given(organisations())
def test_no_shown_combination_isolates_fewer_than_k_respondents(organisation):
    parents, own, k = organisation
    members = {node: subtree(node, parents) for node in parents}
    totals = {node: sum(own[m] for m in members[node]) for node in parents}

    hidden = hidden_groups(totals, parents, k)

    shown = [node for node in parents if node not in hidden]
    assert all(totals[node] >= k for node in shown)
    # Every way of adding (+1) and subtracting (−1) shown groups: whenever the result counts each
    # respondent 0 or 1 times, it is a real set of people, and it must not be a small one.
    for coefficients in itertools.product((-1, 0, 1), repeat=len(shown)):
        weight = {bucket: 0 for bucket in parents}
        for node, a in zip(shown, coefficients, strict=True):
            for bucket in members[node]:
                weight[bucket] += a
        if all(w in (0, 1) for b, w in weight.items() if own[b]):
            derived = sum(own[b] for b, w in weight.items() if w == 1)
            assert derived == 0 or derived >= k, (parents, own, k, hidden, coefficients)


@settings(max_examples=200, deadline=None)
@given(organisations())
def test_nothing_is_hidden_without_need_when_every_group_and_remainder_is_large(organisation):
    parents, own, k = organisation
    own = {node: count + k for node, count in own.items()}  # every direct group already has k
    members = {node: subtree(node, parents) for node in parents}
    totals = {node: sum(own[m] for m in members[node]) for node in parents}
    assert hidden_groups(totals, parents, k) == set()


@settings(max_examples=300, deadline=None)
@given(organisations(), st.data())
def test_participation_never_shows_or_lets_one_derive_a_set_of_invitees_where_fewer_than_k_or_nobody_answered(
    organisation, data
):
    # own: invitees per group; of them, some answer
    parents, own, k = organisation
    members = {node: subtree(node, parents) for node in parents}
    answering = {node: data.draw(st.integers(0, own[node])) for node in parents}
    invited = {node: sum(own[m] for m in members[node]) for node in parents}
    answered = {node: sum(answering[m] for m in members[node]) for node in parents}

    hidden = participation_hidden(invited, answered, parents, k)

    shown = [node for node in parents if node not in hidden]
    assert all(answered[node] >= k for node in shown)  # 0% and small counts never shown
    for coefficients in itertools.product((-1, 0, 1), repeat=len(shown)):
        weight = {bucket: 0 for bucket in parents}
        for node, a in zip(shown, coefficients, strict=True):
            for bucket in members[node]:
                weight[bucket] += a
        if all(w in (0, 1) for b, w in weight.items() if own[b]):
            derived = sum(answering[b] for b, w in weight.items() if w == 1)
            invitees = sum(own[b] for b, w in weight.items() if w == 1)
            # never a small count, and never "nobody answered" among invitees
            assert derived >= k or invitees == 0, (parents, own, answering, k, hidden, coefficients)
