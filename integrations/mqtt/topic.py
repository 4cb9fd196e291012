"""MQTT topic names and filters: validation, matching, and which filters cover which.

Messages are routed with our own matcher rather than a scan over every subscription:
filters without wildcards sit in a dict (one lookup), filters with ``+``/``#`` in a trie
walked level by level, so routing costs the same with 10 or 10,000 subscriptions. The
result for a topic is cached until the subscriptions change, because devices publish to
the same few topics over and over.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

_T = TypeVar("_T")

MAX_TOPIC_LENGTH = 65535
_CACHE_LIMIT = 8192


class InvalidTopic(ValueError):
    """A topic or topic filter that MQTT forbids; the message says what is wrong."""


def _check_common(topic: str, what: str) -> None:
    if not isinstance(topic, str) or not topic:
        raise InvalidTopic(f"{what} must be a non-empty string")
    if len(topic.encode("utf-8")) > MAX_TOPIC_LENGTH:
        raise InvalidTopic(f"{what} is longer than {MAX_TOPIC_LENGTH} bytes")
    if "\0" in topic:
        raise InvalidTopic(f"{what} {topic!r} contains a NUL character")


def valid_publish_topic(topic: str) -> str:
    """Return ``topic`` if it can be published to (no wildcards), else raise InvalidTopic."""
    _check_common(topic, "topic")
    if "+" in topic or "#" in topic:
        raise InvalidTopic(f"topic {topic!r} contains a wildcard; publish to a concrete topic")
    return topic


def valid_subscribe_topic(topic: str) -> str:
    """Return ``topic`` if it is a valid filter (``+`` a whole level, ``#`` last), else raise."""
    _check_common(topic, "topic filter")
    levels = topic.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            raise InvalidTopic(f"topic filter {topic!r}: '#' must be a whole level and the last one")
        if "+" in level and level != "+":
            raise InvalidTopic(f"topic filter {topic!r}: '+' must be a whole level")
    return topic


def has_wildcard(topic_filter: str) -> bool:
    return "+" in topic_filter or "#" in topic_filter


def matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` matches ``topic_filter`` (``$`` topics only match explicit filters)."""
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    filter_levels = topic_filter.split("/")
    topic_levels = topic.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels):
            return False
        if level != "+" and level != topic_levels[index]:
            return False
    return len(filter_levels) == len(topic_levels)


def covers(wide: str, narrow: str) -> bool:
    """Whether every topic matching ``narrow`` also matches ``wide``."""
    wide_levels = wide.split("/")
    narrow_levels = narrow.split("/")
    for index, level in enumerate(wide_levels):
        if level == "#":
            return not (index == 0 and narrow_levels[0][:1] == "$")
        if index >= len(narrow_levels):
            return False
        other = narrow_levels[index]
        if other == "#":
            return False
        if level == "+":
            if index == 0 and other[:1] == "$":
                return False
            continue
        if level != other:
            return False
    return len(wide_levels) == len(narrow_levels)


def broker_filters(wanted: dict[str, int]) -> dict[str, int]:
    """The filters to subscribe at the broker for the ``{filter: qos}`` the hub wants.

    A filter covered by a wider one is left out (the wider one carries the higher QoS), so
    a broker that sends one copy per matching subscription (Mosquitto does) never delivers
    a message twice to the hub. Only wildcard filters can cover others, so this costs
    filters × wildcard filters.
    """
    wildcards = [f for f in wanted if has_wildcard(f)]
    result: dict[str, int] = {}
    for topic_filter, qos in wanted.items():
        wider = [w for w in wildcards if w != topic_filter and covers(w, topic_filter)]
        # Two filters covering each other are equal strings; otherwise keep the widest.
        if wider:
            continue
        result[topic_filter] = qos
    for topic_filter, qos in wanted.items():
        if topic_filter in result:
            continue
        for wide in wildcards:
            if wide in result and covers(wide, topic_filter):
                result[wide] = max(result[wide], qos)
    return result


class _Node(Generic[_T]):
    __slots__ = ("children", "values", "hash_values")

    def __init__(self) -> None:
        self.children: dict[str, _Node[_T]] = {}
        self.values: list[_T] = []  # filters ending at this node
        self.hash_values: list[_T] = []  # filters ending in '#' below this node


class TopicMatcher(Generic[_T]):
    """Maps topic filters to values; ``match(topic)`` returns every value whose filter matches."""

    def __init__(self) -> None:
        self._exact: dict[str, list[_T]] = {}
        self._root: _Node[_T] = _Node()
        self._wildcards = 0
        self._cache: dict[str, tuple[_T, ...]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._exact.values()) + self._wildcards

    def add(self, topic_filter: str, value: _T) -> None:
        self._cache.clear()
        if not has_wildcard(topic_filter):
            self._exact.setdefault(topic_filter, []).append(value)
            return
        node = self._root
        levels = topic_filter.split("/")
        for level in levels[:-1]:
            node = node.children.setdefault(level, _Node())
        last = levels[-1]
        if last == "#":
            node.hash_values.append(value)
        else:
            node.children.setdefault(last, _Node()).values.append(value)
        self._wildcards += 1

    def remove(self, topic_filter: str, value: _T) -> None:
        """Forget one ``value`` under ``topic_filter`` (no error if it is not there)."""
        self._cache.clear()
        if not has_wildcard(topic_filter):
            values = self._exact.get(topic_filter)
            if values and value in values:
                values.remove(value)
                if not values:
                    del self._exact[topic_filter]
            return
        path: list[tuple[_Node[_T], str]] = []
        node = self._root
        levels = topic_filter.split("/")
        for level in levels[:-1]:
            child = node.children.get(level)
            if child is None:
                return
            path.append((node, level))
            node = child
        last = levels[-1]
        if last == "#":
            bucket = node.hash_values
        else:
            child = node.children.get(last)
            if child is None:
                return
            path.append((node, last))
            node = child
            bucket = node.values
        if value not in bucket:
            return
        bucket.remove(value)
        self._wildcards -= 1
        for parent, level in reversed(path):  # prune empty branches
            child = parent.children[level]
            if child.children or child.values or child.hash_values:
                break
            del parent.children[level]

    def match(self, topic: str) -> tuple[_T, ...]:
        """Every value whose filter matches ``topic`` (exact ones first)."""
        cached = self._cache.get(topic)
        if cached is not None:
            return cached
        found: list[_T] = list(self._exact.get(topic, ()))
        if self._wildcards:
            levels = topic.split("/")
            self._walk(self._root, levels, 0, found, topic.startswith("$"))
        result = tuple(found)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[topic] = result
        return result

    def _walk(self, node: _Node[_T], levels: list[str], index: int, found: list[_T], system: bool) -> None:
        first = index == 0
        if node.hash_values and not (first and system):
            found.extend(node.hash_values)
        if index == len(levels):
            found.extend(node.values)
            return
        child = node.children.get(levels[index])
        if child is not None:
            self._walk(child, levels, index + 1, found, system)
        plus = node.children.get("+")
        if plus is not None and not (first and system):
            self._walk(plus, levels, index + 1, found, system)

    def filters(self) -> Iterable[str]:
        """Every filter that has at least one value (wildcard ones rebuilt from the trie)."""
        yield from self._exact
        yield from self._trie_filters(self._root, [])

    def _trie_filters(self, node: _Node[_T], prefix: list[str]) -> Iterable[str]:
        if node.hash_values:
            yield "/".join([*prefix, "#"])
        for level, child in node.children.items():
            path = [*prefix, level]
            if child.values:
                yield "/".join(path)
            yield from self._trie_filters(child, path)
