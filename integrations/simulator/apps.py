"""The residents' apps: repairs and complaints opened from home, answered and rated, and the
office's notices read and signed, all over MQTT on each household's own prefix as a real app
talks to the hub (docs/tickets.md, docs/notices.md).

The app is installed in :data:`APP_SHARE` of the households with residents, drawn from the
simulator's seed on a generator of its own (``<seed>:apps``), so the same households have it on
every run and the other simulated acts draw what they always drew. Those households:

- **open a ticket** now and then (:data:`TICKETS_PEAK` per app an hour at the busiest,
  :data:`TICKET_HOURS` over the day): ``tickets/open`` with a ``request_id``, a category residents
  may use and a description of :data:`PROBLEMS` (楼道灯不亮, 噪音扰民 ...); the hub's
  ``tickets/answer`` names the ticket and its deadline.
- **answer** when the office asks them (a ticket's ``tickets/<ticket>/status`` reaches
  ``waiting_for_resident``): the tickets integration takes no resident's note over MQTT, so the
  resident rings the service desk, which writes the answer into the ticket (service_desk.py).
- **rate** a resolved ticket (:data:`RATES` of them) a while later on ``tickets/<ticket>/rate``.
- **sign** the notices that arrive on ``notices/<notice>`` (``{"signed": true}`` on its
  ``…/ack``) a while after reading them, except :data:`NEVER_SIGN` of the households, which
  read and never sign: the office's pages show who has not.

Households without the app never sign from it, and open tickets only at the desk or the portal.
All apps share the households' connection (visitors.py's ``household_apps``).
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from .profile import Profile
from .traffic import Stream
from .visitors import json_object

if TYPE_CHECKING:
    from .context import SimContext
    from .estate import Household
    from .link import DeviceConnection

#: The integrations whose presence in the config puts the apps to work.
TICKETS: Final = "tickets"
NOTICES: Final = "notices"
#: Households with residents that have the app.
APP_SHARE: Final = 0.6
#: Of those, households that read notices and never sign them.
NEVER_SIGN: Final = 0.15
#: Tickets opened per app per hour at the busiest time of day, and how busy each hour is.
TICKETS_PEAK: Final = 0.02
TICKET_HOURS: Final[Profile] = ((0, 0.05), (7, 0.5), (9, 1.0), (12, 0.6), (14, 1.0), (18, 0.8), (21, 0.3), (23, 0.05))
#: Simulated seconds from a notice arriving to its signature.
SIGN_AFTER: Final = (2 * 60.0, 4 * 3600.0)
#: Simulated seconds from the office's question to the resident's answer.
ANSWER_AFTER: Final = (3 * 60.0, 45 * 60.0)
#: Resolved tickets the household rates, how long after, and the stars it gives (weights).
RATES: Final = 0.8
RATE_AFTER: Final = (10 * 60.0, 6 * 3600.0)
STARS: Final[Mapping[int, float]] = {5: 0.5, 4: 0.3, 3: 0.12, 2: 0.05, 1: 0.03}
COMMENTS: Final[Mapping[int, tuple[str, ...]]] = {
    5: ("师傅很快就来了，谢谢！", "处理及时，态度很好", ""),
    4: ("修好了，就是等得有点久", ""),
    3: ("问题解决了，但沟通不太及时", ""),
    2: ("来了两次才修好",),
    1: ("问题还没有彻底解决",),
}
#: What residents report, by category: the description and how the office resolves it.
PROBLEMS: Final[Mapping[str, tuple[tuple[str, str], ...]]] = {
    "repair": (
        ("楼道灯不亮，晚上上楼看不见", "已更换楼道声控灯"),
        ("电梯运行时有异响", "电梯维保单位已检修，更换导靴"),
        ("楼上漏水，卫生间天花板渗水", "已查明楼上防水层破损，修补完毕"),
        ("厨房水龙头关不紧，一直滴水", "已更换水龙头阀芯"),
        ("卫生间下水道堵塞", "已疏通下水管道"),
        ("单元门禁刷卡没反应", "已重启门禁读卡器并测试正常"),
        ("阳台窗户合页松动，关不严", "已紧固合页并调整窗扇"),
        ("家里插座跳闸，没电了", "已更换老化的漏电开关"),
    ),
    "complaint": (
        ("楼上装修噪音扰民，中午也不停", "已上门提醒，装修限定在工作日8:00-12:00、14:00-18:00"),
        ("楼下有人烧烤，油烟很大", "已劝阻并告知小区内禁止明火烧烤"),
        ("邻居家狗晚上一直叫", "已联系犬主，承诺夜间关好门窗并看管"),
        ("我的车位被别人的车占了", "已联系车主挪车，并在车位加装提示牌"),
        ("垃圾站两天没清运，有异味", "已督促保洁加清一次并消毒"),
    ),
    "feedback": (
        ("建议增加电动车充电桩", "已纳入明年的改造计划，将征询业主意见"),
        ("小区健身器材有些生锈，建议维护", "已安排除锈刷漆"),
        ("希望快递柜多放几组", "已与快递柜公司联系增设"),
    ),
}
#: A description for a category of the site's own (none of the above), and its resolution.
OTHER: Final = (("家里有个问题需要物业处理，请联系我", "已上门处理完毕"),)
#: What a resident answers when the office asks.
ANSWERS: Final = ("周六上午在家，随时可以上门", "明天下午三点以后有人", "工作日晚上七点后在家",
                  "钥匙放在门卫室，可以直接进去", "照片已经拍好，师傅来了可以看")


def app_households(households: list[Household], seed: int) -> dict[str, bool]:
    """The households with the app, each with whether it signs notices (from the seed's own stream)."""
    rng = random.Random(f"{seed}:apps")
    chosen = [home.id for home in households if home.residents and rng.random() < APP_SHARE]
    return {household: rng.random() >= NEVER_SIGN for household in chosen}


def resolution(description: str) -> str:
    """How the office resolves what a resident reported (a description of the apps' own, or any)."""
    for problems in (*PROBLEMS.values(), OTHER):
        for reported, resolved in problems:
            if reported == description:
                return resolved
    return OTHER[0][1]


class ResidentApps:
    """The apps of :func:`app_households`; see the module docstring."""

    def __init__(self, ctx: SimContext, connection: DeviceConnection, households: list[Household], seed: int) -> None:
        self.rng = random.Random(f"{seed}:apps:acts")
        #: Its own generator: the other simulated acts draw what they always drew.
        self.ctx = replace(ctx, rng=self.rng)
        self.connection = connection
        self.signs = app_households(households, seed)
        #: The resident ringing the service desk with an answer: ``(ticket, household, answer)``.
        self.answer_desk: Callable[[str, str, str], None] | None = None
        #: Tickets opened from the apps (by the hub's answer) with their household.
        self.opened: dict[str, str] = {}
        self._requests: dict[str, tuple[str, str, str]] = {}  # request id: household, category, description
        self._read: set[tuple[str, str]] = set()  # (household, notice) read: a replay is read once
        self._asked: set[tuple[str, int]] = set()  # (ticket, question) answered
        self._rated: set[str] = set()
        household = f"{self.ctx.root}/household/+"
        connection.subscribe(f"{household}/tickets/answer", self._on_answer)
        connection.subscribe(f"{household}/tickets/+/status", self._on_status)
        connection.subscribe(f"{household}/notices/+", self._on_notice)

    # --- opening a ticket ----------------------------------------------------------------

    def start(self) -> None:
        """The households' tickets over the day, when the hub runs tickets."""
        if TICKETS in self.ctx.hub.config.raw and self.signs:
            Stream(self.ctx, "tickets", TICKET_HOURS, TICKETS_PEAK * len(self.signs), self.opens).start()

    def categories(self) -> list[str]:
        """The categories residents may use, as ``tickets: categories`` says (repair and complaint
        without one, as the tickets integration has)."""
        section = self.ctx.hub.config.raw.get(TICKETS)
        categories = (section or {}).get("categories") if isinstance(section, dict) else None
        if not isinstance(categories, dict):
            return ["repair", "complaint"]
        return [str(name) for name, spec in categories.items() if (spec or {}).get("residents", True) is not False]

    def opens(self, household: str | None = None) -> None:
        """A household (drawn, or ``household``) reports a problem from its app."""
        categories = self.categories()
        if not categories or not self.signs:
            return
        rng = self.rng
        household = household or rng.choice(sorted(self.signs))
        # Repairs are most of what residents report, then complaints, then the rest.
        weights = [{"repair": 6, "complaint": 3}.get(name, 1) for name in categories]
        category = rng.choices(categories, weights)[0]
        description = rng.choice(PROBLEMS.get(category, OTHER))[0]
        request = self.ctx.next_id("app")
        self._requests[request] = (household, category, description)
        self.connection.publish(f"{self.ctx.root}/household/{household}/tickets/open",
                                {"request_id": request, "category": category, "description": description})

    def _on_answer(self, topic: str, payload: bytes) -> None:
        data = json_object(payload)
        asked = self._requests.pop(str(data.get("request_id")), None)
        if asked is None:
            return
        household, category, description = asked
        if data.get("taken") is False:
            self.ctx.log.act("tickets", "App of %s: %s not taken: %s", household, category, data.get("why"))
            return
        ticket = str(data.get("ticket_id"))
        self.opened[ticket] = household
        self.ctx.log.act("tickets", "App of %s: reports %s %s «%s», due %s", household, category, ticket,
                         description, str(data.get("due", ""))[:16])

    # --- answering, rating -------------------------------------------------------------

    def _on_status(self, topic: str, payload: bytes) -> None:
        household = topic.split("/")[-4]  # .../household/<h>/tickets/<ticket>/status
        data = json_object(payload)
        ticket = data.get("ticket_id")
        if household not in self.signs or not isinstance(ticket, str):
            return
        if data.get("taken") is False:
            self.ctx.log.act("tickets", "App of %s: %s answered: %s", household, ticket, data.get("why"))
        elif data.get("state") == "waiting_for_resident":
            self._answers(household, ticket, sum(1 for step in data.get("history") or ()
                                                 if isinstance(step, dict) and step.get("state") == "waiting_for_resident"))
        elif data.get("state") in ("resolved", "closed") and data.get("rating") is None and ticket not in self._rated:
            self._rated.add(ticket)
            if self.rng.random() < RATES:
                self._later(RATE_AFTER, lambda: self._rates(household, ticket))

    def _answers(self, household: str, ticket: str, question: int) -> None:
        if (ticket, question) in self._asked:
            return
        self._asked.add((ticket, question))
        answer = self.rng.choice(ANSWERS)
        self.ctx.log.act("tickets", "App of %s: the office asks about %s; the resident rings back", household, ticket)
        desk = self.answer_desk
        if desk is not None:
            self._later(ANSWER_AFTER, lambda: desk(ticket, household, answer))

    def _rates(self, household: str, ticket: str) -> None:
        stars = self.rng.choices(list(STARS), list(STARS.values()))[0]
        message: dict[str, Any] = {"rating": stars}
        if comment := self.rng.choice(COMMENTS[stars]):
            message["comment"] = comment
        self.connection.publish(f"{self.ctx.root}/household/{household}/tickets/{ticket}/rate", message)
        self.ctx.log.act("tickets", "App of %s: rates %s %d/5 %s", household, ticket, stars, comment)

    # --- notices -----------------------------------------------------------------------

    def _on_notice(self, topic: str, payload: bytes) -> None:
        household, notice = topic.split("/")[-3], topic.split("/")[-1]  # .../household/<h>/notices/<notice>
        data = json_object(payload)
        if household not in self.signs or data.get("notice_id") != notice or (household, notice) in self._read:
            return
        self._read.add((household, notice))
        if not self.signs[household]:
            self.ctx.log.act("notices", "App of %s: reads %s «%s» and does not sign", household, notice,
                             data.get("title"))
            return
        ack, title = f"{topic}/ack", data.get("title")
        self._later(SIGN_AFTER, lambda: self._signs(household, notice, title, ack))

    def _signs(self, household: str, notice: str, title: object, ack: str) -> None:
        self.connection.publish(ack, {"signed": True})
        self.ctx.log.act("notices", "App of %s: signs %s «%s»", household, notice, title)

    def _later(self, span: tuple[float, float], act: Callable[[], None]) -> None:
        self.ctx.timers.later(self.ctx.sim.real_delay(self.rng.uniform(*span)), act)

