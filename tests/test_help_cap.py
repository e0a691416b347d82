"""Official warnings as CAP 1.2 documents (plaza.help.cap): Plaza writes documents the OASIS
schema accepts and reads back what it wrote; it reads documents from other systems (China's
national early-warning system among them) and refuses, with the schema's reason, what does not
conform; China's four warning colours are CAP severities; areas are GB/T 2260 division codes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaza.errors import Invalid
from plaza.help import cap
from plaza.help.cap import CHINA, Alert, Area, CapInvalid, Info, Reference, Resource

XSD = Path(str(resources.files("plaza.help").joinpath("data/cap-1.2.xsd")))

# Typhoon Muifa (梅花, 2022's 12th): Shanghai's red typhoon warning, as Plaza writes it for
# @上海发布 (the text follows the CMA's wording; the times are the day it came ashore).
SENT = datetime(2022, 9, 14, 10, 30, tzinfo=CHINA)
INSTRUCTION = ("1. 政府及相关部门按照职责做好防台风应急和抢险工作；\n"
               "2. 停止集会、停课、停业（除特殊行业外）；\n"
               "3. 回港避风的船舶要视情况采取积极措施，妥善安排人员留守或者转移到安全地带；\n"
               "4. 加固或者拆除易被风吹动的搭建物，人员切勿随意外出，确保老人小孩留在家中最安全的地方；\n"
               "5. 相关地区应当注意防范强降水可能引发的山洪、地质灾害。")


def red_typhoon_warning() -> Alert:
    districts = cap.area_for(["310115", "310120", "310116", "310151"])
    coast = Area(description="上海沿海海域",
                 polygons=(((31.9, 121.3), (31.6, 122.3), (30.6, 122.2), (30.7, 121.0), (31.9, 121.3)),),
                 circles=((30.9, 121.5, 120.0),))
    info = cap.warning_info(
        "台风", "红色",
        areas=[districts, coast],
        headline="上海中心气象台发布台风红色预警",
        description="今年第12号台风“梅花”将于14日夜间在浙江舟山至上海一带沿海登陆，本市将出现10～12级大风和暴雨。",
        instruction=INSTRUCTION,
        sender_name="上海中心气象台（@上海发布 转发）",
        onset=SENT,
        expires=SENT + timedelta(days=1, hours=12),
        urgency="Immediate",
        response_types=("Shelter", "Prepare"),
        web="https://plaza.example.cn/@上海发布",
    )
    return Alert(identifier="plaza-warning-20220914-0001", sender="上海发布@plaza.example.cn", sent=SENT,
                 note="Muifa 梅花 <2212> & 上海", infos=(info,))


def test_the_shipped_schema_is_the_oasis_cap_1_2_schema_loaded_offline() -> None:
    text = XSD.read_bytes()
    # The file published with the standard, byte for byte, its OASIS notice intact.
    assert hashlib.sha256(text).hexdigest() == "b7798ef25868b068c97b268bda02d067c7d4ba9373adc5638bf37105804ee723"
    assert b"<!-- Copyright OASIS Open 2010 All Rights Reserved -->" in text
    loaded = xmlschema.XMLSchema(text.decode(), allow="none")  # nothing but the text itself may be read
    assert loaded.target_namespace == "urn:oasis:names:tc:emergency:cap:1.2" and loaded.version == "1.2"
    assert set(loaded.elements) == {"alert", "valueName", "value"}
    assert cap.schema().target_namespace == cap.NS


def test_a_red_typhoon_warning_for_shanghai_round_trips_and_validates() -> None:
    alert = red_typhoon_warning()
    document = cap.to_xml(alert)

    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">')
    xmlschema.XMLSchema(str(XSD)).validate(document.decode())  # the OASIS schema, loaded on its own
    assert b"<sent>2022-09-14T10:30:00+08:00</sent>" in document
    assert b"<expires>2022-09-15T22:30:00+08:00</expires>" in document
    assert "<event>台风红色预警</event>".encode() in document
    assert b"<note>Muifa \xe6\xa2\x85\xe8\x8a\xb1 &lt;2212&gt; &amp; \xe4\xb8\x8a\xe6\xb5\xb7</note>" in document
    assert b"<polygon>31.9,121.3 31.6,122.3 30.6,122.2 30.7,121.0 31.9,121.3</polygon>" in document
    assert b"<circle>30.9,121.5 120.0</circle>" in document

    back = cap.parse(document)
    assert back == alert
    info = back.infos[0]
    assert (info.categories, info.severity, info.urgency, info.certainty) == (("Met",), "Extreme", "Immediate", "Likely")
    assert info.response_types == ("Shelter", "Prepare")
    assert info.instruction == INSTRUCTION
    assert cap.region_codes(info.areas[0]) == ["310115", "310120", "310116", "310151"]
    assert info.areas[0].description == "上海市浦东新区、上海市奉贤区、上海市金山区、上海市崇明区"
    assert back.sent.utcoffset() == timedelta(hours=8) and back.sent == SENT
    assert cap.warning_of(info) == (cap.WARNING_TYPES["typhoon"], "红色")


def test_every_field_of_cap_round_trips() -> None:
    earlier = red_typhoon_warning()
    info = Info(
        language="en-US", categories=("Met", "Safety"), event="Red typhoon warning",
        response_types=("Evacuate",), urgency="Immediate", severity="Extreme", certainty="Observed",
        audience="residents of low-lying districts", event_codes=(("WMO", "TC"),),
        effective=datetime(2022, 9, 14, 2, 30, tzinfo=UTC), onset=datetime(2022, 9, 14, 12, 0, tzinfo=CHINA),
        expires=datetime(2022, 9, 15, 12, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        sender_name="Shanghai Central Meteorological Observatory", headline="Typhoon Muifa", description="",
        instruction="Stay indoors.", web="https://plaza.example.cn/warnings/1", contact="12379",
        parameters=(("wind", "10-12"), ("rain_mm", "")),
        resources=(Resource(description="track map", mime_type="image/png", size=12345,
                            uri="https://plaza.example.cn/m.png", deref_uri="iVBORw0KGgo=", digest="ab" * 20),),
        areas=(Area(description="sea", geocodes=(("GB/T 2260", "310000"), ("UGC", "ZZZ001")),
                    altitude=Decimal("0.50"), ceiling=Decimal("1200")),),
    )
    update = Alert(identifier="plaza-warning-20220914-0002", sender="上海发布@plaza.example.cn",
                   sent=datetime(2022, 9, 14, 6, 0, tzinfo=UTC), status="Exercise", msg_type="Update",
                   source="drill", scope="Restricted", restriction="responders only", addresses="a b",
                   codes=("IPAWSv1.0", "预警信号"), note="", references=(earlier.reference,),
                   incidents="muifa-2022", infos=(info,))
    document = cap.to_xml(update)
    assert b"<references>\xe4\xb8\x8a\xe6\xb5\xb7\xe5\x8f\x91\xe5\xb8\x83@plaza.example.cn,plaza-warning-20220914-0001," \
           b"2022-09-14T10:30:00+08:00</references>" in document
    assert b"<effective>2022-09-14T02:30:00+00:00</effective>" in document  # UTC is +00:00, never Z
    assert b"<expires>2022-09-15T12:00:00-05:30</expires>" in document
    assert b"<altitude>0.50</altitude>" in document
    tiny = Area(description="tiny", circles=((1e-05, -0.0, 2.5e-7),), altitude=Decimal("1E+3"))
    written = cap.to_xml(Alert(identifier="i", sender="s", sent=SENT, infos=(replace(info, areas=(tiny,)),)))
    assert b"<circle>0.00001,-0.0 0.00000025</circle>" in written  # decimal degrees, never 1e-05
    assert b"<altitude>1000</altitude>" in written and cap.parse(written).infos[0].areas == (tiny,)
    back = cap.parse(document)
    assert back == update
    assert back.references == (Reference(sender="上海发布@plaza.example.cn", identifier="plaza-warning-20220914-0001",
                                         sent=SENT),)
    assert back.infos[0].description == "" and back.infos[0].parameters[1] == ("rain_mm", "")


# A warning as China's national early-warning system (国家突发事件预警信息发布系统) might send it,
# written by hand for this test: an update upgrading the orange warning to red, with a signature.
NATIONAL = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>31000041600000_20220914103000</identifier>
  <sender>31000041600000@12379.example.cn</sender>
  <sent>2022-09-14T10:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Update</msgType>
  <scope>Public</scope>
  <code>预警信号</code>
  <references>31000041600000@12379.example.cn,31000041600000_20220913170000,2022-09-13T17:00:00+08:00</references>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>台风红色预警</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Likely</certainty>
    <eventCode>
      <valueName>预警类型</valueName>
      <value>11B01</value>
    </eventCode>
    <onset>2022-09-14T10:30:00+08:00</onset>
    <expires>2022-09-15T10:30:00+08:00</expires>
    <senderName>上海中心气象台</senderName>
    <headline>上海中心气象台升级发布台风红色预警[I级/特别严重]</headline>
    <description>上海中心气象台2022年09月14日10时30分将台风橙色预警信号升级为台风红色预警信号：受今年第12号台风“梅花”影响，预计未来12小时内本市将出现12级以上大风，并伴有暴雨到大暴雨。</description>
    <instruction>停止集会、停课、停业（除特殊行业外）；人员切勿随意外出，确保老人小孩留在家中最安全的地方；
相关地区应当注意防范强降水可能引发的积水和内涝。</instruction>
    <web>http://www.12379.example.cn/</web>
    <parameter>
      <valueName>预警级别</valueName>
      <value>红色</value>
    </parameter>
    <area>
      <areaDesc>上海市浦东新区、奉贤区、金山区</areaDesc>
      <polygon>31.40,121.95 31.05,121.97 30.70,121.30 30.85,121.10 31.40,121.95</polygon>
      <geocode>
        <valueName>GB/T 2260</valueName>
        <value>310115</value>
      </geocode>
      <geocode>
        <valueName>GB/T 2260</valueName>
        <value>310120</value>
      </geocode>
      <geocode>
        <valueName>GB/T2260</valueName>
        <value> 310116 </value>
      </geocode>
      <geocode>
        <valueName>SAME</valueName>
        <value>000000</value>
      </geocode>
    </area>
  </info>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>
</alert>
"""


