"""The city service desks of the demo (城市服务台): @马鞍山发布 with its #马上办# column and @重庆发布
with #有事找重庆发布#, their departments, the people who work them, the routing rules, and 90 days
of case history ending at the load, so the board, the queue and the rates have something true to
show right after ``make run``.

Everything goes through the desk's own services (plaza.desk): cases are filed with
``cases.submit`` and moved with ``cases.act`` at the moment each step happened (the installed
clock set to it, so working-day deadlines follow the calendar), the overdue sweep runs when a
time limit ran out, as the server's would. A case's script is drawn from the seed when it is
filed; only when its steps happen depends on the deadlines the desk set. Cases that came from a
post have a real post by a demo citizen as their source, and the desk's public steps of the last
days are answered in that post's thread.

The column topic of @重庆发布 is #有事找重庆发布#: it names the account a citizen writes to, as
Weibo's "有事找…" columns do, so a first-time reader knows where the post goes; the brief's
other candidate, #重庆民生通#, reads like the name of an app.
"""

from __future__ import annotations

import asyncio
import csv
import heapq
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, func, select

from plaza import i18n, regions
from plaza.accounts import operators
from plaza.accounts.government import GovernmentProfile
from plaza.clock import ManualClock, as_utc, use
from plaza.desk import desks, routing
from plaza.desk.cases import NewCase, iso
from plaza.desk.cases import act as act_on
from plaza.desk.cases import submit as submit_case
from plaza.desk.limits import RATING_DAYS
from plaza.desk.workflow import CASE, OPEN, PUBLIC_STEPS
from plaza.errors import PlazaError
from plaza.square import accounts, posts
from plaza.storage.schema import accounts as accounts_table
from plaza.storage.schema import cases as cases_table
from plaza.workflow import engine
from plaza.workflow.worktime import BEIJING, NATIONAL

#: Days of history, ending at the load.
DAYS = 90
#: Cases a day across both desks in the full demo (3,000 citizens); a smaller demo is a smaller
#: city and files proportionally fewer, at least :data:`MIN_CASES_PER_DAY`.
CASES_PER_DAY = 15.0
FULL_DEMO_CITIZENS = 3000
MIN_CASES_PER_DAY = 3.0
#: Cases from the last days whose desk steps are answered in the source post's thread.
THREAD_DAYS = 10
#: Steps taken in one transaction at most.
STEPS_PER_TRANSACTION = 4000

#: Called as ``progress(stage, done, total)`` (plaza.demo.load's progress).
Progress = Callable[[str, int, int], None]

i18n.register({
    "demo_stage_desk_accounts": ("服务台：{done} 个职能部门，{total} 名经办人", "service desks: {done} departments, "
                                                                          "{total} operators"),
    "demo_stage_desk_cases": ("服务台工单：{done}/{total}", "service desk cases: {done}/{total}"),
    "demo_stage_desk": ("服务台：在办 {done} 件，其中超期 {total} 件", "service desks: {done} cases open, "
                                                                  "{total} of them overdue"),
    "demo_as_desk_mas_fabu": ("#马上办# 服务台值班员（@马鞍山发布）", "desk operator of @马鞍山发布 (#马上办#)"),
    "demo_as_desk_cq_fabu": ("#有事找重庆发布# 服务台值班员（@重庆发布）", "desk operator of @重庆发布"),
    "demo_as_department_operator": ("职能部门经办人（马鞍山市城市管理局）", "department operator (马鞍山市城市管理局)"),
    "demo_as_department": ("职能部门，用本账号办理（马鞍山市民政局）", "department acting with its own sign-in "
                                                                "(马鞍山市民政局)"),
})


# --- who: desks, departments, operators -------------------------------------------------------------


@dataclass(frozen=True)
class DemoDesk:
    username: str
    region_code: str
    topic: str
    #: the city government: the departments' parent, to which an escalation (督办) goes
    government: tuple[str, str]  # (username, name)
    level: str  # the departments' level
    share: float  # of the cases


DESKS = (
    DemoDesk("mas_fabu", "340500", "马上办", ("mas_gov", "马鞍山市人民政府"), "prefecture", 0.6),
    DemoDesk("cq_fabu", "500000", "有事找重庆发布", ("cq_gov", "重庆市人民政府"), "provincial", 0.4),
)

#: District and county bureaus of 马鞍山 that the city desk routes street-level work to in their
#: own area (username, name, county, parent).
COUNTY_DEPARTMENTS = (
    ("huashan_cgj", "马鞍山市花山区城市管理局", "340503", "mas_cgj"),
    ("yushan_cgj", "马鞍山市雨山区城市管理局", "340504", "mas_cgj"),
    ("dangtu_cgj", "当涂县城市管理局", "340521", "mas_cgj"),
)
#: Category x county rules of 马鞍山 besides the city-wide ones: (category, county, lead, co-handlers).
COUNTY_RULES = (
    *((f"城乡建设/城市建设和市政管理/{leaf}", county, username, ())
      for username, _name, county, _parent in COUNTY_DEPARTMENTS for leaf in ("城管执法", "环境卫生")),
    ("农村农业/水利水电", "340521", "mas_swj", ("mas_nyncj",)),
    ("城乡建设/城市建设和市政管理/自来水供应", "340521", "mas_swj", ()),
)
#: Co-handlers (协办) of some city-wide rules.
CO_HANDLERS = {
    "mas_fabu": {"卫生计生/食品药品监管": ("mas_wjw",), "城乡建设/安全生产": ("mas_zjj",)},
    "cq_fabu": {"卫生计生/食品药品监管": ("cq_wjw",)},
}


@dataclass(frozen=True)
class Operator:
    username: str
    display_name: str
    agency: str
    role: str = "operator"


