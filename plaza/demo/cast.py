"""The cast of the seed document: the government, media and organisation accounts it names, the
topics (#…#) they hosted, and the Chinese text pools the demo generator draws citizens' posts from.

Pure data: identifiers in English, content in Chinese. Nothing here touches a database.

Region codes are 6-digit GB/T 2260 codes from ``plaza/regions/divisions.csv``. National bodies
(国家级) have no row in that table; they use :data:`NATIONAL` (``"000000"``) as their region code and
Beijing (``110000``) as their home city. The table stops at counties, so a township (乡镇级) account
carries the code of the county it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# The vocabulary (department types, levels, organisation types) lives with the accounts.
from plaza.accounts.kinds import DEPARTMENT_TYPES, LEVELS, NATIONAL_REGION, ORGANISATION_TYPES  # noqa: F401

#: Region code of national-level bodies (国家级). Deliberately not a row of the division table.
NATIONAL = NATIONAL_REGION
#: Home city of national bodies and national media: Beijing.
CAPITAL = "110000"

#: ``kind`` of a cast account.
ACCOUNT_KINDS = ("government", "media", "organisation")

@dataclass(frozen=True)
class CastAccount:
    """An account the seed document names (or one of the matrix around it)."""

    username: str  # ASCII [a-z0-9_]{1,30}
    display_name: str  # unique Chinese display name
    kind: str  # one of ACCOUNT_KINDS
    home_city: str  # city code (regions.city_code of its region; provincial capital; 110000 for national)
    bio: str
    agency: str | None = None  # verified agency (government accounts)
    region_code: str | None = None  # division code of the agency, or NATIONAL (government accounts)
    level: str | None = None  # a key of LEVELS (government accounts)
    department_type: str | None = None  # a key of DEPARTMENT_TYPES (government accounts)
    parent: str | None = None  # username of the parent account in the matrix tree (政务矩阵)
    organisation_type: str | None = None  # a key of ORGANISATION_TYPES (organisations)


@dataclass(frozen=True)
class CastTopic:
    """A topic (话题) with its hosts (主持人) and the texts the demo posts under it.

    Every text contains :attr:`tag`. ``requests`` are citizens' help or service requests
    (求助 / 诉求); ``responses`` and ``outcomes`` are the hosts' acknowledgement and the published
    outcome (响应 / 公示) the demo attaches to some of them as replies.
    """

    name: str  # the topic without hashes: "一起守护这座城"
    description: str
    hosts: tuple[str, ...]  # usernames of the host accounts
    region_code: str  # division the topic belongs to, or NATIONAL
    official_posts: tuple[str, ...]  # in story order, posted by hosts and their matrix
    citizen_posts: tuple[str, ...]
    replies: tuple[str, ...]  # short comments under the topic's posts
    requests: tuple[str, ...] = ()
    responses: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    in_seed: bool = True  # the seed document names it as #…#

    @property
    def tag(self) -> str:
        """The topic as written in a post, Weibo style: ``#一起守护这座城#``."""
        return f"#{self.name}#"

    @property
    def posts(self) -> tuple[str, ...]:
        """Every original post text of the topic."""
        return self.official_posts + self.citizen_posts + self.requests


def _government(
    username: str,
    display_name: str,
    region_code: str,
    level: str,
    department_type: str,
    agency: str,
    home_city: str,
    bio: str,
    parent: str | None = None,
) -> CastAccount:
    return CastAccount(
        username=username,
        display_name=display_name,
        kind="government",
        home_city=home_city,
        bio=bio,
        agency=agency,
        region_code=region_code,
        level=level,
        department_type=department_type,
        parent=parent,
    )


def _media(username: str, display_name: str, home_city: str, bio: str) -> CastAccount:
    return CastAccount(username=username, display_name=display_name, kind="media", home_city=home_city, bio=bio)


def _organisation(
    username: str, display_name: str, organisation_type: str, home_city: str, bio: str
) -> CastAccount:
    return CastAccount(
        username=username,
        display_name=display_name,
        kind="organisation",
        home_city=home_city,
        bio=bio,
        organisation_type=organisation_type,
    )