def test_a_cap_document_from_another_system_is_read() -> None:
    alert = cap.parse(NATIONAL.encode())
    assert alert.identifier == "31000041600000_20220914103000"
    assert alert.sender == "31000041600000@12379.example.cn"
    assert alert.sent == datetime(2022, 9, 14, 2, 30, tzinfo=UTC)
    assert (alert.status, alert.msg_type, alert.scope, alert.codes) == ("Actual", "Update", "Public", ("预警信号",))
    assert alert.references == (Reference(sender="31000041600000@12379.example.cn",
                                          identifier="31000041600000_20220913170000",
                                          sent=datetime(2022, 9, 13, 17, 0, tzinfo=CHINA)),)
    [info] = alert.infos
    assert info.event == "台风红色预警" and info.severity == "Extreme" and info.categories == ("Met",)
    assert info.sender_name == "上海中心气象台"
    assert info.instruction is not None and info.instruction.startswith("停止集会、停课、停业")
    assert info.instruction.endswith("\n相关地区应当注意防范强降水可能引发的积水和内涝。")
    assert info.event_codes == (("预警类型", "11B01"),) and info.parameters == (("预警级别", "红色"),)
    assert info.expires == datetime(2022, 9, 15, 10, 30, tzinfo=CHINA)
    [area] = info.areas
    assert cap.region_codes(area) == ["310115", "310120", "310116"]  # GB/T2260 read too; SAME is not ours
    assert area.polygons[0][0] == (31.40, 121.95) and len(area.polygons[0]) == 5
    assert cap.warning_of(info) == (cap.WARNING_TYPES["typhoon"], "红色")
    # What was read is written again as a valid document (the signature is not carried over).
    again = cap.to_xml(alert)
    assert b"Signature" not in again and cap.parse(again) == alert


