"""The JSON API on the demo corpus: listings, filters, paging, comparisons, ingest and errors.

The demo corpus goes through `parallax.pipeline` once per session (embeddings are cached on
disk, so this is quick after the first run) into a SQLite file; tests that write get a copy.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parallax.ingest import read_inputs
from parallax.pipeline import IngestReport, analyze_pending, assign_stories, store_articles
from parallax.store import Store
from parallax.web import create_app
from parallax.web.comparisons import independent_sources, refresh_stale

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"
MiB = 1024 * 1024


def build_demo_store(folder: Path) -> Path:
    """The demo corpus ingested, analysed, linked and compared, in `folder`/demo.db.

    Built once per session and directory: a finished build leaves a marker file, so test
    modules sharing the directory reuse it.
    """
    path = folder / "demo.db"
    if (folder / "built").exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with Store.open(f"sqlite:///{path}") as store:
        report = IngestReport()
        store_articles(store, read_inputs([str(CORPUS / "articles")]), report)
        assert not report.errors, report.errors
        analyze_pending(store)
        assign_stories(store, report.added)
        refresh_stale(store)
    (folder / "built").touch()
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_store(tmp_path_factory.getbasetemp() / "web-demo")


@pytest.fixture(scope="session")
def client(demo_db: Path) -> Iterator[TestClient]:
    """A read-only view of the demo store (tests through it must not write)."""
    with TestClient(create_app(f"sqlite:///{demo_db}", refresh=False)) as test_client:
        yield test_client


@pytest.fixture
def writable(demo_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client on this test's own copy of the demo store."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db, copy)
    with TestClient(create_app(f"sqlite:///{copy}", refresh=False)) as test_client:
        yield test_client


def all_stories(client: TestClient, **params: object) -> list[dict]:
    body = client.get("/api/stories", params={"limit": 100, **params}).json()
    assert body["total"] == len(body["stories"])
    return body["stories"]


def demo_text(name: str) -> str:
    return (CORPUS / "articles" / name).read_text(encoding="utf-8")


def story_of_file(client: TestClient, name: str) -> dict:
    """The story holding the demo article read from `name`, and that article's id."""
    for story in all_stories(client):
        comparison = client.get(f"/api/stories/{story['id']}").json()
        for article in comparison["articles"]:
            if article["source"].endswith("/" + name):
                return {"story": comparison, "article": article["id"]}
    raise AssertionError(f"{name} is in no story")


# Listing


def test_story_list_has_every_article_once_with_its_counts(client):
    stories = all_stories(client)
    labels = [json.loads(line) for line in (CORPUS / "labels.jsonl").open()]
    assert sum(s["articles"] for s in stories) == len(labels)
    for s in stories:
        assert set(s) == {"id", "title", "articles", "outlets", "independent_sources",
                          "languages", "first_seen", "last_seen"}  # fmt: skip
        assert s["title"].strip()
        assert 1 <= s["independent_sources"] <= s["articles"]  # computed: the store was refreshed
        assert len(s["outlets"]) <= s["articles"] and len(s["languages"]) <= s["articles"]
        if s["first_seen"]:
            assert s["first_seen"] <= s["last_seen"]
    sizes = [s["articles"] for s in stories]
    assert sizes == sorted(sizes, reverse=True)


def test_independent_sources_collapse_copies(client):
    """The MPA wire story is republished by other outlets: they count as one source."""
    found = story_of_file(client, "a34.html")
    summary = found["story"]["story"]
    assert found["story"]["reuse"], "the planted copy chain was not found"
    assert summary["independent_sources"] < summary["articles"]
    listed = {s["id"]: s for s in all_stories(client)}[summary["id"]]
    assert listed["independent_sources"] == summary["independent_sources"]