# 中国天气 is run by 中国气象局公共气象服务中心, a public institution of the CMA: it is modelled as a
# national meteorology government account under 中国气象局, not as media.
# Fire rescue (消防救援), meteorology (气象), procuratorates (检察) and the youth league (共青团) are
# organised along their department line; every other account hangs under its region's 发布 account.
ACCOUNTS: tuple[CastAccount, ...] = (
    # —— national media and organisations ——
    _media("rmrb", "人民日报", CAPITAL, "人民日报法人微博。参与、沟通、记录时代。"),
    _media("cctv_news", "央视新闻", CAPITAL, "中央广播电视总台央视新闻官方微博。"),
    _organisation("weibo_gongyi", "微公益", "charity", CAPITAL, "微博官方公益平台,让每一份善意都被看见。"),
    _organisation("cswf", "中国社会福利基金会", "charity", CAPITAL, "全国性公募基金会,致力于发展中国社会福利事业。"),
    _organisation("siyuan_fund", "中华思源工程扶贫基金会", "charity", CAPITAL, "全国性公募基金会,助力乡村振兴与应急救灾。"),
    _organisation("cq_lantian", "重庆蓝天救援队", "rescue_team", "500000", "公益性民间专业紧急救援队伍。山地搜救、水上救援、应急救灾。"),
    _organisation("cq_volunteer", "重庆志愿服务", "ngo", "500000", "汇聚山城志愿力量,让志愿服务成为城市名片。"),
    # —— national government ——
    _government("scio_gov", "国务院新闻办公室", NATIONAL, "national", "publicity", "国务院新闻办公室", CAPITAL,
                "国务院新闻办公室官方微博。"),
    _government("cma_gov", "中国气象局", NATIONAL, "national", "meteorology", "中国气象局", CAPITAL,
                "中国气象局官方微博,发布权威天气预报预警与气象科普。"),
    _government("weather_china", "中国天气", NATIONAL, "national", "meteorology", "中国气象局公共气象服务中心",
                CAPITAL, "中国气象局公共气象服务中心官方微博,天气预报、台风路径、出行提示。", "cma_gov"),
    _government("spp_gov", "最高人民检察院", NATIONAL, "national", "procuratorate", "最高人民检察院", CAPITAL,
                "最高人民检察院官方微博。"),
    _government("gqt_central", "共青团中央", NATIONAL, "national", "youth_league", "中国共产主义青年团中央委员会",
                CAPITAL, "共青团中央官方微博。"),
    _government("mem_gov", "应急管理部", NATIONAL, "national", "emergency_management", "中华人民共和国应急管理部",
                CAPITAL, "应急管理部官方微博。"),
    _government("china_fire", "中国消防", NATIONAL, "national", "fire_rescue", "应急管理部消防救援局", CAPITAL,
                "应急管理部消防救援局官方微博。", "mem_gov"),
    # —— Chongqing 重庆 ——
    _government("cq_fabu", "重庆发布", "500000", "provincial", "publicity", "中共重庆市委宣传部", "500000",
                "重庆市政府新闻办公室、中共重庆市委宣传部官方微博。"),
    _government("cq_gqt", "重庆共青团", "500000", "provincial", "youth_league", "共青团重庆市委", "500000",
                "共青团重庆市委官方微博。青春山城,与你同行。", "gqt_central"),
    _government("cq_police", "平安重庆", "500000", "provincial", "public_security", "重庆市公安局", "500000",
                "重庆市公安局官方微博。紧急求助请拨打110。", "cq_fabu"),
    _government("cq_emergency", "重庆应急", "500000", "provincial", "emergency_management", "重庆市应急管理局",
                "500000", "重庆市应急管理局官方微博。", "cq_fabu"),
    _government("cq_fire", "重庆消防", "500000", "provincial", "fire_rescue", "重庆市消防救援总队", "500000",
                "重庆市消防救援总队官方微博。火警电话119。", "china_fire"),
    _government("cq_weather", "重庆气象", "500000", "provincial", "meteorology", "重庆市气象局", "500000",
                "重庆市气象局官方微博。", "cma_gov"),
    _government("cq_forestry", "重庆林业", "500000", "provincial", "other", "重庆市林业局", "500000",
                "重庆市林业局官方微博。森林防火,人人有责。", "cq_fabu"),
    _government("cq_wenlv", "重庆文旅", "500000", "provincial", "culture_tourism", "重庆市文化和旅游发展委员会",
                "500000", "行千里·致广大。重庆市文化和旅游发展委员会官方微博。", "cq_fabu"),
    _government("cq_transport", "重庆交通", "500000", "provincial", "transport", "重庆市交通局", "500000",
                "重庆市交通局官方微博。", "cq_fabu"),
    _government("cq_health", "重庆卫健委", "500000", "provincial", "health", "重庆市卫生健康委员会", "500000",
                "重庆市卫生健康委员会官方微博。", "cq_fabu"),
    _government("cq_ecology", "重庆生态环境", "500000", "provincial", "ecology_environment", "重庆市生态环境局",
                "500000", "重庆市生态环境局官方微博。环保热线12369。", "cq_fabu"),
    _government("cq_court", "重庆高院", "500000", "provincial", "court", "重庆市高级人民法院", "500000",
                "重庆市高级人民法院官方微博。", "cq_fabu"),
    _government("wanzhou_fabu", "万州发布", "500101", "county", "publicity", "中共重庆市万州区委宣传部", "500000",
                "重庆市万州区官方微博。", "cq_fabu"),
    _government("yuzhong_fabu", "渝中发布", "500103", "county", "publicity", "中共重庆市渝中区委宣传部", "500000",
                "重庆市渝中区官方微博。母城渝中,欢迎你。", "cq_fabu"),
    _government("beibei_fabu", "北碚发布", "500109", "county", "publicity", "中共重庆市北碚区委宣传部", "500000",
                "重庆市北碚区官方微博。缙云山下,嘉陵江畔。", "cq_fabu"),
    _government("jiangjin_fabu", "江津发布", "500116", "county", "publicity", "中共重庆市江津区委宣传部", "500000",
                "重庆市江津区官方微博。", "cq_fabu"),
    _government("banan_fabu", "巴南发布", "500113", "county", "publicity", "中共重庆市巴南区委宣传部", "500000",
                "重庆市巴南区官方微博。", "cq_fabu"),
    _government("beibei_xiema", "北碚歇马街道", "500109", "township", "other", "重庆市北碚区歇马街道办事处",
                "500000", "北碚区歇马街道办事处官方微博。", "beibei_fabu"),
    _media("cqrb", "重庆日报", "500000", "重庆日报官方微博。"),
    # —— Shanghai 上海 ——
    _government("sh_fabu", "上海发布", "310000", "provincial", "publicity", "上海市人民政府新闻办公室", "310000",
                "上海市人民政府新闻办公室官方微博。"),
    _government("sh_flood", "上海防汛", "310000", "provincial", "flood_control", "上海市防汛防台指挥部办公室",
                "310000", "上海市防汛防台指挥部办公室官方微博。防汛防台,人人有责。", "sh_fabu"),
    _government("sh_weather", "上海气象", "310000", "provincial", "meteorology", "上海市气象局", "310000",
                "上海市气象局官方微博。", "cma_gov"),
    _government("sh_police", "警民直通车-上海", "310000", "provincial", "public_security", "上海市公安局",
                "310000", "上海市公安局官方微博。", "sh_fabu"),
    _government("sh_transport", "上海交通", "310000", "provincial", "transport", "上海市交通委员会", "310000",
                "上海市交通委员会官方微博。", "sh_fabu"),
    _government("sh_emergency", "上海应急", "310000", "provincial", "emergency_management", "上海市应急管理局",
                "310000", "上海市应急管理局官方微博。", "sh_fabu"),
    _government("sh_fire", "上海消防", "310000", "provincial", "fire_rescue", "上海市消防救援总队", "310000",
                "上海市消防救援总队官方微博。", "china_fire"),
    _government("fengxian_fabu", "上海奉贤", "310120", "county", "publicity", "上海市奉贤区人民政府新闻办公室",
                "310000", "上海市奉贤区官方微博。", "sh_fabu"),
    _government("pudong_fabu", "浦东发布", "310115", "county", "publicity", "上海市浦东新区人民政府新闻办公室",
                "310000", "上海市浦东新区官方微博。", "sh_fabu"),
    _media("xmwb", "新民晚报", "310000", "新民晚报官方微博。飞入寻常百姓家。"),
    # —— Sichuan 四川, with the Ganzi culture & tourism matrix (甘孜文旅政务微博矩阵) ——
    _government("sc_fabu", "四川发布", "510000", "provincial", "publicity", "四川省人民政府新闻办公室", "510100",
                "四川省人民政府新闻办公室官方微博。"),
    _government("sc_wenlv", "四川文旅", "510000", "provincial", "culture_tourism", "四川省文化和旅游厅", "510100",
                "四川省文化和旅游厅官方微博。安逸四川,欢迎你。", "sc_fabu"),
    _government("gz_fabu", "甘孜发布", "513300", "prefecture", "publicity", "甘孜藏族自治州人民政府新闻办公室",
                "513300", "甘孜藏族自治州官方微博。", "sc_fabu"),
    _government("gz_wenlv", "甘孜文旅", "513300", "prefecture", "culture_tourism",
                "甘孜藏族自治州文化广播电视和旅游局", "513300", "甘孜州文旅局官方微博。天上甘孜,等你来。", "sc_wenlv"),
    _government("litang_fabu", "理塘发布", "513334", "county", "publicity", "中共理塘县委宣传部", "513300",
                "理塘县官方微博。世界高城,天空之城。", "gz_fabu"),
    _government("litang_wenlv", "理塘县文旅", "513334", "county", "culture_tourism", "理塘县文化广播电视和旅游局",
                "513300", "理塘县文旅局官方微博。欢迎来丁真的家乡。", "gz_wenlv"),
    _government("kangding_wenlv", "康定文旅", "513301", "county", "culture_tourism", "康定市文化广播电视和旅游局",
                "513300", "康定市文旅局官方微博。跑马溜溜的山上。", "gz_wenlv"),
    _government("daocheng_wenlv", "稻城文旅", "513337", "county", "culture_tourism", "稻城县文化广播电视和旅游局",
                "513300", "稻城县文旅局官方微博。蓝色星球上最后一片净土。", "gz_wenlv"),
    _government("luding_wenlv", "泸定文旅", "513322", "county", "culture_tourism", "泸定县文化广播电视和旅游局",
                "513300", "泸定县文旅局官方微博。红色泸定桥,冰川海螺沟。", "gz_wenlv"),
    _government("danba_wenlv", "丹巴文旅", "513323", "county", "culture_tourism", "丹巴县文化广播电视和旅游局",
                "513300", "丹巴县文旅局官方微博。中国最美乡村甲居藏寨。", "gz_wenlv"),
    _government("chengdu_fabu", "成都发布", "510100", "prefecture", "publicity", "成都市人民政府新闻办公室",
                "510100", "成都市人民政府新闻办公室官方微博。", "sc_fabu"),
    _government("yaan_fabu", "雅安发布", "511800", "prefecture", "publicity", "雅安市人民政府新闻办公室",
                "511800", "雅安市官方微博。", "sc_fabu"),
    _government("lushan_fabu", "芦山发布", "511826", "county", "publicity", "中共芦山县委宣传部", "511800",
                "芦山县官方微博。", "yaan_fabu"),
    _media("sc_guancha", "四川观察", "510100", "四川广播电视台新闻客户端官方微博。"),
    # —— Anhui 安徽 and Ma'anshan 马鞍山 (#马上办#) ——
    _government("ah_fabu", "安徽发布", "340000", "provincial", "publicity", "安徽省人民政府新闻办公室", "340100",
                "安徽省人民政府新闻办公室官方微博。"),
    _government("mas_fabu", "马鞍山发布", "340500", "prefecture", "publicity", "中共马鞍山市委宣传部", "340500",
                "马鞍山市官方微博。#马上办# 为您解决操心事、烦心事、揪心事。", "ah_fabu"),
    _government("mas_police", "平安马鞍山", "340500", "prefecture", "public_security", "马鞍山市公安局", "340500",
                "马鞍山市公安局官方微博。", "mas_fabu"),
    _government("mas_12345", "马鞍山12345", "340500", "prefecture", "other", "马鞍山市12345政务服务便民热线",
                "340500", "马鞍山市12345热线官方微博。有事找12345。", "mas_fabu"),
    _government("mas_transport", "马鞍山交通", "340500", "prefecture", "transport", "马鞍山市交通运输局",
                "340500", "马鞍山市交通运输局官方微博。", "mas_fabu"),
    _government("mas_health", "马鞍山卫健委", "340500", "prefecture", "health", "马鞍山市卫生健康委员会",
                "340500", "马鞍山市卫生健康委员会官方微博。", "mas_fabu"),
    _government("mas_ecology", "马鞍山生态环境", "340500", "prefecture", "ecology_environment",
                "马鞍山市生态环境局", "340500", "马鞍山市生态环境局官方微博。", "mas_fabu"),
    _government("mas_wenlv", "马鞍山文旅", "340500", "prefecture", "culture_tourism", "马鞍山市文化和旅游局",
                "340500", "诗城马鞍山,采石矶畔话李白。", "mas_fabu"),
    _government("dangtu_fabu", "当涂发布", "340521", "county", "publicity", "中共当涂县委宣传部", "340500",
                "当涂县官方微博。", "mas_fabu"),
    _government("hanshan_fabu", "含山发布", "340522", "county", "publicity", "中共含山县委宣传部", "340500",
                "含山县官方微博。", "mas_fabu"),
    # —— Xinjiang 新疆 ——
    _government("xj_fabu", "新疆发布", "650000", "provincial", "publicity", "新疆维吾尔自治区人民政府新闻办公室",
                "650100", "新疆维吾尔自治区人民政府新闻办公室官方微博。"),
    _government("xj_jiancha", "新疆检察", "650000", "provincial", "procuratorate", "新疆维吾尔自治区人民检察院",
                "650100", "新疆维吾尔自治区人民检察院官方微博。", "spp_gov"),
    _government("wlmq_fabu", "乌鲁木齐发布", "650100", "prefecture", "publicity", "乌鲁木齐市人民政府新闻办公室",
                "650100", "乌鲁木齐市官方微博。", "xj_fabu"),
    _government("wlmq_jiancha", "乌鲁木齐检察", "650100", "prefecture", "procuratorate", "乌鲁木齐市人民检察院",
                "650100", "乌鲁木齐市人民检察院官方微博。", "xj_jiancha"),
    # —— Beijing 北京 ——
    _government("bj_fabu", "北京发布", "110000", "provincial", "publicity", "北京市人民政府新闻办公室", "110000",
                "北京市人民政府新闻办公室官方微博。"),
    _government("bj_police", "平安北京", "110000", "provincial", "public_security", "北京市公安局", "110000",
                "北京市公安局官方微博。", "bj_fabu"),
    _government("bj_bus_police", "北京公交警方", "110000", "provincial", "public_security",
                "北京市公安局公共交通安全保卫总队", "110000", "北京市公安局公交总队官方微博。事事有回应。", "bj_police"),
    _government("yanqing_police", "平安延庆", "110119", "county", "public_security", "北京市公安局延庆分局",
                "110000", "北京市公安局延庆分局官方微博。", "bj_police"),
    # —— Gansu 甘肃 ——
    _government("gs_fabu", "甘肃发布", "620000", "provincial", "publicity", "甘肃省人民政府新闻办公室", "620100",
                "甘肃省人民政府新闻办公室官方微博。"),
    _government("gs_wenlv", "甘肃文旅", "620000", "provincial", "culture_tourism", "甘肃省文化和旅游厅", "620100",
                "甘肃省文化和旅游厅官方微博。交响丝路,如意甘肃。", "gs_fabu"),
    _government("gs_museum", "甘肃省博物馆", "620000", "provincial", "museum", "甘肃省博物馆", "620100",
                "甘肃省博物馆官方微博。镇馆之宝铜奔马(马踏飞燕)的家。", "gs_wenlv"),
    # —— Hubei 湖北 (2023政务V影响力峰会, Wuhan) ——
    _government("hb_fabu", "湖北发布", "420000", "provincial", "publicity", "湖北省人民政府新闻办公室", "420100",
                "湖北省人民政府新闻办公室官方微博。"),
    _government("hb_wangxin", "湖北网信", "420000", "provincial", "other", "中共湖北省委网络安全和信息化委员会办公室",
                "420100", "湖北省委网信办官方微博。", "hb_fabu"),
    _government("wh_fabu", "武汉发布", "420100", "prefecture", "publicity", "中共武汉市委宣传部", "420100",
                "武汉市官方微博。大江大湖大武汉。", "hb_fabu"),
)