def refused(document: str | bytes) -> str:
    with pytest.raises(CapInvalid) as caught:
        cap.parse(document.encode() if isinstance(document, str) else document)
    error = caught.value
    assert isinstance(error, Invalid) and error.status == 422 and error.key == "cap_invalid"
    assert error.params == {"reason": error.reason}
    return error.reason


def test_a_document_failing_the_schema_is_refused_with_the_schemas_reason() -> None:
    zulu = refused(NATIONAL.replace("<sent>2022-09-14T10:30:00+08:00</sent>", "<sent>2022-09-14T02:30:00Z</sent>"))
    assert zulu.startswith("/cap:alert/cap:sent ('2022-09-14T02:30:00Z'): value doesn't match any pattern of")
    status = refused(NATIONAL.replace("<status>Actual</status>", "<status>Urgent</status>"))
    assert "/cap:alert/cap:status ('Urgent')" in status and "must be one of ['Actual', 'Exercise'" in status
    missing = refused(NATIONAL.replace("<scope>Public</scope>", ""))
    assert "Tag 'cap:scope' expected" in missing
    category = refused(NATIONAL.replace("<category>Met</category>", "<category>Weather</category>"))
    assert "cap:category ('Weather')" in category
    date = refused(NATIONAL.replace("2022-09-15T10:30:00+08:00", "2022-02-30T10:30:00+08:00"))
    assert "cap:expires" in date and "day is out of range for month" in date
    older = refused(NATIONAL.replace("emergency:cap:1.2", "emergency:cap:1.1"))
    assert "'{urn:oasis:names:tc:emergency:cap:1.1}alert' is not an element of the schema" in older

    with pytest.raises(CapInvalid) as caught:
        cap.parse(NATIONAL.replace("<status>Actual</status>", "<status>Urgent</status>").encode())
    assert caught.value.message("zh-CN").startswith("CAP 文档不符合 CAP 1.2 规范：/cap:alert/cap:status")
    assert caught.value.message("en").startswith("The CAP document does not conform to CAP 1.2: /cap:alert/cap:status")


