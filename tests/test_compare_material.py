"""What the comparison embeds: each sentence that can have a counterpart, once."""

from parallax.compare import compare_articles
from parallax.compare.material import build_material, embed_unique
from test_compare_fixtures import fake_embed, make, unzip


class Counting:
    """The stand-in embedder, remembering every text it was asked for."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts):
        self.texts += list(texts)
        return fake_embed(texts)


def test_a_text_repeated_up_to_case_and_punctuation_is_embedded_once():
    embed = Counting()
    vectors = embed_unique(embed, ["The quake struck at dawn.", "the quake struck at dawn",
                                   "Rescuers worked all night."])
    assert len(embed.texts) == 2
    assert float(vectors[0] @ vectors[1]) > 0.999


def test_a_sentence_with_no_name_value_or_shared_words_is_kept_but_not_embedded():
    lonely = "Nobody here expected anything like that to happen so quickly."
    a = make("a", "Rescuers searched the collapsed houses in Petrinja all night. " + lonely,
             entities={"Petrinja": "PLACE"})
    b = make("b", "Rescuers searched the collapsed houses through the night. "
             "Engineers will inspect every bridge before traffic returns.")
    articles, analyses = unzip([a, b])
    embed = Counting()
    material = build_material(articles, analyses, embed)
    assert lonely in [u.text for u in material.units]  # still read for copies and facts
    assert lonely not in embed.texts
    # Sentences sharing two content words with another article's are embedded.
    assert "Rescuers searched the collapsed houses through the night." in embed.texts


def test_a_story_where_nothing_needs_embedding_is_compared_without_vectors():
    pairs = [make("a", "Nobody here expected anything like that to happen so quickly."),
             make("b", "Officials counted the damage in the old town.")]
    articles, analyses = unzip(pairs)
    embed = Counting()
    comparison = compare_articles(articles, analyses, embed=embed)
    assert embed.texts == []
    assert [a["id"] for a in comparison["articles"]] == ["a", "b"]
    assert comparison["facts"] == comparison["summary"] == comparison["conflicts"] == []
