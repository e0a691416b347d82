"""A service desk as the seed has it, for tests: @马鞍山发布 (``mas_fabu``, 马鞍山市 340500) with its
column topic #马上办#, a desk operator, two departments (城管局 with an operator, 住建局 without one,
acting with its own sign-in), a rule sending city infrastructure to 城管局 and a citizen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plaza.accounts import operators
from plaza.desk import desks
from plaza.instance import Plaza
from tests.factories import citizen, government

INFRASTRUCTURE = "城乡建设/城市建设和市政管理/城市公共设施"
WAGES = "劳动和社会保障/工资福利/工资发放"


@dataclass
class MasDesk:
    desk: desks.Desk
    account: Any  # @马鞍山发布
    staff: Any  # a person operating @马鞍山发布
    cgj: Any  # 马鞍山市城管局
    cgj_operator: Any
    zjj: Any  # 马鞍山市住建局 (no operators)
    parent: Any  # 马鞍山市政府 (城管局's parent: escalations go there)
    citizen: Any
    stranger: Any


def mas_desk(plaza: Plaza, *, rules: bool = True) -> MasDesk:
    parent = government(plaza, "mas_gov", "马鞍山市人民政府", region_code="340500", level="prefecture",
                        department_type="other", agency="马鞍山市人民政府")
    account = government(plaza, "mas_fabu", "马鞍山发布", region_code="340500", level="prefecture",
                         department_type="publicity", agency="中共马鞍山市委宣传部", parent="mas_gov")
    cgj = government(plaza, "mas_cgj", "马鞍山城管", region_code="340500", level="prefecture",
                     department_type="urban_management", agency="马鞍山市城市管理局", parent="mas_gov")
    zjj = government(plaza, "mas_zjj", "马鞍山住建", region_code="340500", level="prefecture",
                     department_type="housing_construction", agency="马鞍山市住房和城乡建设局", parent="mas_gov")
    staff = citizen(plaza, "desk_li", "服务台小李", home_city="340500")
    cgj_operator = citizen(plaza, "cgj_wang", "城管老王", home_city="340500")
    resident = citizen(plaza, "mas_resident", "花山区居民", home_city="340500")
    stranger = citizen(plaza, "stranger", "路人甲", home_city="340500")
    with plaza.db.write() as conn:
        desk = desks.create(conn, "mas_fabu", topic="马上办")
        operators.appoint(conn, account.id, staff.id)
        operators.appoint(conn, cgj.id, cgj_operator.id)
        desks.add_department(conn, desk, "mas_cgj")
        desks.add_department(conn, desk, "mas_zjj")
        if rules:
            desks.set_rule(conn, desk, "城乡建设/城市建设和市政管理", None, "mas_cgj", ["mas_zjj"])
    return MasDesk(desk, account, staff, cgj, cgj_operator, zjj, parent, resident, stranger)
