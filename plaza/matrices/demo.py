"""The seed story's matrices and campaigns, for the demo (``plaza demo load`` calls
:func:`demo_matrices` once the cast's accounts exist).

The Ganzi culture & tourism matrix (甘孜文旅政务微博矩阵) that took a remote county to national hot
search with #其实丁真在四川#, the Chongqing matrix of the forest-fire topic #一起守护这座城#, and
department lines (fire & rescue nationwide, Beijing public security) and an account tree
(Ma'anshan). Matrices whose accounts are missing are skipped; running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from plaza.clock import utcnow
from plaza.errors import NotFound
from plaza.matrices import campaigns, matrices
from plaza.matrices.campaigns import CampaignSpec
from plaza.matrices.matrices import MatrixSpec
from plaza.storage.db import Database
from plaza.storage.schema import accounts
from plaza.storage.schema import matrices as matrices_table


@dataclass(frozen=True)
class DemoMatrix:
    name: str
    kind: str
    description: str
    owner: str | None = None
    root: str | None = None
    region_code: str | None = None
    department_type: str | None = None
    also: tuple[str, ...] = ()  # added by hand
    campaign: tuple[str, str] | None = None  # (topic, title)


DEMO_MATRICES: tuple[DemoMatrix, ...] = (
    DemoMatrix("甘孜文旅政务微博矩阵", "tree",
               "甘孜州文旅局和各县(市)文旅局的政务微博,联合四川文旅、甘孜发布和理塘发布,借“理塘丁真”走红联动传播。",
               owner="gz_wenlv", root="gz_wenlv", also=("sc_wenlv", "gz_fabu", "litang_fabu"),
               campaign=("其实丁真在四川", "其实丁真在四川 · 甘孜文旅联动")),
    DemoMatrix("重庆政务矩阵", "region", "重庆市及各区县的政务微博,山火期间联合发布火情、救援和气象信息。",
               owner="cq_fabu", region_code="500000",
               campaign=("一起守护这座城", "一起守护这座城 · 山火联动")),
    DemoMatrix("全国消防政务矩阵", "department", "应急管理部消防救援局和各地消防救援总队的政务微博。",
               owner="china_fire", department_type="fire_rescue"),
    DemoMatrix("北京公安政务矩阵", "department", "北京市公安局及其分局、公交总队的政务微博。",
               owner="bj_police", region_code="110000", department_type="public_security"),
    DemoMatrix("马鞍山政务矩阵", "tree", "马鞍山发布和市级部门、县区的政务微博,#马上办# 的转办网络。",
               owner="mas_fabu", root="mas_fabu"),
)


@dataclass(frozen=True)
class DemoReport:
    matrices: int
    members: int
    campaigns: int


def _ids(db: Database, usernames: list[str]) -> dict[str, int]:
    with db.read() as conn:
        return {r.username_key: int(r.id) for r in conn.execute(
            select(accounts.c.id, accounts.c.username_key).where(accounts.c.username_key.in_(usernames)))}


def demo_matrices(db: Database, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
                  now: datetime | None = None) -> DemoReport:
    """Create the seed story's matrices and their campaigns (by default running from seven days
    ago, the demo's window, to a week from now); returns what it made."""
    now = now or utcnow()
    starts_at = starts_at or now - timedelta(days=7)
    ends_at = ends_at or now + timedelta(days=7)
    made = members = started = 0
    for demo in DEMO_MATRICES:
        with db.read() as conn:
            if conn.execute(select(matrices_table.c.id).where(
                    matrices_table.c.name_key == matrices.name_key(demo.name))).first():
                continue
        wanted = [u for u in (demo.owner, demo.root, *demo.also) if u]
        ids = _ids(db, wanted)
        if any(u not in ids for u in wanted):
            continue  # the cast is not loaded
        try:
            matrix = matrices.create(db, None, MatrixSpec(
                name=demo.name, kind=demo.kind, description=demo.description, region_code=demo.region_code,
                department_type=demo.department_type, root_id=ids[demo.root] if demo.root else None,
                member_ids=tuple(ids[u] for u in demo.also), owner_id=ids.get(demo.owner or "")), now=now)
        except NotFound:
            continue
        made += 1
        members += matrices.members_count(db, matrix.id)
        if demo.campaign is not None:
            topic, title = demo.campaign
            campaigns.create(db, None, matrix.id, CampaignSpec(topic, starts_at, ends_at, title), now=now)
            started += 1
    return DemoReport(made, members, started)
