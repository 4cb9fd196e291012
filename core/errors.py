"""Errors the core raises. Each message is one sentence a person can act on."""
from __future__ import annotations


class HubError(Exception):
    """Base of every error xiaoqu raises on purpose."""


class InvalidEntityId(HubError, ValueError):
    """An entity id that is not ``domain.object_id``."""


class InvalidState(HubError, ValueError):
    """A state that cannot be stored (too long, wrong type)."""


class ServiceNotFound(HubError):
    """No service registered under that ``domain.service``."""

    def __init__(self, domain: str, service: str, suggestion: str | None = None) -> None:
        self.domain = domain
        self.service = service
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        super().__init__(f"service {domain}.{service} not found{hint}")


class ServiceValidationError(HubError, ValueError):
    """Service data that does not fit the service's schema; the message names the field."""


class Unauthorized(HubError):
    """The caller's role does not allow this act."""


class PluginError(HubError):
    """A plugin could not be loaded or set up."""
