"""``xiaoqu automation list`` and ``xiaoqu automation trace ID``: what the automations did
(and ``xiaoqu script list``, ``xiaoqu script trace ID``: what the scripts did).

Traces live in the running hub's memory, so the commands ask the hub through its HTTP API
(``/api/automation``, ``/api/script``), with an API token (``--token`` or ``XIAOQU_TOKEN``; make one with
``xiaoqu token create NAME``). The hub's address is read from the ``http:`` section of the
config (``--url`` or ``XIAOQU_URL`` overrides it).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from xiaoqu.core.cli import add_config_option

TIMEOUT = 10.0
_OUTCOMES = {
    "finished": "finished",
    "failed_conditions": "not run: a condition was false",
    "failed_single": "not run: already running (mode single)",
    "failed_max_runs": "not run: too many runs (max)",
    "aborted": "stopped",
    "cancelled": "cancelled (restarted, turned off, reloaded or the hub stopped)",
    "error": "failed",
    None: "running",
}


class CommandError(Exception):
    """Printed as ``error: ...`` with exit status 1."""


def register(subparsers: argparse._SubParsersAction) -> None:
    _register(subparsers, "automation", "automations")
    _register(subparsers, "script", "scripts")


def _register(subparsers: argparse._SubParsersAction, domain: str, plural: str) -> None:
    """``xiaoqu automation ...`` and ``xiaoqu script ...``: the same commands on either engine."""
    parser = subparsers.add_parser(domain, help=f"list {plural} and read their traces",
                                   description=f"List {plural} and read what their last runs did.")
    parser.set_defaults(domain=domain)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help=f"every {domain}: state, last run, errors",
                                  description=f"Every {domain} with its state, last run, errors and warnings.")
    _common(listing)
    listing.set_defaults(func=lambda args: _run(list_items, args))
    trace = commands.add_parser("trace", help=f"what a run of one of the {plural} did, step by step",
                                description=f"What a run of one of the {plural} did: what started it, "
                                            "its conditions, each step.")
    trace.add_argument("id", help=f"the {domain}'s id (or its entity id, {domain}.<id>)")
    trace.add_argument("run_id", nargs="?", help="which run (default: the newest); see --runs")
    trace.add_argument("--runs", action="store_true", help="list the stored runs instead")
    _common(trace)
    trace.set_defaults(func=lambda args: _run(show_trace, args))


def _common(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)
    parser.add_argument("--url", default=os.environ.get("XIAOQU_URL"),
                        help="the hub's address (default: from the config's http: section, or XIAOQU_URL)")
    parser.add_argument("--token", default=os.environ.get("XIAOQU_TOKEN"),
                        help="an API token (default: XIAOQU_TOKEN)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _run(command: Any, args: argparse.Namespace) -> int:
    try:
        command(args)
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


# --- talking to the hub ----------------------------------------------------------------------


def hub_url(config_path: Path) -> str:
    """``http://host:port`` of the hub that runs ``config_path``, from its ``http:`` section."""
    from xiaoqu.core.config import load_config

    section = load_config(config_path).raw.get("http") or {}
    hosts = section.get("server_host", "127.0.0.1") if isinstance(section, dict) else "127.0.0.1"
    host = str(hosts[0] if isinstance(hosts, list) and hosts else hosts)
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    port = section.get("server_port", 8123) if isinstance(section, dict) else 8123
    scheme = "https" if isinstance(section, dict) and section.get("ssl_certificate") else "http"
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def fetch(args: argparse.Namespace, path: str) -> Any:
    if not args.token:
        raise CommandError(f"this needs an API token: create one with `xiaoqu token create NAME -c {args.config}`, "
                           "then pass --token or set XIAOQU_TOKEN")
    base = (args.url or hub_url(args.config)).rstrip("/")
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {args.token}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        try:
            message = json.loads(err.read().decode("utf-8")).get("message", err.reason)
        except (ValueError, AttributeError):
            message = err.reason
        raise CommandError(f"{base}: {message}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise CommandError(f"no hub answers at {base} ({reason}); traces live in the running hub. "
                           f"`xiaoqu check-config -c {args.config}` checks the automations without one") from None


