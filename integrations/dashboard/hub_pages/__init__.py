"""The dashboard's pages for the hub's own objects: its entities (with their history), its
devices (the office's basic data) and its automations (with their runs, switched and run by
hand). They read what ``/api/states``, ``/api/history`` and ``/api/automation`` read, under the
same permission (``api.read``); switching or running an automation is the service itself,
called as the signed-in user.

A sub-package of the dashboard, with its own templates (``templates/hub/``) and catalogues,
registered by the dashboard's own setup as any integration registers its pages.
"""
from __future__ import annotations

from pathlib import Path
from typing import Final

from ..registry import DEVICES, N_, Page
from .automations import TRIGGER, TURN_OFF, TURN_ON, automation_page, automations_page, run_now, turn_off, turn_on
from .devices import device_page, devices_page
from .entities import entities_page, entity_page

PACKAGE: Final = Path(__file__).parent

PAGES: Final = (
    Page("devices", devices_page, title=N_("Devices"), group=DEVICES, order=50),
    Page("devices/{device_id}", device_page),
    Page("entities", entities_page, title=N_("Entities"), group=DEVICES, order=51),
    Page("entities/{entity_id}", entity_page),
    Page("automations", automations_page, title=N_("Automations"), group=N_("Automations"), order=60),
    Page("automations/{automation_id}", automation_page),
    Page("automations/{automation_id}/on", turn_on, permission=TURN_ON, method="POST"),
    Page("automations/{automation_id}/off", turn_off, permission=TURN_OFF, method="POST"),
    Page("automations/{automation_id}/trigger", run_now, permission=TRIGGER, method="POST"),
)