#: People who work the desks and the big departments; the small ones act with their own sign-in.
OPERATORS = (
    Operator("mas_desk_zhou", "周晓雯", "mas_fabu", "manager"),
    Operator("mas_desk_chen", "陈立新", "mas_fabu"),
    Operator("mas_desk_tao", "陶敏", "mas_fabu"),
    Operator("cq_desk_he", "何静", "cq_fabu", "manager"),
    Operator("cq_desk_luo", "罗浩然", "cq_fabu"),
    Operator("mas_cgj_wang", "王建国", "mas_cgj", "manager"),
    Operator("mas_cgj_liu", "刘芳", "mas_cgj"),
    Operator("mas_zjj_zhang", "张磊", "mas_zjj"),
    Operator("mas_zjj_fang", "方婷婷", "mas_zjj"),
    Operator("mas_hbj_xu", "徐静怡", "mas_hbj"),
    Operator("mas_rsj_sun", "孙丽华", "mas_rsj"),
    Operator("mas_gaj_ma", "马骏", "mas_gaj"),
    Operator("mas_scjgj_wu", "吴倩", "mas_scjgj"),
    Operator("mas_swj_jiang", "江涛", "mas_swj"),
    Operator("cq_cgj_tan", "谭勇", "cq_cgj"),
    Operator("cq_zfcxjw_ran", "冉小红", "cq_zfcxjw"),
    Operator("cq_gaj_yang", "杨帆", "cq_gaj"),
    Operator("cq_sthjj_deng", "邓琳", "cq_sthjj"),
)

#: The desk people to sign in as, printed with the demo's other sign-ins (what -> demo_as_<what>).
SIGN_INS: tuple[tuple[str, str], ...] = (
    ("mas_desk_zhou", "desk_mas_fabu"),
    ("cq_desk_he", "desk_cq_fabu"),
    ("mas_cgj_wang", "department_operator"),
    ("mas_mzj", "department"),
)


@dataclass(frozen=True)
class Department:
    username: str
    name: str
    city_code: str
    department_type: str


@lru_cache(maxsize=1)
def departments_csv() -> tuple[Department, ...]:
    """The departments the desk's corpus names (``plaza/desk/data/departments.csv``)."""
    text = resources.files("plaza.desk").joinpath("data/departments.csv").read_text("utf-8")
    return tuple(Department(r["username"], r["name"], r["city_code"], r["department_type"])
                 for r in csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Sample:
    text: str
    category: str
    department: str  # "" when no department of the desk handles it
    title: str


@lru_cache(maxsize=1)
def samples() -> tuple[Sample, ...]:
    """Citizens' messages with their category and department (``sample-cases.csv``)."""
    text = resources.files("plaza.desk").joinpath("data/sample-cases.csv").read_text("utf-8")
    return tuple(Sample(r["text"].strip(), r["category"].strip(), r["department"].strip(), r["title"].strip())
                 for r in csv.DictReader(text.splitlines()) if r["text"].strip())


# --- rules, derived from the corpus -------------------------------------------------------------------

#: A level-2 category gets one rule when its most frequent department has this share of it.
DOMINANT = 0.8


def derived_rules(rows: Iterable[Sample]) -> dict[str, str]:
    """category path -> department: on the level-2 category where one department dominates its
    cases, else on each leaf (its most frequent department)."""
    by_level2: dict[str, Counter[str]] = {}
    by_leaf: dict[str, Counter[str]] = {}
    for row in rows:
        if not row.department:
            continue
        level2 = "/".join(row.category.split("/")[:2])
        by_level2.setdefault(level2, Counter())[row.department] += 1
        by_leaf.setdefault(row.category, Counter())[row.department] += 1
    found: dict[str, str] = {}
    for level2, counts in sorted(by_level2.items()):
        lead, n = counts.most_common(1)[0]
        if n >= DOMINANT * sum(counts.values()):
            found[level2] = lead
            continue
        for leaf, leaf_counts in sorted(by_leaf.items()):
            if leaf.startswith(level2 + "/"):
                found[leaf] = leaf_counts.most_common(1)[0][0]
    return found


def desk_rules(username: str) -> dict[str, str]:
    """A desk's city-wide rules: derived from its own cases; where another desk's cases cover a
    category this one's do not, its department of the same type takes it."""
    prefix = _prefix(username)
    own = derived_rules(s for s in samples() if s.department.startswith(prefix))
    types = {d.username: d.department_type for d in departments_csv()}
    mine_by_type = {d.department_type: d.username for d in departments_csv()
                    if d.username.startswith(prefix) and d.department_type != "other"}
    others = derived_rules(s for s in samples() if s.department and not s.department.startswith(prefix))
    covered = {"/".join(path.split("/")[:2]) for path in own}
    for path, lead in others.items():
        level2 = "/".join(path.split("/")[:2])
        if level2 in covered and path not in own:
            continue
        counterpart = mine_by_type.get(types.get(lead, ""))
        if counterpart and path not in own:
            own[path] = counterpart
    return own


def _prefix(desk_username: str) -> str:
    return desk_username.split("_")[0] + "_"


# --- the places of each city, for texts and addresses ---------------------------------------------------

PLACES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "mas_fabu": (
        ("花山区", ("解放路", "佳山路", "湖北路", "霍里街道", "桃园路")),
        ("雨山区", ("湖西南路", "雨山路", "采石街道", "安民街道", "九华西路")),
        ("博望区", ("博望镇", "丹阳镇", "新市镇")),
        ("当涂县", ("姑孰镇", "太白镇", "护河镇")),
        ("含山县", ("环峰镇", "运漕镇", "林头镇")),
        # 和县 is left out: the address parser does not resolve it (a two-character county name)
    ),
    "cq_fabu": (
        ("渝中区", ("解放碑", "较场口", "大坪", "上清寺")),
        ("江北区", ("观音桥", "大石坝", "五里店")),
        ("沙坪坝区", ("三峡广场", "小龙坎", "磁器口")),
        ("九龙坡区", ("杨家坪", "石桥铺", "谢家湾")),
        ("南岸区", ("南坪", "弹子石", "四公里")),
        ("渝北区", ("两路", "龙山街道", "回兴街道")),
        ("北碚区", ("天生街道", "歇马街道")),
        ("巴南区", ("鱼洞", "李家沱")),
    ),
}
#: Words that tie a text to 马鞍山 (such a text is not reused by the Chongqing desk).
_MAS_WORDS = re.compile("马鞍山|花山|雨山|博望|当涂|含山|和县|采石|慈湖|向山|湖西|湖东|佳山|姑孰|皖")
_HANDLES = re.compile(r"@马鞍山发布\s*|#马上办#\s*")
_NUMBER = re.compile(r"(?<![0-9.])([1-9][0-9]?)(?![0-9.]|路|号|栋|楼|层|室|单元|幢|线|国道|省道|岁|月|日)")
_DATE = re.compile(r"(\d{1,2})月(\d{1,2})([日号])")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
         "平", "刚", "桂英", "建华", "文静", "海燕", "志强", "秀兰")