ACCOUNTS_BY_USERNAME: Mapping[str, CastAccount] = MappingProxyType({a.username: a for a in ACCOUNTS})


def account(username: str) -> CastAccount:
    """The cast account with this username (KeyError when there is none)."""
    return ACCOUNTS_BY_USERNAME[username]


TOPICS: tuple[CastTopic, ...] = (
    CastTopic(
        name="其实丁真在四川",
        description="甘孜文旅政务微博矩阵借“理塘丁真”走红发起的话题:带网友认识真实的理塘、甘孜和四川,以文旅助力乡村振兴。",
        hosts=("sc_wenlv", "gz_wenlv", "litang_wenlv"),
        region_code="510000",
        official_posts=(
            "文旅宣传片《丁真的世界》今天正式上线!跟着丁真的脚步,走进甘孜的雪山、草原和藏寨 #其实丁真在四川# @甘孜文旅",
            "#其实丁真在四川# 你好,这里是理塘!海拔4014米的“世界高城”,欢迎大家来丁真的家乡看雪山、草原和赛马节。@理塘县文旅",
            "#其实丁真在四川# 甘孜州18个县(市)的文旅局长们已经在路上了:康定情歌、稻城亚丁、泸定桥、丹巴藏寨,等你来打卡。",
            "#其实丁真在四川# 理塘勒通古镇、千户藏寨、毛垭大草原今日正常开放,线上预约通道已开通。",
            "【出行提示】冬季进入川西高原,请提前了解路况,备好防寒衣物,注意防范高原反应。甘孜欢迎你,也请注意安全 #其实丁真在四川#",
            "#其实丁真在四川# 稻城亚丁的秋天,是藏在雪山脚下的调色盘。@稻城文旅 邀你一起去看三座神山。",
            "感谢网友们的喜爱!丁真说:欢迎大家来理塘做客。#其实丁真在四川# 安逸四川欢迎你 @四川发布",
        ),
        citizen_posts=(
            "一直以为丁真在西藏,原来#其实丁真在四川#!今年假期就去理塘看看。",
            "#其实丁真在四川# 刚从稻城亚丁回来,牛奶海美到失语,高反也是真的难受哈哈。",
            "从成都出发自驾318,第一站康定,晚上吃了牦牛肉火锅,明天翻折多山 #其实丁真在四川#",
            "#其实丁真在四川# 看完《丁真的世界》,被理塘的天空圈粉了,@甘孜文旅 这波操作太会了!",
            "作为甘孜人真的太骄傲了,家乡终于被更多人看见 #其实丁真在四川# 欢迎大家来康巴做客!",
            "#其实丁真在四川# 提醒去理塘的朋友:第一天慢慢走,别洗澡别剧烈运动,多喝热水。",
            "泸定桥、海螺沟、木格措……甘孜好玩的地方太多,一个假期根本不够 #其实丁真在四川#",
            "#其实丁真在四川# 求推荐川西小环线攻略!@四川文旅",
            "丹巴甲居藏寨的清晨,炊烟和云雾分不清 #其实丁真在四川#",
        ),
        replies=("已经在做攻略了!", "理塘的天是真的蓝", "甘孜文旅太会了[赞]", "求攻略!", "去过一次,还想再去", "家乡越来越好了"),
    ),
    CastTopic(
        name="一起守护这座城",
        description="2022年8月重庆多地山火期间,@重庆发布 @重庆共青团 联合发起的话题:通报火情、救援进展和气象信息,620余家政务和媒体微博响应。",
        hosts=("cq_fabu", "cq_gqt"),
        region_code="500000",
        official_posts=(
            "【火情通报】8月21日晚,北碚区歇马街道虎头村附近发生山火,消防、武警、专业扑火队和民兵已赶赴现场处置。请市民不要靠近火场、不要围观。#一起守护这座城#",
            "【交通管制】为保障救援通道畅通,缙云山周边部分道路实行临时交通管制,请社会车辆绕行。#一起守护这座城# @平安重庆",
            "【气象提醒】未来三天我市仍以晴热天气为主,最高气温40℃以上,森林火险气象等级为五级(极度危险)。请勿野外用火!#一起守护这座城# @重庆气象",
            "#一起守护这座城# 志愿者朋友们请注意:物资已基本充足,请不要自行前往火场,通过各区县志愿服务平台统一报名、统一调度。@重庆志愿服务",
            "#一起守护这座城# 各位骑手朋友:运送物资请注意安全,佩戴头盔,服从现场指挥。你们的逆行,重庆记得。",
            "#一起守护这座城# 截至今日18时,缙云山山火隔离带全线贯通,火势得到有效控制。请继续关注官方发布。@重庆消防 @重庆应急",
            "高温下坚守一线的消防员、武警官兵、专业扑火队员和志愿者,辛苦了!山城人民感谢你们 #一起守护这座城#",
            "【最新】江津、巴南、北碚、大足等地山火明火已全部扑灭,转入清烟点、守余火阶段。#一起守护这座城# @江津发布 @巴南发布 @北碚发布",
        ),
        citizen_posts=(
            "#一起守护这座城# 凌晨两点,缙云山上那条“光带”是头灯连成的,一边是火,一边是人。泪目。",
            "刚把两箱矿泉水和藿香正气液送到北碚集结点,现场秩序很好,志愿者们都好有礼貌 #一起守护这座城#",
            "#一起守护这座城# 感谢所有救援队员!你们守护了重庆,重庆也会守护你们。",
            "我们小区的阿姨们自发煮了绿豆汤,让骑手带上山了 #一起守护这座城# 山城人就是这么耿直!",
            "#一起守护这座城# 摩托车队一趟趟往山上送物资,车灯连成一条河,这一幕我会记一辈子。",
            "重庆今天又是43度,在空调房里都热,不敢想象火场一线有多难 #一起守护这座城# 消防员辛苦了",
            "#一起守护这座城# 请大家不要再去现场了,物资够了,把路让给救援车辆!",
            "江津的山火也灭了!看到消息的那一刻在办公室哭了 #一起守护这座城# 感谢所有救援队员",
            "#一起守护这座城# 我是一名退伍军人,已经在巴南报名当志愿者,随时待命。",
        ),
        replies=("辛苦了,一定注意安全!", "重庆加油!", "感谢所有救援队员", "山城人真的好暖", "已转发,大家不要去现场添乱", "看哭了[泪]"),
    ),
    CastTopic(
        name="有困难一起扛",
        description="重庆高温山火期间的互助话题:网友发布求助,救援力量响应,结果公开(求助 → 响应 → 公示)。",
        hosts=("cq_fabu", "cq_gqt"),
        region_code="500000",
        official_posts=(
            "#有困难一起扛# 遇到困难请在微博发布求助,请写清楚:谁需要帮助、在哪里、需要什么、怎么联系。我们会协调救援力量尽快响应。",
            "【提醒】请勿在求助信息中公开完整身份证号、详细门牌号等个人隐私,联系方式可私信我们核实。#有困难一起扛#",
            "#有困难一起扛# 高温限电期间,各区县已开放避暑纳凉点,具体地址请查看各区县发布。@渝中发布 @北碚发布 @巴南发布",
            "【求助响应】网友反映北碚区澄江镇一户老人家中停水,社区工作人员已送去饮用水,并安排每日上门探视。#有困难一起扛#",
            "#有困难一起扛# @微公益 重庆山火专项公益项目已上线,善款将用于一线救援人员保障和受灾群众安置。@中国社会福利基金会",
            "【办结公示】昨日网友求助的巴南区界石镇独居老人转移一事,已由街道和@重庆蓝天救援队 协助完成,老人已安全入住临时安置点。#有困难一起扛#",
        ),
        citizen_posts=(
            "#有困难一起扛# 昨天发的求助已经解决了!社区的同志半小时就到了,老人已经转移到安置点,谢谢大家!",
            "求助已解决,感谢@重庆蓝天救援队 连夜帮忙!#有困难一起扛#",
            "#有困难一起扛# 我家在渝北有空房,可以免费给外地来渝的救援人员临时休息,有需要的私信我。",
            "#有困难一起扛# 沙坪坝这边哪里还能买到冰块?准备送去北碚的物资点。",
            "#有困难一起扛# 帮转!我们楼栋的独居老人都登记好了,社区说停电期间每天上门两次。",
        ),
        replies=("帮顶!", "已转发扩散", "希望老人平安", "好人一生平安", "已私信你", "@重庆蓝天救援队 麻烦看看这条"),
        requests=(
            "#有困难一起扛# 求助!江津区中山镇有位80多岁的老人行动不便,家附近有烟雾,需要帮忙转移。联系人:李女士 139****2876",
            "求助:北碚区歇马街道一户人家有两位老人和一个婴儿,停电两天了,急需移动空调或小型发电机 #有困难一起扛# @重庆发布",
            "#有困难一起扛# 求助!巴南区接龙镇一线救援点急缺冰袋和电解质饮料,有渠道的朋友请联系现场志愿者 158****0913",
            "#有困难一起扛# 求助:涪陵区一位孕妇高温中暑,附近叫不到车,已拨打120,请附近的热心人帮忙照看 136****4410",
            "#有困难一起扛# 求助!长寿区一处养殖场附近山林冒烟,场里还有二十多位工人,请求专业力量支援。联系人 王先生 137****5528",
        ),
        responses=(
            "已收到求助,正在联系属地社区和救援力量核实,请保持电话畅通!",
            "求助信息已核实,救援队员已出发,请在安全地点等候。",
            "已协调附近志愿者前往,请注意防暑降温。",
        ),
        outcomes=(
            "【求助已完成】老人已安全转移至安置点,感谢热心网友和救援队员!",
            "【公示】该求助已办结,所需物资已送达,感谢大家的关注与转发。",
            "【办结】现场情况已处置完毕,人员安全,感谢@重庆蓝天救援队 的支援。",
        ),
    ),
    CastTopic(
        name="守护山城的不止重庆人",
        description="@人民日报 在重庆山火期间开启的话题:来自全国各地的救援力量与志愿者,与重庆人并肩守护山城。",
        hosts=("rmrb",),
        region_code="500000",
        official_posts=(
            "#守护山城的不止重庆人# 云南、四川、甘肃、贵州等地森林消防队伍驰援重庆,跨越千里,只为守护山城。致敬!",
            "#守护山城的不止重庆人# 一边是熊熊山火,一边是逆行的人。来自全国各地的救援力量和志愿者,与重庆人并肩作战。",
            "【转发致敬】连续奋战多日,一线救援人员累了就在地上躺一会儿。#守护山城的不止重庆人# 谢谢你们!",
            "#守护山城的不止重庆人# 重庆山火专项公益项目上线,@微公益 @重庆蓝天救援队 @中国社会福利基金会 @中华思源工程扶贫基金会 等共同助力。",
        ),
        citizen_posts=(
            "#守护山城的不止重庆人# 看到云南森林消防离开重庆时市民夹道欢送,哭得稀里哗啦。",
            "人在外地,帮不上别的忙,捐了一点钱给重庆山火专项项目 #守护山城的不止重庆人# 重庆加油!",
            "#守护山城的不止重庆人# 川渝一家亲,这话不是说说而已。",
            "#守护山城的不止重庆人# 感谢所有救援队员,感谢每一位逆行者,山城会记住你们。",
            "#守护山城的不止重庆人# 外卖小哥、摩托骑手、退伍老兵、大学生志愿者……每个人都是英雄。",
            "#守护山城的不止重庆人# 致敬甘肃、云南、四川的森林消防指战员,一路平安!",
            "全国各地的救援队都来了,这就是中国 #守护山城的不止重庆人#",
        ),
        replies=("致敬!", "一方有难八方支援", "看哭了", "谢谢你们,一路平安", "这就是中国"),
    ),
    CastTopic(
        name="重庆山火各处明火均已扑灭",
        description="@央视新闻 发布的重庆山火扑救进展:各处明火均已扑灭,转入清烟点、守余火阶段。",
        hosts=("cctv_news",),
        region_code="500000",
        official_posts=(
            "【#重庆山火各处明火均已扑灭#】记者从重庆市森林防灭火指挥部获悉,截至8月26日8时30分,重庆山火各处明火均已扑灭,无人员伤亡和重要设施损失。",
            "#重庆山火各处明火均已扑灭# 目前各火场已转入清烟点、守余火阶段,扑救人员将持续巡查,防止复燃。",
            "#重庆山火各处明火均已扑灭# 此次扑救中,消防救援人员、武警官兵、专业扑火队、民兵和志愿者共同奋战。致敬每一位守护者!@重庆消防 @中国消防",
            "#重庆山火各处明火均已扑灭# 高温天气仍将持续,森林火险等级依然较高,请严格遵守野外禁火规定。@重庆应急",
        ),
        citizen_posts=(
            "#重庆山火各处明火均已扑灭# 太好了!!!终于可以睡个安稳觉了",
            "#重庆山火各处明火均已扑灭# 无人员伤亡,这是最好的消息。感谢所有救援队员!",
            "看到#重庆山火各处明火均已扑灭# 的推送,眼泪一下就出来了,这几天太不容易了。",
            "#重庆山火各处明火均已扑灭# 辛苦了所有守护山城的人,接下来好好休息!",
            "#重庆山火各处明火均已扑灭# 明火灭了,还要守好余火,大家还是不要上山。",
            "#重庆山火各处明火均已扑灭# 下一步就盼一场雨了,老天爷帮帮忙吧",
            "重庆人的这个夏天太难了,高温、限电、山火……但我们挺过来了 #重庆山火各处明火均已扑灭#",
        ),
        replies=("太好了!", "终于!", "辛苦了!", "感谢所有救援队员", "盼一场雨"),
    ),
    CastTopic(
        name="什么是以火灭火",
        description="山火扑救科普:以火灭火是在火线前方点烧形成隔离带、让火头失去可燃物的专业战术,必须由专业人员实施。",
        hosts=("china_fire", "cq_fire"),
        region_code="500000",
        official_posts=(
            "#什么是以火灭火# 以火灭火是指在火线前方适当位置点烧,让点烧的火与山火相向燃烧,烧出一条没有可燃物的隔离带,从而阻止火势蔓延。",
            "#什么是以火灭火# 点火时机、风向、地形都要精确判断,必须由专业扑火队伍实施,群众切勿模仿!",
            "#什么是以火灭火# 缙云山火场,扑火队员依托隔离带以火攻火,成功阻断火头向城区方向蔓延。@重庆消防",
            "【科普】遇到森林火灾怎么办?逆风逃生、避开火头,选择植被少的地方,用湿毛巾捂住口鼻。#什么是以火灭火#",
        ),
        citizen_posts=(
            "#什么是以火灭火# 原来“以火攻火”是真的,长知识了,专业的事交给专业的人。",
            "看了#什么是以火灭火# 的科普视频,两股火相遇后一起熄灭的那一刻太震撼了",
            "#什么是以火灭火# 这需要对风向和地形有多精准的判断啊,致敬扑火队员",
            "#什么是以火灭火# 物理老师请求出战:燃烧三要素是可燃物、助燃物和着火点,去掉一个火就灭了。",
            "#什么是以火灭火# 转给家里的小朋友看了,这才是最好的科学课。",
            "#什么是以火灭火# 评论区的朋友千万别在家里试!这是专业战术!",
        ),
        replies=("长知识了", "专业!", "涨姿势了", "致敬扑火队员", "科普得好"),
    ),
    CastTopic(
        name="重庆山火",
        description="2022年8月重庆多地山火的综合话题:火情通报、扑救进展、避险提示与辟谣。",
        hosts=("cq_fabu", "cq_emergency"),
        region_code="500000",
        official_posts=(
            "【火情通报】8月中下旬,涪陵、长寿、江津、巴南、北碚等地相继发生山火,市森林防灭火指挥部已启动应急响应。#重庆山火#",
            "#重庆山火# 火场周边群众已有序转移,安置点提供饮水、食品、药品和降温设备。@重庆应急",
            "【避险提示】山火周边居民闻到浓烟请紧闭门窗,外出佩戴口罩,有呼吸道疾病的群众尽量减少外出。#重庆山火# @重庆卫健委",
            "#重庆山火# 请市民不信谣、不传谣,一切以官方发布为准。@平安重庆",
            "#重庆山火# 气象部门正抓住有利天气条件,择机开展人工增雨作业,助力山火扑救。@重庆气象",
        ),
        citizen_posts=(
            "#重庆山火# 在家里阳台就能看到缙云山那边的火光,希望一切平安",
            "#重庆山火# 南岸这边烟味好重,家里有老人的记得关窗",
            "#重庆山火# 看到网上招志愿者,已经报名了,等统一安排",
            "#重庆山火# 大家别传谣了!一切以@重庆发布 为准",
            "#重庆山火# 今天44度,又是山火又是限电,重庆人太难了,但一定会好起来的",
            "#重庆山火# 凌晨还有好多车往北碚方向开,都是去送物资的",
            "#重庆山火# 给消防员送了冰西瓜,他们说了声谢谢,转身又上山了",
        ),
        replies=("平安!", "不信谣不传谣", "注意安全", "重庆加油", "希望早点下雨"),
        in_seed=False,
    ),
    CastTopic(
        name="马上办",
        description="@马鞍山发布 创办的问政栏目:网友反映的操心事、烦心事、揪心事,转交职能部门办理并公开回复,办结率95%以上。",
        hosts=("mas_fabu",),
        region_code="340500",
        official_posts=(
            "有烦心事?请@马鞍山发布 并带上#马上办# 话题,写明具体地点和问题,我们会转交相关部门尽快办理。",
            "#马上办# 【已办结】网友反映花山区某小区门口路灯损坏,经转交市城管局,路灯已于今日修复,感谢监督!",
            "#马上办# 【回复】关于雨山区某路段雨后积水,市住建局回复:已安排排水管网疏通,本周内完成。",
            "#马上办# 【已办结】网友反映当涂县某菜市场周边占道经营,县城管局已现场整治,并建立常态化巡查机制。@当涂发布",
            "#马上办# 【回访】上月办结的含山县公交线路调整诉求,经回访,网友表示满意。@含山发布 @马鞍山交通",
            "#马上办# 【已办结】网友反映采石河附近有异味,市生态环境局已现场检查并督促企业整改。@马鞍山生态环境",
            "#马上办# 本周共受理网民诉求126件,已办结121件,其余5件正在办理中,我们将持续跟进。@马鞍山12345",
        ),
        citizen_posts=(
            "上周反映的路灯问题,今天就修好了!#马上办# 名不虚传,给@马鞍山发布 点赞",
            "#马上办# 真的是马上办!早上发的微博,下午社区就打电话来了解情况了。",
            "在马鞍山生活这么多年,感觉#马上办# 是真能解决问题的,点赞!",
            "#马上办# 反映的噪音问题处理了,晚上终于能睡个好觉。",
        ),
        replies=("办事效率真高[赞]", "我反映过,确实解决了", "同问", "我们那边也有这个问题", "点赞马鞍山发布"),
        requests=(
            "#马上办# @马鞍山发布 我们小区门口的井盖松动好几天了,晚上走路很危险,在雨山区湖东路附近,麻烦看一下。",
            "#马上办# @马鞍山发布 博望区某小区楼下夜间施工噪音太大,已经连续一周了,严重影响休息。",
            "#马上办# @马鞍山发布 请问学生公交卡优惠怎么申请?网上没找到办理流程。",
            "#马上办# 花山区有一段人行道被电动车停满了,推婴儿车都过不去,希望管一管 @马鞍山发布",
            "#马上办# @马鞍山发布 和县这边有个路口绿灯时间太短,老人过马路很危险。",
        ),
        responses=(
            "您好,您反映的问题已收到,已转交相关部门办理,请保持电话畅通。",
            "感谢反映!已转办属地街道,办理结果会及时回复您。",
            "您好,已联系相关部门核实情况,我们会持续跟进。",
        ),
        outcomes=(
            "【已办结】您反映的问题相关部门已处理完毕,如仍有问题欢迎继续留言。#马上办#",
            "您好,经相关部门现场核查,问题已解决,感谢您的监督!#马上办#",
            "【办理回复】问题已整改到位,后续将纳入常态化巡查。#马上办#",
        ),
    ),
    CastTopic(
        name="台风梅花",
        description="2022年第12号台风“梅花”:@中国气象局 @中国天气 发布台风预警、路径预报和防御提示。",
        hosts=("cma_gov", "weather_china"),
        region_code="310000",
        official_posts=(
            "【台风橙色预警】今年第12号台风“梅花”正向西北方向移动,强度维持,将逐渐靠近浙江北部至上海一带沿海。#台风梅花# @中国天气",
            "#台风梅花# 中央气象台继续发布台风橙色预警:预计“梅花”将于14日夜间在浙江舟山至上海一带沿海登陆,沿海地区需防范大风和强降雨。",
            "#台风梅花# 受台风影响,上海、浙江东北部、江苏南部等地将有大到暴雨,局地大暴雨,请注意防范城市内涝。",
            "【科普】台风天怎么防?远离广告牌、临时搭建物和大树,不要到海边观潮,车辆不要停在低洼处。#台风梅花#",
            "#台风梅花# 最新路径图来了:登陆后“梅花”将继续北上,强度逐渐减弱,山东半岛、辽东半岛也需注意防范。@中国气象局",
        ),
        citizen_posts=(
            "#台风梅花# 上海的风已经起来了,窗户呜呜地响,阳台的东西都收进来了",
            "#台风梅花# 今天提前下班了,地铁站人好多,大家注意安全",
            "#台风梅花# 第一次经历台风,有点紧张,收到了好几条预警短信",
            "#台风梅花# 舟山的朋友们注意安全!",
            "#台风梅花# 看了@中国天气 的路径图,明天估计要居家办公了",
            "#台风梅花# 菜场里的蔬菜一下子被抢光了,还好家里存了点",
            "#台风梅花# 楼下倒了一棵树,已经打了12345,物业在处理",
        ),
        replies=("注意安全!", "平安度过", "收到预警了", "窗户贴好了吗", "希望别有损失"),
        in_seed=False,
    ),
    CastTopic(
        name="台风梅花登陆上海",
        description="台风“梅花”再次登陆上海奉贤:@上海发布 @上海防汛 发布防汛通知、交通停运和避险安置信息。",
        hosts=("sh_fabu", "sh_flood"),
        region_code="310000",
        official_posts=(
            "#台风梅花登陆上海# 本市防汛防台应急响应提升至最高级,各级防汛部门24小时值守,请市民非必要不外出。@上海防汛",
            "【防汛通知】请居民检查门窗,清理阳台花盆等易坠物,地下车库车辆请移至高处。遇险情请拨打110或119。#台风梅花登陆上海# @警民直通车-上海",
            "【交通停运】受台风影响,部分轨道交通地面及高架区段限速运行,部分航班取消,旅客请关注航空公司通知。#台风梅花登陆上海# @上海交通",
            "#台风梅花登陆上海# 沿海及低洼地区人员已有序转移,各区开放避险安置点。@上海奉贤 @浦东发布",
            "【最新】今年第12号台风“梅花”于15日0时30分前后在上海奉贤沿海再次登陆,是1949年以来登陆上海最强的台风。#台风梅花登陆上海#",
            "#台风梅花登陆上海# 台风过境后,排水、绿化、电力等部门正连夜抢修,多数道路已恢复通行。@上海应急",
        ),
        citizen_posts=(
            "#台风梅花登陆上海# 奉贤这边风雨好大,一整夜都在响",
            "#台风梅花登陆上海# 小区物业一早就在清理倒伏的树木,辛苦了",
            "#台风梅花登陆上海# 收到@上海发布 的推送就把车挪到高处了,楼下车库果然进水了",
            "#台风梅花登陆上海# 外卖小哥今晚也别出门了,等风停了再说",
            "#台风梅花登陆上海# 地铁正常运营,通勤族表示感动",
            "#台风梅花登陆上海# 七十多年来最强,一晚上没睡着,好在早上风小了",
            "#台风梅花登陆上海# 感谢一线抢险的工人们,凌晨还在街上抢修",
        ),
        replies=("上海平安!", "辛苦了", "我们这边也停电了", "注意安全", "感谢一线抢险人员"),
        in_seed=False,
    ),
    CastTopic(
        name="马踏飞燕玩偶",
        description="@甘肃省博物馆 以镇馆之宝铜奔马为原型推出的毛绒玩偶爆火出圈,博物馆借势策划的一系列趣味博文。",
        hosts=("gs_museum",),
        region_code="620000",
        official_posts=(
            "#马踏飞燕玩偶# 我们的镇馆之宝铜奔马,变成毛绒玩偶啦!神态传神、自带喜感,欢迎来馆里和“真身”合影。",
            "#马踏飞燕玩偶# 飞燕:我只是路过,为什么被踩的总是我?铜奔马:……[笑cry]",
            "#马踏飞燕玩偶# 补货通知:近期订单较多,发货需7-15天,感谢大家耐心等待!",
            "#马踏飞燕玩偶# 铜奔马出土于甘肃武威雷台汉墓,1983年被确定为中国旅游标志。来甘博,看它的“原版”。@甘肃文旅",
            "#马踏飞燕玩偶# 别的博物馆让文物活起来,我们让文物“整活”。周末馆内有文创市集,欢迎来玩!",
        ),
        citizen_posts=(
            "#马踏飞燕玩偶# 笑死,这个表情太丑萌了,已下单",
            "#马踏飞燕玩偶# 专程去兰州看了真的铜奔马,比玩偶帅多了哈哈",
            "#马踏飞燕玩偶# @甘肃省博物馆 的小编是懂整活的",
            "#马踏飞燕玩偶# 抢了三次终于抢到了!放在工位上,每天看一眼心情都变好",
            "#马踏飞燕玩偶# 因为一个玩偶去了趟甘肃,顺便吃了正宗的牛肉面,值了",
            "#马踏飞燕玩偶# 建议出个钥匙扣版本 @甘肃省博物馆",
        ),
        replies=("哈哈哈哈哈", "已下单", "太丑萌了", "想要!", "甘博小编真会玩"),
        in_seed=False,
    ),
    CastTopic(
        name="2023政务V影响力峰会",
        description="2023年3月21日在武汉举行的政务新媒体峰会,全国政务微博代表共话政务传播与社会治理。",
        hosts=("hb_fabu", "wh_fabu"),
        region_code="420100",
        official_posts=(
            "#2023政务V影响力峰会# 今天在武汉举行,全国各地的政务新媒体代表齐聚江城,共话政务传播新实践。@武汉发布 @湖北网信",
            "#2023政务V影响力峰会# 2022年政务微博主持的话题登上全国热搜、同城热搜的次数,同比分别增长94%和223%。",
            "#2023政务V影响力峰会# 最高检新闻办代表:微博低门槛、高互动、高转发,已成为政务传播不可替代的平台。@最高人民检察院",
            "#2023政务V影响力峰会# 从问政到发布再到行政,政务微博已走过13年。欢迎各地政务号常来武汉交流!",
        ),
        citizen_posts=(
            "#2023政务V影响力峰会# 希望各地政务号都能像@重庆发布 那样,关键时刻靠得住",
            "#2023政务V影响力峰会# 武汉的春天真好看,樱花还没谢",
            "#2023政务V影响力峰会# 政务号会玩梗,老百姓才愿意看",
            "#2023政务V影响力峰会# 马鞍山发布的#马上办# 是我心中的第一名",
        ),
        replies=("期待", "说得好", "政务号越来越接地气了", "点赞"),
        in_seed=False,
    ),
)

