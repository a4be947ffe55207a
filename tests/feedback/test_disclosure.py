import pytest

from feedback.disclosure import hidden_groups


def test_a_group_below_the_threshold_is_hidden():
    assert hidden_groups({"a": 4, "b": 5}, {"a": None, "b": None}, 5) == {"a"}


def test_groups_at_or_above_the_threshold_are_shown_when_nothing_can_be_subtracted():
    counts = {"dept": 20, "a": 10, "b": 10}
    parents = {"dept": None, "a": "dept", "b": "dept"}
    assert hidden_groups(counts, parents, 5) == set()


def test_one_small_child_hides_its_smallest_sibling_so_the_parent_cannot_be_subtracted():
    # dept − platform − payments would reveal mobile's 3 answers.
    counts = {"dept": 16, "platform": 7, "payments": 6, "mobile": 3}
    parents = {"dept": None, "platform": "dept", "payments": "dept", "mobile": "dept"}
    assert hidden_groups(counts, parents, 5) == {"mobile", "payments"}


def test_respondents_directly_in_a_parent_count_as_a_hidden_remainder():
    # Two people sit in the department itself: dept − a − b would reveal them.
    counts = {"dept": 22, "a": 10, "b": 10}
    parents = {"dept": None, "a": "dept", "b": "dept"}
    assert hidden_groups(counts, parents, 5) == {"a"}


def test_subtraction_through_a_hidden_middle_level_is_prevented():
    # mid is hidden by complementary suppression; top − other − mid's shown child would still reveal leaf.
    counts = {"top": 25, "other": 8, "mid": 17, "big": 13, "leaf": 4}
    parents = {"top": None, "other": "top", "mid": "top", "big": "mid", "leaf": "mid"}
    hidden = hidden_groups(counts, parents, 5)
    assert "leaf" in hidden
    shown = [g for g in counts if g not in hidden]
    # No shown group minus the shown groups nearest below it leaves between 1 and 4 respondents.
    for group in shown:
        below = [c for c, p in parents.items() if p == group and c not in hidden]
        for child in [c for c, p in parents.items() if p == group and c in hidden]:
            below += [g for g, p in parents.items() if p == child and g not in hidden]
        remainder = counts[group] - sum(counts[c] for c in below)
        assert remainder == 0 or remainder >= 5, (group, remainder)


def test_a_threshold_below_one_is_refused():
    with pytest.raises(ValueError):
        hidden_groups({"a": 1}, {"a": None}, 0)


def test_group_totals_count_each_team_in_itself_and_every_ancestor():
    from feedback.disclosure import group_totals

    parents = {"org": None, "eng": "org", "platform": "eng", "mobile": "eng", "design": "org"}
    totals = group_totals({"platform": 6, "mobile": 3, "design": 5, "org": 1}, parents)
    assert totals == {"platform": 6, "mobile": 3, "eng": 9, "design": 5, "org": 15}


def test_participation_is_not_shown_where_subtraction_would_say_nobody_of_some_invitees_answered():
    # Dept has 2 people of its own and teams T1 (6 invited, 5 answered), T2 (6, 5) and T3 (3, 0): showing
    # Dept 10 of 17 beside T1 and T2 would say that Dept's own two and T3's three did not answer.
    from feedback.disclosure import participation_hidden

    parents = {"Dept": None, "T1": "Dept", "T2": "Dept", "T3": "Dept"}
    invited = {"Dept": 17, "T1": 6, "T2": 6, "T3": 3}
    answered = {"Dept": 10, "T1": 5, "T2": 5, "T3": 0}
    hidden = participation_hidden(invited, answered, parents, 5)
    assert "T3" in hidden and ({"T1", "T2"} & hidden)  # the remainder now holds a team's five answers