def fake_phone(rng: random.Random) -> str:
    """A mobile number of the 138-0000 block, which belongs to nobody."""
    return f"138-0000-{rng.randrange(10000):04d}" if rng.random() < 0.5 else f"1380000{rng.randrange(10000):04d}"


# --- replies, per level-1 category ----------------------------------------------------------------------

RESOLVED: dict[str, tuple[str, ...]] = {
    "城乡建设": (
        "经{department}现场核查，您反映的问题属实。我单位已于{day}安排施工人员到{where}处置完毕，并将该点位纳入日常巡查。感谢您的监督！",
        "您好，收到诉求后{department}工作人员当天赴{where}查看，已督促物业（施工）单位整改到位，后续将加强监管。如仍有问题请继续反映。",
        "经核实，{where}相关设施确有损坏，现已维修恢复正常使用。我们将举一反三，对周边设施开展排查。",
    ),
    "政法": (
        "您好，{department}已对{where}的情况开展调查，属地派出所已加强巡逻防控，相关违法行为已依法处理。如遇紧急情况请直接拨打110。",
        "经查，您反映的问题已由辖区派出所受理并依法处置，已当面向您反馈处理结果。感谢您对公安工作的支持。",
        "交警部门已在{where}增派警力开展整治，并增设提示标志，后续将持续加大违法行为查处力度。",
    ),
    "环境保护": (
        "{department}执法人员于{day}赴{where}现场检查，责令相关单位立即整改并依法立案调查，整改情况我们将持续跟踪。",
        "经现场监测，相关排放已按要求整改，我们已将该单位列入重点监管名单，不定期开展夜间巡查。",
        "您好，经调查，噪声来源为附近施工工地夜间违规作业，已责令停止夜间施工，如再发现请随时反映。",
    ),
    "劳动和社会保障": (
        "{department}劳动保障监察机构已约谈涉事单位，责令其限期支付拖欠款项，目前已足额发放到位。",
        "您好，经核查，单位已按规定为您补缴社会保险，您可通过“皖事通”或社保经办窗口查询缴费记录。",
        "已指导您通过劳动人事争议仲裁途径维护权益，仲裁院已受理并开通绿色通道，请留意通知。",
    ),
    "卫生计生": (
        "{department}已组织卫生监督人员对涉事医疗机构进行检查，相关问题已责令整改，并对责任人进行了批评教育。",
        "您好，经核实，医院已就沟通不到位向您致歉，并优化了就诊流程。感谢您的意见。",
        "市场监管与卫生部门联合对{where}涉事经营户进行了检查，已依法查扣问题食品并立案处理。",
    ),
    "商贸旅游": (
        "{department}执法人员已对涉事商户开展检查，责令其退还多收费用并依法立案调查。",
        "经调解，商家已同意为您办理退款，款项已于{day}退回原支付账户。",
        "您好，您反映的价格问题已核实，已责令经营者明码标价，后续将加强对{where}商户的日常检查。",
    ),
    "交通运输": (
        "{department}已约谈相关公交（出租）企业，对涉事驾驶员进行了停岗培训，并向您致歉。",
        "经核实，{where}道路破损情况属实，养护单位已完成修补，恢复正常通行。",
        "您好，已协调公交公司优化该线路发车间隔，高峰时段加密班次，自下周一起执行。",
    ),
    "教育文体": (
        "{department}已责成学校进行整改，违规收取的费用已全部清退，并对相关责任人进行了约谈。",
        "您好，关于您咨询的招生政策，已由招生办工作人员电话为您详细解答，具体以当年招生简章为准。",
        "经核查，学校已调整作息安排，确保学生休息时间，后续我局将加强督导检查。",
    ),
    "民政": (
        "{department}已会同街道社区上门了解情况，符合条件的救助申请已按程序办理，救助金将按月发放。",
        "您好，社区已为老人对接居家养老服务，每周定期上门探访。感谢您对困难群众的关心。",
        "经核实，相关养老机构的问题已责令整改，我局将加强日常监管。",
    ),
    "农村农业": (
        "{department}已会同镇村干部到现场核实，相关补贴已核定并将于本月发放到位。",
        "您好，农技人员已到{where}现场指导，病虫害防治措施已落实。",
        "经核查，村务公开已按要求补充公示，镇纪委将持续监督。",
    ),
    "国土资源": (
        "{department}已对{where}的情况进行实地核查，违法占地行为已立案查处，责令恢复原状。",
        "您好，您咨询的不动产登记问题，已安排工作人员与您对接，资料齐全后即可办理。",
        "经调查，相关土地补偿款已按标准核算，正在履行审批程序，预计近期发放。",
    ),
    "经济管理": (
        "{department}已联合相关部门对涉事企业开展检查，涉嫌违法的线索已移交公安机关处理。",
        "您好，经调查核实，相关费用收取不符合规定，已责令退还。",
        "已将您反映的情况转交监管部门，并督促企业依法依规经营。",
    ),
}
RESOLVED_ANY = (
    "经{department}核实，您反映的问题已处理完毕，感谢您的反映和监督。",
    "您好，{department}已安排专人跟进，问题已于{day}解决，如有疑问请继续反映。",
)
EXPLAINED = (
    "您好，经{department}核实，您反映的情况符合现行政策规定，具体依据已电话向您解释说明，感谢理解。",
    "经调查，该事项需按法定程序办理，我们已将办理流程和所需材料告知您，您可携带相关材料到政务服务中心窗口办理。",
    "您好，您反映的问题属于民事纠纷，建议通过协商、人民调解或诉讼途径解决，社区调解委员会可提供帮助。",
)
UNSOLVABLE = (
    "您好，经{department}核实，该问题涉及历史遗留原因，目前暂不具备解决条件，我们已纳入台账，待条件成熟后优先解决。",
    "经现场查看，受规划和资金限制，近期暂无法实施改造，我们会将您的建议报送有关部门作为下一步工作参考。",
)
NOTES = ("已安排工作人员现场查看，正在协调相关单位处理。", "已电话联系反映人了解具体情况。",
         "正在会同属地街道核实情况。", "已约谈相关责任单位，督促限期整改。")
