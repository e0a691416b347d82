"""Specification of post text: links, Weibo/Mastodon topics, mentions, topic keys and HTML."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaza.square.text import (
    MAX_MENTION_LENGTH,
    MAX_TOPIC_LENGTH,
    Span,
    SpanKind,
    mentions,
    parse,
    render_html,
    topic_key,
    topics,
)


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, raw token) pairs: the shortest readable form of parse()."""
    return [(s.kind, text[s.start : s.end]) for s in parse(text)]


def mention_url(name: str) -> str | None:
    return {"重庆发布": "https://plaza.example/@cq", "chongqing_fabu": "/@chongqing_fabu"}.get(name)


def topic_url(name: str) -> str:
    return "/tags/" + topic_key(name)


def render(text: str, spans: list[Span] | None = None) -> str:
    return render_html(text, spans, mention_url=mention_url, topic_url=topic_url)


# --- links ---------------------------------------------------------------------------------------


def test_links_start_with_http_or_https() -> None:
    text = "见 http://x.cn/a 和 https://www.gov.cn/zhengce?id=1&t=2"
    assert tokens(text) == [
        ("link", "http://x.cn/a"),
        ("link", "https://www.gov.cn/zhengce?id=1&t=2"),
    ]
    assert parse("https://x.cn/a")[0] == Span("link", 0, 14, "https://x.cn/a")


def test_link_ends_at_whitespace() -> None:
    assert tokens("https://x.cn/a\tb https://x.cn/c\nd") == [
        ("link", "https://x.cn/a"),
        ("link", "https://x.cn/c"),
    ]


def test_link_ends_at_a_cjk_character() -> None:
    assert tokens("详见https://x.cn/a谢谢") == [("link", "https://x.cn/a")]
    assert tokens("https://x.cn/a（重庆）") == [("link", "https://x.cn/a")]


def test_link_ends_at_angle_brackets_and_double_quote() -> None:
    assert tokens('<https://x.cn/a>"https://x.cn/b"') == [
        ("link", "https://x.cn/a"),
        ("link", "https://x.cn/b"),
    ]


@pytest.mark.parametrize("punct", list(".,;:!?)]}'，。！？；：、）》」"))
def test_trailing_punctuation_is_not_part_of_a_link(punct: str) -> None:
    assert tokens(f"https://x.cn/a{punct}") == [("link", "https://x.cn/a")]


def test_trailing_punctuation_runs_are_all_dropped_but_inner_punctuation_stays() -> None:
    assert tokens("see https://x.cn/a.b?c=d!).") == [("link", "https://x.cn/a.b?c=d")]


def test_closing_bracket_is_kept_when_the_url_opens_one() -> None:
    text = "(see https://en.wikipedia.org/wiki/Foo_(bar))."
    assert tokens(text) == [("link", "https://en.wikipedia.org/wiki/Foo_(bar)")]
    assert tokens("https://x.cn/[1]") == [("link", "https://x.cn/[1]")]


def test_hash_and_at_inside_a_link_start_nothing() -> None:
    text = "https://x.cn/a#top https://mastodon.social/@user #马上办#"
    assert tokens(text) == [
        ("link", "https://x.cn/a#top"),
        ("link", "https://mastodon.social/@user"),
        ("topic", "#马上办#"),
    ]


def test_a_topic_cannot_run_over_a_link() -> None:
    # Without the link rule "#看 https://x.cn 这里#" would be one Weibo topic.
    assert tokens("#看 https://x.cn 这里#") == [("topic", "#看"), ("link", "https://x.cn")]


def test_scheme_alone_is_not_a_link() -> None:
    assert parse("http:// and https://.") == []


def test_scheme_glued_to_a_latin_word_is_not_a_link_but_after_cjk_it_is() -> None:
    assert parse("xhttps://x.cn") == []
    assert tokens("快看https://x.cn") == [("link", "https://x.cn")]


def test_scheme_is_case_insensitive_in_ascii_only() -> None:
    assert tokens("HTTPS://X.CN/A") == [("link", "HTTPS://X.CN/A")]
    assert parse("httpſ://x.cn") == []  # U+017F folds to "s" under Unicode rules


def test_zero_width_and_bidi_characters_end_a_link() -> None:
    assert tokens("https://x.cn/a\u200bb https://x.cn/\u202egpj") == [
        ("link", "https://x.cn/a"),
        ("link", "https://x.cn/"),
    ]