TOPICS_BY_NAME: Mapping[str, CastTopic] = MappingProxyType({t.name: t for t in TOPICS})


# —— posts of government, media and organisation accounts outside any topic ——
# ``{place}`` is the short name of the account's region (全国 for national bodies).

GOVERNMENT_POSTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "publicity": (
        "【便民】{place}政务服务“一网通办”再升级,120个高频事项实现掌上办理。",
        "{place}的朋友们,周末愉快!欢迎晒出你镜头里的家乡。",
        "【提醒】近期有不法分子冒充政府工作人员实施诈骗,请{place}的朋友们提高警惕。",
        "【民生】{place}今年第二批民生实事项目已全部开工,涉及教育、医疗、养老等领域。",
        "【早安】新的一周开始了,{place}今天天气不错,出门记得带上好心情。",
    ),
    "public_security": (
        "【警情通报】{place}警方近日破获一起电信网络诈骗案,抓获犯罪嫌疑人5名。陌生来电让转账,一律是诈骗!",
        "【防诈提醒】“刷单返利”都是诈骗!{place}警方提醒您:不听、不信、不转账。",
        "接到网友举报线索后,{place}警方第一时间核查处置,相关情况已依法处理,感谢网友监督。",
        "夜间巡逻中,民警帮一位走失老人找到了家人。{place}警方提醒:家中老人外出请随身携带联系卡。",
        "【回应】网友反映的地铁站扒窃线索已核实,嫌疑人已落网。事事有回应,感谢您的信任。",
    ),
    "culture_tourism": (
        "周末去哪儿?{place}精选5条赏秋路线,总有一条适合你。",
        "【文旅资讯】{place}多家A级景区推出门票优惠,详情请关注景区公告。",
        "来{place},吃一碗地道的家乡味,看一场非遗表演。",
        "【出游提示】节假日景区客流较大,请提前预约、错峰出行。{place}欢迎你!",
    ),
    "emergency_management": (
        "【安全提示】高温天气用电负荷大,请勿私拉乱接电线。{place}应急管理部门提醒您注意用电安全。",
        "{place}开展防灾减灾应急演练,检验突发情况下的疏散与救援能力。",
        "【应急科普】家庭应急包建议备好:饮用水、食品、手电筒、急救药品、充电宝和重要证件复印件。",
    ),
    "meteorology": (
        "【天气预报】{place}今天多云转晴,气温22到31℃,紫外线较强,外出注意防晒。",
        "【预警】{place}发布雷电黄色预警信号,未来6小时可能发生雷电活动,请注意防范。",
        "【气象科普】夏天午后为什么容易下雷阵雨?因为地面受热后,空气对流格外旺盛。",
        "未来一周{place}以晴到多云为主,早晚温差较大,请适时增减衣物。",
    ),
    "earthquake": (
        "【地震速报】{place}今日凌晨发生一次小震,震源深度10千米,未造成损失,请市民不必惊慌。",
        "【防震科普】地震来了怎么办?室内就近躲避在坚固的桌子下,护住头颈,震后有序撤离。",
        "{place}开展地震应急避难场所检查,确保设施完好、标识清晰。",
    ),
    "procuratorate": (
        "【检察动态】{place}检察机关依法对一起侵害未成年人案件提起公诉。",
        "【以案释法】公益诉讼检察:守护{place}的绿水青山。",
        "{place}检察机关12309检察服务中心受理群众来信来访,件件有回复。",
    ),
    "court": (
        "【法院动态】{place}法院开展“执行攻坚”专项行动,切实兑现胜诉权益。",
        "【以案说法】网购“七天无理由退货”起了纠纷怎么办?法官这样说。",
        "{place}法院已开通网上立案,当事人足不出户即可立案。",
    ),
    "youth_league": (
        "青春正当时!{place}共青团招募暑期志愿者,快来报名吧。",
        "【团团推荐】今日读书:愿你在书中遇见更好的自己。",
        "致敬每一位在平凡岗位上发光的青年!",
    ),
    "museum": (
        "【今日文物】馆藏汉代彩绘陶俑,憨态可掬,快来馆里看看它。",
        "【开放公告】本馆周一闭馆,周二至周日9:00—17:00开放,请提前预约。",
        "【文创上新】新一批文创产品上线,欢迎来馆选购。",
    ),
    "flood_control": (
        "【防汛提示】{place}进入主汛期,请关注预警信息,遇积水路段请勿涉水通行。",
        "{place}防汛部门开展汛前检查,重点排查地下空间和低洼地区。",
    ),
    "fire_rescue": (
        "【消防提醒】电动自行车请勿进楼入户、飞线充电!{place}消防提醒您。",
        "{place}消防救援队伍开展高层建筑灭火救援实战演练。",
        "【119】发现火情请立即拨打119,讲清地址、起火物和火势大小。",
    ),
    "transport": (
        "【出行提示】{place}部分路段施工,请提前绕行,具体信息以交通部门发布为准。",
        "{place}新开通3条公交线路,方便市民出行。",
        "节假日高速公路小客车免费通行,{place}交通部门提醒错峰出行。",
    ),
    "health": (
        "【健康提示】高温天气注意防暑降温,出现头晕、乏力等症状请及时就医。",
        "{place}开展免费“两癌”筛查,适龄女性可到社区卫生服务中心预约。",
        "【健康科普】每天运动30分钟,少油少盐,健康生活从今天开始。",
    ),
    "ecology_environment": (
        "【空气质量】{place}今日空气质量优,适合户外活动。",
        "{place}持续开展河道治理,水质稳定达标,欢迎网友监督举报环境问题。",
        "【生态环境】发现偷排偷放,请拨打12369环保热线。",
    ),
    "urban_management": (
        "【城管提示】{place}开展占道经营专项整治,请商户规范经营、文明摆放。",
        "{place}新增300个共享单车停放点,请市民规范停放。",
    ),
    "housing_construction": (
        "【住建】{place}今年老旧小区改造已开工86个,惠及居民2.1万户。",
        "【提醒】{place}汛期将至,各在建工地请做好防汛排查。",
    ),
    "human_resources": (
        "【就业】{place}春季招聘会本周六举行,300余家企业提供岗位8000个。",
        "【维权】遇到欠薪问题,可拨打12333或通过{place}劳动监察平台反映。",
    ),
    "market_regulation": (
        "【消费提示】{place}开展节日市场食品安全抽检,结果将及时公布。",
        "【市场监管】{place}查处价格违法案件12起,维护消费者合法权益。",
    ),
    "water_affairs": (
        "【停水通知】因管网改造,{place}部分区域明日9时至17时停水,请提前储水。",
        "{place}城区供水水质检测结果公布,各项指标均符合国家标准。",
    ),
    "education": (
        "【教育】{place}秋季学期义务教育招生工作安排公布,请家长关注。",
        "{place}新建改扩建中小学12所,新增学位1.5万个。",
    ),
    "civil_affairs": (
        "【民政】{place}高龄津贴发放标准提高,80岁以上老人每月增加50元。",
        "{place}社区养老服务中心新增助餐点40个。",
    ),
    "natural_resources": (
        "【自然资源】{place}国土空间总体规划公示,欢迎市民提出意见。",
        "{place}开展地质灾害隐患排查,发现隐患请及时报告。",
    ),
    "service_hotline": (
        "【12345】{place}政务服务便民热线本月受理诉求1.1万件,办结率96%。",
        "有事找12345,{place}热线24小时在线。",
    ),
    "other": (
        "【便民】{place}12345热线本月受理诉求1.2万件,按时办结率98%。",
        "{place}政务服务事项“最多跑一次”,办事更方便。",
        "感谢网友反映的问题,我们已转交相关部门办理,结果会及时回复。",
    ),
})

