"""Normalisation: text repair, language, dates, outlets and content hashes."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from parallax.ingest.normalize import (
    FoundDate,
    content_hash,
    date_from_url,
    detect_language,
    most_precise,
    outlet_from_url,
    parse_date,
    repair_text,
    split_date_prefix,
)

CLEAN = [
    "Mevlüt Çavuşoğlu said “we will not abandon our positions”.",
    "Лавров заявил, что сотрудничество продолжится.",
    "中国外交部发言人表示，“双方同意继续合作”。",
    "SÃO PAULO — A Ærø ferry’s route: 12½ km.",
    "Der Außenminister sagte: „Wir bleiben dabei.“",
]


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as windows-1252 (undefined bytes kept as C1 controls, as browsers do):
    how most mojibake in crawled news is made."""
    import ftfy.bad_codecs  # noqa: F401  registers sloppy-windows-1252

    return text.encode("utf-8").decode("sloppy-windows-1252")


@pytest.mark.parametrize("text", CLEAN)
def test_repair_keeps_clean_text(text: str) -> None:
    assert repair_text(text) == text


@pytest.mark.parametrize("text", CLEAN[:2] + CLEAN[4:])
def test_repair_undoes_windows_1252_mojibake(text: str) -> None:
    assert repair_text(_mojibake(text)) == text


def test_repair_undoes_mac_roman_mojibake() -> None:
    text = "Antalya'da köpekli çift, kedinin saldırısına uğradı."
    garbled = text.encode("utf-8").decode("mac_latin2")
    assert garbled != text
    assert repair_text(garbled) == text


def test_repair_undoes_mojibake_that_was_later_nfkc_normalised() -> None:
    import unicodedata

    garbled = unicodedata.normalize("NFKC", _mojibake("München und Düsseldorf"))
    assert "1⁄4" in garbled
    assert repair_text(garbled) == "München und Düsseldorf"


def test_repair_normalises_to_nfc_and_tidies_whitespace() -> None:
    decomposed = "Cavus\u0327oglu  said\u00a0it. \r\n\r\n\r\n\r\n Second\tparagraph. "
    assert repair_text(decomposed) == "Cavuşoglu said it.\n\nSecond paragraph."


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Russian Foreign Minister Sergey Lavrov said cooperation will continue.", "en"),
        ("Der russische Außenminister sagte, die Zusammenarbeit gehe weiter.", "de"),
        ("Dışişleri Bakanı Çavuşoğlu, Rusya ile ilişkilerin süreceğini söyledi.", "tr"),
        ("Министр иностранных дел России заявил, что сотрудничество продолжится.", "ru"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "OK", "12 34 56 78 90 -- 2020"])
def test_detect_language_needs_some_words(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-12-29", datetime(2020, 12, 29, tzinfo=UTC)),
        ("2020-12-29T10:15:00+03:00", datetime(2020, 12, 29, 7, 15, tzinfo=UTC)),
        ("2020-12-29T10:15:00Z", datetime(2020, 12, 29, 10, 15, tzinfo=UTC)),
        ("Tue, 29 Dec 2020 10:00:00 +0300", datetime(2020, 12, 29, 7, tzinfo=UTC)),
        ("29 December 2020", datetime(2020, 12, 29, tzinfo=UTC)),
        ("29 Aralık 2020", datetime(2020, 12, 29, tzinfo=UTC)),
        ("2022-07", datetime(2022, 7, 1, tzinfo=UTC)),
        (datetime(2020, 12, 29, 12), datetime(2020, 12, 29, 12, tzinfo=UTC)),
        (
            datetime(2020, 12, 29, 12, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2020, 12, 29, 17, tzinfo=UTC),
        ),
        (1609200000, datetime(2020, 12, 29, tzinfo=UTC)),
        (1609200000000, datetime(2020, 12, 29, tzinfo=UTC)),
    ],
)
def test_parse_date_returns_utc(value: object, expected: datetime) -> None:
    parsed = parse_date(value)  # type: ignore[arg-type]
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [None, "", "not a date", "May 29", "2020-13-45", True])
def test_parse_date_refuses_what_it_cannot_know(value: object) -> None:
    assert parse_date(value) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "rest", "published", "has_day"),
    [
        (" date 2020-12-29 Russian Foreign Minister", "Russian Foreign Minister", "2020-12-29",
         True),
        ("date 2022-07\nTOKIO (dpa-AFX) - Japans", "TOKIO (dpa-AFX) - Japans", "2022-07-01", False),
        ("Update 2020-12-29 talks", "Update 2020-12-29 talks", None, None),
        ("date 2020-12-29T10 talks", "date 2020-12-29T10 talks", None, None),
    ],
)
def test_split_date_prefix(text: str, rest: str, published: str | None, has_day: bool | None
                           ) -> None:
    body, found = split_date_prefix(text)
    assert body == rest
    assert (found.when.date().isoformat() if found else None) == published
    assert (found.has_day if found else None) == has_day