EXTENSION_NOTES = ("涉及多个单位协调，需现场会商，申请延期办理。", "需等待检测结果（或施工窗口期），申请延期办理。")
RETURN_NOTE = "经核实，该事项不属于我单位职责范围，建议转{department}办理。"
REWORK_NOTES = ("市民反映问题仍未解决，请重新核实办理。", "答复与诉求不符，请核实现场情况后重新答复。",
                "回访不满意：现场问题依旧存在，请重新办理。")
REJECT_NOTES = {
    "not_our_business": "该事项不属于本服务台受理范围，建议向有关部门或机构反映。",
    "needs_information": "您反映的情况缺少具体地点和时间，请补充后重新提交。",
}


# --- the scripts --------------------------------------------------------------------------------------

#: How a case goes, and how often.
SCENARIOS: tuple[tuple[str, float], ...] = (
    ("normal", 0.62), ("unrated", 0.06), ("late_acknowledge", 0.04), ("late_reply", 0.05),
    ("extension", 0.05), ("returned", 0.06), ("rework", 0.04), ("rework_3", 0.008),
    ("dissatisfied", 0.03), ("desk_escalates", 0.012), ("not_our_business", 0.02),
    ("needs_information", 0.015), ("duplicate", 0.015),
)
SOURCES = (("post", 0.45), ("web", 0.33), ("api", 0.16), ("open311", 0.06))
RESULTS = (("resolved", 0.8), ("explained", 0.15), ("unsolvable", 0.05))
OFFICE_OPENS = clock_time(8, 30)
OFFICE_CLOSES = clock_time(18, 0)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def office(at: datetime) -> datetime:
    """``at``, or the next moment of office hours (a working day in Beijing, 8:30-18:00)."""
    local = as_utc(at).astimezone(BEIJING)
    for _ in range(40):
        if NATIONAL.is_working_day(local.date()):
            opens = datetime.combine(local.date(), OFFICE_OPENS, BEIJING)
            if local < opens:
                return opens.astimezone(UTC)
            if local.time() < OFFICE_CLOSES:
                return local.astimezone(UTC)
        local = datetime.combine(local.date() + timedelta(days=1), clock_time(0), BEIJING)
    return as_utc(at).astimezone(UTC)


@dataclass
class Step:
    """The next thing to happen to a case: ``action`` by ``actor`` at ``at``; ``late_of`` the
    time limit it comes after (the sweep runs then)."""

    at: datetime
    action: str
    actor: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    late_of: datetime | None = None

    def __post_init__(self) -> None:  # in UTC, as stored (SQLite hands back naive times)
        self.at = as_utc(self.at).astimezone(UTC)
        self.late_of = as_utc(self.late_of).astimezone(UTC) if self.late_of is not None else None


@dataclass
class Plan:
    """What happens to one case, drawn from the seed when it is filed."""

    key: int
    desk: str
    scenario: str
    created_at: datetime
    citizen_id: int | None
    citizen: str | None
    source: str
    sample: Sample
    new: NewCase
    draws: list[float]  # uniform numbers the script uses, in order
    result: str
    satisfaction: str
    reply_pick: float
    right_department: str | None = None  # the department the rules send it to
    wrong_department: str | None = None  # where a desk sends it first, to be returned
    duplicate_of: int | None = None  # the key of the case this one repeats


class _Draws:
    def __init__(self, values: list[float]) -> None:
        self.values, self.i = values, 0

    def __call__(self, low: float = 0.0, high: float = 1.0) -> float:
        value = self.values[self.i % len(self.values)]
        self.i += 1
        return low + (high - low) * value


Script = Generator[Step, Any, None]


class _People:
    """Who acts for whom: a desk's operators (or its own account), a department's."""

    def __init__(self, by_agency: Mapping[int, Sequence[int]]) -> None:
        self.by_agency = by_agency

    def of(self, agency_id: int, pick: float) -> int:
        people = self.by_agency.get(agency_id) or [agency_id]
        return people[int(pick * len(people)) % len(people)]


class Texts:
    """What departments write: a reply to a case (by its category and result), the name of a department."""

    def __init__(self, reply: Callable[[Any, Plan], str], name: Callable[[str], str]) -> None:
        self.reply, self.name = reply, name