MEDIA_POSTS: tuple[str, ...] = (
    "【早啊!新闻来了】今天有这些新闻值得关注,一起来看。",
    "【夜读】生活不会辜负每一个认真努力的人。晚安。",
    "【提醒】天气转凉,早晚温差大,注意添衣保暖。",
    "【关注】{place}多地迎来出游高峰,景区客流有序。",
    "【暖闻】公交司机紧急停车救下突发疾病的乘客,好样的!",
)

ORGANISATION_POSTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "rescue_team": (
        "【救援通报】队员昨夜完成一起山地搜救任务,被困驴友已安全下山。户外活动请结伴而行、量力而为。",
        "【招募】新一期应急救援志愿者培训开始报名,内容包括心肺复苏、绳索救援和水上救援。",
        "【科普】溺水自救:保持冷静,头向后仰、口鼻露出水面,不要慌乱挣扎。",
    ),
    "charity": (
        "【项目进展】山火专项公益项目善款已拨付,用于一线救援人员保障和受灾群众安置,明细将按期公示。",
        "每一份善意都值得被看见。感谢所有参与捐助的爱心网友!",
        "【公示】本月公益项目善款使用情况已公开,欢迎社会各界监督。",
    ),
    "ngo": (
        "【志愿服务】本周末社区志愿服务活动开始报名,欢迎加入我们!",
        "感谢每一位志愿者的付出,你们让这座城市更温暖。",
        "【招募】高温天气关爱独居老人志愿者招募中,每天上门问候一次。",
    ),
})

