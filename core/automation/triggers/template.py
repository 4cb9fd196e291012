"""``trigger: template``: fires when a template's result turns true (from false).

The template is rendered again only when something it read changes (see
`core.automation.watch`). With ``for``, it must stay true that long. A template that fails
to render counts as false, and the failure is logged.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.automation.templates import template_validator
from xiaoqu.core.automation.triggers.common import HoldTimers
from xiaoqu.core.automation.validators import period_or_template
from xiaoqu.core.automation.watch import TemplateWatch
from xiaoqu.core.bus import Event, Unsubscribe
from xiaoqu.core.validation import vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


class TemplateTrigger:
    def __init__(self, hub: Hub | None) -> None:
        self.schema = vol.Schema({
            vol.Required("trigger"): "template",
            vol.Required("value_template"): template_validator(hub),
            vol.Optional("for"): period_or_template(hub),
        })

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        holds = HoldTimers(hub, config, info, fire)
        last: bool  # the template's last result, from watch.start() below

        def result(value: bool, event: Event | None) -> None:
            nonlocal last
            was, last = last, value
            if not value:
                holds.cancel("template")
                return
            if was:
                return
            data = {
                "platform": "template",
                "entity_id": event.data["entity_id"] if event is not None else None,
                "from_state": event.data["old_state"] if event is not None else None,
                "to_state": event.data["new_state"] if event is not None else None,
                "for": None,
                "description": "template",
            }
            holds.fire("template", data, event.context if event is not None else None)

        watch = TemplateWatch(hub, config["value_template"], info.variables, result)
        last = watch.start()  # already true when armed: fires only after turning false first

        def detach() -> None:
            watch.stop()
            holds.cancel_all()

        return detach
