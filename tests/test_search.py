"""Search: Chinese words found inside sentences, alike on SQLite (FTS5) and PostgreSQL (GIN)."""

from __future__ import annotations

import re

import jieba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from plaza.demo.generate import generate
from plaza.square import accounts, posts, search
from plaza.storage.schema import accounts as accounts_table
from tests.factories import citizen, post


def person(plaza, username=None, display_name=None):  # type: ignore[no-untyped-def]
    """A citizen without a password (hashing one is slow)."""
    return citizen(plaza, username, display_name, password=None)


def found(plaza, query: str, **kw) -> list[int]:  # type: ignore[no-untyped-def]
    return search.search_statuses(plaza.db, query, None, **kw)


def set_followers(plaza, account, n: int) -> None:  # type: ignore[no-untyped-def]
    with plaza.db.write() as conn:
        conn.execute(update(accounts_table).where(accounts_table.c.id == account.id)
                     .values(followers_count=n))


def index_is_consistent(plaza) -> bool:  # type: ignore[no-untyped-def]
    """SQLite: FTS5 agrees with search_documents (its integrity-check raises otherwise)."""
    if plaza.db.is_sqlite:
        with plaza.db.write() as conn:
            conn.execute(text("INSERT INTO search_fts(search_fts, rank) "
                              "VALUES ('integrity-check', 1)"))
    return True


def test_word_inside_chinese_sentence_is_found(plaza) -> None:
    author = person(plaza)
    thanks = post(plaza, author, "感谢所有救援队员")
    post(plaza, author, "今天天气不错")
    assert found(plaza, "救援") == [thanks]


def test_field_terms_are_words_and_so_are_their_parts(plaza) -> None:
    author = person(plaza)
    team = post(plaza, author, "重庆蓝天救援队已抵达北碚")
    assert found(plaza, "救援队") == [team]
    assert found(plaza, "蓝天救援队") == [team]
    assert found(plaza, "救援") == [team]
    assert search.segment("同城热搜第一，丁真的世界") == ["同城", "热搜", "第一", "丁真", "的", "世界"]


def test_all_query_words_must_match(plaza) -> None:
    author = person(plaza)
    both = post(plaza, author, "北碚山火明火已扑灭，救援力量仍在现场待命")
    post(plaza, author, "山火无情，注意防范")
    post(plaza, author, "救援队今早出发")
    both_reversed = post(plaza, author, "救援人员连夜奔赴山火现场")
    assert found(plaza, "山火 救援") == [both_reversed, both]
    assert found(plaza, "救援 山火") == [both_reversed, both]
    assert found(plaza, "山火救援") == [both_reversed, both]  # one string, segmented into two words
    assert found(plaza, "山火 救援 台风") == []


def test_query_word_must_match_a_whole_token_not_a_substring(plaza) -> None:
    author = person(plaza)
    # 和尚 (monk) is a substring of 结婚的和尚未结婚的 ("the married and the not yet married"), but
    # not one of its words: 结婚 / 的 / 和 / 尚未 / 结婚 / 的.
    post(plaza, author, "结婚的和尚未结婚的")
    monk = post(plaza, author, "寺里的和尚在扫地")
    post(plaza, author, "Chongqing hotpot")
    assert found(plaza, "和尚") == [monk]
    assert found(plaza, "chong") == []
    assert found(plaza, "hot") == []


def test_deleted_post_disappears_from_search(plaza) -> None:
    author = person(plaza)
    kept = post(plaza, author, "防汛物资已到位")
    gone = post(plaza, author, "防汛抢险队伍集结完毕")
    assert found(plaza, "防汛") == [gone, kept]
    posts.delete_status(plaza.db, author, gone)
    assert found(plaza, "防汛") == [kept]
    assert found(plaza, "集结") == []
    assert index_is_consistent(plaza)


def test_followers_only_and_direct_posts_are_not_searchable(plaza) -> None:
    author = person(plaza)
    public = post(plaza, author, "台风预警：今晚有大风")
    post(plaza, author, "台风天只给粉丝看", visibility="private")
    post(plaza, author, "@someone 台风天注意安全", visibility="direct")
    post(plaza, author, "台风天的不公开列出的帖子", visibility="unlisted")  # not in public listings
    assert found(plaza, "台风") == [public]
    assert search.search_statuses(plaza.db, "台风", author.id) == [public]


def test_reposts_are_not_results_and_newest_comes_first(plaza) -> None:
    author, fan = person(plaza), person(plaza)
    ids = [post(plaza, author, f"第{n}条 转办 进展") for n in range(5)]
    posts.reblog(plaza.db, fan, ids[0])
    assert found(plaza, "转办") == ids[::-1]
    assert found(plaza, "转办", limit=2) == [ids[4], ids[3]]
    assert found(plaza, "转办", limit=2, offset=2) == [ids[2], ids[1]]


