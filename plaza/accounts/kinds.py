"""What kinds of account the square has (账号类型), and the vocabularies that describe a
government account (政务号): its administrative level (行政级别) and department type (部门类型);
an organisation's type. Each label is (简体中文, English)."""

from __future__ import annotations

KINDS = ("citizen", "government", "media", "organisation")
#: Administrative levels (行政级别).
LEVELS: dict[str, tuple[str, str]] = {
    "national": ("国家级", "National"),
    "provincial": ("省级", "Provincial"),
    "prefecture": ("地市级", "Prefecture"),
    "county": ("区县级", "County"),
    "township": ("乡镇级", "Township"),
}
#: Department types (部门类型) of government accounts.
DEPARTMENT_TYPES: dict[str, tuple[str, str]] = {
    "publicity": ("发布/宣传", "Publicity"),
    "public_security": ("公安", "Public security"),
    "culture_tourism": ("文旅", "Culture & tourism"),
    "emergency_management": ("应急管理", "Emergency management"),
    "meteorology": ("气象", "Meteorology"),
    "procuratorate": ("检察", "Procuratorate"),
    "court": ("法院", "Court"),
    "youth_league": ("共青团", "Youth League"),
    "museum": ("博物馆", "Museum"),
    "flood_control": ("防汛", "Flood control"),
    "fire_rescue": ("消防", "Fire & rescue"),
    "earthquake": ("地震", "Earthquake"),
    "transport": ("交通", "Transport"),
    "health": ("卫健", "Health"),
    "ecology_environment": ("生态环境", "Ecology & environment"),
    # the departments a city's service desk forwards to (plaza.desk)
    "urban_management": ("城市管理", "Urban management"),
    "housing_construction": ("住房城乡建设", "Housing & construction"),
    "human_resources": ("人力资源社会保障", "Human resources & social security"),
    "market_regulation": ("市场监管", "Market regulation"),
    "water_affairs": ("水务", "Water affairs"),
    "education": ("教育", "Education"),
    "civil_affairs": ("民政", "Civil affairs"),
    "natural_resources": ("自然资源", "Natural resources"),
    "service_hotline": ("政务服务", "Government service hotline"),
    "other": ("其他", "Other"),
}
ORGANISATION_TYPES: dict[str, tuple[str, str]] = {
    "ngo": ("社会组织", "NGO"),
    "rescue_team": ("救援队", "Rescue team"),
    "charity": ("慈善机构", "Charity"),
}
#: National bodies have no division code of their own; this marks them (not in GB/T 2260).
NATIONAL_REGION = "000000"

#: Words that name a department type in an account's name or a topic (the first that matches
#: wins; an account's or a topic's text is matched in this order, most specific first).
DEPARTMENT_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("flood_control", ("防汛", "抗洪", "洪水", "内涝", "台风")),
    ("fire_rescue", ("消防", "火灾", "山火", "森林火")),
    ("earthquake", ("地震",)),
    ("meteorology", ("气象", "暴雨", "高温", "寒潮", "预警")),
    ("emergency_management", ("应急", "救援", "救灾")),
    ("public_security", ("公安", "警方", "警察", "派出所", "交警", "诈骗")),
    ("procuratorate", ("检察",)),
    ("court", ("法院",)),
    ("health", ("卫健", "卫生健康", "疾控", "疫情", "医院", "疫苗")),
    ("transport", ("交通", "地铁", "公交", "高速", "铁路")),
    ("culture_tourism", ("文旅", "文化和旅游", "旅游", "景区")),
    ("ecology_environment", ("生态环境", "环保", "污染")),
    ("education", ("教育", "学校", "高考", "中考")),
    ("market_regulation", ("市场监管", "食品安全", "消费")),
    ("water_affairs", ("水务", "停水", "供水")),
    ("housing_construction", ("住建", "住房", "物业", "房屋")),
    ("human_resources", ("人社", "社保", "就业", "欠薪")),
    ("urban_management", ("城管", "城市管理", "垃圾")),
    ("civil_affairs", ("民政", "养老")),
    ("natural_resources", ("自然资源", "国土")),
    ("youth_league", ("共青团", "团中央")),
    ("museum", ("博物馆", "博物院")),
    ("service_hotline", ("12345", "政务服务", "热线")),
    ("publicity", ("发布", "新闻办", "宣传")),
)


def department_type_of(text: str) -> str | None:
    """The department type a name or a topic speaks of (:data:`DEPARTMENT_KEYWORDS`), or None."""
    for department_type, words in DEPARTMENT_KEYWORDS:
        if any(word in text for word in words):
            return department_type
    return None