def test_rules_of_cap_the_schema_cannot_express_are_enforced_when_reading() -> None:
    assert "identifier" in refused(NATIONAL.replace("<identifier>31000041600000_20220914103000",
                                                    "<identifier>31000041600000 20220914103000"))
    open_ring = "<polygon>31.40,121.95 31.05,121.97 30.70,121.30 30.85,121.10 31.40,121.95</polygon>"
    assert "closed" in refused(NATIONAL.replace(open_ring, open_ring.replace(" 31.40,121.95<", " 31.41,121.95<")))
    assert "not a 'lat,lon' point" in refused(NATIONAL.replace(open_ring, "<polygon>31.40;121.95</polygon>"))
    assert "latitude" in refused(NATIONAL.replace("31.05,121.97", "91.05,121.97"))
    assert "sender,identifier,sent" in refused(NATIONAL.replace(",31000041600000_20220913170000,", ","))


BOMB = """<?xml version="1.0"?>
<!DOCTYPE alert [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&f;</identifier></alert>
"""


def test_malformed_xml_and_doctypes_are_refused(tmp_path: Path) -> None:
    assert refused(b"").startswith("not well-formed XML: no element found")
    assert refused(NATIONAL[:-20]).startswith("not well-formed XML:")
    assert refused(NATIONAL.replace("</note>", "").replace("<headline>", "<headline><b>")).startswith(
        "not well-formed XML: mismatched tag")
    assert refused("<alert>&undeclared;</alert>").startswith("not well-formed XML: undefined entity")
    assert refused(b"\xff\xfe\x00garbage").startswith("not well-formed XML:")
    gbk = NATIONAL.replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk")
    assert refused(gbk) == "unreadable XML: multi-byte encodings are not supported"
    assert refused(NATIONAL.replace('encoding="UTF-8"', 'encoding="no-such-code"')).startswith("unreadable XML")

    assert "DOCTYPE is not allowed" in refused(BOMB)  # refused before any entity is expanded
    secret = tmp_path / "secret.txt"
    secret.write_text("the host's secrets")
    xxe = NATIONAL.replace('<alert xmlns', f'<!DOCTYPE alert [<!ENTITY x SYSTEM "file://{secret}">]>\n<alert xmlns', 1)
    assert "DOCTYPE is not allowed" in refused(xxe.replace("<note>", "<note>&x;"))
    external = NATIONAL.replace("<alert xmlns", '<!DOCTYPE alert SYSTEM "http://127.0.0.1:9/cap.dtd">\n<alert xmlns', 1)
    assert "DOCTYPE is not allowed" in refused(external)
    plain = NATIONAL.replace("<alert xmlns", "<!DOCTYPE alert>\n<alert xmlns", 1)
    assert "DOCTYPE is not allowed" in refused(plain)

    huge = NATIONAL.replace("<senderName>", "<senderName>" + "风" * cap.MAX_BYTES)
    assert re.fullmatch(r"the document has \d+ bytes; at most 2097152 are read", refused(huge))
    with pytest.raises(CapInvalid, match="read as bytes"):
        cap.parse(NATIONAL)  # type: ignore[arg-type]