# —— citizens ——
# ``{city}`` is the short name of the citizen's home city.

CITIZEN_POSTS: tuple[str, ...] = (
    "今天{city}的晚霞也太好看了吧,下班路上停下来拍了十几张",
    "周末去爬山,腿已经不是自己的了",
    "楼下新开了一家面馆,味道很正宗,老板人也实在",
    "早高峰地铁挤成照片,打工人加油",
    "终于把拖了三个月的体检做完了,一切正常,开心",
    "{city}今天降温了,大家记得添衣服",
    "带爸妈去公园散步,老爸非要跟广场舞阿姨们学两招",
    "加班到十点,回家路上买了个烤红薯,治愈",
    "孩子今天第一天上幼儿园,哭的是我",
    "周五了!今晚火锅走起",
    "公交车上一个小伙子给老人让座,老人硬塞给他一个橘子,好可爱",
    "{city}的房租又涨了,打工人的心在滴血",
    "在小区门口捡到一个钱包,已经交给物业了,失主快来认领",
    "图书馆自习室终于抢到座位了,考研人冲",
    "第一次自己做红烧肉,居然成功了",
    "下雨天,适合在家看书听雨",
    "{city}的夜景真的百看不腻",
    "今天跑了五公里,给自己点个赞",
    "家里的猫又把花盆打翻了,无语",
    "社区组织义诊,带奶奶去量了血压,医生好耐心",
    "周末带娃去了科技馆,他比我玩得还开心",
    "外卖小哥冒雨送餐,给了个五星好评,大家都不容易",
    "求推荐{city}好吃的早餐店!",
    "新买的电动车上牌了,网上预约,半小时搞定,比想象的快",
    "今天是毕业十周年聚会,大家都变了,又好像都没变",
    "早上在江边晨跑,空气很好",
    "单位食堂今天有红烧排骨,幸福感拉满",
    "最近在学做面包,失败了三次,不服",
    "追的剧大结局了,意难平",
    "在{city}街头遇到一个弹吉他的小哥,唱得真好",
    "天气好热,空调续命",
    "骑共享单车上班十五分钟,比开车还快",
    "楼下的菜市场改造完了,干净整洁多了,点赞",
    "又是被闹钟叫醒的一天",
    "给老家的爸妈寄了点{city}特产,希望他们喜欢",
    "去政务服务中心办居住证,一个窗口就办完了,效率很高",
    "周末大扫除,扔掉了一堆用不上的东西,神清气爽",
    "小区新装了充电桩,终于不用飞线充电了",
    "下班后去夜市逛了一圈,烧烤摊人气爆满",
    "第一次献血,护士小姐姐特别温柔",
    "今天的云像棉花糖一样",
    "过马路的时候一辆车主动停下让行,文明{city}名不虚传",
    "终于把驾照考下来了!科目二考了两次",
    "公司楼下的银杏叶黄了,秋天来了",
    "周末去郊区摘草莓,收获满满",
    "学会了在手机上交医保,不用再跑营业厅了",
    "{city}的公交新线路开通了,去单位少换乘一次",
    "在博物馆待了一下午,长知识了",
    "晚饭后和家人在小区散步,这就是生活吧",
    "今天是我家狗狗十岁生日,祝它健康长寿",
    "下雨没带伞,便利店老板借了我一把",
    "今天看了一场话剧,演员们太投入了",
    "减肥第30天,瘦了四斤,继续坚持",
    "小区停车位又被占了,物业说会处理",
    "又到了吃小龙虾的季节",
    "给自己放个假,明天去{city}周边转转",
    "朋友从外地来{city}玩,带他吃了一整天,撑",
    "在地铁上看完了一本书",
    "奶奶学会了用微博,第一条就是给我点赞",
    "今天也要好好吃饭呀",
    "夜跑遇到好多同好,{city}的运动氛围越来越好了",
    "楼上装修的电钻声从早上八点响到现在……",
)

