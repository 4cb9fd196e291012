"""The built-in notice templates, worded as a Chinese property office writes them, and rendering
them (and a site's own) in the core's sandboxed jinja2.

Each is a title and a body. The figures come from the notice's ``data``; money is integer fen
shown with the core's ``yuan`` filter (``123456 | yuan`` → ``¥1234.56``). Billing passes
``household``, ``period``, ``lines`` ([{item, amount_fen, why}]), ``total_fen``, ``due``,
``outstanding_fen``, ``late_fee_fen`` and ``deadline``; the outage notice takes ``what`` (水, 电,
燃气), ``area``, ``start``, ``end`` and ``reason``. A render is strict: a variable the data lacks
is an error naming the template and the variable, and nothing is sent.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from jinja2 import Environment, meta, nodes
from jinja2.filters import FILTERS
from jinja2.tests import TESTS

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.template import Template, TemplateError, get_environment

from .const import TEMPLATE_FEE_NOTICE, TEMPLATE_OUTAGE, TEMPLATE_REMINDER, TEMPLATE_SECOND_NOTICE
from .schema import MAX_BODY, MAX_TITLE

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_SIGNATURE: Final = "\n\n物业服务中心\n{{ today }}"

BUILTIN: Final[dict[str, dict[str, str]]] = {
    TEMPLATE_FEE_NOTICE: {
        "title": "物业费缴费通知单（{{ period }}）",
        "body": (
            "尊敬的{{ household }}业主/住户：\n"
            "您好！现将贵户{{ period }}应缴费用通知如下：\n"
            "{% for line in lines %}{{ loop.index }}. {{ line.item }}：{{ line.amount_fen | yuan }}"
            "（{{ line.why }}）\n{% endfor %}"
            "本期合计：{{ total_fen | yuan }}。\n"
            "{% if outstanding_fen %}截至本通知日，贵户尚有往期欠费{{ outstanding_fen | yuan }}"
            "{% if late_fee_fen %}，滞纳金{{ late_fee_fen | yuan }}{% endif %}，请一并缴纳。\n{% endif %}"
            "请于{{ due }}前到物业服务中心或通过线上渠道缴纳。逾期未缴的，将按《物业服务合同》约定"
            "自逾期之日起计收滞纳金。\n"
            "请签收本通知。如有疑问，请与物业服务中心联系。感谢您的理解与支持！" + _SIGNATURE
        ),
    },
    TEMPLATE_REMINDER: {
        "title": "物业费催缴通知（{{ household }}）",
        "body": (
            "尊敬的{{ household }}业主/住户：\n"
            "经核对，截至本通知日，贵户尚欠物业服务费等费用{{ outstanding_fen | yuan }}"
            "（最早一笔应于{{ due }}缴纳）"
            "{% if late_fee_fen %}，按合同约定已产生滞纳金{{ late_fee_fen | yuan }}{% endif %}。\n"
            "请于{{ deadline }}前缴清。如已缴纳，请忽略本通知；如有异议，请携缴费凭证到物业服务中心核对。\n"
            "请签收本通知。感谢您的配合！" + _SIGNATURE
        ),
    },
    TEMPLATE_SECOND_NOTICE: {
        "title": "欠费催告函（第二次通知）",
        "body": (
            "尊敬的{{ household }}业主/住户：\n"
            "贵户自{{ due }}起欠缴物业服务费等费用，经本中心多次书面及上门催缴，至今仍未缴清。"
            "截至本函发出之日，贵户欠费本金{{ outstanding_fen | yuan }}"
            "{% if late_fee_fen %}，滞纳金{{ late_fee_fen | yuan }}，合计"
            "{{ (outstanding_fen + late_fee_fen) | yuan }}{% endif %}。\n"
            "请贵户务必于{{ deadline }}前缴清全部欠费及滞纳金。逾期仍未缴纳的，本中心将依据《物业服务合同》"
            "及相关规定，在提前告知后采取相应措施，并保留通过法律途径追缴的权利。\n"
            "请签收本函。" + _SIGNATURE
        ),
    },
    TEMPLATE_OUTAGE: {
        "title": "停{{ what }}通知",
        "body": (
            "尊敬的各位业主/住户：\n"
            "因{{ reason }}，定于{{ start }}至{{ end }}对{{ area }}暂停供{{ what }}。"
            "届时请提前做好储备，关闭相关阀门或电器开关，以免恢复供{{ what }}时造成损失。\n"
            "如遇特殊情况，恢复时间将另行通知。给您带来的不便，敬请谅解！" + _SIGNATURE
        ),
    },
}


class TemplateFailed(ServiceValidationError):
    """A notice's template could not be found or rendered: nothing is sent."""