def test_levels_map_to_cap_severity_and_back() -> None:
    expected = {"蓝色": "Minor", "黄色": "Moderate", "橙色": "Severe", "红色": "Extreme"}
    english = {"蓝色": "blue", "黄色": "yellow", "橙色": "orange", "红色": "red"}
    for level, severity in expected.items():
        assert cap.LEVELS[level] == cap.LEVELS[english[level]] == severity
        assert cap.severity_of(level) == cap.severity_of(english[level]) == severity
        assert cap.level_of(severity) == level
        assert cap.level_of(severity, "en") == english[level]
    assert cap.severity_of("红色预警") == cap.severity_of(" RED ") == cap.severity_of("红") == "Extreme"
    assert cap.severity_of("橙色预警信号") == cap.severity_of("Orange warning") == "Severe"
    assert cap.level_of("Unknown") is None  # no colour stands for it
    with pytest.raises(Invalid) as caught:
        cap.severity_of("紫色")
    assert caught.value.key == "warning_level_invalid" and caught.value.params == {"level": "紫色"}
    assert caught.value.message("zh-CN") == "预警级别无效：紫色（可选 蓝色、黄色、橙色、红色）"
    with pytest.raises(CapInvalid, match="severity 'Catastrophic' must be one of"):
        cap.level_of("Catastrophic")


def test_warning_types_carry_a_cap_category_and_name_the_event() -> None:
    category = {name: cap.warning_type(name).category for name in (
        "台风", "暴雨", "洪水", "森林火险", "火灾", "地震", "高温", "寒潮", "暴雪", "大风", "冰雹", "地质灾害",
        "滑坡", "cold wave", "typhoon", "重污染天气", "拥挤踩踏")}
    assert category == {"台风": "Met", "暴雨": "Met", "洪水": "Met", "森林火险": "Fire", "火灾": "Fire",
                        "地震": "Geo", "高温": "Met", "寒潮": "Met", "暴雪": "Met", "大风": "Met", "冰雹": "Met",
                        "地质灾害": "Geo", "滑坡": "Geo", "cold wave": "Met", "typhoon": "Met",
                        "重污染天气": "Env", "拥挤踩踏": "Safety"}
    assert all(t.category in ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport",
                              "Infra", "CBRNE", "Other") for t in cap.WARNING_TYPES.values())
    assert cap.event_name("rainstorm", "橙色") == "暴雨橙色预警"
    assert cap.event_name("地震", "red", "en") == "Red earthquake warning"
    with pytest.raises(Invalid) as caught:
        cap.warning_type("陨石")
    assert caught.value.key == "warning_type_invalid" and caught.value.params == {"name": "陨石"}

    fire = cap.warning_info("forest_fire", "黄色", areas=[cap.area_for(["530100"])])
    assert (fire.event, fire.categories, fire.severity) == ("森林火险黄色预警", ("Fire",), "Moderate")
    english = cap.warning_info("heat", "orange", areas=(), language="en")
    assert english.event == "Orange heat warning" and english.language == "en"
    # A level is read from the event's colour when the severity does not say it.
    told = Info(categories=("Met",), event="Typhoon Red Warning", urgency="Future", severity="Unknown",
                certainty="Possible")
    assert cap.warning_of(told) == (cap.WARNING_TYPES["typhoon"], "红色")
    vague = Info(categories=("Met",), event="Predicted weather", urgency="Future", severity="Unknown",
                 certainty="Possible")
    assert cap.warning_of(vague) == (None, None)  # "red" inside "predicted" is no colour
    assert cap.warning_of(Info(categories=("Met",), event="雷雨大风黄色预警", urgency="Expected",
                               severity="Moderate", certainty="Likely"))[0] == cap.WARNING_TYPES["lightning"]


