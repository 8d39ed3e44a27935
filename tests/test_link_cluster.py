import itertools
from dataclasses import replace

import numpy as np
import pytest

from parallax.eval.clusters import cluster_stream
from parallax.link.cluster import OnlineClusterer
from parallax.link.features import profile
from parallax.link.index import CentroidIndex
from parallax.link.params import LinkParams
from test_link_examples import TEXTS, analysis

ORDER = ["quake_en", "rates", "twin", "quake_de", "final", "quake_es"]


def _assign(clusterer: OnlineClusterer, names) -> dict[str, int]:
    return {name: clusterer.add(analysis(name)) for name in names}


def test_one_event_in_three_languages_is_one_story_and_the_rest_stay_apart():
    story = _assign(OnlineClusterer(), ORDER)
    assert story["quake_en"] == story["quake_de"] == story["quake_es"]
    others = {story["rates"], story["twin"], story["final"], story["quake_en"]}
    assert len(others) == 4
    assert sorted(set(story.values())) == [0, 1, 2, 3]  # ids in creation order


def test_same_order_gives_same_stories():
    assert _assign(OnlineClusterer(), ORDER) == _assign(OnlineClusterer(), ORDER)


def test_load_restores_state():
    original = OnlineClusterer()
    first = _assign(original, ORDER[:-1])
    restored = OnlineClusterer()
    restored.load((story, analysis(name)) for name, story in first.items())
    assert len(restored) == len(original)
    assert restored.add(analysis("quake_es")) == original.add(analysis("quake_es"))
    # a story opened after load gets a fresh id, not one already in use
    lone = replace(analysis("rates"), embedding=None)
    assert restored.add(lone) == max(first.values()) + 1


def test_new_story_ids_can_come_from_the_store():
    ids = itertools.count(100, 10)
    story = _assign(OnlineClusterer(new_story_id=lambda: next(ids)), ORDER)
    assert story["quake_en"] == story["quake_de"] == 100
    assert story["rates"] == 110


def test_article_without_embedding_opens_its_own_story():
    clusterer = OnlineClusterer()
    clusterer.add(analysis("quake_en"))
    bare = replace(analysis("quake_de"), embedding=None)
    assert clusterer.add(bare) == 1


@pytest.mark.parametrize("regroup", [0, 20])
def test_nothing_joins_a_story_below_the_threshold(regroup):
    strict = replace(LinkParams.load(), join_threshold=1.01, regroup_cut=1.01,
                     regroup_members=regroup)
    story = cluster_stream([analysis(name) for name in ORDER], strict)
    assert len(set(story)) == len(TEXTS)


def test_story_score_blends_member_probabilities_with_the_centroid_cosine():
    members = [(0, analysis("quake_en")), (0, analysis("quake_de"))]
    incoming = analysis("quake_es")
    scores = {}
    for weight in (0.0, 0.25, 1.0):
        clusterer = OnlineClusterer(replace(LinkParams.load(), centroid_weight=weight))
        clusterer.load(members)
        story, scores[weight] = clusterer.best_story(profile(incoming))
        assert story == 0
    total = sum(np.asarray(a.embedding, dtype=np.float64) for _, a in members)
    assert scores[1.0] == pytest.approx(float(total @ incoming.embedding) / np.linalg.norm(total),
                                        abs=1e-6)
    assert scores[0.25] == pytest.approx(0.75 * scores[0.0] + 0.25 * scores[1.0])


def test_hnsw_index_finds_the_same_neighbours_as_exact_search():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, approximate = CentroidIndex(32, hnsw_above=10**9), CentroidIndex(32, hnsw_above=50)
    for i, v in enumerate(vectors):
        exact.upsert(i, v)
        approximate.upsert(i, v)
    exact.upsert(7, vectors[8])  # an update moves a story's centroid in both
    approximate.upsert(7, vectors[8])
    for q in vectors[:20]:
        assert [s for s, _ in approximate.search(q, 5)] == [s for s, _ in exact.search(q, 5)]


def test_exact_search_ranks_by_similarity_then_by_first_stored():
    """Determinism: a tie (copies give equal centroids) goes to the story stored first, as a
    stable sort of every story would rank it, however many stories tie at the k-th place."""
    rng = np.random.default_rng(1)
    vectors = np.round(rng.normal(size=(500, 4)), 0).astype(np.float32)  # many exact ties
    index = CentroidIndex(4, hnsw_above=10**9)
    for i, v in enumerate(vectors):
        index.upsert(1000 - i, v)
    for q in vectors[:30]:
        for k in (1, 7, 40):
            expected = np.argsort(-(vectors @ q), kind="stable")[:k]
            assert [s for s, _ in index.search(q, k)] == [1000 - int(i) for i in expected]


def test_latency_probe_restores_a_store_and_times_assignments():
    from parallax.link.latency import assignment_latency

    result = assignment_latency(300, probes=20)
    assert result["stored"] >= 300 and result["stories"] < result["stored"]
    assert 0 < result["p50_ms"] <= result["p99_ms"]


