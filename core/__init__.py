"""xiaoqu's core: events, states, services, plugins, config, storage. It knows no domain."""
from xiaoqu.core.const import __version__
from xiaoqu.core.hookspecs import hookimpl

__all__ = ["__version__", "hookimpl"]