def test_areas_carry_gbt2260_codes_and_unknown_codes_are_refused() -> None:
    area = cap.area_for(["310115", "310120", "310115"], "上海市浦东新区、奉贤区")
    assert area.geocodes == (("GB/T 2260", "310115"), ("GB/T 2260", "310120"))  # each code once
    assert area.description == "上海市浦东新区、奉贤区" and cap.region_codes(area) == ["310115", "310120"]
    assert cap.area_for(["500101"]).description == "重庆市万州区"
    document = cap.to_xml(Alert(identifier="i", sender="s", sent=SENT, infos=(
        cap.warning_info("暴雨", "蓝色", areas=[area]),)))
    assert b"<geocode>\n        <valueName>GB/T 2260</valueName>\n        <value>310115</value>\n      </geocode>" in document

    for unknown in ("319999", "310100", "3101150", "abc", ""):  # 310100 is the grouping row 市辖区, not a place
        with pytest.raises(Invalid) as caught:
            cap.area_for(["310115", unknown])
        assert caught.value.key == "region_invalid" and caught.value.params == {"code": unknown}
    with pytest.raises(Invalid) as caught:
        cap.area_for(["319999"])
    assert caught.value.message("zh-CN") == "行政区划代码 319999 无效"
    with pytest.raises(CapInvalid, match="at least one division code"):
        cap.area_for([])

    assert cap.region_codes(Area(description="x", geocodes=(("GBT2260", "310101"), ("FIPS6", "006113")))) == ["310101"]
    ring = ((31.0, 121.0), (31.5, 121.0), (31.5, 121.9), (31.0, 121.0))
    assert Area(description="x", polygons=[list(ring)]).polygons == (ring,)  # type: ignore[arg-type]  # kept as tuples
    with pytest.raises(CapInvalid, match="at least 4 points"):
        Area(description="x", polygons=(ring[1:],))
    with pytest.raises(CapInvalid, match="closed"):
        Area(description="x", polygons=(ring[:-1] + ((31.0, 121.1),),))
    with pytest.raises(CapInvalid, match="latitude 91"):
        Area(description="x", polygons=(((91, 121.0), *ring[1:-1], (91, 121.0)),))
    with pytest.raises(CapInvalid, match="longitude"):
        Area(description="x", circles=((31.0, float("nan"), 5.0),))
    with pytest.raises(CapInvalid, match="radius must not be negative"):
        Area(description="x", circles=((31.0, 121.0, -1),))
    with pytest.raises(CapInvalid, match="ceiling may only be given with altitude"):
        Area(description="x", ceiling=Decimal(3))