# --- the commands ------------------------------------------------------------------------------


def list_items(args: argparse.Namespace) -> None:
    automations = fetch(args, f"/api/{args.domain}")
    if args.json:
        print(json.dumps(automations, ensure_ascii=False, indent=2))
        return
    print(format_list(automations))


def show_trace(args: argparse.Namespace) -> None:
    quoted = urllib.parse.quote(args.id, safe="")
    if args.runs:
        runs = fetch(args, f"/api/{args.domain}/{quoted}/traces")
        print(json.dumps(runs, ensure_ascii=False, indent=2) if args.json else format_runs(args.id, runs))
        return
    run = urllib.parse.quote(args.run_id or "latest", safe="")
    trace = fetch(args, f"/api/{args.domain}/{quoted}/traces/{run}")
    print(json.dumps(trace, ensure_ascii=False, indent=2) if args.json else format_trace(trace, args.domain))


# --- printing ----------------------------------------------------------------------------------


def _time(text: str | None) -> str:
    return "-" if not text else datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M:%S")


def format_list(automations: list[dict[str, Any]]) -> str:
    rows = [("ID", "STATE", "MODE", "LAST TRIGGERED", "LAST RUN", "PROBLEMS")]
    for item in automations:
        problems = f"{len(item['errors'])} error(s)" if item["errors"] else ""
        if item["warnings"]:
            problems = ", ".join(filter(None, [problems, f"{len(item['warnings'])} warning(s)"]))
        rows.append((item["id"], item["state"], item["mode"], _time(item["last_triggered"]),
                     _OUTCOMES.get(item["last_run"], item["last_run"]) if item["last_run"] else "-",
                     problems))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    for item in automations:
        for message in [*item["errors"], *item["warnings"]]:
            lines.append(f"{item['id']}: {message}")
    return "\n".join(lines)


def format_runs(automation_id: str, runs: list[dict[str, Any]]) -> str:
    if not runs:
        return f"{automation_id}: no run stored yet"
    lines = [f"{automation_id}: {len(runs)} run(s), newest first"]
    for run in runs:
        outcome = _OUTCOMES.get(run["script_execution"], run["script_execution"])
        error = f": {run['error']}" if run["error"] else ""
        lines.append(f"  run {run['run_id']:>5}  {_time(run['timestamp']['start'])}  {run['trigger']}  {outcome}{error}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_trace(trace: dict[str, Any], domain: str = "automation") -> str:
    """A run as a person reads it: when, why, then each step with its result."""
    start = datetime.fromisoformat(trace["timestamp"]["start"])
    outcome = _OUTCOMES.get(trace["script_execution"], trace["script_execution"])
    duration = f" in {trace['duration']:.3f} s" if trace["duration"] is not None else ""
    lines = [
        f"{domain} {trace['automation_id']}, run {trace['run_id']}",
        f"  {'triggered' if domain == 'automation' else 'started'} by {trace['trigger']} at {start:%Y-%m-%d %H:%M:%S}",
        f"  {outcome}{duration}" + (f": {trace['error']}" if trace["error"] else ""),
        "",
    ]
    for element in trace["trace"]:
        offset = (datetime.fromisoformat(element["timestamp"]) - start).total_seconds()
        depth = element["path"].count("/") // 2
        result = dict(element.get("result") or {})
        verdict = result.pop("result", None)
        head = f"{offset:+9.3f}s  {'  ' * depth}{element['path']}"
        if verdict is not None:
            head += f"  -> {'true' if verdict else 'false'}"
        lines.append(head)
        pad = " " * 12 + "  " * depth
        if result:
            lines.append(f"{pad}{_short(result)}")
        if element.get("error"):
            lines.append(f"{pad}error: {element['error']}")
        if element.get("changed_variables") and not element["path"].startswith("trigger/"):
            lines.append(f"{pad}set: {_short(element['changed_variables'])}")
    return "\n".join(lines)