def test_topic_or_mention_in_a_query_asks_for_the_whole_name(plaza) -> None:
    author = person(plaza)
    person(plaza, "cq_fabu", "重庆发布")
    tagged = post(plaza, author, "#重庆山火# 最新进展 @重庆发布")
    untagged = post(plaza, author, "重庆山火最新进展，重庆发布了通报")
    assert found(plaza, "重庆山火") == [untagged, tagged]  # two words: 重庆 and 山火
    assert found(plaza, "#重庆山火#") == [tagged]
    assert found(plaza, "@重庆发布") == [tagged]
    assert found(plaza, "重庆发布") == [untagged, tagged]


def test_account_search_finds_chinese_display_name_and_ranks_exact_first(plaza) -> None:
    exact = person(plaza, "cq_fabu", "重庆发布")
    prefix = person(plaza, "cqfb_hall", "重庆发布厅")
    contains = person(plaza, "dameicq", "大美重庆发布")
    contains_more_followed = person(plaza, "cqcity", "今日重庆发布会")
    suspended = person(plaza, "cq_fake", "重庆发布官方")
    person(plaza, "sichuan", "四川发布")
    set_followers(plaza, exact, 1)
    set_followers(plaza, prefix, 100)
    set_followers(plaza, contains, 1_000)
    set_followers(plaza, contains_more_followed, 5_000)
    set_followers(plaza, suspended, 50_000)
    accounts.set_flags(plaza.db, suspended.id, suspended=True)

    names = [r.username for r in search.search_accounts(plaza.db, "重庆发布")]
    assert names == ["cq_fabu", "cqfb_hall", "cqcity", "dameicq"]
    assert [r.username for r in search.search_accounts(plaza.db, "@重庆发布", limit=1)] == ["cq_fabu"]
    assert [r.username for r in search.search_accounts(plaza.db, "重庆发布", offset=3)] == ["dameicq"]
    # Usernames too, ignoring case: exact username first.
    assert [r.username for r in search.search_accounts(plaza.db, "CQ_FABU")] == ["cq_fabu"]
    # No exact match: prefixes (most followed first), then names merely containing it.
    names = [r.username for r in search.search_accounts(plaza.db, "cq")]
    assert names == ["cqcity", "cqfb_hall", "cq_fabu", "dameicq"]


def test_account_search_ignores_width_and_skips_pending_sign_ups(plaza) -> None:
    person(plaza, "plaza_news", "Plaza新闻")
    pending = person(plaza, "plaza_pending", "Plaza待审")
    accounts.set_flags(plaza.db, pending.id, approved=False)
    assert [r.username for r in search.search_accounts(plaza.db, "ＰＬＡＺＡ")] == ["plaza_news"]


def test_topic_search_with_or_without_hash(plaza) -> None:
    author = person(plaza)
    post(plaza, author, "#重庆山火# 各处明火均已扑灭")
    post(plaza, author, "#山火# 防范知识")
    post(plaza, author, "#山火救援# 志愿者集合")
    post(plaza, author, "#我的山火日记# 只给自己", visibility="direct")  # never shown publicly
    for query in ("山火", "#山火", "#山火#", " #山火# "):
        names = [t.name for t in search.search_topics(plaza.db, query)]
        assert names == ["山火", "山火救援", "重庆山火"], query
    assert [t.name for t in search.search_topics(plaza.db, "#重庆山火#")] == ["重庆山火"]
    assert search.search_topics(plaza.db, "#") == []


HOSTILE_QUERIES = (
    '"', '""', "'", "*", "山火*", "AND OR NOT", "-山火", "^山火", "NEAR(", "NEAR(山火 救援, 2)",
    "tokens:山火", "'; drop table statuses; --", "%", "_", "%_", "\\", "\\'", "山火 & !救援 | (",
    "", "   ", "\t\n", "#", "@", "##", "😀🔥", "\x00", "a" * 5000, "救援 " * 200,
)


def test_user_input_with_sql_and_fts_syntax_is_harmless(plaza) -> None:
    author = person(plaza, "cq_fabu", "重庆发布")
    person(plaza, "cqxfabu", "重庆x发布")
    fire = post(plaza, author, "#山火# 救援进展：明火已扑灭")
    words = post(plaza, author, "Plaza and chill or not, near the river")
    documents = ((words, {"plaza", "and", "chill", "or", "not", "near", "the", "river"}),
                 (fire, {"山火", "救援", "进展", "明火", "扑灭"}))
    for query in HOSTILE_QUERIES:
        query_words = set(search.query_tokens(query))
        # Operators are words like any other: a post is found only if it holds them all.
        expected = [i for i, body_words in documents if query_words and query_words <= body_words]
        assert found(plaza, query) == expected, query
        # LIKE wildcards are literal characters: only a name that really holds "_" matches "_".
        names = [r.username for r in search.search_accounts(plaza.db, query)]
        assert names == (["cq_fabu"] if query == "_" else []), query
        assert search.search_topics(plaza.db, query) == [], query
    # And everything still works afterwards.
    assert found(plaza, "山火 救援") == [fire]
    assert [r.username for r in search.search_accounts(plaza.db, "重庆")] == ["cq_fabu", "cqxfabu"]
    assert index_is_consistent(plaza)


