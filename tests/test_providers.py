"""core.providers: a lower layer asks, a higher layer (its AppConfig.ready) answers."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.providers import Contributions, Provider


def test_a_provider_nobody_registered_says_so():
    provider = Provider("the answer")
    assert not provider.registered
    with pytest.raises(ImproperlyConfigured, match="Nothing provides the answer"):
        provider(user=None)


def test_a_registered_provider_answers_and_the_last_registration_wins():
    provider = Provider("the answer")
    provider.register(lambda *, user: 1)
    provider.register(lambda *, user: 2)
    assert provider(user=None) == 2


def _one(**kwargs):
    return {"one": 1}


def _two(**kwargs):
    return {"two": 2}


def test_contributions_run_in_registration_order_once_each():
    panels = Contributions("panels")
    panels.register(_two)
    panels.register(_one)
    panels.register(_two)
    assert [function() for function in panels] == [{"two": 2}, {"one": 1}]


def test_the_apps_above_register_what_the_layers_below_ask_for():
    from core.notify import sender
    from coursepages import page_context
    from learners.access import has_active_subscription
    from learners.dashboard import panels

    assert sender.registered
    assert has_active_subscription.registered
    assert all(
        provider.registered
        for provider in (page_context.catalog, page_context.course, page_context.section, page_context.lesson)
    )
    assert {function.__module__.split(".")[0] for function in panels} == {"certificates", "live", "payments"}