def script(plan: Plan, desk_account: int, people: _People, texts: Texts) -> Script:
    """The steps of a case, each sent the case's row as it stands after the one before."""
    r = _Draws(plan.draws)
    desk_person = people.of(desk_account, r())
    case = yield Step(office(plan.created_at + timedelta(minutes=r(5, 180))), "accept" if plan.scenario not in (
        "not_our_business", "needs_information") else "reject", desk_person,
        {} if plan.scenario not in ("not_our_business", "needs_information") else
        {"reason": plan.scenario, "note": REJECT_NOTES[plan.scenario]})
    if plan.scenario in ("not_our_business", "needs_information"):
        return
    if plan.scenario == "duplicate":
        yield Step(case.updated_at + timedelta(minutes=r(3, 40)), "link_duplicate", desk_person,
                   {"of": str(plan.duplicate_of)})
        return
    forward: dict[str, Any] = {}
    if plan.scenario == "returned" and plan.wrong_department:
        forward = {"department": plan.wrong_department}
    case = yield Step(as_utc(case.updated_at) + timedelta(minutes=r(10, 120)), "forward", desk_person, forward)
    if plan.scenario == "returned":
        wrong = case.department_id
        case = yield Step(_within(case.forwarded_at, case.acknowledge_by, r(0.2, 0.8)), "return",
                          people.of(wrong, r()), {"note": RETURN_NOTE.format(department=texts.name(plan.right_department or ""))})
        case = yield Step(office(as_utc(case.updated_at) + timedelta(minutes=r(20, 240))), "forward", desk_person, {})
    reworks = {"rework": 1, "rework_3": 3}.get(plan.scenario, 0)
    for round_ in range(reworks + 1):
        department = case.department_id
        person = people.of(department, r())
        late_ack = plan.scenario == "late_acknowledge" and round_ == 0
        if late_ack:
            at = office(as_utc(case.acknowledge_by) + timedelta(hours=r(1, 20)))
            case = yield Step(at, "acknowledge", person, late_of=as_utc(case.acknowledge_by))
        else:
            case = yield Step(_within(case.forwarded_at, case.acknowledge_by, r(0.05, 0.6)), "acknowledge", person)
        if r() < 0.25:
            case = yield Step(_after(case.acknowledged_at, r(1, 30), case.resolve_by), "note", person,
                              {"note": NOTES[int(r() * len(NOTES)) % len(NOTES)]})
        if plan.scenario == "extension" and round_ == 0:
            case = yield Step(_within(case.acknowledged_at, case.resolve_by, r(0.4, 0.7)), "request_extension", person,
                              {"days": int(r(3, 8)), "note": EXTENSION_NOTES[int(r() * 2) % 2]})
            grant = r() < 0.8
            case = yield Step(office(as_utc(case.updated_at) + timedelta(hours=r(1, 6))),
                              "grant_extension" if grant else "refuse_extension", desk_person,
                              {} if grant else {"note": "时限内可以办结，请按期答复。"})
        if plan.scenario == "desk_escalates" and round_ == 0:
            case = yield Step(_within(case.updated_at, case.resolve_by, r(0.3, 0.6)), "escalate", desk_person,
                              {"note": "群众反映强烈，列入督办。"})
        if plan.scenario == "late_reply" and round_ == 0:
            at = office(as_utc(case.resolve_by) + timedelta(hours=r(2, 60)))
            case = yield Step(at, "reply", person, {"text": texts.reply(case, plan),
                                                    "result": plan.result}, late_of=as_utc(case.resolve_by))
        else:
            start = case.updated_at
            case = yield Step(_within(start, case.resolve_by, r(0.1, 0.85) ** 1.5), "reply", person,
                              {"text": texts.reply(case, plan), "result": plan.result})
        if plan.citizen_id is None or plan.scenario == "unrated":
            return  # nobody rates it: it closes unrated when the rating limit runs out (the sweep)
        rated_at = as_utc(case.replied_at) + timedelta(hours=r(1, 96))
        if round_ < reworks:
            case = yield Step(rated_at, "rate", plan.citizen_id, {"satisfaction": "dissatisfied", "resolved": False})
            case = yield Step(office(rated_at + timedelta(hours=r(1, 20))), "rework", desk_person,
                              {"note": REWORK_NOTES[round_ % len(REWORK_NOTES)]})
            continue
        satisfaction = "dissatisfied" if plan.scenario == "dissatisfied" else plan.satisfaction
        case = yield Step(rated_at, "rate", plan.citizen_id,
                          {"satisfaction": satisfaction, "resolved": satisfaction != "dissatisfied"})
        if satisfaction == "dissatisfied":
            yield Step(office(rated_at + timedelta(hours=r(2, 30))), "close", desk_person,
                       {"note": "经复核，已按政策答复到位，予以办结。"})


def _within(start: Any, due: Any, fraction: float) -> datetime:
    """A moment of office hours ``fraction`` of the way from ``start`` to ``due``, before ``due``."""
    start, due = as_utc(start), as_utc(due)
    at = office(start + (due - start) * fraction)
    return at if at < due else max(start + timedelta(minutes=1), due - timedelta(minutes=30))


def _after(start: Any, hours: float, due: Any) -> datetime:
    at = office(as_utc(start) + timedelta(hours=hours))
    return at if at < as_utc(due) else as_utc(start) + timedelta(minutes=30)


# --- the load -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskReport:
    desks: int = 0
    departments: int = 0
    operators: int = 0
    accounts: int = 0
    cases: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    posts: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def load_desks(plaza: Any, seed: int, *, now: datetime, citizens: Sequence[Any], password_hash: str,
               cases_per_day: float | None = None, days: int = DAYS, progress: Progress | None = None) -> DeskReport:
    """Open the demo's desks with their departments, operators and rules, and file ``days`` of
    cases ending at ``now``. ``citizens`` are the demo's citizens' account rows (who file the
    cases); ``cases_per_day`` defaults to the demo's size (see :data:`CASES_PER_DAY`)."""
    started = time.monotonic()
    per_day = cases_per_day if cases_per_day is not None else max(
        MIN_CASES_PER_DAY, CASES_PER_DAY * min(1.0, len(citizens) / FULL_DEMO_CITIZENS))
    loader = _DeskLoader(plaza, seed, as_utc(now).astimezone(UTC).replace(microsecond=0), citizens, password_hash,
                         progress)
    made = loader.create_accounts()
    loader.create_desks()
    loader.say("desk_accounts", made["departments"], made["operators"])
    loader.run_history(per_day, days)
    with plaza.db.read() as conn:
        c = cases_table.c
        ids = [d.id for d in loader.desks.values()]
        total = conn.execute(select(func.count()).where(c.desk_id.in_(ids))).scalar_one()
        still = conn.execute(select(func.count()).where(c.desk_id.in_(ids), c.state.in_(OPEN))).scalar_one()
        late = conn.execute(select(func.count()).where(c.desk_id.in_(ids), c.state.in_(OPEN),
                                                       c.overdue.is_(True))).scalar_one()
        escalated = conn.execute(select(func.count()).where(c.desk_id.in_(ids), c.escalated.is_(True))).scalar_one()
    loader.say("desk", int(still), int(late))
    for desk in loader.desks.values():  # the routers learn the history just made (the server retrains nightly)
        routing.train(plaza.db, desk.username)
    return DeskReport(desks=len(loader.desks), departments=made["departments"], operators=made["operators"],
                      accounts=made["accounts"], cases=int(total), open=int(still), overdue=int(late),
                      escalated=int(escalated), posts=loader.posts, skipped=dict(loader.skipped),
                      seconds=time.monotonic() - started)