def test_sql_and_fts_operators_are_searched_as_plain_words(plaza) -> None:
    author = person(plaza)
    words = post(plaza, author, "Plaza and chill or not, near the river")
    post(plaza, author, "Plaza only")
    assert found(plaza, "AND OR NOT") == [words]
    assert found(plaza, "NEAR(") == [words]
    assert found(plaza, '"plaza" NOT chill') == [words]  # NOT is a word here, not a negation


def test_latin_words_match_case_insensitively(plaza) -> None:
    author = person(plaza)
    launch = post(plaza, author, "Plaza LAUNCHES in Chongqing! COVID-19 update")
    post(plaza, author, "今天天气不错")
    for query in ("plaza", "PLAZA", "Plaza", "ＰＬＡＺＡ", "launches chongqing", "covid 19", "COVID-19"):
        assert found(plaza, query) == [launch], query
    assert found(plaza, "launch") == []  # whole words, no stemming


def test_segmentation_drops_punctuation_and_lowercases(plaza) -> None:
    assert search.segment("感谢所有救援队员！") == ["感谢", "所有", "救援", "队员", "救援队", "救援队员"]
    assert search.segment("Hello, ＷＯＲＬＤ… 😀") == ["hello", "world"]
    assert search.segment("。！？ 😀") == []
    assert search.query_tokens("救援队员") == ["救援队员"]  # precise mode for queries


def test_results_are_the_same_however_far_back_the_matches_lie(plaza, monkeypatch) -> None:
    """PostgreSQL first reads the newest RECENT_WINDOW documents, then asks the GIN index:
    pages must not change at that seam (SQLite has a single path)."""
    monkeypatch.setattr(search, "RECENT_WINDOW", 3)
    author = person(plaza)
    old = [post(plaza, author, f"回访记录 第{n}号") for n in range(4)]
    for n in range(5):
        post(plaza, author, f"今日要闻 第{n}号")
    assert found(plaza, "回访") == old[::-1]
    assert found(plaza, "回访", limit=2, offset=1) == [old[2], old[1]]
    assert found(plaza, "回访 要闻") == []
    assert found(plaza, "要闻", limit=2) == found(plaza, "要闻")[:2]


def test_post_search_is_answered_from_the_full_text_index(plaza) -> None:
    """The FTS5 table (SQLite) and the GIN index of migration 0002 (PostgreSQL) can answer the
    search: were the query and the index to drift apart, every search would read every post.
    (Whether the planner picks the index depends on the data; on a tiny table it is forced.)"""
    tokens = search.query_tokens("山火 救援")
    with plaza.db.read() as conn:
        if plaza.db.is_sqlite:
            stmt = search._sqlite_query(tokens, 20, 0)
            compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            plan = " ".join(str(r[-1]) for r in rows)
            assert "search_fts VIRTUAL TABLE INDEX" in plan and "TEMP B-TREE" not in plan, plan
        else:
            documents = search._lexemes
            stmt = select(documents.c.status_id).where(
                search._holds_all(documents.c[search.PG_LEXEMES], tokens))
            compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "Bitmap Index Scan on ix_search_documents_lexemes" in plan, plan


# --- the segmenter's compact dictionary -------------------------------------------------------

@pytest.fixture(scope="module")
def plain_jieba() -> jieba.Tokenizer:
    """jieba as it comes (its dictionary a Python dict), with the same field terms added."""
    plain = jieba.Tokenizer()
    plain.initialize()
    for word in search.FIELD_TERMS:
        plain.add_word(word, max(plain.suggest_freq(word, False), search.FIELD_TERM_FREQUENCY))
    return plain


def _han_runs(texts: list[str]) -> list[str]:
    return [run for t in texts for run in re.findall("[\u4e00-\u9fff]+", t)]


def test_compact_dictionary_segments_the_demo_posts_exactly_as_jieba(plain_jieba) -> None:
    compact = search._segmenter()
    demo = generate(citizens=300, posts=3000)
    texts = [p.text for p in demo.posts] + [c.bio for c in demo.citizens]
    runs = _han_runs(texts)
    assert len(runs) > 3000
    for run in runs:
        assert list(compact.cut_for_search(run)) == list(plain_jieba.cut_for_search(run)), run
        assert list(compact.cut(run)) == list(plain_jieba.cut(run)), run
        assert list(compact.cut(run, HMM=False)) == list(plain_jieba.cut(run, HMM=False)), run


# Characters of the demo's posts, and any of the CJK block (many outside jieba's dictionary):
# random strings of them hit dictionary words, prefixes of words, unknown characters and
# unknown runs (HMM) in every combination.
_DEMO_CHARS = sorted({ch for run in _han_runs([p.text for p in generate(citizens=50, posts=500).posts]) for ch in run})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(_DEMO_CHARS) | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
               min_size=1, max_size=80))
def test_compact_dictionary_segments_arbitrary_chinese_exactly_as_jieba(plain_jieba, run: str) -> None:
    compact = search._segmenter()
    assert list(compact.cut_for_search(run)) == list(plain_jieba.cut_for_search(run))
    assert list(compact.cut(run)) == list(plain_jieba.cut(run))
