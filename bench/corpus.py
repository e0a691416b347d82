"""Text corpus shared by the data generator and the load generator.

Everything here is deterministic given a :class:`random.Random`: Chinese post fragments, Weibo
style topics (``#重庆山火#``) built from real city names, citizen nicknames and the names of
government and media accounts. Post text is assembled from fragments so that the generator can
segment each fragment once (jieba is slow) and reuse the tokens for ``search_documents``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from plaza import regions

#: Big cities, most populous first: they get most of the accounts (see :func:`city_weights`).
BIG_CITIES: tuple[str, ...] = (
    "310000", "110000", "500000", "440300", "440100", "510100", "120000", "420100", "330100",
    "610100", "320100", "410100", "430100", "370200", "441900", "350200", "320500", "210100",
    "370100", "530100", "220100", "340100", "130100", "360100", "450100",
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武"
NICK_ADJECTIVES = (
    "快乐的", "爱吃辣的", "早起的", "追风的", "安静的", "认真的", "路过的", "爱摄影的", "奔跑的",
    "佛系", "元气", "努力的", "深夜", "喜欢猫的", "会做饭的", "骑车的", "爱读书的", "小小",
)
NICK_NOUNS = (
    "小李", "阿强", "大白", "橘子", "豆包", "小鱼", "星星", "团子", "老张", "胖虎", "木木", "阿杰",
    "可乐", "柚子", "小熊", "麦兜", "花卷", "松鼠", "小满", "飞鸟", "晴天", "云朵", "石头", "青山",
)

GOVERNMENT_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("发布", "publicity"), ("公安", "public_security"), ("文旅", "culture_tourism"),
    ("应急管理", "emergency_management"), ("气象", "meteorology"), ("消防", "fire_rescue"),
    ("交通", "transport"), ("卫健委", "health"), ("生态环境", "ecology_environment"),
    ("检察", "procuratorate"), ("法院", "court"), ("共青团", "youth_league"),
)
NATIONAL_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("中国应急管理", "emergency_management"), ("中国气象局", "meteorology"),
    ("公安部刑侦局", "public_security"), ("国家卫健委", "health"), ("中国消防", "fire_rescue"),
    ("共青团中央", "youth_league"), ("最高人民检察院", "procuratorate"), ("交通运输部", "transport"),
    ("生态环境部", "ecology_environment"), ("文化和旅游部", "culture_tourism"),
)
MEDIA_SUFFIXES = ("日报", "晚报", "电视台", "新闻广播", "都市报", "发布厅")

TOPIC_EVENTS = (
    "暴雨", "山火", "高温", "降温", "大雪", "台风", "地铁新线开通", "马拉松", "美食节", "灯光秀",
    "招聘会", "高考", "中考", "垃圾分类", "交通管制", "演唱会", "樱花季", "桂花开了", "旅游攻略",
    "夜市", "早高峰", "志愿者", "疫苗接种", "停水通知", "停电通知", "防汛", "空气质量", "房价",
    "新地标", "老街改造", "图书馆", "博物馆", "文创", "烟花", "庙会", "龙舟赛", "国庆出行",
    "春运", "城市更新", "公交调整",
)
NATIONAL_TOPICS = (
    "两会", "高考加油", "国庆假期", "中秋快乐", "春节回家", "世界读书日", "全国防灾减灾日",
    "119消防宣传月", "全民健身", "乡村振兴", "双十一", "520", "毕业季", "开学季", "打工人",
    "今日份好心情", "晒晒我的家乡", "城市美食地图", "应急科普", "反诈宣传", "防溺水", "天气预报",
    "健康中国", "一起去露营", "周末去哪儿", "我的城市我的家", "随手拍", "暖心瞬间", "致敬救援队",
    "夏日消暑指南",
)

OPENERS = (
    "今天{city}的天气真不错，", "刚刚路过{city}市中心，", "早上好！", "下班路上看到，", "重要提醒：",
    "【通知】", "【提醒】", "分享一下，", "说真的，", "各位朋友，", "周末在{city}逛了一圈，",
    "有没有人知道，", "突然发现，", "本周{city}的大事：", "第一次来{city}，", "作为土生土长的{city}人，",
    "晚上散步的时候，", "今天排队两个小时，", "朋友推荐了一家店，", "关注一下，", "温馨提示：",
    "看到新闻才知道，", "路况播报：", "感谢各位网友的关心，", "据气象部门消息，", "好消息！",
    "又是忙碌的一天，", "雨后的{city}，", "今晚的月亮很圆，", "收到市民来信，",
)
BODIES = (
    "地铁站新增了好几个出口，换乘方便多了。", "江边的步道修好了，傍晚散步的人特别多。",
    "这家小面馆开了二十年，味道一点没变。", "预计未来三天有强降雨，请大家减少外出。",
    "高温橙色预警已发布，注意防暑降温。", "请市民朋友提前规划出行路线，避开拥堵路段。",
    "志愿者们连夜奋战，终于把物资送到了山上。", "图书馆延长开放时间到晚上十点了。",
    "小区门口新开了一家便利店，二十四小时营业。", "公交线路调整了，记得查看最新的站点信息。",
    "救援队已经抵达现场，现场秩序良好。", "这次的美食节有来自全国各地的特色小吃。",
    "孩子们在广场上放风筝，笑声一片。", "新的体育公园对外开放，免费预约入场。",
    "天气转凉，早晚温差大，注意添衣。", "接到群众报警后，民警五分钟内赶到现场。",
    "老街改造后保留了原来的青石板路。", "防汛应急预案已启动，相关部门二十四小时值守。",
    "夜市的烧烤摊排起了长队，烟火气十足。", "博物馆推出了新的文物特展，值得一看。",
    "请大家不要轻信陌生来电，谨防电信诈骗。", "空气质量优，适合户外运动。",
    "医院开通了夜间门诊，方便上班族就医。", "社区组织了垃圾分类宣传活动，居民参与热情很高。",
    "桥梁检修期间，部分车道临时封闭。", "山上的桂花开了，整条街都是香的。",
    "这个周末有演唱会，地铁将延长运营时间。", "消防员叔叔给小朋友们上了一堂安全课。",
    "新能源公交车全部上线，乘坐体验很好。", "菜市场的蔬菜价格比上周便宜了一些。",
    "景区实行预约制，建议错峰出行。", "暴雨导致部分路段积水，请绕行。",
    "城市书房又多了三家，阅读越来越方便。", "今天的晚霞太美了，随手拍了几张。",
    "外卖小哥冒雨送餐，真的辛苦了。", "老人们在公园里打太极，精神特别好。",
    "大学生志愿者在车站为旅客提供引导服务。", "新修的绿道连通了三个公园。",
    "森林防火期，严禁携带火种进山。", "假期第一天，高速公路车流量明显增加。",
)
CLOSERS = (
    "大家怎么看？", "点赞支持！", "转发扩散一下。", "希望越来越好。", "为家乡点赞！", "太不容易了。",
    "有同感的举个手。", "记得提醒家里的老人。", "欢迎大家来{city}玩！", "辛苦了！", "加油！",
    "请相互转告。", "求推荐！", "真的很感动。", "哈哈哈哈。", "冲鸭！", "注意安全。",
    "以上信息仅供参考。", "明天见。", "一起期待吧。",
)
REPLIES = (
    "说得太对了！", "感谢提醒，已转发给家人。", "请问具体在哪个位置？", "我也遇到过，确实如此。",
    "辛苦了，向一线工作人员致敬！", "已收到，谢谢！", "这个信息很有用。", "同城的朋友注意一下。",
    "求更多细节。", "支持！", "好想去看看。", "上次去的时候人好多。", "希望早日恢复正常。",
    "点赞，做得好！", "请问需要预约吗？", "哈哈，我家就在附近。",
)


def short_city_name(name: str) -> str:
    """重庆市 → 重庆, 恩施土家族苗族自治州 → 恩施: the name people use in posts and topics."""
    if "自治" in name:
        return name[:2]
    for suffix in ("特别行政区", "地区", "市", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True, slots=True)
class City:
    """A city accounts live in: its division code and the short name used in text."""

    code: str
    short: str


def all_cities(rng: random.Random) -> tuple[list[City], list[float]]:
    """Every city of :func:`plaza.regions.cities` with a skewed popularity: the big cities of
    :data:`BIG_CITIES` first (weight 1/(rank+2)), the rest in a seeded random order (Zipf tail)."""
    divisions = {d.code: d for d in regions.cities()}
    big = [c for c in BIG_CITIES if c in divisions]
    rest = [c for c in divisions if c not in set(big)]
    rng.shuffle(rest)
    ordered = big + rest
    cities = [City(code, short_city_name(divisions[code].name)) for code in ordered]
    weights = [1.0 / (rank + 2) for rank in range(len(ordered))]
    return cities, weights


def topic_pool(rng: random.Random, cities: Sequence[City], size: int) -> list[str]:
    """``size`` distinct topic names, most popular first: national topics, then big-city events,
    then a long tail of ``{city}{event}`` combinations."""
    names: list[str] = list(NATIONAL_TOPICS)
    seen = set(names)
    # Big cities' topics are the popular ones; then everything else, shuffled.
    head = [f"{c.short}{e}" for c in cities[:10] for e in TOPIC_EVENTS]
    tail = [f"{c.short}{e}" for c in cities[10:] for e in TOPIC_EVENTS]
    rng.shuffle(head)
    rng.shuffle(tail)
    for name in head + tail:
        if len(names) >= size:
            break
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names[:size]


def zipf_cum_weights(n: int, exponent: float = 1.0, offset: float = 1.0) -> list[float]:
    """Cumulative weights 1/(rank+offset)^exponent for :func:`random.Random.choices`."""
    total = 0.0
    out: list[float] = []
    for rank in range(n):
        total += 1.0 / (rank + offset) ** exponent
        out.append(total)
    return out


def citizen_display_name(rng: random.Random, city: City, serial: int) -> str:
    """A Weibo-style nickname, unique thanks to ``serial``: 重庆爱吃辣的小李4821, 王小满93 …"""
    style = rng.random()
    if style < 0.4:
        base = f"{city.short}{rng.choice(NICK_ADJECTIVES)}{rng.choice(NICK_NOUNS)}"
    elif style < 0.7:
        base = f"{rng.choice(SURNAMES)}{rng.choice(NICK_NOUNS)}"
    else:
        base = f"{rng.choice(NICK_ADJECTIVES)}{rng.choice(NICK_NOUNS)}"
    return f"{base}{serial}"[:30]


def post_fragments(rng: random.Random) -> tuple[int, int, int]:
    """Indices of an opener, a body and a closer: a post's text without its topic and city."""
    return rng.randrange(len(OPENERS)), rng.randrange(len(BODIES)), rng.randrange(len(CLOSERS))


def render_post(fragments: tuple[int, int, int], city: str, topic: str | None) -> str:
    """The text of a post: ``#topic# `` (Weibo style, followed by a space), opener, body, closer."""
    opener, body, closer = fragments
    text = OPENERS[opener].format(city=city) + BODIES[body] + CLOSERS[closer].format(city=city)
    return f"#{topic}# {text}" if topic else text


def random_post(rng: random.Random, cities: Sequence[City], topics: Sequence[str],
                topic_cum_weights: Sequence[float], topic_share: float = 0.3) -> str:
    """A realistic post for the load generator (a topic on ``topic_share`` of them)."""
    city = rng.choice(cities[:40]).short
    topic = rng.choices(topics, cum_weights=topic_cum_weights)[0] if rng.random() < topic_share else None
    return render_post(post_fragments(rng), city, topic)