# --- Weibo-style topics --------------------------------------------------------------------------


def test_weibo_topic_may_hold_cjk_and_inner_spaces() -> None:
    assert parse("#重庆山火各处明火均已扑灭#") == [Span("topic", 0, 14, "重庆山火各处明火均已扑灭")]
    assert parse("#Typhoon Muifa 2022#") == [Span("topic", 0, 20, "Typhoon Muifa 2022")]
    assert topics("#一起守护这座城# #其实丁真在四川#") == ["一起守护这座城", "其实丁真在四川"]


def test_weibo_topic_may_follow_any_character() -> None:
    assert tokens("快看#马上办#") == [("topic", "#马上办#")]
    assert tokens("abc#有困难一起扛#") == [("topic", "#有困难一起扛#")]


def test_weibo_topic_may_hold_punctuation_and_digits() -> None:
    assert topics("#有困难，一起扛！# #2022# #C++/Rust#") == [
        "有困难，一起扛！",
        "2022",
        "C++/Rust",
    ]


def test_weibo_topic_name_is_kept_as_written() -> None:
    assert topics("#Typhoon  MUIFA#") == ["Typhoon  MUIFA"]


def test_weibo_topic_must_not_start_or_end_with_whitespace() -> None:
    assert parse("# 重庆山火#") == []
    # The Weibo reading fails, so only the Mastodon reading "#重庆山火" is left.
    assert tokens("#重庆山火 #") == [("topic", "#重庆山火")] == tokens("#重庆山火\u3000#")
    assert tokens("#有困难 一起扛 #") == [("topic", "#有困难")]


def test_weibo_topic_cannot_span_lines() -> None:
    for brk in ("\n", "\r", "\u2028"):
        assert tokens(f"#重庆{brk}山火#") == [("topic", "#重庆")]


def test_weibo_topic_cannot_hold_control_characters() -> None:
    assert tokens("#重庆\t山火#") == [("topic", "#重庆")]
    assert parse("#\x00#") == []


def test_weibo_topic_is_limited_to_max_topic_length() -> None:
    name = "火" * MAX_TOPIC_LENGTH
    assert topics(f"#{name}#") == [name]
    # Too long for a Weibo topic and for a Mastodon tag: nothing at all.
    assert parse(f"#{name}火#") == []


def test_empty_hashes_are_not_a_topic() -> None:
    assert parse("## ### ####") == []


def test_adjacent_weibo_topics() -> None:
    assert tokens("#a##b#") == [("topic", "#a#"), ("topic", "#b#")]
    assert tokens("#重庆山火##一起守护这座城#") == [
        ("topic", "#重庆山火#"),
        ("topic", "#一起守护这座城#"),
    ]


# --- Mastodon-style tags -------------------------------------------------------------------------


def test_mastodon_tags_when_the_weibo_reading_is_invalid() -> None:
    assert parse("I like #python and #rust") == [
        Span("topic", 7, 14, "python"),
        Span("topic", 19, 24, "rust"),
    ]


def test_weibo_reading_wins_over_mastodon() -> None:
    assert tokens("#python and#rust") == [("topic", "#python and#")]
    assert tokens("#周末#愉快") == [("topic", "#周末#")]


def test_mastodon_tag_may_be_cjk_and_follow_cjk() -> None:
    assert tokens("快看#马上办 今天") == [("topic", "#马上办")]


def test_mastodon_tag_ends_at_whitespace_punctuation_or_end() -> None:
    assert topics("#重庆山火， #rust! #py-thon #snake_case") == [
        "重庆山火",
        "rust",
        "py",
        "snake_case",
    ]


def test_mastodon_tag_not_after_ascii_word_slash_or_ampersand() -> None:
    for text in ("foo#bar", "a/#b", "&#x41;", "_#c", "9#d"):
        assert parse(text) == []
    assert tokens("(#ok)") == [("topic", "#ok")]
    assert tokens("。#好") == [("topic", "#好")]


def test_bare_hash_or_hash_then_punctuation_is_nothing() -> None:
    assert parse("# #! #. #， #") == []


def test_purely_numeric_mastodon_tag_is_not_a_tag() -> None:
    assert parse("issue #123 and #456") == []
    assert topics("#2022年 #v2") == ["2022年", "v2"]


