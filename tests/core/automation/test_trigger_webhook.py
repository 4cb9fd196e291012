"""``trigger: webhook`` against the hub's real HTTP server: bodies, methods, local_only, sharing an id."""
from __future__ import annotations

from typing import Any

import aiohttp

from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.http.webhook import register_webhook, webhooks
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub, write_config

GATE = "north-gate-camera-6b1f0c9e2d4a7788aa01"
LANE = "lane-display-0f3c55e1b2a4c6d8e0f1a2b3"
OPEN = "open-to-the-internet-9d8c7b6a5f4e3d2c1b"


def seen(hub: Hub) -> list[dict[str, Any]]:
    """The data of every ``seen`` event the automations fire, in order."""
    events: list[dict[str, Any]] = []
    hub.bus.listen("seen", lambda event: events.append(dict(event.data)))
    return events


def automation(automation_id: str, trigger: dict[str, Any], data: dict[str, Any] | None = None,
               **extra: Any) -> dict[str, Any]:
    return {
        "id": automation_id,
        "mode": "queued",
        "triggers": [{"trigger": "webhook", **trigger}],
        "actions": [{"event": "seen", "event_data": {"by": automation_id, **(data or {})}}],
        **extra,
    }


async def call(hub: Hub, method: str, webhook_id: str, **kwargs: Any) -> aiohttp.ClientResponse:
    """Call the webhook over HTTP and wait until the runs it started are done."""
    async with aiohttp.ClientSession() as session:
        async with session.request(method, f"{hub.data['http'].url}/api/webhook/{webhook_id}", **kwargs) as response:
            await response.read()
    await hub.block_till_done()
    return response


async def test_json_form_query_methods_and_a_shared_id(tmp_path):
    trigger_data = {
        "json": "{{ trigger.json | default('none') }}", "data": "{{ trigger.data | default('none') }}",
        "query": "{{ trigger.query }}", "id": "{{ trigger.webhook_id == '" + GATE + "' }}",
        "platform": "{{ trigger.platform }}", "description": "{{ trigger.description }}",
    }
    config = {"automation": [
        automation("camera", {"webhook_id": GATE}, trigger_data),
        automation("plate_log", {"webhook_id": GATE},
                   {"plate": "{{ (trigger.json if trigger.json is defined else trigger.data).plate }}"}),
        automation("display", {"webhook_id": "{{ lane }}", "allowed_methods": ["get", "POST"]},
                   {"query": "{{ trigger.query }}", "data": "{{ trigger.data }}",
                    "agent": "{{ trigger.headers['User-Agent'] }}",
                    "credentials": "{{ trigger.headers.get('Authorization', 'kept out') }}"},
                   trigger_variables={"lane": LANE}),
    ]}
    async with running_hub(tmp_path, config) as hub:
        events = seen(hub)
        assert (await call(hub, "POST", GATE, json={"plate": "京A12345"}, params={"lane": "2"})).status == 200
        assert (await call(hub, "PUT", GATE, data={"plate": "沪B67890"})).status == 200
        assert (await call(hub, "POST", GATE, headers={"Content-Type": "application/json"})).status == 200
        refused = await call(hub, "GET", GATE)
        assert (refused.status, refused.headers["Allow"]) == (405, "POST, PUT")
        assert (await call(hub, "POST", GATE, data="{not json", headers={"Content-Type": "application/json"})
                ).status == 400
        assert (await call(hub, "GET", LANE, params={"free": "12"},
                           headers={"User-Agent": "display/1.0", "Authorization": "Bearer admin-token"})
                ).status == 200
    common = {"id": True, "platform": "webhook", "description": "webhook"}
    assert events == [
        {"by": "camera", "json": {"plate": "京A12345"}, "data": "none", "query": {"lane": "2"}, **common},
        {"by": "plate_log", "plate": "京A12345"},
        {"by": "camera", "json": "none", "data": {"plate": "沪B67890"}, "query": {}, **common},
        {"by": "plate_log", "plate": "沪B67890"},
        {"by": "camera", "json": {}, "data": "none", "query": {}, **common},
        {"by": "plate_log", "plate": ""},
        {"by": "display", "query": {"free": "12"}, "data": {}, "agent": "display/1.0", "credentials": "kept out"},
    ]


