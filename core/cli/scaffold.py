"""``xiaoqu new-plugin NAME``: write a working plugin, with a passing test, to start from."""
from __future__ import annotations

import argparse
import re
import string
import sys
from importlib import resources
from pathlib import Path

TEMPLATE_FILES = {
    "manifest.json.tmpl": "manifest.json",
    "const.py.tmpl": "const.py",
    "schema.py.tmpl": "schema.py",
    "services.py.tmpl": "services.py",
    "entity.py.tmpl": "entity.py",
    "__init__.py.tmpl": "__init__.py",
    "test_plugin.py.tmpl": "test_plugin.py",
    "pyproject.toml.tmpl": "pyproject.toml",
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "new-plugin",
        help="write a new plugin to start from",
        description="Write a working plugin into plugins/NAME/ with a passing test.",
    )
    parser.add_argument("name", help="the plugin's domain: lower case letters, digits and _")
    parser.add_argument(
        "--dir", type=Path, default=Path("plugins"), help="where plugins live (default: ./plugins)"
    )
    parser.set_defaults(func=new_plugin)


def write_plugin(name: str, plugins_dir: Path) -> Path:
    """Write the plugin package and return its directory; refuses to overwrite anything."""
    if not NAME_RE.fullmatch(name):  # fullmatch: "$" lets "name\n" through
        raise ValueError(f"plugin name {name!r} must be lower case letters, digits and _, starting with a letter")
    target = plugins_dir / name
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose another name or remove it")
    target.mkdir(parents=True)
    values = {"domain": name, "title": name.replace("_", " ").title()}
    templates = resources.files("xiaoqu.core.cli") / "plugin_template"
    for source, dest in TEMPLATE_FILES.items():
        text = string.Template((templates / source).read_text(encoding="utf-8")).substitute(values)
        (target / dest).write_text(text, encoding="utf-8")
    return target


def new_plugin(args: argparse.Namespace) -> int:
    try:
        target = write_plugin(args.name, args.dir)
    except (ValueError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Wrote {target}/ (plugin '{args.name}', with test_plugin.py and pyproject.toml).")
    print("Add this line to config.yaml to use it:")
    print(f"\n  {args.name}: {{greeting: 你好}}\n")
    print(f"Run its test:  .venv/bin/python -m pytest {target}")
    return 0