def test_paging_walks_through_every_story_once(client):
    everything = [s["id"] for s in all_stories(client)]
    seen = []
    for offset in range(0, len(everything), 2):
        page = client.get("/api/stories", params={"limit": 2, "offset": offset}).json()
        assert page["total"] == len(everything)
        seen += [s["id"] for s in page["stories"]]
    assert seen == everything
    beyond = client.get("/api/stories", params={"offset": len(everything)}).json()
    assert beyond == {"stories": [], "total": len(everything)}


@pytest.mark.parametrize(
    ("name", "value"), [("lang", "it"), ("lang", "ru"), ("outlet", "meridianpress.example")]
)
def test_language_and_outlet_filters(client, name, value):
    field = {"lang": "languages", "outlet": "outlets"}[name]
    expected = [s["id"] for s in all_stories(client) if value in s[field]]
    got = all_stories(client, **{name: value})
    assert expected and [s["id"] for s in got] == expected


def test_date_filters_keep_overlapping_stories(client):
    stories = all_stories(client)
    since, until = "2025-07-01", "2025-09-09"
    expected = [
        s["id"] for s in stories
        if s["last_seen"] and s["last_seen"][:10] >= since and s["first_seen"][:10] <= until
    ]  # fmt: skip
    got = [s["id"] for s in all_stories(client, since=since, until=until)]
    assert expected and got == expected
    assert len(expected) < len([s for s in stories if s["first_seen"]])
    later = all_stories(client, since="2025-09-09T12:00:00+02:00")
    assert all(s["last_seen"] >= "2025-09-09T10:00" for s in later)


