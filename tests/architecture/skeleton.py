"""The skeleton every integration and plugin has, as rules read from its source
(docs/architecture.md; tests/architecture/test_skeleton.py applies them).

    manifest.json   who it is
    const.py        DOMAIN (the manifest's domain), the names and hub.data keys it shares
    schema.py       CONFIG_SCHEMA and its other voluptuous schemas, when it takes a config
    services.py     its one service table, when it has services: registered at set-up and
                    declared to check-config (xiaoqu_services) from the same rows
    <modules>       entities and the domain's own code
    __init__.py     the hooks, each only calling into the modules; public names re-exported

A package that does its work in ``__init__.py`` hides it from the next person, who looks for
it in the module named for it; one whose services are registered in one place and declared
in another lets check-config and a running hub disagree.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_ROOTS = (ROOT / "integrations", ROOT / "plugins")

#: Statements that make a hook do the work itself rather than call into a module.
LOGIC = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try, ast.With, ast.AsyncWith, ast.FunctionDef,
         ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: The names a services table may have: fixed rows, or rows that depend on the config.
TABLES = {"SERVICES", "service_table"}


def packages() -> list[Path]:
    """Every package under integrations/ and plugins/ with a manifest."""
    return sorted(p.parent for root in PLUGIN_ROOTS for p in root.glob("*/manifest.json"))


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_hookimpl(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
        isinstance(d, ast.Name) and d.id == "hookimpl" for d in node.decorator_list
    )


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _assigned(node: ast.AST) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    return [t.id for t in targets if isinstance(t, ast.Name)]


def _top_level_names(tree: ast.Module) -> set[str]:
    names = {name for node in tree.body for name in _assigned(node)}
    names |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    return names


def _hooks(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {node.name: node for node in tree.body if _is_hookimpl(node)}  # type: ignore[misc]


def _returns(hook: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | None:
    body = [node for node in hook.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    return body[0].value if len(body) == 1 and isinstance(body[0], ast.Return) else None


def _registers_services_directly(package: Path) -> list[str]:
    """``hub.services.register(...)`` calls: a service written down outside the table."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(_parse(path)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register"
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "services"):
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def skeleton_problems(package: Path) -> list[str]:
    """Every way ``package`` differs from the skeleton, one sentence each."""
    hooks = _hooks(_parse(package / "__init__.py"))
    return [
        *_const_problems(package),
        *_init_problems(package),
        *_schema_problems(package, hooks),
        *_services_problems(package, hooks),
    ]


def _const_problems(package: Path) -> list[str]:
    domain = json.loads((package / "manifest.json").read_text(encoding="utf-8"))["domain"]
    const = package / "const.py"
    if not const.is_file():
        return ["has no const.py"]
    values = {name: node.value for node in _parse(const).body for name in _assigned(node)}
    value = values.get("DOMAIN")
    if isinstance(value, ast.Constant) and value.value == domain:
        return []
    return [f"const.py does not define DOMAIN = {domain!r}"]


def _init_problems(package: Path) -> list[str]:
    """``__init__.py`` holds hooks that call into modules, imports and ``__all__``; nothing else."""
    init = _parse(package / "__init__.py")
    problems = []
    for node in init.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or _is_hookimpl(node) or _is_type_checking_block(node):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is init.body[0]:
            continue  # the docstring
        if _assigned(node) == ["__all__"]:
            continue
        what = getattr(node, "name", None) or ", ".join(_assigned(node)) or type(node).__name__
        problems.append(f"__init__.py:{node.lineno}: defines {what}; only hooks and re-exports belong there")
    for name, hook in _hooks(init).items():
        problems += [f"__init__.py:{node.lineno}: {name} holds logic ({type(node).__name__}); call into a module instead"
                     for node in ast.walk(hook) if node is not hook and isinstance(node, LOGIC)]
    return problems


def _schema_problems(package: Path, hooks: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> list[str]:
    if "xiaoqu_config_schema" not in hooks:
        return []
    problems = []
    schema = package / "schema.py"
    if not schema.is_file() or "CONFIG_SCHEMA" not in _top_level_names(_parse(schema)):
        problems.append("takes a config but schema.py does not define CONFIG_SCHEMA")
    returned = _returns(hooks["xiaoqu_config_schema"])
    if not (isinstance(returned, ast.Name) and returned.id == "CONFIG_SCHEMA"):
        problems.append("xiaoqu_config_schema does not return CONFIG_SCHEMA")
    return problems


def _services_problems(package: Path, hooks: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> list[str]:
    """One table in services.py, declared by ``xiaoqu_services`` from the same rows."""
    problems = []
    services = package / "services.py"
    table = services.is_file() and bool(TABLES & _top_level_names(_parse(services)))
    if "xiaoqu_services" in hooks:
        if not table:
            problems.append(f"declares services but services.py has no table ({' or '.join(sorted(TABLES))})")
        returned = _returns(hooks["xiaoqu_services"])
        if not (isinstance(returned, ast.Call) and isinstance(returned.func, ast.Name)
                and returned.func.id == "service_names"):
            problems.append("xiaoqu_services does not return service_names(DOMAIN, <the table>)")
    elif table:
        problems.append("services.py has a table but xiaoqu_services does not declare it")
    problems += [f"{where}: registers a service outside the services table"
                 for where in _registers_services_directly(package)]
    return problems