def test_restored_corpus_statistics_equal_the_ones_built_by_adding():
    """`link.state.restore_stats` puts `CorpusStats` in the state n additions leave it in (it sets
    private fields: this pins them if CorpusStats changes)."""
    from collections import Counter

    from parallax.link.state import fresh_until, language_sums, restore_stats

    params = LinkParams.load()
    profiles = [profile(analysis(name)) for name in ORDER] * 20
    stored, probe = profiles[:-1], profile(analysis("quake_es"))
    built = params.stats()
    df: Counter[str] = Counter()
    for p in stored:
        built.add(p)
        df.update(p.terms())
    restored = restore_stats(params.stats(), len(stored), df, language_sums(stored))
    assert restored.n == built.n
    assert restored._fresh_until == built._fresh_until == fresh_until(len(stored), built.REFRESH)
    for term in probe.terms():
        assert restored.idf(term) == built.idf(term)
    assert np.allclose(restored.centred(probe), built.centred(probe), atol=1e-12)


# regrouping: a later report can take an earlier one out of the wrong story

_TWINS = {("a1", "a2"): 0.9, ("a1", "b1"): 0.7, ("a2", "b1"): 0.7,
          ("b1", "b2"): 0.95, ("a1", "b2"): 0.45, ("a2", "b2"): 0.45}


def _regrouping(members: int, table: dict = _TWINS) -> OnlineClusterer:
    """A clusterer whose pair probabilities come from _TWINS: a1 and a2 report one event, b1
    and b2 its twin; b1 alone looks like the first event (0.7), b2 does not (0.45)."""
    params = replace(LinkParams.load(), join_threshold=0.6, best_members=1, centroid_weight=0.0,
                     regroup_members=members, regroup_floor=0.3, regroup_cut=0.6)
    clusterer = OnlineClusterer(params)

    def look(a, b) -> float:
        return table[tuple(sorted((a.article_id, b.article_id)))]

    clusterer._pair_probability = lambda p, member, story: look(p, member)
    clusterer._member_probability = look
    return clusterer


def _bare(name: str):
    """An article whose embedding makes every story a candidate; the table decides."""
    v = np.ones(16) + 0.01 * np.random.default_rng(sum(map(ord, name))).normal(size=16)
    return replace(analysis("quake_en"), article_id=name,
                   embedding=(v / np.linalg.norm(v)).astype(np.float32))


def test_a_later_report_takes_the_first_report_of_a_twin_out_of_the_wrong_story():
    clusterer = _regrouping(members=20)
    story = {name: clusterer.add(_bare(name)) for name in ("a1", "a2", "b1")}
    assert story["a1"] == story["a2"] == story["b1"]  # b1 alone is close enough to join
    assert clusterer.take_moves() == []
    b2 = clusterer.add(_bare("b2"))
    # b1 and b2 match each other far better than the a-story: average linkage splits them off
    assert b2 != story["a1"]
    assert [(m.article_id, s) for m, s in clusterer.take_moves()] == [("b1", b2)]
    assert clusterer.take_moves() == []  # reported once


def test_without_regrouping_the_twin_follows_its_first_report():
    clusterer = _regrouping(members=0)
    story = {name: clusterer.add(_bare(name)) for name in ("a1", "a2", "b1", "b2")}
    assert len(set(story.values())) == 1
    assert clusterer.take_moves() == []


def test_a_member_left_alone_by_regrouping_stays_in_its_story():
    """a3 joined a1 and a2 on average (0.65); x matches a1 and a2 but not a3, so a3 falls
    below the cut with the three of them. Alone, it is no story of its own: it stays."""
    table = {("a1", "a2"): 0.9, ("a1", "a3"): 0.65, ("a2", "a3"): 0.65,
             ("a1", "x"): 0.9, ("a2", "x"): 0.9, ("a3", "x"): 0.2}
    clusterer = _regrouping(members=20, table=table)
    story = {name: clusterer.add(_bare(name)) for name in ("a1", "a2", "a3", "x")}
    assert len(set(story.values())) == 1
    assert clusterer.take_moves() == []


def test_a_report_left_alone_by_regrouping_joins_where_it_would_have_arrived():
    """e matches a1 well (0.7) and the rest of the a-story poorly, so average linkage leaves it
    alone; as a plain arrival its best match (best_members 1) reaches the threshold (0.6), and
    that is where it goes: first or last, a report lands in the same story."""
    table = {("a1", "a2"): 0.96, ("a1", "a3"): 0.96, ("a2", "a3"): 0.96,
             ("a1", "e"): 0.7, ("a2", "e"): 0.2, ("a3", "e"): 0.2}
    clusterer = _regrouping(members=20, table=table)
    story = {name: clusterer.add(_bare(name)) for name in ("a1", "a2", "a3", "e")}
    assert len(set(story.values())) == 1
    assert clusterer.take_moves() == []


def test_consolidation_merges_a_story_whose_members_match_a_neighbour_on_average():
    """f opened its own story and no arrival scored near it (0.1 then); by the end of the batch
    the statistics rate it with a1 and a2 at 0.7, above the cut (0.6): it moves into their
    story, reported once. A batch that changed nothing merges nothing."""
    later = {("a1", "a2"): 0.96, ("a1", "f"): 0.7, ("a2", "f"): 0.7}
    clusterer = _regrouping(members=20, table=later)
    clusterer._pair_probability = lambda p, member, story: (
        0.1 if "f" in (p.article_id, member.article_id) else 0.96)
    story = {name: clusterer.add(_bare(name)) for name in ("f", "a1", "a2")}
    assert story["a1"] == story["a2"] != story["f"]
    assert clusterer.take_moves() == []
    clusterer.consolidate()
    assert [(m.article_id, s) for m, s in clusterer.take_moves()] == [("f", story["a1"])]
    clusterer.consolidate()
    assert clusterer.take_moves() == []