def test_full_text_search_finds_the_story_of_a_word(client):
    hits = all_stories(client, q="Lausanne")
    assert hits, "the planted Lausanne article was not found"
    for story in hits:
        articles = client.get(f"/api/stories/{story['id']}").json()["articles"]
        texts = [client.get(f"/api/articles/{a['id']}").json()["text"] for a in articles]
        assert any("Lausanne" in t for t in texts)
    assert all_stories(client, q="zzzunfindablezzz") == []
    assert all_stories(client, q='" OR 1=1 --') == []


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"since": "last tuesday"}, "since"),
        ({"sort": "random"}, "sort"),
        ({"q": "x" * 501}, "q"),
    ],
)
def test_bad_query_parameters_are_422_with_a_sentence(client, params, words):
    response = client.get("/api/stories", params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and words in detail


# One story, one article


def test_story_comparison_has_the_documented_shape(client):
    story = all_stories(client)[0]
    body = client.get(f"/api/stories/{story['id']}").json()
    assert {"articles", "similarity", "facts", "conflicts", "quotes", "reuse", "entities",
            "summary", "timeline", "story"} <= set(body)  # fmt: skip
    assert body["story"] == story
    assert len(body["articles"]) == story["articles"]
    ids = {a["id"] for a in body["articles"]}
    for fact in body["facts"]:
        assert fact["status"] in {"corroborated", "single_source", "disputed"}
        assert {m["article"] for m in fact["mentions"]} <= ids
    for sentence in body["summary"]:
        assert set(sentence["articles"]) <= ids


def test_planted_conflict_is_in_the_story_json(client):
    """a35 places the Geneva talks in Lausanne, the others in Geneva (in their languages)."""
    found = story_of_file(client, "a35.txt")
    places = [
        {v["value"].casefold() for v in c["values"]}
        for c in found["story"]["conflicts"]
        if c["about"] == "place"
    ]
    assert any("lausanne" in values and len(values) >= 2 for values in places), places


def test_unknown_story_and_article_are_404(client):
    assert client.get("/api/stories/999999").json() == {"detail": "no story 999999"}
    assert client.get("/api/stories/999999").status_code == 404
    assert client.get("/api/stories/abc").status_code == 422
    assert client.get("/api/articles/nope").json() == {"detail": "no article 'nope'"}
    for article_id in ("nope", "../../etc/passwd", "a%2Fb", "<script>"):
        assert client.get(f"/api/articles/{article_id}").status_code == 404


def test_article_has_its_story_and_analysis(client):
    found = story_of_file(client, "a20.txt")
    body = client.get(f"/api/articles/{found['article']}").json()
    assert body["story_id"] == found["story"]["story"]["id"]
    assert body["text"] and body["lang"] == "en"
    analysis = body["analysis"]
    assert analysis["sentences"] and analysis["entities"]
    for span in analysis["entities"] + analysis["quotes"] + analysis["slots"]:
        assert 0 <= span["start"] < span["end"] <= len(body["text"])


# Ingest


GENEVA = (
    "Ministers agree on Lisec crossing after Geneva meeting\n\n"
    "GENEVA — Velmaran Foreign Minister Mirela Vantescu and her Drevnian counterpart "
    "Stanislav Korenko agreed on Tuesday in Geneva to reopen the Lisec-Dorn border crossing to "
    "freight from 1 April and to set up a joint commission on the Sarna river, after talks "
    "mediated by UN envoy Margit Halvorsen. No deal was reached on the summer minimum flow "
    "below the Bresk dam: Velmara wants 45 cubic metres per second, Drevnia offers 30."
)


def test_posting_json_stores_analyses_and_assigns_a_story(writable):
    before = client_total_articles(writable)
    title, body = GENEVA.split("\n\n", 1)
    response = writable.post("/api/articles", json={
        "title": title, "text": body, "outlet": "test.example",
        "published": "2025-03-18T21:00:00Z"})  # fmt: skip
    assert response.status_code == 201, response.text
    (added,) = response.json()["articles"]
    assert added["duplicate"] is False and added["story_id"] is not None
    assert added["title"] == "Ministers agree on Lisec crossing after Geneva meeting"
    article = writable.get(f"/api/articles/{added['id']}").json()
    assert article["story_id"] == added["story_id"] and article["analysis"]
    assert article["outlet"] == "test.example"
    geneva = story_of_file(writable, "a20.txt")["story"]
    assert added["id"] in {a["id"] for a in geneva["articles"]}, "joined the Geneva story"
    assert client_total_articles(writable) == before + 1

    again = writable.post("/api/articles", json={"text": body, "id": "another-id"})
    assert again.status_code == 200
    (duplicate,) = again.json()["articles"]
    assert (duplicate["id"], duplicate["story_id"], duplicate["duplicate"]) == (
        added["id"],
        added["story_id"],
        True,
    )


def client_total_articles(client: TestClient) -> int:
    return sum(s["articles"] for s in all_stories(client))


def test_posting_plain_text_html_and_files(writable):
    text = writable.post(
        "/api/articles", content=GENEVA.replace("Tuesday", "Tuesday evening").encode(),
        headers={"content-type": "text/plain; charset=utf-8"},
        params={"outlet": "plain.example", "lang": "en"},
    )  # fmt: skip
    assert text.status_code == 201, text.text
    assert (
        writable.get(f"/api/articles/{text.json()['articles'][0]['id']}").json()["outlet"]
        == "plain.example"
    )

    html = (CORPUS / "articles" / "a04.html").read_bytes()
    page = writable.post("/api/articles", content=html, headers={"content-type": "text/html"})
    assert page.status_code == 200  # the demo already holds this page
    assert page.json()["articles"][0]["duplicate"] is True

    records = "\n".join(
        json.dumps({"text": f"{GENEVA} Update number {n} from the border.", "id": f"upd-{n}"})
        for n in (1, 2)
    )
    upload = writable.post(
        "/api/articles", files={"file": ("updates.jsonl", records.encode(), "application/json")}
    )
    assert upload.status_code == 201, upload.text
    assert [a["id"] for a in upload.json()["articles"]] == ["upd-1", "upd-2"]


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "JSON"),
        ({"json": {"title": "no text"}}, 400, "text"),
        ({"json": {"text": 42}}, 422, "text"),
        ({"json": {"text": "too short"}}, 422, "too little text"),
        ({"content": b"", "headers": {"content-type": "text/plain"}}, 400, "empty"),
        ({"content": b"\x89PNG\r\n", "headers": {"content-type": "image/png"}}, 415, "image/png"),
        ({"content": b"hello"}, 415, "Content-Type"),
        (
            {"files": {"file": ("x.bin", bytes(range(256)) * 40, "application/octet-stream")}},
            422,
            "x.bin",
        ),
        ({"files": {"other": ("a.txt", b"text", "text/plain")}}, 400, "file"),
    ],
)
def test_bad_posts_are_refused_with_a_reason(writable, kwargs, status, words):
    before = client_total_articles(writable)
    response = writable.post("/api/articles", **kwargs)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert client_total_articles(writable) == before