@pytest.mark.parametrize(
    ("url", "published", "has_day"),
    [
        ("https://plenglish.com/news/2023/05/14/turkish-will-go-to-the-polls", "2023-05-14", True),
        ("https://www.tellerreport.com/news/2020-12-29-moscow-and-ankara.SksFq.html", "2020-12-29",
         True),
        ("http://en.people.cn/n3/2022/0426/c90000-10089254.html", "2022-04-26", True),
        ("http://articles.latimes.com/2013/may/03/la-me-0504-lohan-rehab-20130504", "2013-05-04",
         True),
        ("https://oglobo.globo.com/mundo/noticia/2023/04/policia-encontra.ghtml", "2023-04-01",
         False),
        # ids that look like dates are not dates: no such day, before 1990, after tomorrow
        ("https://en.mehrnews.com/news/201272/Erdogan-wins-runoff", None, None),
        ("https://example.com/a/20697025.html", None, None),
        ("https://example.com/1989/11/09/wall", None, None),
        ("https://example.com/2031/01/01/future", None, None),
        ("https://example.com/story?date=2020-12-29", None, None),  # the path only
        ("http://[malformed/2020/12/29/x", None, None),
        (None, None, None),
    ],
)
def test_date_from_url(url: str | None, published: str | None, has_day: bool | None) -> None:
    found = date_from_url(url, today=date(2026, 12, 3))
    assert (found.when.date().isoformat() if found else None) == published
    assert (found.has_day if found else None) == has_day


def test_the_date_that_names_its_day_wins() -> None:
    month = FoundDate(datetime(2022, 7, 1, tzinfo=UTC), has_day=False)
    day = FoundDate(datetime(2022, 7, 8, tzinfo=UTC), has_day=True)
    assert most_precise(month, day) == day.when
    assert most_precise(month, None) == month.when
    assert most_precise(None, None) is None


@pytest.mark.parametrize(
    ("url", "outlet"),
    [
        ("https://www.aa.com.tr/en/europe/x", "aa.com.tr"),
        ("https://amp.theguardian.com/world/2020/dec/29/x", "theguardian.com"),
        ("https://m.bbc.co.uk/news", "bbc.co.uk"),
        ("https://english.sakshi.com/news", "sakshi.com"),
        ("https://someblog.blogspot.com/2020/12/x.html", "someblog.blogspot.com"),
        ("http://www.intranet:8080/x", "intranet"),
        ("http://127.0.0.1:8000/a", "127.0.0.1"),
        ("not a url", None),
        (None, None),
    ],
)
def test_outlet_from_url(url: str | None, outlet: str | None) -> None:
    assert outlet_from_url(url) == outlet


def test_content_hash_ignores_case_and_layout_only() -> None:
    text = "Lavrov said cooperation will continue.\n\nCavusoglu agreed."
    assert content_hash(text) == content_hash(
        "LAVROV said  cooperation will\ncontinue. Cavusoglu agreed."
    )
    assert content_hash(text) != content_hash(text.replace("continue", "end"))
    assert len(content_hash(text)) == 64
