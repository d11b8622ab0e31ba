import pytest

from bright_eval.domains import (
    CODING,
    DOMAINS,
    STACKEXCHANGE,
    THEOREM,
    UnknownDomainError,
    get_domain,
    parse_domains,
)


def test_twelve_domains_with_published_query_counts():
    # BRIGHT paper, Table 1: 1,384 queries over 12 domains.
    assert len(DOMAINS) == 12
    assert sum(d.n_queries for d in DOMAINS.values()) == 1384
    groups = [d.group for d in DOMAINS.values()]
    assert (groups.count(STACKEXCHANGE), groups.count(CODING), groups.count(THEOREM)) == (7, 2, 3)


def test_long_documents_only_for_stackexchange_and_pony():
    assert {d.name for d in parse_domains("all", long_documents=True)} == {
        d.name for d in DOMAINS.values() if d.group == STACKEXCHANGE
    } | {"pony"}


def test_dashed_names_accepted():
    assert get_domain("earth-science").name == "earth_science"


def test_unknown_domain_names_the_valid_ones():
    with pytest.raises(UnknownDomainError, match="'biolgy'.*valid domains: biology, earth_science"):
        parse_domains("biolgy")


def test_long_setting_for_leetcode_is_an_error():
    with pytest.raises(UnknownDomainError, match="'leetcode' has no long-document setting"):
        parse_domains("leetcode", long_documents=True)