def test_bodies_over_the_limit_are_413(writable):
    big = b"x" * (5 * MiB + 1)
    declared = writable.post("/api/articles", content=big, headers={"content-type": "text/plain"})
    assert declared.status_code == 413 and "5 MiB" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while streaming
        for _ in range(6):
            yield b"y" * MiB

    streamed = writable.post(
        "/api/articles", content=chunks(), headers={"content-type": "text/plain"}
    )
    assert streamed.status_code == 413
    upload = writable.post("/api/articles", files={"file": ("big.txt", big, "text/plain")})
    assert upload.status_code == 413


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/article",
        "http://localhost/article",
        "http://10.1.2.3/article",
        "http://[::1]/article",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "ftp://example.com/a",
    ],
)
def test_urls_to_private_addresses_or_other_schemes_are_refused(writable, url):
    response = writable.post("/api/articles", json={"url": url})
    assert response.status_code == 400
    assert "refused" in response.json()["detail"]


def test_cross_site_posts_are_refused(writable):
    refused = [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site", "origin": "http://testserver"},
        {"sec-fetch-site": "same-site"},
    ]
    for headers in refused:
        response = writable.post("/api/articles", json={"text": GENEVA}, headers=headers)
        assert response.status_code == 403
        assert response.json() == {"detail": "cross-site request refused"}
    same_site = writable.post(
        "/api/articles",
        json={"text": GENEVA},
        headers={"origin": "http://testserver", "sec-fetch-site": "same-origin"},
    )
    assert same_site.status_code == 201


def test_get_requests_never_change_the_store(client, demo_db):
    with Store.open(f"sqlite:///{demo_db}") as store:
        before = store.stats()
    first = all_stories(client)[0]
    comparison = client.get(f"/api/stories/{first['id']}").json()
    for path in (
        "/",
        "/api/stories",
        f"/stories/{first['id']}",
        "/ingest",
        "/compare",
        "/docs",
        f"/articles/{comparison['articles'][0]['id']}",
        "/api/articles",
    ):
        client.get(path)
    with Store.open(f"sqlite:///{demo_db}") as store:
        after = store.stats()
    assert {k: v for k, v in after.items() if k != "size_bytes"} == {
        k: v for k, v in before.items() if k != "size_bytes"
    }
    assert client.get("/api/articles").status_code == 405


# Ad-hoc comparison


def test_compare_posted_articles_without_storing_them(writable):
    before = client_total_articles(writable)
    texts = [demo_text("a20.txt"), demo_text("a27.txt")]
    response = writable.post("/api/compare", json={"articles": [{"text": t} for t in texts]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["articles"]) == 2
    assert body["facts"] and any(f["status"] == "corroborated" for f in body["facts"])
    assert "story" not in body
    assert client_total_articles(writable) == before


def test_compare_by_file_upload(client):
    files = [
        ("file", (n, (CORPUS / "articles" / n).read_bytes(), "text/plain"))
        for n in ("a20.txt", "a35.txt")
    ]
    response = client.post("/api/compare", files=files)
    assert response.status_code == 200, response.text
    assert len(response.json()["articles"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"articles": [{"text": GENEVA}]}, 422, "at least two"),
        ({"articles": [{"text": GENEVA}, {"text": GENEVA}]}, 422, "at least two"),
        ({"articles": [{"text": f"{GENEVA} {n}"} for n in range(21)]}, 413, "limit is 20"),
        ({"articles": "nope"}, 422, "articles"),
        ({"articles": [{"url": "http://127.0.0.1/"}, {"text": GENEVA}]}, 400, "text"),
    ],
)
def test_bad_comparisons_are_refused(client, body, status, words):
    response = client.post("/api/compare", json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_compare_needs_json_or_files(client):
    response = client.post("/api/compare", content=GENEVA, headers={"content-type": "text/plain"})
    assert response.status_code == 415


# Documentation and headers


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/articles",
            "/api/articles/{article_id}", "/api/compare"} <= set(spec["paths"])  # fmt: skip
    listing = spec["paths"]["/api/stories"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "q",
        "lang",
        "outlet",
        "since",
        "until",
        "limit",
        "offset",
    }
    assert "StoryList" in spec["components"]["schemas"]
    page = client.get("/docs")
    assert page.status_code == 200 and "/api/stories/{story_id}" in page.text
    assert "cdn" not in page.text.lower()