def test_markdown_heading_and_c_sharp_are_not_topics() -> None:
    assert parse("# Title\nI write C# and F# daily") == []


def test_mastodon_tag_keeps_combining_marks() -> None:
    assert topics("#cafe\u0301 ok") == ["cafe\u0301"]


# --- mentions ------------------------------------------------------------------------------------


def test_ascii_username_and_chinese_display_name_mentions() -> None:
    assert parse("@chongqing_fabu @重庆发布") == [
        Span("mention", 0, 15, "chongqing_fabu"),
        Span("mention", 16, 21, "重庆发布"),
    ]


def test_mention_may_hold_digits_underscore_and_hyphen() -> None:
    assert mentions("@cq-gov_2022 hi") == ["cq-gov_2022"]


def test_mention_ends_at_whitespace_punctuation_or_end() -> None:
    assert mentions("@重庆发布：火情通报。@上海防汛，注意台风 (@user1)") == [
        "重庆发布",
        "上海防汛",
        "user1",
    ]


def test_mention_may_follow_cjk_without_space() -> None:
    assert mentions("感谢@上海防汛") == ["上海防汛"]


def test_email_address_is_not_a_mention() -> None:
    assert parse("mail fabu@cq.gov.cn or a.@b or x_@y or 1@2") == []


def test_mention_longer_than_the_limit_is_nothing() -> None:
    name = "a" * MAX_MENTION_LENGTH
    assert mentions(f"@{name}") == [name]
    assert parse(f"@{name}b") == []


def test_emoticons_and_bare_at_signs_are_not_mentions() -> None:
    assert parse("@_@ @- @ @！") == []


def test_mention_and_topic_next_to_each_other() -> None:
    assert tokens("@重庆发布#马上办#@上海防汛") == [
        ("mention", "@重庆发布"),
        ("topic", "#马上办#"),
        ("mention", "@上海防汛"),
    ]


# --- topics(), mentions(), topic_key() -----------------------------------------------------------


def test_topics_are_distinct_by_topic_key_in_order_of_first_appearance() -> None:
    text = "#重庆山火# #Python #python# #ＰＹＴＨＯＮ #一起守护这座城# #重庆山火"
    assert topics(text) == ["重庆山火", "Python", "一起守护这座城"]


def test_mentions_are_distinct_in_order() -> None:
    assert mentions("@上海防汛 @重庆发布 @上海防汛") == ["上海防汛", "重庆发布"]


def test_topic_key_normalises_width_case_and_whitespace() -> None:
    assert topic_key("  Typhoon \u3000 MUIFA\t2022 ") == "typhoon muifa 2022"
    assert topic_key("ＰＹＴＨＯＮ") == "python"
    assert topic_key("Straße") == "strasse"
    assert topic_key("重庆山火") == "重庆山火"


# --- render_html ---------------------------------------------------------------------------------

LINK_ATTRS = 'rel="nofollow noopener noreferrer" target="_blank"'


def test_render_empty_or_blank_text_is_the_empty_string() -> None:
    assert render("") == ""
    assert render(" \n\n\t ") == ""


def test_render_paragraphs_on_blank_lines_and_br_on_single_newlines() -> None:
    assert (
        render("第一行\n第二行\n\n  \n第二段\r\n完")
        == "<p>第一行<br />第二行</p><p>第二段<br />完</p>"
    )


def test_render_escapes_all_text() -> None:
    assert render("<script>alert('x')</script> & \"q\"") == (
        "<p>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;</p>"
    )


def test_render_link() -> None:
    url = "https://x.cn/?a=1&b='2'"
    assert render(f"看{url}") == (
        f'<p>看<a href="https://x.cn/?a=1&amp;b=&#x27;2" {LINK_ATTRS}>'
        "https://x.cn/?a=1&amp;b=&#x27;2</a>&#x27;</p>"
    )


def test_render_resolved_mention_as_h_card() -> None:
    assert render("@重庆发布 你好") == (
        '<p><span class="h-card"><a href="https://plaza.example/@cq" class="u-url mention">'
        "@<span>重庆发布</span></a></span> 你好</p>"
    )


def test_render_unresolved_mention_as_plain_text() -> None:
    assert render("@上海防汛") == "<p>@上海防汛</p>"


