"""The people of one emergency in 郑州 (410100), for the help pages' tests: a requester, two
verifiers (granted by an administrator), two rescue teams registered as responders for rescue and
evacuation in the city (organisation accounts that sign in themselves), and a stranger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plaza.help import requests
from plaza.instance import Plaza
from tests.factories import citizen

#: A request as people write it in a flood, with its phone; and its exact place.
FLOOD = ("郑州市金水区丰产路某某小区3号楼2单元被困，家里有两位老人和一个孩子，水已经到二楼了，"
         "断水断电，求救援！联系电话13800138000")
PHONE = "13800138000"
ADDRESS = "郑州市金水区丰产路某某小区3号楼2单元"


@dataclass
class HelpCast:
    requester: Any
    stranger: Any
    verifier: Any
    verifier2: Any
    admin: Any
    team: Any  # 郑州蓝天救援队, capacity 3
    team2: Any  # 河南冲锋舟志愿队, capacity 1


def help_cast(plaza: Plaza) -> HelpCast:
    requester = citizen(plaza, "zhang_wei", "张伟", home_city="410100")
    stranger = citizen(plaza, "passer_by", home_city="410100")
    verifier = citizen(plaza, "verifier_li", "核实员小李", home_city="410100")
    verifier2 = citizen(plaza, "verifier_wang", "核实员小王", home_city="410100")
    admin = citizen(plaza, "site_admin", role="admin")
    team = citizen(plaza, "blue_sky_rescue", "郑州蓝天救援队", home_city="410100", kind="organisation")
    team2 = citizen(plaza, "henan_boats", "河南冲锋舟志愿队", home_city="410100", kind="organisation")
    with plaza.db.write() as conn:
        for person in (verifier, verifier2):
            requests.grant_verifier(conn, admin, person.id)
        for account, capacity in ((team, 3), (team2, 1)):
            requests.register_responder(conn, account.id, capabilities=["rescue", "evacuation"],
                                        region_code="410100", capacity=capacity, by=verifier.id)
    return HelpCast(requester, stranger, verifier, verifier2, admin, team, team2)