def check(hub: Hub, templates: Mapping[str, Mapping[str, str]]) -> None:
    """Compile each template (the site's at set-up), so a syntax error stops the hub starting
    with the template's name, rather than the first notice that uses it."""
    for name, parts in templates.items():
        for part in ("title", "body"):
            try:
                Template(parts[part], hub).ensure_valid()
            except TemplateError as err:
                raise TemplateFailed(f"notices: templates: {name}: {part}: {err}") from None


def uses(hub: Hub, parts: Mapping[str, str], name: str) -> bool:
    """Whether the title or the body reads the variable ``name`` (jinja2's own parse of the
    source, so a ``household`` in the text or in a comment is not taken for one)."""
    env = get_environment(hub)
    return any(name in meta.find_undeclared_variables(env.parse(parts[part])) for part in ("title", "body"))


def render(hub: Hub, name: str | None, parts: Mapping[str, str], data: Mapping[str, Any]) -> tuple[str, str]:
    """``(title, body)`` rendered with ``data`` (strict); ``name`` is the template's, for the error."""
    return next(iter(render_each(hub, name, parts, data, [None]).values()))


def render_each(hub: Hub, name: str | None, parts: Mapping[str, str], data: Mapping[str, Any],
                households: Iterable[str | None]) -> dict[str | None, tuple[str, str]]:
    """``(title, body)`` for each household (``household`` set to it; None: ``data`` alone),
    compiled once; the first that does not render raises, naming the household."""
    return Renderer(hub).render_each(name, parts, data, households)


#: Figures a render may be keyed on: a part reading only these renders the same text for the same values.
_PLAIN: Final = (str, int, float, bool, type(None))


class Renderer:
    """Renders notices for one sending or one batch: each template text compiled once, and a
    part that reads nothing but plain figures of its data (text, numbers; no list, no helper,
    no state) rendered once per distinct figures — a batch of 10,000 fee notices renders its
    title (``物业费缴费通知单（{{ period }}）``) once, each body for its household."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._compiled: dict[str, Template] = {}
        #: What each text reads of its data, when the figures read are all its render depends on.
        self._reads: dict[str, frozenset[str] | None] = {}
        self._rendered: dict[tuple[Any, ...], str] = {}

    def render_each(self, name: str | None, parts: Mapping[str, str], data: Mapping[str, Any],
                    households: Iterable[str | None]) -> dict[str | None, tuple[str, str]]:
        """As :func:`render_each`."""
        what = f"template {name}" if name else "the notice"
        words: dict[str | None, tuple[str, str]] = {}
        for household in households:
            variables = data if household is None else {**data, "household": household}
            whose = "" if household is None else f" for household {household}"
            shown = []
            for part, most in (("title", MAX_TITLE), ("body", MAX_BODY)):
                try:
                    text = self._render(parts[part], variables)
                except TemplateError as err:
                    raise TemplateFailed(f"{what} could not be rendered{whose} ({part}): {err.cause}") from None
                if not text:
                    raise TemplateFailed(f"{what} rendered an empty {part}{whose}")
                if len(text) > most:
                    raise TemplateFailed(f"{what} rendered a {part} of {len(text)} characters{whose} (at most {most})")
                shown.append(text)
            words[household] = (shown[0], shown[1])
        return words

    def _render(self, source: str, variables: Mapping[str, Any]) -> str:
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self._compiled[source] = Template(source, self.hub)
            self._reads[source] = _reads(get_environment(self.hub), source)
        key = self._key(source, variables)
        if key is not None and (text := self._rendered.get(key)) is not None:
            return text
        text = compiled.render(variables, strict=True)
        if key is not None:
            self._rendered[key] = text
        return text

    def _key(self, source: str, variables: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """What a render of ``source`` depends on, when that is its data's plain figures alone
        (each with its type: ``1`` and ``True`` render differently); None otherwise."""
        reads = self._reads[source]
        if reads is None:
            return None
        found: list[Any] = [source]
        for read in sorted(reads):
            if read not in variables:
                return None  # a global (a helper, the states) or a figure missing: rendered each time
            value = variables[read]
            if not isinstance(value, _PLAIN):
                return None
            found.append((read, type(value), value))
        return tuple(found)


@lru_cache(maxsize=256)
def _reads(env: Environment, source: str) -> frozenset[str] | None:
    """The names ``source`` reads, when a render of it depends on them alone: None when it uses
    a filter or test other than jinja2's own (the core's may read the states or the clock)."""
    parsed = env.parse(source)
    for node in parsed.find_all((nodes.Filter, nodes.Test)):
        builtin = FILTERS if isinstance(node, nodes.Filter) else TESTS
        helpers = env.filters if isinstance(node, nodes.Filter) else env.tests
        if builtin.get(node.name) is None or helpers.get(node.name) is not builtin[node.name]:
            return None
    return frozenset(meta.find_undeclared_variables(parsed))