class _DeskLoader:
    def __init__(self, plaza: Any, seed: int, now: datetime, citizens: Sequence[Any], password_hash: str,
                 progress: Progress | None) -> None:
        self.plaza = plaza
        self.db = plaza.db
        self.seed = seed
        self.rng = random.Random(f"{seed}:desk")
        self.now = now
        self.citizens = list(citizens)
        self.password_hash = password_hash
        self.progress = progress
        self.desks: dict[str, desks.Desk] = {}
        self.ids: dict[str, int] = {}  # username -> account id
        self.names: dict[int, str] = {}  # account id -> display name
        self.usernames: dict[int, str] = {}
        self.skipped: Counter[str] = Counter()
        self.posts = 0
        self.post_ms: set[int] = set()  # a post's id is its millisecond and 10 random bits: one post a ms
        self.joined = now - timedelta(days=DAYS + 30)

    def say(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    # —— accounts ——

    def _account(self, username: str, display_name: str, home_city: str, note: str,
                 government: GovernmentProfile | None = None) -> Any:
        row = accounts.create(self.db, username=username, display_name=self._free_name(display_name),
                              password=None, password_hash=self.password_hash, home_city=home_city,
                              kind="government" if government else "citizen", note=note,
                              government=government, created_at=self.joined + timedelta(seconds=len(self.ids)))
        self.ids[row.username] = row.id
        self.names[row.id] = row.display_name
        self.usernames[row.id] = row.username
        return row

    def _free_name(self, name: str) -> str:
        with self.db.read() as conn:
            taken = {r[0] for r in conn.execute(select(accounts_table.c.display_name).where(
                accounts_table.c.display_name.like(f"{name}%")))}
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}{n}"
        return candidate

    def create_accounts(self) -> dict[str, int]:
        made = Counter[str]()
        for demo in DESKS:
            username, name = demo.government
            self._account(username, name, demo.region_code, f"{name}官方账号。", GovernmentProfile(
                name, demo.region_code, demo.level, "other", None))
            made["accounts"] += 1
        parents = {d.region_code: d.government[0] for d in DESKS}
        levels = {d.region_code: d.level for d in DESKS}
        for department in departments_csv():
            self._account(department.username, department.name, department.city_code,
                          f"{department.name}官方账号，办理城市服务台转办的群众诉求。", GovernmentProfile(
                              department.name, department.city_code, levels.get(department.city_code, "prefecture"),
                              department.department_type, parents.get(department.city_code)))
            made["departments"] += 1
        for username, name, county, parent in COUNTY_DEPARTMENTS:
            self._account(username, name, "340500", f"{name}官方账号。", GovernmentProfile(
                name, county, "county", "urban_management", parent))
            made["departments"] += 1
        for person in OPERATORS:
            agency = person.agency
            self._account(person.username, person.display_name, "340500" if agency.startswith("mas_") else "500000",
                          "政务服务工作人员（演示）。")
            made["operators"] += 1
        made["accounts"] += made["departments"] + made["operators"]
        return dict(made)

    def create_desks(self) -> None:
        with self.db.write() as conn:
            for row in conn.execute(select(accounts_table.c.id, accounts_table.c.username,
                                           accounts_table.c.display_name).where(
                    accounts_table.c.username.in_([d.username for d in DESKS]))):
                self.ids[row.username], self.names[row.id], self.usernames[row.id] = row.id, row.display_name, \
                    row.username
            for demo in DESKS:
                desk = desks.create(conn, demo.username, region_code=demo.region_code, topic=demo.topic)
                self.desks[demo.username] = desk
                prefix = _prefix(demo.username)
                for department in departments_csv():
                    if department.username.startswith(prefix):
                        desks.add_department(conn, desk, department.username)
                if demo.username == "mas_fabu":
                    for username, *_rest in COUNTY_DEPARTMENTS:
                        desks.add_department(conn, desk, username)
                co = CO_HANDLERS.get(demo.username, {})
                for path, lead in sorted(desk_rules(demo.username).items()):
                    desks.set_rule(conn, desk, path, None, lead, co.get(path, ()))
                if demo.username == "mas_fabu":
                    for path, county, lead, co_handlers in COUNTY_RULES:
                        desks.set_rule(conn, desk, path, county, lead, co_handlers)
            for person in OPERATORS:
                operators.appoint(conn, self.ids[person.agency], self.ids[person.username], person.role)

    # —— the history ——

    def _plans(self, per_day: float, days: int) -> list[Plan]:
        """Every case of the history, oldest first, with its script's choices drawn."""
        rng = self.rng
        start_day = (self.now.astimezone(BEIJING) - timedelta(days=days)).date()
        pools = {d.username: self._pool(d.username) for d in DESKS}
        rules = {d.username: desk_rules(d.username) for d in DESKS}
        rejects = {d.username: [s for s in samples() if not s.department
                                and (d.username == "mas_fabu" or not _MAS_WORDS.search(s.text))] for d in DESKS}
        departments = {d.username: sorted(x.username for x in departments_csv()
                                          if x.username.startswith(_prefix(d.username))) for d in DESKS}
        by_city: dict[str, list[Any]] = {}
        for person in self.citizens:
            by_city.setdefault(person.home_city, []).append(person)
        plans: list[Plan] = []
        recent: dict[str, list[Plan]] = {d.username: [] for d in DESKS}
        for offset in range(days + 1):
            day = start_day + timedelta(days=offset)
            weight = 1.15 if NATIONAL.is_working_day(day) else 0.65
            count = max(0, round(rng.gauss(per_day * weight, per_day * weight * 0.2)))
            for moment in sorted(rng.random() for _ in range(count)):
                at = (datetime.combine(day, clock_time(7), BEIJING)
                      + timedelta(hours=16.5 * moment ** 1.1, seconds=rng.randrange(60))).astimezone(UTC)
                if at >= self.now:  # the rest of today has not happened yet
                    break
                demo = DESKS[0] if rng.random() < DESKS[0].share else DESKS[1]
                scenario = _pick(rng, SCENARIOS)
                source = _pick(rng, SOURCES)
                duplicate_of: Plan | None = None
                if scenario == "not_our_business":
                    sample = rng.choice(rejects[demo.username])
                elif scenario == "duplicate":
                    earlier = [p for p in recent[demo.username]
                               if at - timedelta(days=4) < p.created_at < at - timedelta(hours=2)
                               and p.scenario not in ("not_our_business", "needs_information", "duplicate")]
                    duplicate_of = rng.choice(earlier) if earlier else None
                    if duplicate_of is None:
                        scenario = "normal"
                    sample = duplicate_of.sample if duplicate_of else rng.choice(pools[demo.username])
                else:
                    sample = rng.choice(pools[demo.username])
                local = by_city.get(demo.region_code) or self.citizens
                person = rng.choice(local) if local and source != "open311" else None
                if person is None and source == "post":
                    source = "web"
                right = _lead(sample.category, rules[demo.username])
                wrong = rng.choice([u for u in departments[demo.username] if u != right])
                satisfaction = _pick(rng, (("satisfied", 0.8), ("basically_satisfied", 0.2)))
                result = _pick(rng, RESULTS)
                if result == "unsolvable":
                    satisfaction = "basically_satisfied"
                urgency = "urgent" if rng.random() < 0.06 else "ordinary"
                plan = Plan(
                    key=len(plans), desk=demo.username, scenario=scenario, created_at=at,
                    citizen_id=person.id if person is not None else None,
                    citizen=person.username if person is not None else None, source=source, sample=sample,
                    new=self._new_case(rng, demo, sample, source, at, person, scenario, urgency),
                    draws=[rng.random() for _ in range(32)], result=result, satisfaction=satisfaction,
                    reply_pick=rng.random(), right_department=right,
                    wrong_department=wrong if scenario == "returned" else None,
                    duplicate_of=duplicate_of.key if duplicate_of else None)
                plans.append(plan)
                recent[demo.username] = [*recent[demo.username][-150:], plan]
        return plans

    def _pool(self, desk_username: str) -> list[Sample]:
        """The texts a desk's citizens write: its own city's, and for Chongqing the ones that name
        no place of 马鞍山 (about things its departments handle too)."""
        prefix = _prefix(desk_username)
        routed = desk_rules(desk_username)
        own = [s for s in samples() if s.department.startswith(prefix)]
        if desk_username == "mas_fabu":
            return own
        borrowed = [s for s in samples() if s.department and not s.department.startswith(prefix)
                    and not _MAS_WORDS.search(s.text) and _lead(s.category, routed)]
        return own + borrowed

    def _new_case(self, rng: random.Random, demo: DemoDesk, sample: Sample, source: str, at: datetime,
                  person: Any, scenario: str, urgency: str) -> NewCase:
        """What the citizen wrote: the sample told their way (the place, the numbers, the dates,
        sometimes their name and phone), as a post, a form or an app would carry it."""
        text = _HANDLES.sub("", sample.text).strip()
        if scenario == "needs_information":  # too vague to act on
            text = rng.choice((f"{sample.title}的问题一直没人管，希望处理一下", f"反映一下{sample.title}，请相关部门看看"))
        text = _vary_dates(rng, _vary_numbers(rng, text), at)
        places = PLACES[demo.username]
        county, spots = places[rng.randrange(len(places))]
        spot = rng.choice(spots)
        address = ""
        if scenario != "needs_information" and not any(name in text for name, _ in places):
            if source != "post":
                address = f"{county}{spot}"
            elif rng.random() < 0.6:
                text = f"{county}{spot}附近，{text}"
        if rng.random() < 0.14:
            text += "" if text[-1] in "。！？!?）)" else "。"
            surname, given, phone = rng.choice(SURNAMES), rng.choice(GIVEN), fake_phone(rng)
            text += rng.choice((f"我叫{surname}{given}，电话{phone}。", f"联系电话：{phone}（{surname}先生）",
                                f"有需要可以打我电话{phone}。"))
        contact_name = contact_phone = ""
        if source != "post" and rng.random() < 0.7:
            contact_name = f"{rng.choice(SURNAMES)}{rng.choice(('先生', '女士'))}"
            contact_phone = fake_phone(rng)
        if source == "post":
            handle = "@" + self.names[self.ids[demo.username]]
            text = rng.choice((f"{handle} {text}", f"#{demo.topic}# {text}", f"#{demo.topic}# {handle} {text}"))
        return NewCase(text=text, source=source, title=sample.title, category=sample.category, urgency=urgency,
                       address=address, contact_name=contact_name, contact_phone=contact_phone,
                       citizen_id=person.id if person is not None else None,
                       place_hint=person.home_city if person is not None and source == "post" else None)

    def run_history(self, per_day: float, days: int) -> None:
        """File the cases and take their steps in the order they happened, a few thousand steps
        a transaction; the overdue sweep runs when a limit a step missed ran out, and at the end."""
        plans = self._plans(per_day, days)
        with self.db.read() as conn:
            by_agency: dict[int, list[int]] = {}
            for row in operators.operators_of(conn, self.ids.values()):
                by_agency.setdefault(row.agency_id, []).append(row.id)
        people = _People(by_agency)
        texts = Texts(self._reply, lambda username: self.names.get(self.ids.get(username, 0), username))
        queue: list[tuple[datetime, int, int, str]] = [(p.created_at, p.key, p.key, "file") for p in plans]
        heapq.heapify(queue)
        order = len(plans)
        scripts: dict[int, Script] = {}
        pending: dict[int, Step] = {}
        case_of: dict[int, int] = {}  # plan key -> case id
        status_of: dict[int, int] = {}  # plan key -> its source post
        thread_from = self.now - timedelta(days=THREAD_DAYS)
        swept: set[datetime] = set()
        total, filed = len(plans), 0

        def later(at: datetime, key: int, what: str) -> None:
            nonlocal order
            heapq.heappush(queue, (at, order, key, what))
            order += 1

        def sweep_at(due: datetime) -> None:
            """The server's sweep finds a limit run out (it runs every minute)."""
            if due < self.now and due not in swept:
                swept.add(due)
                later(due + timedelta(seconds=30), -1, "sweep")

        def chunk() -> None:
            nonlocal filed
            done = 0
            with self.db.write() as conn:
                while queue and done < STEPS_PER_TRANSACTION:
                    at, _order, key, what = heapq.heappop(queue)
                    done += 1
                    if what == "sweep":
                        with use(ManualClock(at)):
                            while engine.sweep(self.db, CASE, now=at):
                                pass
                        continue
                    plan = plans[key]
                    thread = plan.source == "post" and plan.created_at >= thread_from
                    if what == "file":
                        case_id = case_of[key] = self._file(conn, plan, status_of)
                        filed += 1
                        if filed % 500 == 0:
                            self.say("desk_cases", filed, total)
                        if thread:
                            self._answer(conn, plan, case_id, "start", {}, status_of[key], at)
                        scripts[key] = script(plan, self.ids[plan.desk], people, texts)
                        step = _next(scripts[key], None)
                    else:
                        step = pending.pop(key)
                        case_id = case_of[key]
                        if step.action == "link_duplicate" and plan.duplicate_of is not None:
                            step.fields["of"] = str(case_of[plan.duplicate_of])
                        version = conn.execute(select(cases_table.c.version).where(
                            cases_table.c.id == case_id)).scalar_one()
                        try:
                            with use(ManualClock(step.at)):
                                acted = act_on(conn, case_id, step.action, step.actor, version=version,
                                               fields=step.fields, at=step.at)
                        except PlazaError as exc:  # not expected: the case is left where it stands
                            self.skipped[f"{step.action}: {exc.key}"] += 1
                            continue
                        if thread:
                            for action in (step.action, *acted.extra):
                                self._answer(conn, plan, case_id, action,
                                             acted.data if action == step.action else {}, status_of[key], step.at)
                        step = _next(scripts[key], acted.case)
                        if step is None and acted.case.state == "replied":  # nobody rates it
                            sweep_at(as_utc(acted.case.replied_at) + timedelta(days=RATING_DAYS))
                    if step is None or step.at > self.now:
                        continue  # done, or still ahead: the case waits where it is
                    if step.late_of is not None:
                        sweep_at(step.late_of)
                    pending[key] = step
                    later(step.at, key, "step")

        async def run() -> None:
            while queue:
                await self.db.batched(chunk)
            await self.db.batched(self._sweep_now)

        asyncio.run(run())
        self.say("desk_cases", filed, total)

    def _sweep_now(self) -> None:
        """What the server's sweep finds at the load: the limits run out since the last steps."""
        with use(ManualClock(self.now)):
            while engine.sweep(self.db, CASE, now=self.now):
                pass

    def _file(self, conn: Connection, plan: Plan, status_of: dict[int, int]) -> int:
        """File a case; one from a post is the citizen's post first, then the case linked to it."""
        new = plan.new
        if plan.source == "post" and plan.citizen_id is not None:
            # written in the desk's city (a smaller demo may have no citizen living there: the post
            # would otherwise count in the author's home city's hot list)
            city = regions.city_code(self.desks[plan.desk].region_code)
            published = posts.publish(self.db, plan.citizen_id,
                                      posts.NewStatus(text=new.text, visibility="public", city=city),
                                      max_chars=self.plaza.settings.max_post_chars,
                                      created_at=self._moment(plan.created_at))
            status_of[plan.key] = published if isinstance(published, int) else int(published.status.id)
            self.posts += 1
            new = replace(new, source_status_id=status_of[plan.key])
        with use(ManualClock(plan.created_at)):
            return submit_case(conn, self.desks[plan.desk], new, at=plan.created_at)

    def _answer(self, conn: Connection, plan: Plan, case_id: int, action: str, data: Mapping[str, Any],
                status_id: int, at: datetime) -> None:
        """The desk's public step as a reply in the source post's thread, in the words the live desk
        uses (plaza.actions.cases, which this layer may not import: the same messages and fields)."""
        if action not in PUBLIC_STEPS or plan.citizen is None:
            return
        case = conn.execute(select(cases_table).where(cases_table.c.id == case_id)).one()
        department = self.usernames.get(case.department_id) if case.department_id else None
        base = self.plaza.settings.base_url.rstrip("/")
        reply = case.reply_text or ""
        params: dict[str, Any] = {
            "id": case_id, "url": f"{base}/cases/{case_id}", "department": f"@{department}" if department else "",
            "resolve_by": iso(case.resolve_by) or "", "of": data.get("of", ""),
            "reason": i18n.gettext(f"case_reason_{case.reject_reason or 'none'}"),
            "text": reply[:QUOTED_CHARS] + ("…" if len(reply) > QUOTED_CHARS else "")}
        if action == "link_duplicate":
            params["url"] = f"{base}/cases/{data.get('of') or case.duplicate_of}"
        text = f"@{plan.citizen} " + i18n.gettext(f"case_notice_{action}", None, **params)
        posts.publish(self.db, self.ids[plan.desk], posts.NewStatus(text=text, visibility="public",
                                                                   in_reply_to_id=status_id),
                      max_chars=self.plaza.settings.max_post_chars,
                      created_at=self._moment(at + timedelta(milliseconds=500)))
        self.posts += 1

    def _moment(self, at: datetime) -> datetime:
        """``at``, or the next millisecond no post of the desks' was made in."""
        ms = int(at.timestamp() * 1000)
        while ms in self.post_ms:
            ms += 1
        self.post_ms.add(ms)
        return at + timedelta(milliseconds=ms - int(at.timestamp() * 1000))

    def _reply(self, case: Any, plan: Plan) -> str:
        """A department's reply, written for the case's category and result."""
        level1 = plan.sample.category.split("/")[0]
        pool = {"resolved": RESOLVED.get(level1, RESOLVED_ANY), "explained": EXPLAINED,
                "unsolvable": UNSOLVABLE}[plan.result]
        template = pool[int(plan.reply_pick * len(pool)) % len(pool)]
        where = next((county for county, _ in PLACES[plan.desk]
                      if county in (case.text or "") or county in (case.address or "")), "您反映的地点")
        day = as_utc(case.updated_at).astimezone(BEIJING)
        return template.format(department=self.names.get(case.department_id, "我单位"), where=where,
                               day=f"{day.month}月{day.day}日")


