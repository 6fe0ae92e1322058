"""The one fixed-window counter behind the API's and the certificate lookups' limits."""

import pytest

from core.ratelimit import parse_rate, rate_hit


def test_rates_are_read_with_or_without_a_count_of_units():
    assert parse_rate("5/m") == (5, 60)
    assert parse_rate("30/10m") == (30, 600)
    assert parse_rate("1000/d") == (1000, 86400)
    with pytest.raises(ValueError, match="30/10m"):
        parse_rate("thirty a minute")


def test_hits_over_the_rate_are_refused_with_the_seconds_to_wait_and_keys_count_apart():
    assert [rate_hit(scope="t", key="a", rate="2/h") for _ in range(2)] == [0, 0]
    wait = rate_hit(scope="t", key="a", rate="2/h")
    assert 1 <= wait <= 3600
    assert rate_hit(scope="t", key="b", rate="2/h") == 0  # another client
    assert rate_hit(scope="u", key="a", rate="2/h") == 0  # another limit
