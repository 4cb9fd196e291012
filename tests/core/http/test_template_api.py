"""POST /api/template as Home Assistant answers it: the rendered text, over a real server."""
from __future__ import annotations


async def test_renders_with_the_hubs_states_as_text(api) -> None:
    api.hub.states.set("sensor.boiler_temperature", "61.5", {"unit_of_measurement": "°C"})
    status, body = await api.request("POST", "/api/template", json={
        "template": "Boiler {{ states('sensor.boiler_temperature') }}"
                    "{{ state_attr('sensor.boiler_temperature', 'unit_of_measurement') }}, {{ who }}",
        "variables": {"who": "guard"}})
    assert (status, body) == (200, "Boiler 61.5°C, guard")


async def test_a_bad_or_endless_template_is_a_400_that_says_why(api) -> None:
    status, body = await api.request("POST", "/api/template", json={"template": "{{ states( }}"})
    assert status == 400 and body["message"].startswith("Error rendering template:")
    status, body = await api.request("POST", "/api/template", json={
        "template": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"})
    assert status == 400 and "Error rendering template" in body["message"]
    status, body = await api.request("POST", "/api/template", json={"template": "{{ ''.__class__.__mro__ }}"})
    assert status == 400 and "Error rendering template" in body["message"]  # the sandbox refuses it
    status, body = await api.request("POST", "/api/template", json={"tmpl": "x"})
    assert status == 400 and "template" in body["message"]


async def test_only_admins_render_unless_the_site_grants_it(api, serve_api, tmp_path) -> None:
    for role in ("manager", "guard", "resident"):
        assert (await api.request("POST", "/api/template", role=role, json={"template": "x"}))[0] == 403
    assert (await api.request("POST", "/api/template", role=None, json={"template": "x"}))[0] == 401
    (tmp_path / "granted").mkdir()
    async with serve_api(tmp_path / "granted", {"auth": {"roles": {"manager": ["api.template"]}}}) as granted:
        assert await granted.request("POST", "/api/template", role="manager", json={"template": "{{ 1 + 1 }}"}) == (200, "2")