async def test_bodies_are_read_through_core_payload(tmp_path):
    config = {"automation": [automation("camera", {"webhook_id": GATE}, {"json": "{{ trigger.json }}"})]}
    json_type = {"Content-Type": "application/json"}
    async with running_hub(tmp_path, config) as hub:
        events = seen(hub)
        assert (await call(hub, "POST", GATE, data=b'{"plate": "\\ud800A"}', headers=json_type)).status == 200
        deep = await call(hub, "POST", GATE, data=b"[" * 100_000, headers=json_type)
        assert deep.status == 400
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{hub.data['http'].url}/api/webhook/{GATE}", data=b"[" * 100_000,
                                    headers=json_type) as response:
                assert (await response.json())["message"] == "The body is not accepted: nested deeper than 32 levels."
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        assert (await call(hub, "POST", GATE, data=b"plate=\xff", headers=form)).status == 400
    assert events == [{"by": "camera", "json": {"plate": "\ufffdA"}}]


async def test_local_only_refuses_callers_from_outside(tmp_path):
    config = {
        "http": {"server_port": 0, "use_x_forwarded_for": True, "trusted_proxies": ["127.0.0.1"]},
        "automation": [
            automation("local", {"webhook_id": GATE}),
            automation("public", {"webhook_id": OPEN, "local_only": False}),
        ],
    }
    outside = {"X-Forwarded-For": "203.0.113.9"}
    async with running_hub(tmp_path, config) as hub:
        events = seen(hub)
        for webhook_id in (GATE, OPEN):
            assert (await call(hub, "POST", webhook_id, headers=outside)).status == 200
        assert [event["by"] for event in events] == ["public"]
        for webhook_id in (GATE, OPEN):
            await call(hub, "POST", webhook_id, headers={"X-Forwarded-For": "192.168.1.20"})
        assert [event["by"] for event in events] == ["public", "local", "public"]


async def test_turn_off_reload_and_conflicts(tmp_path):
    def site(*automations: dict[str, Any]) -> dict[str, Any]:
        return {"http": {"server_port": 0}, "automation": list(automations)}

    first = site(automation("a", {"webhook_id": GATE}), automation("b", {"webhook_id": GATE}))
    async with running_hub(tmp_path, first) as hub:
        events = seen(hub)
        engine = hub.data["automation"]

        def registered() -> set[str]:
            return {webhook.webhook_id for webhook in webhooks(hub)}

        await hub.services.call("automation", "turn_off", {"entity_id": "automation.a"})
        await call(hub, "POST", GATE)
        assert [event["by"] for event in events] == ["b"]
        await hub.services.call("automation", "turn_off", {"entity_id": "automation.b"})
        assert GATE not in registered()
        await call(hub, "POST", GATE)
        assert len(events) == 1

        # Another setting on a shared id, and an id a plugin holds: refused with a warning.
        unregister_camera = register_webhook(hub, LANE, lambda *_: None, domain="lpr")
        write_config(tmp_path, site(
            automation("a", {"webhook_id": OPEN}),
            automation("b", {"webhook_id": OPEN, "allowed_methods": "GET"}),
            automation("c", {"webhook_id": LANE}),
        ))
        await hub.services.call("automation", "reload")
        for automation_id in ("a", "b"):  # turned off by hand: a reload leaves them off
            await hub.services.call("automation", "turn_on", {"entity_id": f"automation.{automation_id}"})
        warnings = {item["id"]: item["warnings"] for item in engine.describe()}
        assert "is already used by automation a with allowed_methods ['POST', 'PUT'] and local_only True" \
            in warnings["b"][0]
        assert "is already registered (by lpr)" in warnings["c"][0]
        assert warnings["a"] == []
        assert GATE not in registered()
        await call(hub, "POST", OPEN)
        await call(hub, "GET", OPEN)
        assert [event["by"] for event in events] == ["b", "a"]
        unregister_camera()


def test_mistakes_are_named_with_file_and_line(tmp_path):
    (tmp_path / "config.yaml").write_text("""\
automation:
  - id: bad
    triggers:
      - trigger: webhook
        webhook_id: "gate camera!"
        allowed_methods: [POST, PATCH]
        local_only: perhaps
      - trigger: webhook
    actions:
      - event: seen
""", encoding="utf-8")
    errors = [str(error) for error in check_config(tmp_path / "config.yaml").errors]
    assert errors == [
        "config.yaml:5: automation[0].triggers[0].webhook_id: 'gate camera!' is not a webhook id: "
        "1-128 letters, digits, '_' or '-', got 'gate camera!'",
        "config.yaml:6: automation[0].triggers[0].allowed_methods: expected one of GET, HEAD, POST, PUT, "
        "got ['POST', 'PATCH']",
        "config.yaml:7: automation[0].triggers[0].local_only: expected a boolean (true/false, yes/no, on/off), "
        "got 'perhaps'",
        "config.yaml:8: automation[0].triggers[1].webhook_id: required key not provided",
    ]
