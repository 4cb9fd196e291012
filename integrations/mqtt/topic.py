"""MQTT topic names and filters: validation, matching, and which filters cover which.

Messages are routed with our own matcher rather than a scan over every subscription:
filters without wildcards sit in a dict (one lookup), filters with ``+``/``#`` in a trie
walked level by level, so routing costs the same with 10 or 10,000 subscriptions. The
result for a topic is cached until the subscriptions change, because devices publish to
the same few topics over and over.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
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
    """The filters to subscribe at the broker for the ``{filter: qos}`` the hub wants
    (see :class:`BrokerFilters`, which keeps the same answer up to date as filters come and go)."""
    filters = BrokerFilters()
    for topic_filter, qos in wanted.items():
        filters.add(topic_filter, qos)
    return dict(filters.items())


class _FilterNode:
    __slots__ = ("children", "topic_filter", "subscribers", "covered")

    def __init__(self) -> None:
        self.children: dict[str, _FilterNode] = {}
        #: The wanted filter ending at this node, if any.
        self.topic_filter: str | None = None
        #: Subscribers of that filter, counted by QoS (its QoS is the highest with any).
        self.subscribers = [0, 0, 0]
        #: Set while the filter is subscribed at the broker: the wanted filters it covers
        #: (itself included), counted by QoS; the broker filter carries the highest.
        self.covered: list[int] | None = None


def _highest(counts: list[int]) -> int:
    return 2 if counts[2] else 1 if counts[1] else 0


class BrokerFilters:
    """The filters the hub subscribes at the broker, for the filters its subscribers want.

    A wanted filter covered by another wanted filter is left out (the wider one carries the
    higher QoS), so a broker that sends one copy per matching subscription (Mosquitto does)
    never delivers a message twice to the hub. Filters sit in a trie, one level per node,
    and a change is applied where it lands: adding or removing a filter walks only the trie
    paths that can cover it or that it covers, so a subscription costs the same with 10 or
    30,000 others (recomputing the whole set cost filters × wildcard filters each time).

    ``add``/``remove`` count subscribers: a filter stays wanted while any subscriber has it.
    :meth:`take_changes` says which broker filters appeared, went or changed QoS since it
    was last called: what the next SUBSCRIBE and UNSUBSCRIBE have to carry.
    """

    def __init__(self) -> None:
        self._root = _FilterNode()
        self._broker: dict[str, _FilterNode] = {}
        self._changes: dict[str, None] = {}  # an ordered set

    def __len__(self) -> int:
        return len(self._broker)

    def get(self, topic_filter: str) -> int | None:
        """The QoS of ``topic_filter`` at the broker; None when it is not a broker filter."""
        node = self._broker.get(topic_filter)
        return None if node is None else _highest(node.covered)  # type: ignore[arg-type]

    def items(self) -> Iterator[tuple[str, int]]:
        """Every broker filter with its QoS."""
        for topic_filter, node in self._broker.items():
            yield topic_filter, _highest(node.covered)  # type: ignore[arg-type]

    def take_changes(self) -> list[str]:
        """Broker filters added, removed or given another QoS since the last call, in order."""
        changes, self._changes = list(self._changes), {}
        return changes

    def covering(self, topic_filter: str) -> list[str]:
        """The broker filters that cover ``topic_filter`` or are it: those whose retained
        messages a new subscriber to it is owed."""
        nodes = self._covering(topic_filter.split("/"))
        return [node.topic_filter for node in nodes if node.covered is not None]  # type: ignore[misc]

    # --- changes -----------------------------------------------------------------------

    def add(self, topic_filter: str, qos: int) -> None:
        """One more subscriber wants ``topic_filter`` at ``qos``."""
        levels = topic_filter.split("/")
        node = self._root
        for level in levels:
            node = node.children.setdefault(level, _FilterNode())
        before = _highest(node.subscribers)
        node.subscribers[qos] += 1
        if node.topic_filter is not None:
            self._requalified(node, levels, before)
            return
        node.topic_filter = topic_filter
        covering = [other for other in self._covering(levels) if other is not node]
        if not covering:
            self._to_broker(node, levels)
        for other in covering:
            if other.covered is not None:
                self._count(other, qos, 1)

    def remove(self, topic_filter: str, qos: int) -> None:
        """A subscriber that wanted ``topic_filter`` at ``qos`` is gone (no error if none was)."""
        levels = topic_filter.split("/")
        path = [self._root]
        for level in levels:
            child = path[-1].children.get(level)
            if child is None:
                return
            path.append(child)
        node = path[-1]
        if node.topic_filter is None or not node.subscribers[qos]:
            return
        before = _highest(node.subscribers)
        node.subscribers[qos] -= 1
        if any(node.subscribers):
            self._requalified(node, levels, before)
            return
        if node.covered is None:
            for other in self._covering(levels):
                if other.covered is not None and other is not node:
                    self._count(other, before, -1)
        else:
            self._from_broker(node)
        node.topic_filter = None
        for parent, level, child in zip(reversed(path[:-1]), reversed(levels), reversed(path[1:]), strict=True):
            if child.children or child.topic_filter is not None:
                break
            del parent.children[level]

    def _to_broker(self, node: _FilterNode, levels: list[str]) -> None:
        """``node``'s filter is wanted and nothing covers it: subscribe it at the broker,
        in place of the broker filters it covers."""
        node.covered = [0, 0, 0]
        for other in self._covered(levels, node):
            node.covered[_highest(other.subscribers)] += 1
            if other.covered is not None:
                other.covered = None
                del self._broker[other.topic_filter]  # type: ignore[arg-type]
                self._changed(other)
        node.covered[_highest(node.subscribers)] += 1
        self._broker[node.topic_filter] = node  # type: ignore[index]
        self._changed(node)

    def _from_broker(self, node: _FilterNode) -> None:
        """``node``'s filter is no longer wanted: what only it covered goes to the broker."""
        node.covered = None
        del self._broker[node.topic_filter]  # type: ignore[arg-type]
        self._changed(node)
        levels = node.topic_filter.split("/")  # type: ignore[union-attr]
        for other in self._covered(levels, node):
            other_levels = other.topic_filter.split("/")  # type: ignore[union-attr]
            if other.covered is None and all(o is other or o is node for o in self._covering(other_levels)):
                self._to_broker(other, other_levels)

    def _requalified(self, node: _FilterNode, levels: list[str], before: int) -> None:
        """A subscriber came or went: the filter's QoS may be another now."""
        after = _highest(node.subscribers)
        if after == before:
            return
        for other in self._covering(levels):  # the filter itself too, when it is a broker filter
            if other.covered is not None:
                self._count(other, before, -1)
                self._count(other, after, 1)

    def _count(self, node: _FilterNode, qos: int, delta: int) -> None:
        covered = node.covered
        assert covered is not None
        before = _highest(covered)
        covered[qos] += delta
        if _highest(covered) != before:
            self._changed(node)

    def _changed(self, node: _FilterNode) -> None:
        self._changes[node.topic_filter] = None  # type: ignore[index]

    # --- walks -------------------------------------------------------------------------

    def _covering(self, levels: list[str]) -> list[_FilterNode]:
        """The wanted filters that cover the filter ``levels`` (itself included, if wanted)."""
        found: list[_FilterNode] = []
        system = levels[0][:1] == "$"
        stack = [(self._root, 0)]
        while stack:
            node, index = stack.pop()
            wide = node.children.get("#")
            if wide is not None and wide.topic_filter is not None and not (index == 0 and system):
                found.append(wide)
            if index == len(levels):
                if node.topic_filter is not None:
                    found.append(node)
                continue
            level = levels[index]
            if level == "#":
                continue  # only a '#' covers a '#': found above
            if (child := node.children.get(level)) is not None:
                stack.append((child, index + 1))
            if level != "+" and not (index == 0 and system) and (plus := node.children.get("+")) is not None:
                stack.append((plus, index + 1))
        return found

    def _covered(self, levels: list[str], own: _FilterNode) -> list[_FilterNode]:
        """The wanted filters, other than ``own`` (the filter ``levels``), that it covers."""
        found: list[_FilterNode] = []
        stack = [(self._root, 0)]
        while stack:
            node, index = stack.pop()
            if index == len(levels):
                if node.topic_filter is not None:
                    found.append(node)
                continue
            level = levels[index]
            if level == "#":
                if node.topic_filter is not None:
                    found.append(node)  # 'a/#' covers 'a' (the root has no filter)
                for name, child in node.children.items():
                    if not (index == 0 and name[:1] == "$"):
                        found.extend(_with_filters(child))
            elif level == "+":
                for name, child in node.children.items():
                    if name != "#" and not (index == 0 and name[:1] == "$"):
                        stack.append((child, index + 1))
            elif (exact := node.children.get(level)) is not None:
                stack.append((exact, index + 1))
        return [node for node in found if node is not own]


def _with_filters(top: _FilterNode) -> Iterator[_FilterNode]:
    """Every node at or below ``top`` that holds a wanted filter."""
    stack = [top]
    while stack:
        node = stack.pop()
        if node.topic_filter is not None:
            yield node
        stack.extend(node.children.values())


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
