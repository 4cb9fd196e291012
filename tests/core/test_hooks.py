"""hook_calls: every plugin's implementation of a hook, one at a time, with the arguments it takes."""
from __future__ import annotations

import types

import pluggy
import pytest

from xiaoqu.core import hookimpl, hookspecs
from xiaoqu.core.errors import PluginError
from xiaoqu.core.hooks import hook_calls, register_plugin
from xiaoqu.core.hookspecs import PROJECT_NAME


def _plugin(name: str, **functions: object) -> types.SimpleNamespace:
    return types.SimpleNamespace(__name__=name, **{key: hookimpl(fn) for key, fn in functions.items()})


@pytest.fixture
def pm() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def test_each_implementation_gets_only_the_arguments_it_declares(pm):
    pm.register(_plugin("both", xiaoqu_setup=lambda hub, config: ("both", hub, config)), name="both")
    pm.register(_plugin("hub_only", xiaoqu_setup=lambda hub: ("hub_only", hub)), name="hub_only")
    pm.register(_plugin("none", xiaoqu_setup=lambda: ("none",)), name="none")

    calls = list(hook_calls(pm, "xiaoqu_setup", {"hub": "H", "config": {"port": 7}}))

    assert {call.plugin: call() for call in calls} == {
        "both": ("both", "H", {"port": 7}),
        "hub_only": ("hub_only", "H"),
        "none": ("none",),
    }
    assert {call.plugin: dict(call.kwargs) for call in calls}["hub_only"] == {"hub": "H"}


def test_one_plugins_implementations_only(pm):
    pm.register(_plugin("door", xiaoqu_services=lambda: ["door.unlock"]), name="door")
    pm.register(_plugin("gate", xiaoqu_services=lambda config: [f"gate.{config}"]), name="gate")

    assert [call() for call in hook_calls(pm, "xiaoqu_services", {"config": "open"}, plugin="gate")] == [["gate.open"]]
    assert list(hook_calls(pm, "xiaoqu_services", {"config": None}, plugin="nobody")) == []


def test_nothing_is_called_until_the_caller_calls_it(pm):
    called = []
    pm.register(_plugin("a", xiaoqu_role_permissions=lambda: called.append("a")), name="a")
    pm.register(_plugin("b", xiaoqu_role_permissions=lambda: called.append("b")), name="b")

    calls = list(hook_calls(pm, "xiaoqu_role_permissions"))

    assert called == []
    calls[0]()
    assert len(called) == 1


def test_a_failing_implementation_is_the_callers_to_judge(pm):
    """One raising does not stop the walk: the caller decides what a failure means."""
    def broken(hub):
        raise RuntimeError("no routes today")

    pm.register(_plugin("broken", xiaoqu_http_routes=broken), name="broken")
    pm.register(_plugin("fine", xiaoqu_http_routes=lambda app: app.append("/fine")), name="fine")
    app: list[str] = []
    failed = []
    for call in hook_calls(pm, "xiaoqu_http_routes", {"hub": None, "app": app}):
        try:
            call()
        except RuntimeError:
            failed.append(call.plugin)

    assert failed == ["broken"] and app == ["/fine"]


def test_an_argument_the_caller_does_not_offer_names_hook_plugin_and_argument(pm):
    pm.register(_plugin("needs_app", xiaoqu_http_routes=lambda hub, app: None), name="needs_app")

    with pytest.raises(TypeError, match="xiaoqu_http_routes of plugin needs_app takes app, which the caller"):
        list(hook_calls(pm, "xiaoqu_http_routes", {"hub": None}))


def test_register_plugin_refuses_an_unknown_hook_and_keeps_the_others(pm):
    pm.register(_plugin("fine", xiaoqu_stop=lambda: None), name="fine")
    typo = _plugin("typo", xiaoqu_setpu=lambda hub: None, xiaoqu_stopp=lambda: None, xiaoqu_nothing_like_it=lambda: None)

    with pytest.raises(PluginError) as caught:
        register_plugin(pm, "typo", typo)

    assert str(caught.value) == ("unknown hook 'xiaoqu_nothing_like_it'; unknown hook 'xiaoqu_setpu' (did you mean "
                                 "'xiaoqu_setup'?); unknown hook 'xiaoqu_stopp' (did you mean 'xiaoqu_stop'?)")
    assert not pm.has_plugin("typo") and pm.has_plugin("fine")
    pm.check_pending()  # nothing of the refused plugin is left behind


def test_register_plugin_registers_a_plugin_with_known_hooks(pm):
    register_plugin(pm, "good", _plugin("good", xiaoqu_setup=lambda hub: None))
    assert [call.plugin for call in hook_calls(pm, "xiaoqu_setup", {"hub": None})] == ["good"]