def test_render_weibo_topic_keeps_its_closing_hash_inside_the_anchor() -> None:
    assert render("#重庆山火#") == (
        '<p><a href="/tags/重庆山火" class="mention hashtag" rel="tag">#<span>重庆山火</span>#</a></p>'
    )


def test_render_mastodon_tag() -> None:
    assert render("#Python") == (
        '<p><a href="/tags/python" class="mention hashtag" rel="tag">#<span>Python</span></a></p>'
    )


def test_render_escapes_names_and_callback_urls() -> None:
    out = render_html(
        '#<b onclick="x">#',
        mention_url=lambda name: None,
        topic_url=lambda name: '/t/"><script>',
    )
    assert out == (
        '<p><a href="/t/&quot;&gt;&lt;script&gt;" class="mention hashtag" rel="tag">'
        "#<span>&lt;b onclick=&quot;x&quot;&gt;</span>#</a></p>"
    )


def test_render_uses_given_spans_and_ignores_spans_that_do_not_fit() -> None:
    text = "@重庆发布 #马上办#"
    only_topic = [s for s in parse(text) if s.kind == "topic"]
    assert render(text, only_topic) == (
        '<p>@重庆发布 <a href="/tags/马上办" class="mention hashtag" rel="tag">'
        "#<span>马上办</span>#</a></p>"
    )
    stale = [Span("link", 0, 5, "javascript:alert(1)"), Span("topic", 3, 99, "x")]
    assert render(text, stale) == "<p>@重庆发布 #马上办#</p>"


# --- properties ----------------------------------------------------------------------------------

# Every code point, lone surrogates included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)

# Pieces that make topics, mentions, links, paragraphs and escaping interact.
PIECES = [
    "#", "#", "#", "@", "@", " ", " ", "\n", "\n\n", "\r\n", "\r", "\t", "\u3000", "\u2028",
    "重", "庆", "山火", "发布", "马上办", "上海防汛", "a", "Z", "x", "1", "2022", "_", "-",
    ".", ",", ":", "/", "(", ")", "[", "]", "!", "https://", "http://", "HTTP://", "x.cn/", "?q=1",
    "ſ",
    "&", "&amp;", "&#", "<", ">", '"', "'", "，", "。", "）", "》", "：", "<script>", "<br>", "</p>",
    "\u200b", "\u200d", "\u0301", "\u202e", "\ud800", "\x00", "\x85", "😀", "é", "ﬁ", "Ａ", "١",
]  # fmt: skip
BIASED_TEXT = st.lists(
    st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=())), max_size=40
).map("".join)
TEXTS = st.one_of(ANY_TEXT, BIASED_TEXT, BIASED_TEXT)

PROPERTY = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def is_word_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "LM" or category == "Nd" or ch == "_"


def breaks_topic(ch: str) -> bool:
    return ch in "\u2028\u2029" or unicodedata.category(ch) == "Cc"


def some_mention_url(name: str) -> str | None:
    # Resolve about half the names, with characters that need attribute escaping.
    return None if len(name) % 2 else f'https://plaza.example/@{name}?a=1&b="2"'


def raw_topic_url(name: str) -> str:
    return "/tags/" + name  # deliberately unescaped: render_html must escape it


def render_any(text: str, spans: list[Span] | None = None) -> str:
    return render_html(text, spans, mention_url=some_mention_url, topic_url=raw_topic_url)


