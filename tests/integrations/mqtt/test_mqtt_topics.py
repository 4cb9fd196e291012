"""Topic filters: validation, the matcher, and which filters the broker is given."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaoqu.integrations.mqtt.schema import CONFIG_SCHEMA
from xiaoqu.integrations.mqtt.topic import InvalidTopic, TopicMatcher, broker_filters, covers, matches, valid_subscribe_topic


def test_matcher_exact_plus_hash_and_system_topics():
    matcher: TopicMatcher[str] = TopicMatcher()
    for topic_filter in ("a/b", "a/+", "a/#", "#", "+/b", "$SYS/#"):
        matcher.add(topic_filter, topic_filter)
    assert sorted(matcher.match("a/b")) == sorted(["a/b", "a/+", "a/#", "#", "+/b"])
    assert sorted(matcher.match("a")) == ["#", "a/#"]
    assert matcher.match("$SYS/broker/x") == ("$SYS/#",)
    matcher.remove("a/#", "a/#")
    assert "a/#" not in matcher.match("a/b/c")
    assert sorted(matcher.filters()) == sorted(["a/b", "a/+", "#", "+/b", "$SYS/#"])


level = st.sampled_from(["a", "b", "c", "$x"])
topics = st.lists(level, min_size=1, max_size=4).map("/".join).filter(lambda t: "$" not in t[1:])


@given(st.lists(st.lists(st.sampled_from(["a", "b", "+", "c"]), min_size=1, max_size=3), max_size=6), st.booleans(), topics)
def test_matcher_agrees_with_the_definition(filter_levels, add_hash, topic):
    matcher: TopicMatcher[str] = TopicMatcher()
    candidates = {"/".join(levels) + ("/#" if add_hash else "") for levels in filter_levels}
    for topic_filter in candidates:
        matcher.add(topic_filter, topic_filter)
    assert sorted(matcher.match(topic)) == sorted(f for f in candidates if matches(f, topic))


def test_broker_gets_the_widest_filters_with_the_highest_qos():
    wanted = {"home/+/state": 0, "home/kitchen/state": 1, "home/#": 0, "other/x": 2}
    assert broker_filters(wanted) == {"home/#": 1, "other/x": 2}
    assert covers("a/+/c", "a/b/c") and not covers("a/b/c", "a/+/c") and not covers("#", "$SYS/x")


@pytest.mark.parametrize("bad", ["a/#/b", "a/b#", "+a", ""])
def test_invalid_filters_say_why(bad):
    with pytest.raises(InvalidTopic):
        valid_subscribe_topic(bad)


def test_config_broker_forms():
    assert CONFIG_SCHEMA({})["broker"] == {"embedded": True}
    url = CONFIG_SCHEMA({"broker": "mqtts://u%40x:p@h.example:8884"})["broker"]
    assert url == {"host": "h.example", "port": 8884, "username": "u@x", "password": "p", "tls": {"insecure": False}}
    assert CONFIG_SCHEMA({"broker": {"host": "h", "tls": {"ca_certs": "/ca.pem"}}})["broker"]["port"] == 8883
    discovery_out = CONFIG_SCHEMA({"discovery_out": {"domains": ["lock"]}})["discovery_out"]
    assert discovery_out == {"enabled": True, "domains": ["lock"], "qos": 1}