#: Problems a citizen reports to their city's 发布 account (城市服务台); posted as "@账号 " + text.
SERVICE_REQUESTS: tuple[str, ...] = (
    "我们小区门口的路灯坏了一周了,晚上特别黑,老人孩子出门不安全,麻烦看一下。",
    "家门口的人行道砖松动了好几块,下雨天一踩溅一身泥,希望能修一修。",
    "小区旁边的工地夜里十一点还在施工,噪音太大,影响休息。",
    "公交站牌上的信息还是旧的,线路已经调整了,容易误导乘客。",
    "路口的绿灯时间太短,老人过马路很危险,建议延长一些。",
    "小区垃圾站好几天没人清运了,天气热,味道很大。",
    "楼下有辆僵尸车停了半年多,占着消防通道,麻烦处理一下。",
    "菜市场门口占道经营严重,早上车都开不进去。",
    "请问新生儿落户需要哪些材料?网上没有找到详细的办事指南。",
    "小区电梯经常故障,上周还困过人,物业一直推脱,希望相关部门督促一下。",
    "河边有人往河里倒垃圾,水都变黑了,希望有关部门管一管。",
    "学校门口放学时段堵得厉害,能否安排交警疏导?",
    "老旧小区改造后楼道灯一直没通电,什么时候能解决?",
    "有商户在店门口私装地锁,占用公共停车位。",
    "社区卫生服务中心的预约电话一直打不通,老人不会用手机预约。",
)