def canonical(text: str) -> str:
    """What render_html promises to keep: line breaks \\r\\n and \\r read as \\n; paragraphs split
    on whitespace runs holding at least two line breaks; each paragraph stripped of leading and
    trailing whitespace; empty paragraphs dropped; paragraphs joined by a blank line."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = (p.strip() for p in re.split(r"\s*\n\s*\n\s*", unified))
    return "\n\n".join(p for p in paragraphs if p)


def html_to_text(out: str) -> str:
    """Undo render_html: paragraph boundaries become a blank line, <br /> a newline, other tags go,
    entities are unescaped."""
    if not out:
        return ""
    assert out.startswith("<p>") and out.endswith("</p>")
    body = out[3:-4].replace("</p><p>", "\n\n").replace("<br />", "\n")
    return html.unescape(re.sub(r"<[^>]*>", "", body))


# Exactly the markup render_html may emit; attribute values never hold a raw quote or bracket.
OWN_TAG = re.compile(
    r'</?p>|<br />|</a>|</?span>|<span class="h-card">'
    r'|<a href="[^"<>]*" (?:rel="nofollow noopener noreferrer" target="_blank"'
    r'|class="u-url mention"|class="mention hashtag" rel="tag")>'
)


KINDS: list[SpanKind] = ["topic", "mention", "link"]
# Spans a careless caller might pass: wrong kind, out of bounds, overlapping, stale values.
JUNK_SPANS = st.builds(
    Span,
    st.sampled_from(KINDS),
    st.integers(-3, 70),
    st.integers(-3, 70),
    st.text(max_size=5),
)


@PROPERTY
@given(TEXTS)
def test_parse_never_raises_and_spans_are_sorted_disjoint_and_in_bounds(text: str) -> None:
    spans = parse(text)
    end = 0
    for span in spans:
        assert end <= span.start < span.end <= len(text)
        end = span.end


@PROPERTY
@given(TEXTS)
def test_every_span_has_its_kinds_shape_and_value_comes_from_the_raw_token(text: str) -> None:
    for span in parse(text):
        raw = text[span.start : span.end]
        if span.kind == "link":
            scheme = raw[: raw.find("://") + 3]
            assert scheme.lower() in ("http://", "https://") and len(raw) > len(scheme)
            assert span.value == raw
            assert not any(ch.isspace() or ch in '<>"' for ch in raw)
        elif span.kind == "mention":
            assert raw[0] == "@" and span.value == raw[1:]
            assert 1 <= len(span.value) <= MAX_MENTION_LENGTH
            assert all(is_word_char(ch) or ch == "-" for ch in span.value)
        else:
            assert span.kind == "topic" and raw[0] == "#"
            weibo = len(raw) >= 3 and raw.endswith("#")
            assert span.value == (raw[1:-1] if weibo else raw[1:])
            assert 1 <= len(span.value) <= MAX_TOPIC_LENGTH and "#" not in span.value
            assert not span.value[0].isspace() and not span.value[-1].isspace()
            assert not any(breaks_topic(ch) for ch in span.value)
            if not weibo:
                assert all(is_word_char(ch) for ch in span.value)


@PROPERTY
@given(TEXTS)
def test_every_token_parses_to_itself_on_its_own(text: str) -> None:
    for span in parse(text):
        raw = text[span.start : span.end]
        assert parse(raw) == [Span(span.kind, 0, len(raw), span.value)]


@PROPERTY
@given(TEXTS)
def test_topics_and_mentions_agree_with_parse(text: str) -> None:
    spans = parse(text)
    topic_values = [s.value for s in spans if s.kind == "topic"]
    mention_values = [s.value for s in spans if s.kind == "mention"]
    first_by_key: dict[str, str] = {}
    for value in topic_values:
        first_by_key.setdefault(topic_key(value), value)
    assert topics(text) == list(first_by_key.values())
    assert mentions(text) == list(dict.fromkeys(mention_values))


@PROPERTY
@given(TEXTS)
def test_topic_key_is_stable_and_whitespace_normalised(name: str) -> None:
    key = topic_key(name)
    assert topic_key(key) == key
    assert key == " ".join(key.split())
    assert topic_key(f" \u3000{name}\t ") == key  # surrounding whitespace never matters


@PROPERTY
@given(TEXTS)
def test_render_gives_back_the_text_modulo_paragraph_whitespace(text: str) -> None:
    assert html_to_text(render_any(text)) == canonical(text)


@PROPERTY
@given(TEXTS)
def test_render_emits_only_its_own_markup(text: str) -> None:
    out = render_any(text)
    leftover = OWN_TAG.sub("", out)
    assert "<" not in leftover and ">" not in leftover
    if "<script>" in text:
        assert "<script>" not in out


@PROPERTY
@given(TEXTS, st.lists(JUNK_SPANS, max_size=8))
def test_render_with_arbitrary_spans_never_raises_and_stays_safe(
    text: str, junk: list[Span]
) -> None:
    spans = parse(text) + junk
    out = render_any(text, spans)
    assert "<" not in OWN_TAG.sub("", out)
    assert html_to_text(out) == canonical(text)
    assert render_any(text, parse(text)) == render_any(text)