def test_times_text_and_identifiers_are_refused_when_cap_cannot_carry_them() -> None:
    def alert(**changes: object) -> Alert:
        fields: dict[str, object] = {"identifier": "i", "sender": "s", "sent": SENT} | changes
        return Alert(**fields)  # type: ignore[arg-type]

    with pytest.raises(CapInvalid, match="sent must carry a time zone"):
        alert(sent=datetime(2022, 9, 14, 10, 30))
    with pytest.raises(CapInvalid, match="whole seconds"):
        alert(sent=SENT.replace(microsecond=5))
    with pytest.raises(CapInvalid, match="whole minutes"):
        alert(sent=datetime(1900, 1, 1, tzinfo=timezone(timedelta(hours=8, minutes=5, seconds=43))))
    with pytest.raises(CapInvalid, match="identifier 'a,b' must be non-empty, without spaces, commas"):
        alert(identifier="a,b")
    with pytest.raises(CapInvalid, match="sender '' must be non-empty"):
        alert(sender="")
    with pytest.raises(CapInvalid, match=r"note contains a character XML cannot carry \(U\+0007\)"):
        alert(note="bell \a")
    with pytest.raises(CapInvalid, match="status 'Real' must be one of"):
        alert(status="Real")
    with pytest.raises(CapInvalid, match="Private alert needs addresses"):
        alert(scope="Private")
    with pytest.raises(CapInvalid, match="at least one category"):
        Info(categories=(), event="e", urgency="Past", severity="Minor", certainty="Observed")
    with pytest.raises(CapInvalid, match="language 'zh_CN' is not a language tag"):
        Info(language="zh_CN", categories=("Met",), event="e", urgency="Past", severity="Minor", certainty="Observed")
    with pytest.raises(CapInvalid, match="web 'http://a b' must be a URI"):
        Info(web="http://a b", categories=("Met",), event="e", urgency="Past", severity="Minor", certainty="Observed")
    # A browser's line ends are stored as XML will read them back.
    assert alert(note="第一行\r\n第二行\r第三行").note == "第一行\n第二行\n第三行"
    assert cap.format_time(datetime(2022, 9, 14, 2, 30, tzinfo=UTC)) == "2022-09-14T02:30:00+00:00"


OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
TIMES = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30),
                     timezones=OFFSETS).map(lambda t: t.replace(microsecond=0))
TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
               | st.sampled_from("\t\n\r<>&'\"]]> "), max_size=40)
IDS = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="\ufffe\uffff,<&"),
              min_size=1, max_size=20).filter(lambda s: not re.search(r"\s", s))
POINTS = st.tuples(st.floats(-90, 90), st.floats(-180, 180))
RINGS = st.lists(POINTS, min_size=3, max_size=6).map(lambda ps: (*ps, ps[0]))
AREAS = st.builds(Area, description=TEXT, polygons=st.lists(RINGS, max_size=2),
                  circles=st.lists(st.tuples(st.floats(-90, 90), st.floats(-180, 180), st.floats(0, 1e4)), max_size=2),
                  geocodes=st.lists(st.tuples(TEXT, TEXT), max_size=3),
                  altitude=st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=2))
INFOS = st.builds(
    Info, categories=st.lists(st.sampled_from(["Met", "Geo", "Fire", "Safety"]), min_size=1, max_size=3),
    event=TEXT, urgency=st.sampled_from(["Immediate", "Expected", "Unknown"]),
    severity=st.sampled_from(["Extreme", "Severe", "Moderate", "Minor", "Unknown"]),
    certainty=st.sampled_from(["Observed", "Likely", "Unknown"]), language=st.sampled_from(["zh-CN", "en", "zh-Hans-CN"]),
    onset=st.none() | TIMES, expires=st.none() | TIMES, headline=st.none() | TEXT, instruction=st.none() | TEXT,
    parameters=st.lists(st.tuples(TEXT, TEXT), max_size=2), areas=st.lists(AREAS, max_size=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(identifier=IDS, sender=IDS, sent=TIMES, note=st.none() | TEXT, infos=st.lists(INFOS, max_size=2),
       references=st.lists(st.builds(Reference, sender=IDS, identifier=IDS, sent=TIMES), max_size=2))
def test_any_alert_the_module_can_build_reads_back_equal(identifier: str, sender: str, sent: datetime,
                                                         note: str | None, infos: list[Info],
                                                         references: list[Reference]) -> None:
    alert = Alert(identifier=identifier, sender=sender, sent=sent, note=note, infos=tuple(infos),
                  references=tuple(references))
    assert cap.parse(cap.to_xml(alert)) == alert
