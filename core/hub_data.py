"""Typed keys for ``hub.data``, as Home Assistant's ``HassKey`` and ``HassDict``.

``hub.data`` holds each plugin's runtime objects. A key names its value's type once, in
the owner's ``const.py``::

    DATA_NOTIFIER: Final[HubKey[Notifier]] = HubKey("notify")

and every reader gets that type back without a cast or an annotation of its own:
``hub.data[DATA_NOTIFIER]`` is a ``Notifier`` to a type checker, and
``hub.data.get(DATA_NOTIFIER)`` a ``Notifier | None``. A key is a ``str`` (its value is the
name it always had), so a test or a site plugin that writes ``hub.data["notify"]`` still
finds the same object, typed ``Any``.

Only a type checker sees the overloads: at run time :class:`HubData` is a plain ``dict``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

__all__ = ["HubData", "HubKey"]

_T = TypeVar("_T")
_D = TypeVar("_D")


class HubKey(str, Generic[_T]):
    """A ``hub.data`` key whose value is a ``_T``: ``HubKey[Calendar]("calendar")``."""

    __slots__ = ()


class HubData(dict[HubKey[Any] | str, Any]):
    """``hub.data``: a dict whose typed keys give their values' types to a type checker."""

    if TYPE_CHECKING:  # a plain dict at run time, no wrapper around each lookup

        @overload
        def __getitem__(self, key: HubKey[_T], /) -> _T: ...
        @overload
        def __getitem__(self, key: str, /) -> Any: ...
        def __getitem__(self, key: str, /) -> Any: ...

        @overload  # type: ignore[override]
        def get(self, key: HubKey[_T], /) -> _T | None: ...
        @overload
        def get(self, key: HubKey[_T], default: _D, /) -> _T | _D: ...
        @overload
        def get(self, key: str, /) -> Any | None: ...
        @overload
        def get(self, key: str, default: Any, /) -> Any: ...
        def get(self, key: str, default: Any = None, /) -> Any: ...

        @overload  # type: ignore[override]
        def setdefault(self, key: HubKey[_T], default: _T, /) -> _T: ...
        @overload
        def setdefault(self, key: str, default: Any = None, /) -> Any: ...
        def setdefault(self, key: str, default: Any = None, /) -> Any: ...

        @overload  # type: ignore[override]
        def pop(self, key: HubKey[_T], /) -> _T: ...
        @overload
        def pop(self, key: HubKey[_T], default: _D, /) -> _T | _D: ...
        @overload
        def pop(self, key: str, /) -> Any: ...
        @overload
        def pop(self, key: str, default: Any, /) -> Any: ...
        def pop(self, key: str, default: Any = None, /) -> Any: ...
