"""The one error a template raises, whatever went wrong: syntax, a helper, a limit, the sandbox.

The message names the cause and the template (shortened), so a person reading a trace or a
config check knows which template to fix; the caller (an automation, a discovery payload)
adds where the template was written.
"""
from __future__ import annotations

from xiaoqu.core.errors import HubError

#: How much of a template's text an error message quotes.
SHOWN_CHARS = 120


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """The template text on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class TemplateError(HubError):
    """A template could not be compiled or rendered.

    ``cause`` is the reason in words, ``template`` the full text, ``line`` the line of a
    syntax error (1-based) when jinja2 knows it.
    """

    def __init__(self, cause: str, template: str | None = None, line: int | None = None) -> None:
        self.cause = cause
        self.template = template
        self.line = line
        message = cause
        if template is not None:
            where = ""
            lines = template.strip("\n").splitlines()
            if line is not None and len(lines) > 1 and 0 < line <= len(template.splitlines()):
                where = f" (line {line}: {shorten(template.splitlines()[line - 1], 60)!r})"
            message = f"{cause}{where}, in template {shorten(template)!r}"
        super().__init__(message)


class TemplateLimitError(TemplateError):
    """A render went past one of the limits (time, size, loops, recursion); see ``TemplateLimits``."""


class TemplateSecurityError(TemplateError):
    """A template reached for something the sandbox does not allow (Python internals, mutation)."""
