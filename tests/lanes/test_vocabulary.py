"""Names are matched as whole tokens: people's names never match by a substring inside a word."""

import pytest

from app.lanes.schemas import Lane
from app.lanes.vocabulary import VOCABULARY, classify, is_null_like, team_attribute_candidates, tokens


@pytest.mark.parametrize(("name", "expected"), [
    ("budget_owner", ("budget", "owner")),
    ("BUDGET OWNER", ("budget", "owner")),
    ("L1-Support", ("l", "1", "support")),
    ("SupportAgent", ("support", "agent")),
    ("HTTPServer", ("http", "server")),
    ("LAB_TECH", ("lab", "tech")),
    ("admin1", ("admin", "1")),
    ("agent.maria", ("agent", "maria")),
    ("Padmini", ("padmini",)),
])
def test_names_split_into_tokens(name, expected):
    assert tokens(name) == expected


@pytest.mark.parametrize("person", ["Padmini", "Labib", "Systemov", "Botha", "Jobert", "Autumn", "Salesky",
                                    "Clerkenwell", "Opsahl"])
def test_people_are_never_matched_by_a_word_inside_their_name(person):
    assert classify(person) is None


@pytest.mark.parametrize(("name", "lane", "words"), [
    ("lab technician", Lane.backstage, ("lab", "technician")),
    ("LAB_TECH", Lane.backstage, ("lab", "tech")),
    ("admin", Lane.backstage, ("admin",)),
    ("admin1", Lane.backstage, ("admin",)),
    ("BUDGET OWNER", Lane.backstage, ("budget", "owner")),
    ("budget_owner", Lane.backstage, ("budget", "owner")),
    ("SUPERVISOR", Lane.backstage, ("supervisor",)),
    ("L1-Support", Lane.frontstage, ("l", "1")),
    ("SupportAgent", Lane.frontstage, ("agent",)),
    ("Customer Service Agent", Lane.frontstage, ("customer", "service")),
    ("technician", Lane.frontstage, ("technician",)),
    ("SYSTEM", Lane.support, ("system",)),
    ("notification_service", Lane.frontstage, ("notification",)),  # messages the customer receives
    ("courier.dpd", Lane.support, ("courier",)),  # a supplier
    ("parcel courier", Lane.support, ("courier",)),
    ("billing-bot", Lane.support, ("bot",)),
    ("System Administrator", Lane.backstage, ("administrator",)),  # the head of the compound
    ("customer", Lane.customer, ("customer",)),
    ("Start", Lane.support, ("start",)),  # a tool's case-start marker
])
def test_terms_match_whole_tokens_longest_then_rightmost(name, lane, words):
    term = classify(name)
    assert term is not None and (term.lane, term.words) == (lane, words)


def test_every_term_has_a_lane_and_a_reason_that_reads_after_a_subject():
    assert len(VOCABULARY) > 100
    for term in VOCABULARY:
        assert term.words and term.lane in Lane
        assert term.reason.startswith("names ") and not term.reason.endswith(".")


def test_placeholders_are_no_role():
    assert all(is_null_like(v) for v in ["EMPTY", "?", " none ", "MISSING", "UNDEFINED", "", None, "n/a"])
    assert not any(is_null_like(v) for v in ["A", "Group 1", "EMPLOYEE"])


def test_team_attributes_are_found_by_name_the_likeliest_first():
    names = ["Assignment Group", "case:department", "product", "support_section", "workgroup", "customer",
             "groupie"]
    assert team_attribute_candidates(names) == ["Assignment Group", "workgroup", "support_section"]
    assert team_attribute_candidates(["org:group", "amount"]) == ["org:group"]
    assert team_attribute_candidates(["case:department", "amount"]) == ["case:department"]
    assert team_attribute_candidates(["channel", "amount", "Labib"]) == []
