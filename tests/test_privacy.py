"""Specification of personal data masking (plaza.privacy): what a public view of a report hides,
how much of it it keeps as a hint, and what it must leave alone."""

from __future__ import annotations

import pytest

from plaza.privacy import Span, contains_personal, find_personal, mask


def id_number(first17: str) -> str:
    """An 18-digit ID with its check character (GB 11643), computed here independently."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = (12 - sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11) % 11
    return first17 + ("X" if check == 10 else str(check))


def card_number(prefix: str, length: int) -> str:
    """A bank card number of ``length`` digits that passes the Luhn check."""
    body = prefix.ljust(length - 1, "7")
    for check in "0123456789":
        digits = [int(c) for c in body + check]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits)))
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable")


def kinds(text: str) -> list[str]:
    return [span.kind for span in find_personal(text)]


# --- phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的电话13812345678，请回电", "我的电话138****5678，请回电"),
        ("电话：138 1234 5678", "电话：138****5678"),
        ("手机138-1234-5678", "手机138****5678"),
        ("+86 13912345678", "+86 139****5678"),
        ("+8613912345678", "+86 139****5678"),
        ("联系方式：１５９１２３４５６７８", "联系方式：159****5678"),  # full-width digits
        ("tel:19912345678.", "tel:199****5678."),
    ],
)
def test_mobile_numbers_keep_first_three_and_last_four(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert kinds(text) == ["mobile"]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("座机0555-2345678", "座机0555-***5678"),
        ("北京010-87654321", "北京010-****4321"),
        ("(0555)2345678", "0555-***5678"),
        ("05552345678", "0555-***5678"),
        ("0555-2345678转123", "0555-***5678-123"),
    ],
)
def test_landlines_keep_area_code_and_last_four(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert kinds(text) == ["landline"]


# --- IDs and cards -------------------------------------------------------------------------------


def test_id_card_with_valid_check_character() -> None:
    number = id_number("34010419900307123")
    text = f"身份证号{number}，请核实"
    assert mask(text) == f"身份证号3401**********{number[-4:]}，请核实"
    assert find_personal(text) == [Span("id_card", 4, 22)]


def test_id_card_ending_in_x() -> None:
    assert mask("11010519491231002X") == "1101**********002X"
    assert mask("11010519491231002x") == "1101**********002X"


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002Y",  # not a check character
        "110105194912310021",  # wrong check character
        "990105194912310026",  # no such province
    ],
)
def test_invalid_id_numbers_are_not_ids(number: str) -> None:
    assert "id_card" not in kinds(number)


def test_id_card_with_impossible_birth_date_is_not_an_id() -> None:
    assert "id_card" not in kinds(id_number("34010419900230123"))  # 30 February


def test_old_fifteen_digit_id() -> None:
    assert mask("老身份证340104900307123") == "老身份证3401********123"


@pytest.mark.parametrize(("prefix", "length"), [("622202", 19), ("621700", 19), ("436742", 16), ("622588", 16)])
def test_bank_cards_passing_luhn(prefix: str, length: int) -> None:
    number = card_number(prefix, length)
    text = f"请打款到{number}"
    assert mask(text) == f"请打款到{number[:4]}{'*' * (length - 8)}{number[-4:]}"
    assert kinds(text) == ["bank_card"]


def test_bank_card_written_in_groups_of_four() -> None:
    number = card_number("622202", 16)
    grouped = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    assert mask(f"卡号 {grouped} 户名") == f"卡号 {number[:4]}********{number[-4:]} 户名"


def test_digit_runs_failing_luhn_are_not_cards() -> None:
    number = card_number("622202", 19)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert find_personal(f"订单号{wrong}") == []


# --- plates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("皖E12345", "皖E·***45"),
        ("皖E·12345", "皖E·***45"),
        ("车牌苏A 8B123违停", "车牌苏A·***23违停"),
        ("渝A·D12345", "渝A·****45"),  # new energy, small car
        ("粤B12345D", "粤B·****5D"),  # new energy, large car
        ("京n8p6q5", "京N·***Q5"),
        ("皖A1234学", "皖A·***4学"),
    ],
)
def test_vehicle_plates_keep_province_city_and_last_two(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert kinds(text) == ["plate"]


@pytest.mark.parametrize("text", ["皖E123456", "京ABCDE1", "皖EIO123", "新ABCDE"])
def test_not_plates(text: str) -> None:
    assert "plate" not in kinds(text)


# --- e-mail --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("邮箱abc@qq.com", "邮箱a***@qq.com"),
        ("发到 zhang.san+desk@mail.example.gov.cn 谢谢", "发到 z***@mail.example.gov.cn 谢谢"),
        ("13812345678@163.com", "1***@163.com"),  # the address, not a phone inside it
    ],
)
def test_email_keeps_first_character_and_domain(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert kinds(text) == ["email"]


def test_fediverse_handle_is_public() -> None:
    assert find_personal("@zhang@plaza.gov.cn 你好") == []


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我叫张三，住在3号楼", "我叫张*，住在3号楼"),
        ("我叫王小明", "我叫王**"),
        ("我叫李华今年25岁", "我叫李*今年25岁"),
        ("本人叫刘德明，电话13812345678", "本人叫刘**，电话138****5678"),
        ("联系人：李四 13912345678", "联系人：李* 139****5678"),
        ("联系人陈静电话0555-2345678", "联系人陈*电话0555-***5678"),
        ("姓名:欧阳娜娜", "姓名:欧阳**"),
        ("姓名：赵 敏", "姓名：赵 敏"),  # a space is not part of a name; 赵 alone is a surname
        ("我是王小明，住在3号楼", "我是王**，住在3号楼"),
        ("我是张伟", "我是张*"),
    ],
)
def test_names_after_introductions_keep_the_surname(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "我是马鞍山人",
        "我是安徽人",
        "我是业主",
        "我是党员",
        "我是房东",
        "我是程序员",
        "我是周边居民",
        "我是马上要搬走的",
        "我是李先生",  # a surname with a title is how people are addressed
        "我是张阿姨",
        "我叫小明",  # no surname
        "本人姓张",  # a surname alone
        "联系人员已到场",
    ],
)
def test_not_names(text: str) -> None:
    assert "name" not in kinds(text)


# --- what stays ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-03 下午三点",
        "20261103",
        "2026年11月3日",
        "补贴3000元，押金12000.50元",
        "3号楼2单元501",
        "订单号1234567890",  # ten digits
        "订单号0123456789",
        "工单编号 20261103001",  # eleven digits not starting 1[3-9]
        "拨打12345市民热线",
        "400-800-1234客服",
        "湖东路12号，邮编243000",
        "@马鞍山发布 #城市治理# 路灯坏了",
        "气温-3到5度，PM2.5 75",
        "",
    ],
)
def test_dates_amounts_house_numbers_and_short_numbers_stay(text: str) -> None:
    assert find_personal(text) == []
    assert mask(text) == text
    assert not contains_personal(text)


def test_contains_personal() -> None:
    assert contains_personal("有事打13812345678")
    assert contains_personal("我叫张三")


def test_several_kinds_in_one_report_keep_the_text_around_them() -> None:
    number = id_number("34050319850615201")
    text = f"我叫赵敏，身份证{number}，车牌皖E12345被刮，电话13812345678，邮箱zm@qq.com。"
    assert kinds(text) == ["name", "id_card", "plate", "mobile", "email"]
    assert mask(text) == (
        f"我叫赵*，身份证3405**********{number[-4:]}，车牌皖E·***45被刮，电话138****5678，邮箱z***@qq.com。"
    )


def test_spans_point_into_the_original_text() -> None:
    text = "电话１３８１２３４５６７８ 邮箱abc@qq.com"
    spans = find_personal(text)
    assert [text[s.start : s.end] for s in spans] == ["１３８１２３４５６７８", "abc@qq.com"]