#: Characters of a reply quoted in the thread (as plaza.actions.cases quotes it).
QUOTED_CHARS = 300


def _next(steps: Script, case: Any) -> Step | None:
    try:
        return next(steps) if case is None else steps.send(case)
    except StopIteration:
        return None


def _lead(category: str, rules: Mapping[str, str]) -> str | None:
    """The department the most specific rule names for a category (None: no rule covers it)."""
    parts = category.split("/")
    for n in range(len(parts), 0, -1):
        if "/".join(parts[:n]) in rules:
            return rules["/".join(parts[:n])]
    return None


def _vary_numbers(rng: random.Random, text: str) -> str:
    """Small counts told differently (3 天 / 5 天): half the numbers of a text move a little."""
    def vary(match: re.Match[str]) -> str:
        if rng.random() < 0.5:
            return match.group(1)
        return str(max(1, min(99, round(int(match.group(1)) * rng.uniform(0.7, 1.4)))))
    return _NUMBER.sub(vary, text)


def _vary_dates(rng: random.Random, text: str, at: datetime) -> str:
    """A date a text names (10月12号) falls a few days before the case."""
    def vary(match: re.Match[str]) -> str:
        day = as_utc(at).astimezone(BEIJING) - timedelta(days=rng.randrange(1, 6))
        return f"{day.month}月{day.day}{match.group(3)}"
    return _DATE.sub(vary, text)
