"""Story assignment from persisted state gives the stories the old full reload gave.

`assign_stories` used to rebuild an `OnlineClusterer` from every stored analysis on every call;
it now reads only what it needs (`parallax.link.state`). The reference here is that old path,
kept verbatim in `_full_reload`, run on a second store fed the same batches.
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest

from parallax.link import OnlineClusterer, stream_order
from parallax.link import state as link_state
from parallax.pipeline import assign_stories
from parallax.store import Store

pytestmark = pytest.mark.usefixtures("isolated_index")
CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"
BATCH = 7  # several calls, each starting from what the previous ones stored


@cache
def _demo():
    if not (CORPUS / "labels.jsonl").exists():
        pytest.skip(f"demo corpus not found: {CORPUS}")
    from parallax.analyze import analyze_many
    from parallax.eval.clusters import read_labelled_corpus

    articles, _ = read_labelled_corpus(CORPUS)
    return articles, analyze_many(articles)


def _full_reload(store: Store, article_ids: list[str]) -> dict[str, int]:
    """The assignment as it was before persisted state: every stored member loaded first."""
    assigned = store.story_ids_of(article_ids)
    todo = [i for i in article_ids if i not in assigned]
    fresh_ids = itertools.count(store.next_story_id())
    clusterer = OnlineClusterer(new_story_id=lambda: next(fresh_ids))
    for story in store.stories():
        analyses = store.get_analyses(story.article_ids)
        clusterer.load((story.id, analyses[a]) for a in story.article_ids if a in analyses)
    analyses = store.get_analyses(todo)
    todo = [i for i in todo if i in analyses]
    pairs = []
    for k in stream_order([analyses[i].published for i in todo]):
        pairs.append((todo[k], clusterer.add(analyses[todo[k]])))
        pairs.extend((m.article_id, story) for m, story in clusterer.take_moves())
    clusterer.consolidate()
    pairs.extend((m.article_id, story) for m, story in clusterer.take_moves())
    store.assign(pairs)
    assigned.update(pairs)
    return assigned


def _fill(store: Store) -> list[str]:
    articles, analyses = _demo()
    store.add_articles(articles)
    store.save_analyses(analyses)
    return [a.id for a in articles]


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


@pytest.fixture
def reference(tmp_path) -> dict[str, int]:
    with Store.open(f"sqlite:///{tmp_path / 'reference.db'}") as store:
        result: dict[str, int] = {}
        for batch in _batches(_fill(store)):
            result.update(_full_reload(store, batch))
    return result


def test_persisted_state_gives_the_stories_of_a_full_reload(store, reference):
    result: dict[str, int] = {}
    for batch in _batches(_fill(store)):
        result.update(assign_stories(store, batch))
    assert result == reference
    state = store.link_state()
    assert state.members == len(result) and not state.stale


def test_one_call_gives_the_stories_of_one_stream(store):
    ids = _fill(store)
    _, analyses = _demo()
    clusterer = OnlineClusterer(new_story_id=itertools.count(1).__next__)
    expected = {}
    for k in stream_order([a.published for a in analyses]):
        expected[ids[k]] = clusterer.add(analyses[k])
        expected.update((m.article_id, story) for m, story in clusterer.take_moves())
    clusterer.consolidate()
    expected.update((m.article_id, story) for m, story in clusterer.take_moves())
    assert assign_stories(store, ids) == expected


def test_a_restarted_process_continues_where_the_last_one_stopped(
    db_url, reference, monkeypatch
):
    monkeypatch.setattr(link_state, "PERSIST_ABOVE", 1)  # exercise the persisted index too
    with Store.open(db_url) as store:
        ids = _fill(store)
    result: dict[str, int] = {}
    for batch in _batches(ids):
        link_state.drop_cached_indexes()  # as a new process would start
        with Store.open(db_url) as store:
            result.update(assign_stories(store, batch))
    assert result == reference


def test_a_failed_batch_leaves_the_state_as_it_was(store, reference, monkeypatch):
    batches = _batches(_fill(store))
    result = assign_stories(store, batches[0])
    before = store.link_state()
    vectors = store.story_vectors(sorted(set(result.values())))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    from parallax.store import link_state as stored_state

    working = stored_state.apply_corpus
    monkeypatch.setattr(stored_state, "apply_corpus", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        assign_stories(store, batches[1])
    assert store.story_ids_of(batches[1]) == {}
    assert store.link_state() == before
    after = store.story_vectors(sorted(set(result.values())))
    assert {s: (v.members, v.first) for s, v in after.items()} == {
        s: (v.members, v.first) for s, v in vectors.items()
    }
    monkeypatch.setattr(stored_state, "apply_corpus", working)
    # the in-process index was dropped: the next call reloads it from the store
    for batch in batches[1:]:
        result.update(assign_stories(store, batch))
    assert result == reference


def test_stale_state_is_rebuilt_to_the_same_statistics(store):
    ids = _fill(store)
    assign_stories(store, ids[:20])
    terms = sorted(link_state.profile(store.get_analyses([ids[0]])[ids[0]]).terms())
    before = (store.term_df(terms), store.language_totals(), store.link_state().members)
    _, analyses = _demo()
    store.save_analyses(analyses[:1])  # re-analysing an assigned article
    assert store.link_state().stale
    link_state.open_state(store)
    after = (store.term_df(terms), store.language_totals(), store.link_state().members)
    assert before[0] == after[0] and before[2] == after[2]
    assert before[1].keys() == after[1].keys()
    for lang, (n, embedded, total) in before[1].items():
        n2, embedded2, total2 = after[1][lang]
        assert (n, embedded) == (n2, embedded2)
        assert total2 == pytest.approx(total)
    assert not store.link_state().stale


def test_a_writer_that_assigned_meanwhile_is_clustered_on_top_of(db_url, tmp_path):
    """Two processes on one store (a server and an `ingest`): the call that loses the race
    writes nothing, clusters again on the winner's stories, and the result is that of the two
    calls run in turn. Before the check, both handed the same new story id to their articles."""
    with Store.open(f"sqlite:///{tmp_path / 'serial.db'}") as serial:
        first, second, *_ = _batches(_fill(serial))
        expected = _full_reload(serial, second)
        expected.update(_full_reload(serial, first))
    with Store.open(db_url) as store, Store.open(db_url) as other:
        _fill(store)
        raced: list[int] = []

        def interloper(_: int) -> None:
            if not raced:  # mid-call, another process assigns its own batch and commits
                link_state.drop_cached_indexes()  # it has an index of its own
                raced.append(len(assign_stories(other, second)))

        result = assign_stories(store, first, progress=interloper)
        result.update(store.story_ids_of(second))
    assert raced == [len(second)]
    assert result == expected


def test_the_store_refuses_pairs_decided_from_an_old_state(store):
    ids = _fill(store)
    version = store.link_state().version
    store.assign([(ids[0], 1)], based_on=version)
    from parallax.store import ConcurrentAssignment

    with pytest.raises(ConcurrentAssignment, match="another writer"):
        store.assign([(ids[1], 1)], based_on=version)
    assert store.story_ids_of(ids[:2]) == {ids[0]: 1}


def test_regrouping_moves_a_stored_member_and_its_story_vectors_follow(
    store, make_article, monkeypatch
):
    """b1 joins the a-story in one call; b2, in a later call, takes it out (see
    test_link_cluster's _TWINS). The move is stored with the arrival, the corpus statistics
    count each article once, and the stories are those of one in-memory stream."""
    from dataclasses import replace

    from parallax.link.cluster import OnlineClusterer as Clusterer
    from parallax.link.params import LinkParams
    from test_link_cluster import _TWINS, _bare

    params = replace(LinkParams.load(), join_threshold=0.6, best_members=1, centroid_weight=0.0,
                     regroup_members=20, regroup_floor=0.3, regroup_cut=0.6)
    monkeypatch.setattr(LinkParams, "load", classmethod(lambda cls, path=None: params))

    def look(self, a, b, *story) -> float:
        return _TWINS[tuple(sorted((a.article_id, b.article_id)))]

    monkeypatch.setattr(Clusterer, "_pair_probability", look)
    monkeypatch.setattr(Clusterer, "_member_probability", look)
    names = ["a1", "a2", "b1", "b2"]
    store.add_articles([make_article(id=name) for name in names])
    store.save_analyses([_bare(name) for name in names])
    first = assign_stories(store, names[:3])
    assert len(set(first.values())) == 1
    second = assign_stories(store, ["b2"])
    now = store.story_ids_of(names)
    assert now["b1"] == now["b2"] == second["b2"] != now["a1"] == now["a2"]
    vectors = store.story_vectors([now["a1"], now["b1"]])
    assert vectors[now["a1"]].members == 2 and vectors[now["b1"]].members == 2
    assert store.link_state().members == 4
    stream = OnlineClusterer(params)
    expected = {}
    for name in names:
        expected[name] = stream.add(_bare(name))
        expected.update((m.article_id, s) for m, s in stream.take_moves())
    assert _partition(now) == _partition(expected)


def _partition(story_of: dict[str, int]) -> set[frozenset[str]]:
    """Story ids differ between a store and an in-memory stream; the groups must not."""
    groups: dict[int, set[str]] = {}
    for article_id, story in story_of.items():
        groups.setdefault(story, set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


def test_consolidation_at_the_end_of_a_call_moves_a_stored_story(store, make_article,
                                                                   monkeypatch):
    """f opens a story of its own in one call (its arrival scores 0.1); in the next call a1
    and a2 form another, and by the end of that call f matches them at 0.7 on average: the
    call's consolidation moves f, stored in the first call, into their story."""
    from dataclasses import replace

    from parallax.link.cluster import OnlineClusterer as Clusterer
    from parallax.link.params import LinkParams
    from test_link_cluster import _bare

    params = replace(LinkParams.load(), join_threshold=0.6, best_members=1, centroid_weight=0.0,
                     regroup_members=20, regroup_floor=0.3, regroup_cut=0.6)
    monkeypatch.setattr(LinkParams, "load", classmethod(lambda cls, path=None: params))
    monkeypatch.setattr(Clusterer, "_pair_probability", lambda self, p, m, story: (
        0.1 if "f" in (p.article_id, m.article_id) else 0.96))
    monkeypatch.setattr(Clusterer, "_member_probability", lambda self, a, b: (
        0.7 if "f" in (a.article_id, b.article_id) else 0.96))
    names = ["f", "a1", "a2"]
    store.add_articles([make_article(id=name) for name in names])
    store.save_analyses([_bare(name) for name in names])
    assign_stories(store, ["f"])
    second = assign_stories(store, ["a1", "a2"])
    now = store.story_ids_of(names)
    assert now["f"] == now["a1"] == now["a2"] == second["a1"]
    assert store.story_vectors([now["f"]])[now["f"]].members == 3
    assert store.link_state().members == 3