@pytest.mark.parametrize("path", ["/", "/api/stories", "/static/parallax.css", "/nope"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_dates_in_the_api_are_utc(client):
    for s in all_stories(client):
        for key in ("first_seen", "last_seen"):
            if s[key]:
                assert datetime.fromisoformat(s[key]).utcoffset().total_seconds() == 0


# Cached comparisons


def _make_stale(path: Path) -> int:
    """Move one article between two stories: both cached comparisons go stale."""
    with Store.open(f"sqlite:///{path}") as store:
        big, small = store.stories()[:2]
        store.assign([(big.article_ids[-1], small.id)])
        return small.id


def test_a_stale_story_is_recomputed_when_its_page_is_opened(demo_db, tmp_path):
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db, copy)
    story_id = _make_stale(copy)
    with TestClient(create_app(f"sqlite:///{copy}", refresh=False)) as client:
        listed = {s["id"]: s for s in all_stories(client)}
        assert listed[story_id]["independent_sources"] is None
        detail = client.get(f"/api/stories/{story_id}").json()
        assert len(detail["articles"]) == listed[story_id]["articles"]
        refreshed = {s["id"]: s for s in all_stories(client)}[story_id]
        assert refreshed["independent_sources"] == detail["story"]["independent_sources"] >= 1


def test_the_background_refresher_fills_in_stale_stories(demo_db, tmp_path):
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db, copy)
    _make_stale(copy)
    with TestClient(create_app(f"sqlite:///{copy}")) as client:
        deadline = time.monotonic() + 60
        while any(s["independent_sources"] is None for s in all_stories(client)):
            assert time.monotonic() < deadline, "stale stories were not refreshed"
            time.sleep(0.2)


@pytest.mark.parametrize(
    ("links", "expected"),
    [([], 4), ([("a", "b")], 3), ([("a", "b"), ("b", "c")], 2), ([("a", "b"), ("c", "d")], 2),
     ([("a", "b"), ("a", "c"), ("a", "d")], 1), ([("a", "zz")], 4)],
)  # fmt: skip
def test_independent_sources_count_copy_groups(links, expected):
    comparison = {
        "articles": [{"id": i} for i in "abcd"],
        "reuse": [{"source": s, "target": t, "shared_fraction": 0.9, "credited": None}
                  for s, t in links],
    }  # fmt: skip
    assert independent_sources(comparison) == expected


def test_a_failing_comparison_is_a_json_500(demo_db, tmp_path, monkeypatch):
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db, copy)
    story_id = _make_stale(copy)

    def broken(*args: object, **kwargs: object) -> dict:
        raise RuntimeError("boom")

    monkeypatch.setattr("parallax.web.comparisons.compare", broken)
    app = create_app(f"sqlite:///{copy}", refresh=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(f"/api/stories/{story_id}")
        assert response.status_code == 500
        assert response.json() == {"detail": "internal error (RuntimeError); see the server log"}
        page = client.get(f"/stories/{story_id}")
        assert page.status_code == 500 and "Something went wrong" in page.text
