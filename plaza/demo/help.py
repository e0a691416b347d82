"""Help in emergencies in the demo (求助 · 应急): the 2022 Chongqing wildfires (#重庆山火#
#一起守护这座城#) and typhoon Meihua in Shanghai (#台风梅花#), each an incident in incident mode
with the official warnings in force now (a red typhoon warning for Shanghai; red heat and
forest-fire warnings for Chongqing), the responders of the seed story (@重庆蓝天救援队, the
motorbike volunteers who carried supplies up the fire line, @重庆志愿服务, @微公益, a Shanghai
rescue team), @微公益's donation project with its public ledger, and three days of help requests
at every stage of the loop 求助 → 核实 → 派遣 → 响应 → 公示, so the verifiers' queue, a
responder's list, the incident pages, the map and the totals have something true to show right
after ``make run``.

Everything goes through Plaza's own actions (``plaza.actions.help``, ``.incidents``,
``.warnings``) and services, each step at the moment it happened (the installed clock set to it,
as :mod:`plaza.demo.desk` does): a request is filed from the form (``submit_help``), or found in
a citizen's ordinary post by screening (``post_screening`` in the post's own transaction), or
posted under #求助#; reposts (扩散) join it as sources; verifiers (volunteers granted by
@微公益) verify it — which offers it to the responders that fit — merge its duplicates, call back
those they cannot reach; a responder claims it, reports progress and completes it; the requester
(or a verifier) confirms, which publishes it as a post by the responder's account. Some close
because the requester posted 已获救, one or two are withdrawn, and the newest still wait in the
queue — a few with places that resolve to no county. The follow-up sweep runs when a request
sat still for its hours, as the server's would.

The story is drawn from the seed (:func:`story`, a pure function); the warnings are issued at the
load's moment and stay in force for a day or two after it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from plaza import i18n
from plaza.accounts import operators
from plaza.accounts.policy import OPERATOR
from plaza.actions import help as help_actions
from plaza.actions import incidents as incident_actions
from plaza.actions import warnings as warning_actions
from plaza.clock import ManualClock, as_utc, use
from plaza.demo.desk import fake_phone
from plaza.errors import PlazaError
from plaza.help import incidents, requests
from plaza.help import warnings as warning_rules
from plaza.help.requests import NewRequest
from plaza.help.workflow import HELP, OPEN
from plaza.square import accounts, posts
from plaza.storage.schema import accounts as accounts_table
from plaza.storage.schema import help_requests, statuses
from plaza.workflow import engine

#: Called as ``progress(stage, done, total)`` (plaza.demo.load's progress).
Progress = Callable[[str, int, int], None]

#: Hours of help requests, ending at the load.
HOURS = 72

i18n.register({
    "demo_stage_help_accounts": ("求助：{done} 支救援力量，{total} 名核实志愿者",
                                 "help: {done} responders, {total} volunteer verifiers"),
    "demo_stage_help_requests": ("求助：{done}/{total}", "help requests: {done}/{total}"),
    "demo_stage_help": ("求助：在办 {done} 条，已公示 {total} 条", "help: {done} requests open, {total} published"),
    "demo_as_help_verifier": ("求助核实志愿者（@微公益）", "help verifier (a volunteer of @微公益)"),
    "demo_as_help_responder": ("救援队 @重庆蓝天救援队（认领、完成求助）",
                               "rescue team @重庆蓝天救援队 (claims and completes requests)"),
    "demo_as_help_charity": ("公益机构 @微公益（公益项目与账目）", "charity @微公益 (donation project and ledger)"),
})

#: The help people to sign in as, printed with the demo's other sign-ins (what -> demo_as_<what>).
SIGN_INS: tuple[tuple[str, str], ...] = (
    ("verifier_lin", "help_verifier"),
    ("cq_lantian", "help_responder"),
    ("weibo_gongyi", "help_charity"),
)

WILDFIRE, TYPHOON = "2022-chongqing-wildfire", "typhoon-meihua"
CHONGQING, SHANGHAI = "500000", "310000"


# --- who ----------------------------------------------------------------------------------------------

#: Organisations the cast does not have: (username, display name, type, home city, bio).
ORGANISATIONS = (
    ("cq_moto_volunteers", "重庆摩托车志愿者车队", "ngo", CHONGQING,
     "2022年重庆山火中骑摩托车把物资运上火线的志愿者们。运物资、送队员、转运群众，哪里需要去哪里。"),
    ("sh_rescue_volunteers", "上海应急志愿救援队", "rescue_team", SHANGHAI,
     "上海民间应急救援志愿队伍。防汛防台、水域救援、人员转移。"),
)
#: People: (username, display name, home city, bio).
VERIFIERS = (
    ("verifier_lin", "林晓雨", CHONGQING, "微公益求助核实志愿者：回电核实、去重、派单（演示）。"),
    ("verifier_zhao", "赵一鸣", CHONGQING, "微公益求助核实志愿者（演示）。"),
    ("verifier_shen", "沈佳怡", SHANGHAI, "微公益求助核实志愿者，上海（演示）。"),
)
#: A member of @重庆蓝天救援队 who claims and reports for the team (its operator).
TEAM_MEMBER = ("lantian_ma", "马志强", CHONGQING, "重庆蓝天救援队队员（演示）。", "cq_lantian")
#: Responders: (username, capabilities, region, capacity, lat, lon).
RESPONDERS = (
    ("cq_lantian", ("rescue", "evacuation", "missing_person", "medical"), CHONGQING, 15, 29.80, 106.40),
    ("cq_moto_volunteers", ("supplies", "evacuation", "other"), CHONGQING, 15, 29.78, 106.43),
    ("cq_volunteer", ("supplies", "shelter", "medical", "other"), CHONGQING, 15, 29.56, 106.55),
    ("weibo_gongyi", ("supplies",), CHONGQING, 8, None, None),
    ("sh_rescue_volunteers", ("rescue", "evacuation", "medical", "supplies", "shelter", "other"), SHANGHAI, 15,
     30.92, 121.47),
)
#: Who takes a need in each city, the first the most often.
TAKERS: dict[tuple[str, str], tuple[str, ...]] = {
    (CHONGQING, "rescue"): ("cq_lantian",),
    (CHONGQING, "missing_person"): ("cq_lantian",),
    (CHONGQING, "evacuation"): ("cq_lantian", "cq_moto_volunteers"),
    (CHONGQING, "medical"): ("cq_lantian", "cq_volunteer"),
    (CHONGQING, "supplies"): ("cq_moto_volunteers", "weibo_gongyi", "cq_volunteer"),
    (CHONGQING, "shelter"): ("cq_volunteer",),
    (CHONGQING, "other"): ("cq_volunteer", "cq_moto_volunteers"),
}

INCIDENTS: tuple[dict[str, Any], ...] = (
    {"slug": WILDFIRE, "name": "重庆山火", "kind": "wildfire", "account": "cq_emergency",
     "summary": "8月中旬以来，受持续高温干旱影响，重庆北碚、江津、巴南、涪陵等地相继发生山火。"
                "@重庆发布 @重庆应急 持续通报火情、救援进展和气象信息；消防、武警、专业救援队和大批志愿者"
                "（包括骑摩托车往火线运物资的骑手）共同扑救。需要帮助请在这里求助，核实后派给就近的救援力量。",
     "regions": ["500109", "500116", "500113", "500102"], "topics": ["重庆山火", "一起守护这座城", "有困难一起扛"],
     "responders": (("cq_lantian", "山地搜救、转移群众"), ("cq_moto_volunteers", "摩托车运送物资上火线"),
                    ("cq_volunteer", "志愿者调度、物资与安置"), ("weibo_gongyi", "公益募捐与物资"))},
    {"slug": TYPHOON, "name": "台风梅花", "kind": "typhoon", "account": "sh_flood",
     "summary": "今年第12号台风“梅花”在上海奉贤沿海再次登陆，是1949年以来登陆上海最强的台风。"
                "@上海防汛 @上海发布 @中国气象局 发布台风预警、防汛通知和交通停运信息；遇险请在这里求助。",
     "regions": [SHANGHAI], "topics": ["台风梅花", "台风梅花登陆上海"],
     "responders": (("sh_rescue_volunteers", "水域救援、人员转移"),)},
)

#: The donation project of @微公益 and its ledger: (kind, yuan, counterpart, purpose, hours after it opened,
#: evidence).
PROJECT = {"title": "重庆山火一线救援保障专项", "goal_fen": 300_000_000,
           "description": "@微公益 联合 @重庆蓝天救援队 @中国社会福利基金会 @中华思源工程扶贫基金会 为重庆山火一线的"
                          "救援队、摩托车志愿者和扑火群众募集降温物资、灭火装备和运输补贴。每一笔收入和支出都在此公示。"}
LEDGER = (
    ("receipt", 386_520_00, "微公益平台网友捐款（第1批）", "重庆山火专项", 4, "微公益平台捐款明细 第1批"),
    ("receipt", 500_000_00, "中国社会福利基金会", "配捐", 9, "配捐协议 CSWF-2022-CQ-01"),
    ("disbursement", 86_000_00, "重庆摩托车志愿者车队", "燃油补贴、头盔、冰袋和饮用水（第1批）", 14,
     "转账凭证 WGY-CQ-0001；物资签收单"),
    ("receipt", 300_000_00, "中华思源工程扶贫基金会", "配捐", 20, "配捐协议 SY-2022-0823"),
    ("disbursement", 210_000_00, "重庆蓝天救援队", "风力灭火机20台、对讲机40部、头灯和防护装备", 26,
     "采购合同与发票 WGY-CQ-0002"),
    ("receipt", 1_268_455_50, "微公益平台网友捐款（第2批）", "重庆山火专项", 36, "微公益平台捐款明细 第2批"),
    ("disbursement", 65_000_00, "重庆志愿服务", "火线志愿者降温物资：冰袋、藿香正气水、电解质饮料", 44,
     "物资签收单 WGY-CQ-0003"),
    ("disbursement", 120_000_00, "重庆摩托车志愿者车队", "燃油补贴和车辆维修（第2批）", 58, "转账凭证 WGY-CQ-0004"),
)


# --- what people write --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """A help request of the story: where, what, for how many, in the words of the person."""

    city: str
    place: str  # as written; resolves to a county unless ``resolves`` is False
    need: str
    people: int
    text: str  # {place} is the place
    resolves: bool = True
    #: how a neighbour tells the same (a duplicate of it), when one does
    again: str = ""


CQ, SH = CHONGQING, SHANGHAI
NEEDS: tuple[Need, ...] = (
    Need(CQ, "北碚区歇马镇虎头村3组", "evacuation", 2,
         "求助！{place}有两位80多岁的老人，山火离村子不到两公里，老人腿脚不便走不了，子女都在外地，求附近的救援队帮忙转移！",
         again="歇马镇虎头村那边还有两个老人家在屋里，我是隔壁村的，火越来越近了，谁能过去接一下他们"),
    Need(CQ, "北碚区澄江镇运河村", "medical", 1,
         "{place}，家里老人有糖尿病，胰岛素快用完了，进山的路封了出不去，求好心人帮忙送一点过来"),
    Need(CQ, "巴南区界石镇桂花村", "supplies", 30,
         "{place}的防火隔离带急缺冰袋、矿泉水和藿香正气水，现场三十多个志愿者都快中暑了，有渠道的请帮帮忙"),
    Need(CQ, "江津区中山镇龙塘村", "missing_person", 1,
         "{place}我外婆一个人在家，电话从昨晚一直打不通，山那边起火了，谁在附近能帮忙去看看！",
         again="中山镇龙塘村有位独居的老婆婆联系不上，她外孙女在网上找，我们在镇上，有没有救援队能进村看一眼"),
    Need(CQ, "北碚区缙云山黛湖附近", "supplies", 50,
         "{place}的摩托车运输点缺汽油和头盔，骑手们一趟一趟往山上送物资，油快没了，求支援"),
    Need(CQ, "巴南区接龙镇小观村", "evacuation", 5,
         "{place}一家五口，火已经烧到后山了，家里有个瘫痪在床的老人，车开不进来，求帮忙转移",
         again="接龙镇小观村那边有户人家老人瘫痪在床，一家人还没撤出来，我们的车进不去，求专业的队伍过去"),
    Need(CQ, "江津区西湖镇骆崃村", "rescue", 3,
         "{place}，我爸妈和小侄女被困在山上的老房子里，下山的路被火挡住了，求救援！"),
    Need(CQ, "北碚区天府镇代家村", "shelter", 3,
         "{place}，我们已经转移出来了，但是晚上没地方住，两个老人一个小孩，请问附近哪里有安置点"),
    Need(CQ, "巴南区龙洲湾街道", "medical", 1,
         "{place}，我妈在救火点帮忙送水时中暑晕倒了，120说车都派出去了，求附近有车的朋友帮忙送医院"),
    Need(CQ, "涪陵区江北街道二重村", "evacuation", 2,
         "{place}有位孕妇快生了，山火烟很大，想转移到城里的医院，附近叫不到车，求帮忙"),
    Need(CQ, "北碚区歇马镇安置点", "supplies", 200,
         "{place}物资告急：缺饮用水、方便食品、花露水和充电宝，这里安置了两百多名群众"),
    Need(CQ, "江津区四面山镇洪洞村", "rescue", 4,
         "{place}，四个采药的村民进山后一直没出来，现在山里起了火，手机没信号，求专业救援队！",
         again="四面山洪洞村四个进山采药的人还没出来，家属在村口等着，火已经烧过山脊了，求搜救"),
    Need(CQ, "巴南区界石镇石岗村", "medical", 1,
         "{place}一位透析病人，明天该透析了，去医院的路被封了，求帮忙联系转运"),
    Need(CQ, "北碚区澄江镇北泉村扑火点", "supplies", 40,
         "{place}需要风力灭火机的备用电池和手套，四十多个扑火队员还在坚守"),
    Need(CQ, "涪陵区蔺市街道", "other", 1,
         "{place}，人已经撤下来了，家里的狗和猫还关在山上的房子里，谁能帮忙上去看一下"),
    Need(CQ, "北碚区歇马镇磨心坡村", "evacuation", 3,
         "{place}，我奶奶和两个邻居老人不愿意走，说要守着家，火越来越近，求救援队帮忙劝一下、接下来"),
    Need(CQ, "江津区中山镇常乐村", "supplies", 20,
         "{place}的村民自发上山挖隔离带，急需铁锹、砍刀和饮用水，二十多个人在山上"),
    Need(CQ, "巴南区接龙镇自力村", "medical", 2,
         "{place}，两个志愿者搬物资时被滚石砸伤了脚，山路太陡抬不下来，求医疗支援"),
    Need(CQ, "北碚区缙云山北侧", "rescue", 2,
         "{place}，两名骑手送完物资下山时摩托车翻到沟里了，人受伤走不了，求救援！"),
    Need(CQ, "巴南区龙洲湾街道滨江路", "shelter", 12,
         "{place}有十几个从山上转移下来的群众，天太热，老人孩子一直在车里待着，求找个有空调的地方落脚"),
    Need(CQ, "江津区西湖镇", "medical", 1,
         "{place}一位80岁的老人高血压犯了，家里降压药吃完了，求附近的药店或者医生送一点"),
    Need(CQ, "涪陵区大顺乡", "supplies", 30,
         "{place}的救火点急需冰块和防暑药品，三十多个扑火的人轮班上山"),
    Need(CQ, "北碚区金刀峡镇", "evacuation", 4,
         "{place}胜天湖村，火从对面山头烧过来了，家里有一个80多岁的爷爷和一个5岁的孩子，求帮忙转移"),
    Need(CQ, "巴南区界石镇", "supplies", 15,
         "{place}的志愿者服务站缺口罩、护目镜和湿毛巾，上山的骑手被烟熏得睁不开眼"),
    Need(CQ, "江津区中山镇", "medical", 1,
         "{place}双峰村，一位孕妇孕32周肚子疼，山路不好走，求帮忙送到镇医院"),
    Need(CQ, "缙云山上面的农家乐", "evacuation", 2,
         "求助！缙云山上面那个农家乐旁边还有两户人家没下来，有老人，火快过来了", resolves=False),
    Need(CQ, "中梁山隧道口往上那片果园", "rescue", 2,
         "中梁山隧道口往上走那片果园，还有人在里面守果树，喊不出来，谁能去看看", resolves=False),
    Need(SH, "浦东新区书院镇洋溢村", "rescue", 3,
         "{place}，家里进水了，一楼水快到膝盖，有个孕妇和一个三岁的小孩，出不去了求救援",
         again="书院镇洋溢村有户人家被水困住了，听说有孕妇，我们在村口进不去，求救援队"),
    Need(SH, "金山区漕泾镇护塘村", "evacuation", 2,
         "{place}，我爷爷奶奶住的老房子屋顶被风掀了一半，雨一直往里灌，求帮忙转移到安置点"),
    Need(SH, "奉贤区海湾镇五四农场", "medical", 1,
         "{place}，我爸心脏病犯了，外面风太大救护车一时过不来，求附近有车的好心人帮忙"),
    Need(SH, "崇明区陈家镇", "missing_person", 1,
         "寻人！我爸昨晚去{place}的鱼塘看水泵，到现在联系不上，手机一直关机，求附近的人帮忙找找"),
    Need(SH, "浦东新区惠南镇", "shelter", 4,
         "{place}，我们住的板房被风吹塌了，四个工友没地方去，请问附近哪里有避险安置点"),
    Need(SH, "金山区山阳镇", "supplies", 6,
         "{place}，小区停电停水一天了，楼里有六户都是独居老人，缺饮用水和蜡烛"),
    Need(SH, "奉贤区南桥镇", "rescue", 2,
         "{place}，地下车库进水，两个人被困在车里出不来，水还在涨，求救援！",
         again="南桥镇那个小区地库进水了，听说还有人困在车里，快来人帮忙啊"),
    Need(SH, "浦东新区书院镇", "medical", 1,
         "{place}，家里老人要做透析，路被倒下的大树挡住了，车出不去，求帮忙"),
    Need(SH, "崇明区陈家镇瀛东村", "evacuation", 5,
         "{place}，一家五口住在海堤边上，风越来越大，房子在晃，求转移"),
    Need(SH, "金山区漕泾镇", "supplies", 1,
         "{place}，宝宝的奶粉吃完了，超市都关门了，求好心人帮忙送一罐"),
    Need(SH, "奉贤区海湾镇", "other", 1,
         "{place}，门前的大树倒了压在电线上，一直在冒火花，打了电话还没人来，家里有老人不敢出门"),
    Need(SH, "浦东新区惠南镇听潮路", "evacuation", 3,
         "{place}，我们租的地下室进水了，三个大人带着一个婴儿，求帮忙转移"),
)

#: How a request goes, and how many of the story's requests go that way (the rest are published).
SCENARIOS: tuple[tuple[str, int], ...] = (
    ("completed", 3), ("in_progress", 4), ("claimed", 3), ("dispatched", 3), ("safe", 3), ("false", 1),
    ("withdrawn", 2), ("unreachable", 1), ("submitted", 2),
)
#: Requests a neighbour or a relative files again (merged by a verifier).
DUPLICATES = 5
#: Where each scenario's request was made, hours before the load (oldest, newest).
WINDOWS: dict[str, tuple[float, float]] = {
    "published": (HOURS - 2, 16), "completed": (30, 8), "in_progress": (12, 4), "claimed": (6, 1.5),
    "dispatched": (5, 1), "verified": (8, 1.5), "safe": (60, 3), "false": (50, 3), "withdrawn": (50, 4),
    "unreachable": (4, 1.2), "submitted": (2, 0.2),
}
SOURCES = (("form", 0.42), ("post", 0.43), ("topic", 0.15))

CQ_TAGS = ("#重庆山火#", "#一起守护这座城#", "#有困难一起扛#")
SH_TAGS = ("#台风梅花#", "#台风梅花登陆上海#")
CQ_HANDLES = ("@重庆蓝天救援队", "@重庆发布", "@重庆应急", "@重庆摩托车志愿者车队")
SH_HANDLES = ("@上海发布", "@上海防汛", "@上海应急志愿救援队")
PHONE_WORDS = ("电话{phone}", "联系电话：{phone}", "{phone}（电话同微信）", "有消息请打{phone}", "联系人{name} {phone}")
VERIFY_NOTES = ("已回电核实：情况属实，当事人仍在原地等待。", "已与家属通话核实，地址和人数无误。",
                "电话核实属实，已告知保持电话畅通。", "已联系村（社区）干部核实，情况属实。")
FALSE_NOTE = "经回电和属地社区核实，所说地点无人被困，信息不实。"
UNREACHABLE_NOTE = "回电两次无人接听，稍后再试。"
WITHDRAW_NOTES = ("家里人已经自己开车把老人接出来了，谢谢大家。", "已经联系上了，不用麻烦了，谢谢！")
SAFE_POSTS = ("{place}的家人已经被消防员接出来了，已安全，谢谢大家关心，勿转！",
              "更新：已获救！{place}那边的情况已经解决了，感谢帮忙转发的每一个人，请勿再转。",
              "已联系上了，人平安，{place}的求助不用再转了，谢谢大家！")
PROGRESS_NOTES: dict[str, tuple[str, ...]] = {
    "rescue": ("已派出4名队员携带绳索和担架，预计40分钟到达。", "队员已到达现场，正在开辟通道。"),
    "evacuation": ("车辆和队员已出发，预计半小时到达。", "已到达村口，正在逐户确认人员。"),
    "missing_person": ("搜救小组已进村，正在沿山路搜寻。", "已联系上村干部，正在分头寻找。"),
    "medical": ("已联系附近医生，队员带药品出发。", "已安排车辆，正在赶往现场。"),
    "supplies": ("物资已装车出发，骑手分三趟送上山。", "第一批物资已送到，剩下的正在路上。"),
    "shelter": ("已联系附近安置点，正在安排床位。", "安置点已腾出房间，车辆正在接人。"),
    "other": ("已安排志愿者前往查看。", "志愿者已到现场。"),
}
COMPLETE_NOTES: dict[str, str] = {
    "rescue": "被困人员已全部安全救出，送到安全地带，身体无大碍。",
    "evacuation": "已协助全部人员安全转移到附近安置点。",
    "missing_person": "已找到当事人，人员平安，已与家属联系上。",
    "medical": "已将患者送医（药品已送到），情况稳定。",
    "supplies": "物资已全部送达并签收。",
    "shelter": "人员已入住安置点，饮食和休息有保障。",
    "other": "已到现场处理完毕。",
}
SPREAD = ("扩散！", "帮转扩散", "转发扩散，附近的朋友看看", "转起来！")
#: Words of a request made for someone else (外婆, 爸妈 …).
ON_BEHALF = ("外婆", "奶奶", "爷爷", "我爸", "我妈", "爸妈", "家里老人")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"


# --- the story ---------------------------------------------------------------------------------------


@dataclass
class Plan:
    """One help request of the story and how it goes."""

    key: int
    need: Need
    scenario: str
    source: str  # form, post, topic
    created_at: datetime
    requester: int  # index into the citizens
    text: str
    phone: str
    contact_name: str
    verifier: str
    taker: str | None = None  # the responder's account (or its member) that claims it
    duplicate_of: int | None = None  # the plan this one repeats
    reposters: tuple[int, ...] = ()
    steps: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high), milliseconds=rng.randrange(1000))


def story(seed: int, now: datetime, citizens: Sequence[tuple[str, str]]) -> list[Plan]:
    """Every help request of the demo with its steps and their moments, drawn from the seed.
    ``citizens`` are (username, home city) of the people who write them; the last may be the demo
    citizen, who files one of them."""
    rng = random.Random(f"{seed}:help")
    now = as_utc(now).astimezone(UTC)
    fixed = {n: "submitted" for n, x in enumerate(NEEDS) if not x.resolves}
    missing_sh = next(i for i, x in enumerate(NEEDS) if x.city == SH and x.need == "missing_person")
    fixed[missing_sh] = "verified"  # no Shanghai responder searches for people: it waits, verified
    rest = [i for i in range(len(NEEDS)) if i not in fixed]
    rng.shuffle(rest)
    scenario_of = dict(fixed)
    for name, count in SCENARIOS:
        for _ in range(count):
            scenario_of[rest.pop()] = name
    for i in rest:
        scenario_of[i] = "published"
    people = list(range(len(citizens)))
    demo_index = len(citizens) - 1
    by_city: dict[str, list[int]] = {}
    for i in people[:-1] if len(people) > 1 else people:
        by_city.setdefault(citizens[i][1], []).append(i)
    for group in by_city.values():
        rng.shuffle(group)
    others = [i for i in people if i != demo_index or len(people) == 1]
    rng.shuffle(others)
    used: set[int] = set()
    reusable: set[int] = set()  # requesters who may file twice in a small demo (not those who post 已获救)

    def someone(city: str) -> int:
        for pool in (by_city.get(city, []), others):
            for i in pool:
                if i not in used:
                    used.add(i)
                    return i
        return rng.choice(sorted(reusable) or others)

    plans: list[Plan] = []
    demo_done = False
    for index in sorted(scenario_of, key=lambda i: (scenario_of[i] != "safe", i)):  # the safe first
        need, scenario = NEEDS[index], scenario_of[index]
        oldest, newest = WINDOWS[scenario]
        created = now - timedelta(hours=rng.uniform(newest, oldest), milliseconds=rng.randrange(1000))
        source = _pick(rng, SOURCES)
        if scenario in ("false",) or not need.resolves:
            source = "post"  # found by screening a post
        if source == "topic" and need.city == SH:
            source = "post"
        requester = someone(need.city)
        if not demo_done and need.city == CQ and scenario == "published" and citizens:
            requester, source, demo_done = demo_index, "form", True
        if scenario != "safe":
            reusable.add(requester)
        plans.append(_plan(rng, len(plans), need, scenario, source, created, requester))
    plans.sort(key=lambda p: p.created_at)
    for n, plan in enumerate(plans):
        plan.key = n
    # duplicates: a neighbour's post, or a relative filing the form with the same phone
    targets = [p for p in plans if p.need.again and p.scenario in ("published", "completed", "in_progress",
                                                                    "claimed", "dispatched")]
    rng.shuffle(targets)
    for target in targets[:DUPLICATES]:
        created = target.created_at + _minutes(rng, 12, 50)
        if created >= now - timedelta(minutes=30):
            continue
        source = "post" if rng.random() < 0.6 else "form"
        dup = _plan(rng, len(plans), target.need, "merged", source, created, someone(target.need.city))
        tags = CQ_TAGS if target.need.city == CQ else SH_TAGS
        dup.text = (f"{target.need.again} {rng.choice(tags)}" if source == "post"
                    else target.need.again + "。我是他们的亲戚，家里人可能已经报过了。")
        dup.duplicate_of = target.key
        if source == "form":
            dup.phone, dup.contact_name = target.phone, target.contact_name
        dup.steps = [(created, "file", {}),
                     (created + _minutes(rng, 10, 30), "verify", {"outcome": "duplicate", "into": target.key})]
        plans.append(dup)
    for plan in plans:
        if plan.source != "form" and plan.scenario not in ("submitted", "false"):
            count = rng.choice((0, 1, 2, 3, 4))
            plan.reposters = tuple(someone(plan.need.city) for _ in range(count))
            for i, who in enumerate(plan.reposters):
                at = plan.created_at + _minutes(rng, 2 + 5 * i, 20 + 20 * i)
                if at < now:
                    plan.steps.append((at, "repost", {"who": who}))
    for plan in plans:
        plan.steps.sort(key=lambda s: s[0])
        plan.steps = [s for s in plan.steps if s[0] < now]
    return sorted(plans, key=lambda p: p.created_at)


def _plan(rng: random.Random, key: int, need: Need, scenario: str, source: str, created: datetime,
          requester: int) -> Plan:
    text = need.text.format(place=need.place)
    phone = fake_phone(rng)
    name = f"{rng.choice(SURNAMES)}{rng.choice(('先生', '女士'))}"
    tags = CQ_TAGS if need.city == CQ else SH_TAGS
    handles = CQ_HANDLES if need.city == CQ else SH_HANDLES
    if source in ("post", "topic"):
        text += "。" if text[-1] not in "。！？!?" else ""
        text += rng.choice(PHONE_WORDS).format(phone=phone, name=name)
        if rng.random() < 0.7 or not need.resolves:  # a topic ties a place that says little to its incident
            text = f"{rng.choice(tags)} {text}" if rng.random() < 0.5 else f"{text} {rng.choice(tags)}"
        if rng.random() < 0.5:
            text += f" {rng.choice(handles)}"
    if source == "topic":
        text = f"#求助# {text}"
    verifier = "verifier_shen" if need.city == SH else rng.choice(("verifier_lin", "verifier_zhao"))
    plan = Plan(key, need, scenario, source, created, requester, text, phone, name, verifier)
    steps = plan.steps
    steps.append((created, "file", {}))
    at = created + _minutes(rng, 8, 45)
    if scenario == "submitted":
        return plan
    if scenario == "unreachable":
        steps.append((at, "verify", {"outcome": "unreachable", "note": UNREACHABLE_NOTE}))
        return plan
    if scenario == "false":
        steps.append((at, "verify", {"outcome": "false", "note": FALSE_NOTE}))
        return plan
    if scenario == "withdrawn":
        steps.append((at, "withdraw", {"note": rng.choice(WITHDRAW_NOTES)}))
        return plan
    steps.append((at, "verify", {"outcome": "verified", "need": need.need, "people": need.people,
                                 "note": rng.choice(VERIFY_NOTES)}))
    if scenario in ("verified", "dispatched"):
        return plan
    if scenario == "safe":
        place = need.place if need.resolves else "山上"
        steps.append((at + _minutes(rng, 15, 120), "safe", {"text": rng.choice(SAFE_POSTS).format(place=place)}))
        return plan
    takers = TAKERS.get((need.city, need.need), ("sh_rescue_volunteers",))
    taker = takers[0] if rng.random() < 0.6 else rng.choice(takers)
    if taker == "cq_lantian" and rng.random() < 0.5:
        taker = TEAM_MEMBER[0]  # a member claims for the team
    plan.taker = taker
    at += _minutes(rng, 5, 40)
    steps.append((at, "claim", {}))
    if scenario == "claimed":
        return plan
    notes = PROGRESS_NOTES[need.need]
    at += _minutes(rng, 10, 60)
    steps.append((at, "progress", {"note": notes[0]}))
    if rng.random() < 0.6:
        at += _minutes(rng, 30, 90)
        steps.append((at, "progress", {"note": notes[1]}))
    if scenario == "in_progress":
        return plan
    at += _minutes(rng, 40, 240)
    steps.append((at, "complete", {"note": COMPLETE_NOTES[need.need], "people_helped": need.people}))
    if scenario == "completed":
        return plan
    at += _minutes(rng, 20, 480)
    steps.append((at, "confirm", {"by_verifier": rng.random() < 0.2}))
    return plan


# --- the load ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpReport:
    accounts: int = 0
    responders: int = 0
    verifiers: int = 0
    incidents: int = 0
    warnings: int = 0
    requests: int = 0
    from_posts: int = 0
    merged: int = 0
    open: int = 0
    published: int = 0
    posts: int = 0
    raised_fen: int = 0
    disbursed_fen: int = 0
    states: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def load_help(plaza: Any, seed: int, *, now: datetime, citizens: Sequence[Any], password_hash: str,
              progress: Progress | None = None) -> HelpReport:
    """Open the demo's incidents with their responders, verifiers, warnings and donation project,
    and play :func:`story` through the help actions, each step at its moment, ending at ``now``.
    ``citizens`` are the demo's citizens' account rows (the demo citizen last)."""
    started = time.monotonic()
    loader = _HelpLoader(plaza, seed, as_utc(now).astimezone(UTC).replace(microsecond=0), citizens,
                         password_hash, progress)
    return asyncio.run(loader.run(started))


class _HelpLoader:
    def __init__(self, plaza: Any, seed: int, now: datetime, citizens: Sequence[Any], password_hash: str,
                 progress: Progress | None) -> None:
        self.plaza = plaza
        self.db = plaza.db
        self.seed = seed
        self.rng = random.Random(f"{seed}:help-load")
        self.now = now
        self.citizens = list(citizens)
        self.password_hash = password_hash
        self.progress = progress
        self.rows: dict[str, Any] = {}
        self.skipped: Counter[str] = Counter()
        self.posts = 0  # citizens' posts and reposts
        self.start = now - timedelta(hours=HOURS + 6)
        self.request_of: dict[int, int] = {}  # plan key -> request id
        self.status_of: dict[int, int] = {}  # plan key -> its post
        self.joined: set[int] = set()  # plans whose post joined another request (screening found it)

    def say(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def account(self, username: str) -> Any:
        row = accounts.find_by_username(self.db, username)
        if row is None:
            raise PlazaError("account_not_found")
        self.rows[username] = row
        return row

    async def run(self, started: float) -> HelpReport:
        with self.db.read() as conn:  # every post the help part makes, notices in threads included
            posts_before = conn.execute(select(func.count()).select_from(statuses)).scalar_one()
        made = self.create_accounts()
        self.say("help_accounts", len(RESPONDERS), len(VERIFIERS))
        opened = await self.open_incidents()
        raised, disbursed = await self.donations()
        await self.history()
        issued = await self.issue_warnings()
        with use(ManualClock(self.now)):
            while engine.sweep(self.db, HELP, now=self.now):
                pass
        ids = list(self.request_of.values())
        with self.db.read() as conn:
            c = help_requests.c
            states = dict(conn.execute(select(c.state, func.count()).where(c.id.in_(ids)).group_by(c.state)).all())
            from_posts = conn.execute(select(func.count()).where(c.id.in_(ids), c.source == "post")).scalar_one()
            posts_made = conn.execute(select(func.count()).select_from(statuses)).scalar_one() - posts_before
        still = sum(n for s, n in states.items() if s in OPEN)
        self.say("help", still, int(states.get("published", 0)))
        return HelpReport(
            accounts=made, responders=len(RESPONDERS), verifiers=len(VERIFIERS), incidents=opened, warnings=issued,
            requests=len(ids), from_posts=int(from_posts), merged=int(states.get("merged", 0)), open=still,
            published=int(states.get("published", 0)), posts=int(posts_made),
            raised_fen=raised, disbursed_fen=disbursed, states={k: int(v) for k, v in states.items()},
            skipped=dict(self.skipped), seconds=time.monotonic() - started)

    # —— who ——

    def create_accounts(self) -> int:
        joined = self.start - timedelta(days=400)
        made = 0
        for n, (username, display_name, kind, city, bio) in enumerate(ORGANISATIONS):
            accounts.create(self.db, username=username, display_name=display_name, password=None,
                            password_hash=self.password_hash, home_city=city, kind="organisation",
                            organisation_type=kind, note=bio, created_at=joined + timedelta(seconds=n))
            made += 1
        for n, (username, display_name, city, bio, *_rest) in enumerate((*VERIFIERS, TEAM_MEMBER)):
            accounts.create(self.db, username=username, display_name=self._free_name(display_name), password=None,
                            password_hash=self.password_hash, home_city=city, note=bio,
                            created_at=joined + timedelta(minutes=1, seconds=n))
            made += 1
        for username in ({r[0] for r in RESPONDERS} | {v[0] for v in VERIFIERS} | {TEAM_MEMBER[0], TEAM_MEMBER[4]}
                         | {"weibo_gongyi", "cq_emergency", "sh_flood", "sh_weather", "cq_weather"}):
            self.account(username)
        gongyi = self.rows["weibo_gongyi"]
        with use(ManualClock(self.start)), self.db.write() as conn:
            operators.appoint(conn, self.rows[TEAM_MEMBER[4]].id, self.rows[TEAM_MEMBER[0]].id)
            for username, capabilities, region, capacity, lat, lon in RESPONDERS:
                requests.register_responder(conn, self.rows[username].id, capabilities=capabilities,
                                            region_code=region, capacity=capacity, lat=lat, lon=lon,
                                            by=gongyi.id, at=self.start)
            for username, *_rest in VERIFIERS:  # @微公益 grants its own volunteers
                requests.grant_verifier(conn, gongyi, self.rows[username].id, organisation_id=gongyi.id,
                                        at=self.start)
        return made

    def _free_name(self, name: str) -> str:
        with self.db.read() as conn:
            taken = set(conn.execute(select(accounts_table.c.display_name).where(
                accounts_table.c.display_name.like(f"{name}%"))).scalars())
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}{n}"
        return candidate

    # —— incidents, donations, warnings ——

    async def open_incidents(self) -> int:
        for n, spec in enumerate(INCIDENTS):
            at = self.start + timedelta(hours=2 * n, minutes=17)
            with use(ManualClock(at)):
                await incident_actions.open_incident(self.plaza, OPERATOR, {
                    **{k: v for k, v in spec.items() if k != "responders"}, "started_at": at, "mode": True})
                for username, role in spec["responders"]:
                    await incident_actions.add_responder(self.plaza, OPERATOR, spec["slug"], username, role)
        return len(INCIDENTS)

    async def donations(self) -> tuple[int, int]:
        gongyi = self.rows["weibo_gongyi"]
        opened = self.start + timedelta(hours=3)
        with use(ManualClock(opened)):
            project = await incident_actions.open_donation_project(self.plaza, gongyi, WILDFIRE, dict(PROJECT))
        raised = disbursed = 0
        for kind, fen, counterpart, purpose, hours, evidence in LEDGER:
            at = opened + timedelta(hours=hours, minutes=self.rng.randrange(60))
            with use(ManualClock(at)):
                _line, found = await incident_actions.enter_ledger_line(
                    self.plaza, gongyi, WILDFIRE, int(project.id),
                    incidents.check_entry(kind, fen, counterpart, purpose, at, evidence))
            raised, disbursed = int(found.raised_fen), int(found.disbursed_fen)
        return raised, disbursed

    async def issue_warnings(self) -> int:
        """The warnings in force at the load's moment, for a day or two after it."""
        local = self.now.astimezone(warning_rules.CHINA)
        issued = (
            ("sh_weather", {"type": "typhoon", "level": "red", "areas": [SHANGHAI], "topic": "台风梅花",
                            "expires": local + timedelta(hours=36), "onset": local, "urgency": "Immediate",
                            "certainty": "Observed",
                            "headline": "上海中心气象台发布台风红色预警",
                            "description": "今年第12号台风“梅花”中心已进入上海东南方近海，预计未来12小时内本市将出现"
                                           "12级以上大风，沿江沿海地区风力可达14级，并伴有大暴雨，局部特大暴雨。",
                            "instruction": "停止集会、停课、停业（特殊行业除外）；人员留在室内，远离危房、广告牌和"
                                           "临时建筑；沿海及低洼地区人员按要求转移；遇险拨打110、119或在本平台求助。"}),
            ("cq_weather", {"type": "heat", "level": "red", "areas": [CHONGQING], "topic": "一起守护这座城",
                            "expires": local + timedelta(hours=48), "onset": local, "urgency": "Immediate",
                            "certainty": "Observed",
                            "headline": "重庆市气象台发布高温红色预警",
                            "description": "受副热带高压控制，未来24小时本市大部地区最高气温将升至40℃以上，"
                                           "北碚、江津、巴南、涪陵等地可达43℃。",
                            "instruction": "停止户外露天作业；老人、儿童和慢性病人不要外出；扑火和救援人员注意轮换、"
                                           "补水防暑。"}),
            ("cq_emergency", {"type": "forest_fire", "level": "red", "areas": ["500109", "500116", "500113", "500102"],
                              "topic": "重庆山火", "expires": local + timedelta(hours=48), "onset": local,
                              "urgency": "Immediate", "certainty": "Observed",
                              "headline": "重庆市森林火险红色预警",
                              "description": "北碚、江津、巴南、涪陵等地森林火险气象等级为五级，极度危险，林区一旦起火"
                                             "极易蔓延。",
                              "instruction": "全面禁止野外用火；进山路口设卡检查；林区群众服从转移安排；发现火情立即"
                                             "拨打119或12119。"}),
        )
        count = 0
        with use(ManualClock(self.now)):
            for username, fields in issued:
                await warning_actions.issue_warning(self.plaza, self.rows[username], warning_rules.new_warning(fields))
                count += 1
        return count

    # —— the requests ——

    async def history(self) -> None:
        people = [(c.username, c.home_city) for c in self.citizens]
        plans = story(self.seed, self.now, people)
        events = sorted(((at, n, plan.key, action, data) for plan in plans
                         for n, (at, action, data) in enumerate(plan.steps)), key=lambda e: (e[0], e[2], e[1]))
        by_key = {p.key: p for p in plans}
        hours = float(self.plaza.settings.help_follow_up_hours)
        sweeps: list[datetime] = []
        filed = 0
        for at, _n, key, action, data in events:
            while sweeps and sweeps[0] < at:  # the server's sweep finds the follow-up times run out
                due = sweeps.pop(0)
                with use(ManualClock(due)):
                    engine.sweep(self.db, HELP, now=due)
            plan = by_key[key]
            if action not in ("file", "repost") and key not in self.request_of:
                if key not in self.joined:
                    self.skipped[f"help {action}: no request"] += 1
                continue
            try:
                with use(ManualClock(at)):
                    await self.step(plan, at, action, data)
            except PlazaError as exc:
                self.skipped[f"help {action}: {exc.key}"] += 1
                continue
            if action == "file":
                filed += 1
                if filed % 10 == 0:
                    self.say("help_requests", filed, len(plans))
            if action in ("verify", "claim", "progress", "complete"):
                due = at + timedelta(hours=hours, seconds=30)
                if due < self.now:
                    sweeps.append(due)
                    sweeps.sort()
        self.say("help_requests", filed, len(plans))

    def citizen(self, index: int) -> Any:
        return self.citizens[index % len(self.citizens)]

    async def step(self, plan: Plan, at: datetime, action: str, data: dict[str, Any]) -> None:
        if action == "file":
            await self.file(plan, at)
        elif action == "repost":
            original = self.status_of.get(plan.key)
            if original is None:
                return
            who = self.citizen(data["who"])
            done = posts.reblog_once(self.db, who, original, "public", created_at=at)
            if not done.new:  # the same person again (a small demo has few people)
                return
            self.posts += 1
            await help_actions.repost_screening(self.plaza, original, done.status_id, who.id)
        elif action == "safe":
            requester = self.citizen(plan.requester)
            self.publish(requester, data["text"], at, plan.need.city)
        else:
            await self.act(plan, at, action, data)

    def publish(self, author: Any, text: str, at: datetime, city: str, reply_to: int | None = None) -> tuple[int, int | None]:
        """A citizen's post, screened for a help request in its own transaction (as every post is)."""
        screened = help_actions.screen(text, city)
        found: list[int] = []
        done = posts.publish(self.db, author.id, posts.NewStatus(text=text, visibility="public", city=city,
                                                                 in_reply_to_id=reply_to),
                             max_chars=self.plaza.settings.max_post_chars, created_at=at,
                             after=help_actions.post_screening(self.plaza, screened, found))
        self.posts += 1
        status_id = done if isinstance(done, int) else int(done.status.id)
        return status_id, (found[0] if found else None)

    async def file(self, plan: Plan, at: datetime) -> None:
        requester = self.citizen(plan.requester)
        need = plan.need
        if plan.source == "form":
            filed = await help_actions.submit_help(self.plaza, NewRequest(
                text=plan.text, need=need.need, source="web", people=need.people, place_text=need.place,
                contact_name=plan.contact_name, contact_phone=plan.phone,
                on_behalf=plan.duplicate_of is not None or any(w in plan.text for w in ON_BEHALF),
                requester_id=requester.id), requester=requester, incident=WILDFIRE if need.city == CQ else TYPHOON)
            self.request_of[plan.key] = int(filed["id"])
            return
        status_id, found = self.publish(requester, plan.text, at, need.city)
        self.status_of[plan.key] = status_id
        if found is None:
            raise PlazaError("help_post_not_screened")
        if found in self.request_of.values():  # it joined the request it repeats as one more source
            self.joined.add(plan.key)
            return
        self.request_of[plan.key] = found

    async def act(self, plan: Plan, at: datetime, action: str, data: dict[str, Any]) -> None:
        request_id = self.request_of[plan.key]
        fields = {k: v for k, v in data.items() if k not in ("by_verifier",)}
        if action in ("verify",):
            actor = self.rows[plan.verifier]
            if fields.get("outcome") == "duplicate":
                into = self.request_of.get(int(data["into"]))
                if into is None:  # the request it repeats was never filed on its own
                    raise PlazaError("help_merge_target_missing")
                fields["into"] = str(into)
        elif action in ("withdraw",):
            actor = self.citizen(plan.requester)
        elif action == "confirm":
            actor = self.rows[plan.verifier] if data.get("by_verifier") else self.citizen(plan.requester)
        else:
            actor = self.rows[plan.taker or ""]
        with self.db.read() as conn:
            version = requests.load(conn, request_id).version
        await help_actions.act_on_help(self.plaza, request_id, action, actor,
                                       version=None if action == "claim" else version, fields=fields,
                                       via="web", at=at)