#: Acknowledgements (签收 / 转办) and outcomes (办结) of service requests, replied by the account.
SERVICE_RESPONSES: tuple[str, ...] = (
    "您好,您反映的问题已收到,已转交相关部门办理,请保持电话畅通。",
    "感谢反映!已转办属地街道,办理结果会及时回复您。",
    "收到,已转交职能部门,请耐心等待回复。",
)
SERVICE_OUTCOMES: tuple[str, ...] = (
    "【已办结】您反映的问题相关部门已处理完毕,如仍有问题欢迎继续留言。",
    "您好,经相关部门现场核查,问题已解决,感谢您的监督!",
    "【办理回复】问题已整改到位,后续将纳入常态化巡查。",
)

#: Short comments citizens leave under any post.
REPLIES: tuple[str, ...] = (
    "说得太对了", "赞同", "哈哈哈哈", "真的假的?", "同城的朋友你好", "已转发", "支持!", "羡慕了",
    "好看!", "加油加油", "在哪里呀?求地址", "我也是这么想的", "确实", "mark一下", "太真实了",
    "辛苦了", "好温暖", "笑死", "楼主说的是哪一家?", "同感", "下次一起", "必须点赞", "[赞]", "[心]",
    "[哈哈]", "希望越来越好", "前排围观", "谢谢分享", "收藏了", "有道理",
)

#: Weibo-style endings appended to some citizen posts, so repeated texts differ.
POST_TAILS: tuple[str, ...] = (
    "[赞]", "[心]", "[加油]", "[泪]", "[哈哈]", "[doge]", "[微笑]", "[给力]", "[太开心]", "[good]",
)

# —— names and profiles of citizens ——

SURNAMES: tuple[str, ...] = tuple(
    "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向汤"
)
GIVEN_NAMES: tuple[str, ...] = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "霞", "平", "刚", "华", "玲", "飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁",
    "欣", "佳", "雪", "倩", "婷", "颖", "琳", "晨", "阳", "秀英", "桂英", "思远", "子涵", "梓轩", "一诺",
    "雨桐", "欣怡", "浩然", "宇轩", "子豪", "诗涵", "梦瑶", "嘉怡", "俊杰", "文博", "晓东", "建国", "秀兰",
    "志强", "海燕", "春梅", "玉兰", "国庆", "红梅", "晓燕", "丹丹", "婉清", "若曦", "天佑", "家乐", "明轩",
    "思琪", "语嫣", "博文", "雅婷", "永刚",
)
#: Familiar prefixes of Weibo nicknames: 山城小李, 蓉城老王.
NICK_PREFIXES: tuple[str, ...] = ("小", "老", "阿", "大")
NICK_NOUNS: tuple[str, ...] = (
    "猫", "鲸鱼", "兔子", "熊猫", "柴犬", "刺猬", "橘子", "月亮", "星星", "云朵", "麻雀", "海豚", "考拉",
    "企鹅", "松鼠", "仙人掌", "向日葵", "蒲公英", "咸鱼", "土豆", "小笼包", "汤圆", "狐狸", "小鹿", "团子",
)
NICK_ADJECTIVES: tuple[str, ...] = (
    "爱吃火锅的", "不想上班的", "早睡早起的", "喜欢看云的", "会做饭的", "努力减肥的", "认真生活的",
    "在路上的", "爱跑步的", "失眠的", "快乐的", "佛系的", "爱旅行的", "追剧的", "晒太阳的", "会发光的",
)
#: Nicknames of the cities most of the demo happens in; other cities use their short name.
CITY_NICKNAMES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "500000": ("山城", "雾都", "重庆"),
    "310000": ("魔都", "申城", "上海"),
    "510100": ("蓉城", "成都"),
    "110000": ("京城", "北京"),
    "340500": ("马鞍山", "诗城"),
    "513300": ("康巴", "甘孜"),
    "650100": ("天山", "乌鲁木齐"),
    "620100": ("金城", "兰州"),
    "420100": ("江城", "武汉"),
    "511800": ("雨城", "雅安"),
})
CITY_LANDMARKS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "500000": ("嘉陵江", "长江", "解放碑", "洪崖洞", "南山", "缙云山"),
    "310000": ("黄浦江", "外滩", "苏州河", "武康路"),
    "510100": ("锦江", "春熙路", "宽窄巷子", "青城山"),
    "110000": ("后海", "胡同", "长安街", "香山"),
    "340500": ("采石矶", "雨山湖", "长江"),
    "513300": ("雅拉雪山", "跑马山", "折多山", "海螺沟"),
    "650100": ("天山", "红山", "水磨沟"),
    "620100": ("黄河", "白塔山", "中山桥"),
    "420100": ("东湖", "长江", "黄鹤楼", "汉江"),
    "511800": ("青衣江", "蒙顶山"),
})
GENERIC_LANDMARKS: tuple[str, ...] = ("江", "湖", "河", "海", "山", "老街", "小巷", "城墙")

HOBBIES: tuple[str, ...] = (
    "喜欢摄影", "爱吃火锅", "跑步爱好者", "资深追剧人", "周末徒步", "养了两只猫", "喜欢读书",
    "美食探店", "业余吉他手", "广场舞爱好者", "钓鱼佬", "喜欢逛博物馆",
)
JOBS: tuple[str, ...] = (
    "上班族", "老师", "程序员", "护士", "外卖骑手", "大学生", "退休职工", "个体户", "设计师", "司机",
    "医生", "宝妈",
)
BIO_TEMPLATES: tuple[str, ...] = (
    "{city}人,{hobby}。",
    "在{city}生活的普通{job}。",
    "{job} / {hobby}",
    "热爱生活,热爱{city}。",
    "{hobby},偶尔更新。",
    "",
)
