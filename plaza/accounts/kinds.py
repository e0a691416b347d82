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
