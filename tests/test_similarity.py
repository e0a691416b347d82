"""Specification of near-duplicate text (plaza.similarity): one complaint said twice reads as the
same, different problems at one place do not, and a signature stored today compares with one
computed tomorrow in another process."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from plaza.similarity import BANDS, SLOTS, bands, is_empty, shingles, signature, similar, similarities, similarity

LAMP = "马鞍山市花山区湖东路12号小区门口的路灯已经坏了一个多星期了，晚上出行非常不方便，希望有关部门尽快派人维修。"

REWORDED = [
    (
        "花山区湖东路12号小区门口的路灯坏了一个多星期了，晚上出行很不方便，希望尽快维修。",
        "花山区湖东路12号小区门口路灯坏了一个多星期，晚上出行非常不方便，希望有关部门尽快维修！",
    ),
    (
        "金水区某某小区3号楼电梯又停了，老人上下楼很困难，物业一直不管。",
        "金水区某某小区3号楼的电梯又坏了，老人上下楼非常困难，物业一直不管不问。",
    ),
    (
        "雨山区佳山路与湖南路交叉口的红绿灯坏了，早高峰堵得厉害，请交警部门尽快处理。",
        "佳山路湖南路交叉口红绿灯坏了，早高峰特别堵，希望交警尽快来处理一下。",
    ),
    (
        "我们小区楼下的烧烤店每天晚上营业到凌晨两点，油烟和噪音太大了，严重影响居民休息。",
        "我们小区楼下烧烤店每天晚上营业到凌晨2点，油烟和噪音太大，严重影响居民休息，希望管一管。",
    ),
    (
        "和平路菜市场旁边有商贩长期占道经营，早上车根本过不去，希望城管管一管。",
        "和平路菜市场边上商贩天天占道经营，早上车都过不去，请城管来管管。",
    ),
    (
        LAMP,
        "马鞍山市花山区湖东路5号小区门口路灯坏了一个多星期了！晚上出行很不方便，请有关部门尽快派人来维修",
    ),
]

SAME_PLACE_OTHER_PROBLEM = [
    (LAMP, "马鞍山市花山区湖东路12号小区门口的井盖丢失了，有很大安全隐患，请尽快处理。"),
    (
        "金水区某某小区3号楼电梯又停了，老人上下楼很困难，物业一直不管。",
        "金水区某某小区3号楼楼下垃圾堆了好几天没人清运，臭气熏天，物业一直不管。",
    ),
    (
        "雨山区佳山路与湖南路交叉口的红绿灯坏了，早高峰堵得厉害，请交警部门尽快处理。",
        "雨山区佳山路与湖南路交叉口有人占道经营摆摊，晚上油烟很大，请城管处理。",
    ),
    (
        "幸福里小区东门外的下水道堵了三天，污水漫到人行道上，臭味很大，请市政尽快疏通。",
        "幸福里小区东门外停满了共享单车，盲道全被占了，视障人士根本没法走。",
    ),
    (
        "和平路菜市场旁边有商贩长期占道经营，早上车根本过不去，希望城管管一管。",
        "和平路菜市场里的活禽摊位卫生太差，地上全是污水和羽毛，请市场监管部门检查。",
    ),
]

REPOSTS = [
    "扩散！！" + LAMP,
    "转发微博 //@马鞍山发布: " + LAMP,
    "求扩散 " + LAMP + " #马鞍山身边事#",
    "帮忙转发一下，" + LAMP + " @马鞍山城管 @花山区政府",
    LAMP + "【转发】",
]


@pytest.mark.parametrize(("a", "b"), REWORDED)
def test_same_complaint_worded_slightly_differently_is_similar(a: str, b: str) -> None:
    assert similar(a, b) >= 0.5


@pytest.mark.parametrize(("a", "b"), SAME_PLACE_OTHER_PROBLEM)
def test_different_problems_at_the_same_place_are_not(a: str, b: str) -> None:
    assert similar(a, b) < 0.3


@pytest.mark.parametrize("repost", REPOSTS)
def test_reposts_are_near_duplicates(repost: str) -> None:
    assert similar(LAMP, repost) >= 0.9


def test_unrelated_complaints_share_nothing() -> None:
    assert similar(LAMP, "楼下烧烤店天天开到凌晨2点，油烟噪音太大，居民根本没法休息。") < 0.1


def test_same_text_is_fully_similar_and_signature_is_deterministic() -> None:
    assert signature(LAMP) == signature(LAMP)
    assert similar(LAMP, LAMP) == 1.0
    assert similarity(signature(LAMP), signature(LAMP)) == 1.0


@pytest.mark.parametrize("repost", REPOSTS)
def test_signatures_of_reposts_are_near_duplicates(repost: str) -> None:
    assert similarity(signature(LAMP), signature(repost)) >= 0.9


@pytest.mark.parametrize(("a", "b"), REWORDED + SAME_PLACE_OTHER_PROBLEM)
def test_signature_estimate_is_near_the_exact_similarity(a: str, b: str) -> None:
    # These texts have 30–50 shingles: the estimate's standard error is about 0.08 at 0.5.
    assert abs(similarity(signature(a), signature(b)) - similar(a, b)) < 0.25


def test_punctuation_spacing_width_and_digits_do_not_matter() -> None:
    assert similar("湖东路12号路灯坏了！！！", "湖东路 ３号 路灯坏了。") == 1.0


def test_signature_is_compact_bytes_storable_as_hex() -> None:
    sig = signature(LAMP)
    assert isinstance(sig, bytes) and len(sig) == 2 * SLOTS
    assert bytes.fromhex(sig.hex()) == sig


def test_signature_is_the_same_in_another_process() -> None:
    # Python salts str hashes per process; a signature must not depend on that.
    code = "import sys; from plaza.similarity import signature; print(signature(sys.argv[1]).hex())"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code, LAMP], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == signature(LAMP).hex()


@pytest.mark.parametrize("text", ["", "   ", "！！！", "@马鞍山发布", "#城市治理#", "https://x.cn/a", "扩散"])
def test_text_with_nothing_to_compare_is_similar_to_nothing(text: str) -> None:
    sig = signature(text)
    assert is_empty(sig)
    assert similarity(sig, sig) == 0.0
    assert similar(text, LAMP) == 0.0
    assert bands(sig) == []


def test_very_short_texts_compare() -> None:
    assert similar("停电", "停电了") == 1.0
    assert similar("停电", "停水") == 0.0


def test_signatures_of_another_length_are_refused() -> None:
    with pytest.raises(ValueError):
        similarity(signature(LAMP), b"\x00" * 10)


def test_many_at_once_are_each_compared_one_by_one() -> None:
    others = [signature(t) for t, _ in REWORDED + SAME_PLACE_OTHER_PROBLEM] + [signature("")]
    one_by_one = [similarity(signature(LAMP), o) for o in others]
    assert similarities(signature(LAMP), others) == pytest.approx(one_by_one)
    assert similarities(signature(LAMP), b"".join(others)) == pytest.approx(one_by_one)  # as stored, joined
    assert similarities(signature(""), others) == [0.0] * len(others)
    assert similarities(signature(LAMP), []) == similarities(signature(LAMP), b"") == []
    with pytest.raises(ValueError):
        similarities(signature(LAMP), b"".join(others) + b"\x00")


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_similar_is_the_exact_jaccard_of_shingles() -> None:
    a, b = REWORDED[1]
    assert similar(a, b) == exact_jaccard(a, b)
    assert similar(a, b) == similar(b, a)


def test_estimate_follows_exact_jaccard_of_shingles() -> None:
    rnd = random.Random(20261103)
    alphabet = "路灯井盖电梯垃圾噪音油烟下水道堵塞漏水停电占道经营违停小区门口物业城管交警维修清运投诉居民老人孩子晚上早上"
    errors = []
    for _ in range(300):
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(30, 150)))
        b = list(a)
        for _ in range(rnd.randint(0, len(a) // 2)):
            b[rnd.randrange(len(b))] = rnd.choice(alphabet)
        errors.append(similarity(signature(a), signature("".join(b))) - exact_jaccard(a, "".join(b)))
    mean = sum(errors) / len(errors)
    assert abs(mean) < 0.02  # unbiased
    assert sum(e * e for e in errors) / len(errors) < 0.06**2  # about sqrt(J(1-J)/SLOTS)


def test_band_keys_find_near_duplicates_and_not_unrelated_texts() -> None:
    keys = set(bands(signature(LAMP)))
    assert len(keys) == BANDS
    assert keys & set(bands(signature(REPOSTS[1])))
    assert keys & set(bands(signature(REWORDED[5][1])))
    assert not keys & set(bands(signature("楼下烧烤店天天开到凌晨2点，油烟噪音太大，居民根本没法休息。")))


def test_band_keys_are_distinct_per_band() -> None:
    keys = bands(signature(LAMP))
    assert len(set(keys)) == len(keys)
    assert [key.split(":")[0] for key in keys] == [f"{band:02d}" for band in range(BANDS)]
