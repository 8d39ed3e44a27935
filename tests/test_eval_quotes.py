"""Quote evaluation on the PolNeAR layout: the brat reader, the scorer, and the real dev split."""

from __future__ import annotations

from pathlib import Path

import pytest

from parallax.eval import shared_data
from parallax.eval.polnear import Attribution, parse_ann, read_split
from parallax.eval.quotes import evaluate, run_quotes, score_article
from parallax.model import Quote

DATA = shared_data()

TEXT = (
    "Lavrov said that military cooperation would continue.\n\n"
    "“We are not an alternative to NATO,” Cavusoglu said. “Trade will grow.”\n"
)


def at(piece: str, after: int = 0) -> tuple[int, int]:
    start = TEXT.index(piece, after)
    return start, start + len(piece)


def brat(n: int, source: str, cue: tuple[int, int], *content: tuple[int, int]) -> str:
    """One attribution as an annotator's .ann file writes it, with ids from n."""
    src = at(source)
    spans = ";".join(f"{s} {e}" for s, e in content)
    return (f"T{n}\tSource {src[0]} {src[1]}\t{source}\n"
            f"T{n + 1}\tCue {cue[0]} {cue[1]}\tsaid\n"
            f"T{n + 2}\tContent {spans}\t{' '.join(TEXT[s:e] for s, e in content)}\n"
            f"T{n + 3}\tAttribution {cue[0]} {cue[1]}\tsaid\n"
            f"E{n}\tAttribution:T{n + 3} Content:T{n + 2} Cue:T{n + 1} Source:T{n}\n")


LAVROV = brat(1, "Lavrov", at("said"), at("that military cooperation would continue"))
# One quote interrupted by its attribution: one attribution with a discontinuous content.
CAVUSOGLU = brat(5, "Cavusoglu", at("said", at("Cavusoglu")[0]),
                 at("We are not an alternative to NATO,"), at("Trade will grow."))


def write_split(root: Path, files: dict[str, str]) -> Path:
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "talks.txt").write_text(TEXT, encoding="utf-8")
    for name, ann in files.items():
        (root / "attributions" / name).write_text(ann, encoding="utf-8")
    return root


def test_brat_reader_keeps_discontinuous_spans_and_sourceless_attributions() -> None:
    content = at("that military cooperation would continue")
    ann = (CAVUSOGLU
           + f"T9\tCue 0 6\tLavrov\nT10\tContent {content[0]} {content[1]}\tthat military\n"
           "cooperation would continue\n"  # a span text holding a line break
           "T11\tAttribution-no-source 0 6\tLavrov\n"
           "E3\tAttribution-no-source:T11 Content:T10 Cue:T9\n"
           "E4\tAttribution:T8 Cue:T6\n")  # no content: cannot be matched, dropped
    quoted, sourceless = parse_ann(ann)
    assert quoted.content == [at("We are not an alternative to NATO,"), at("Trade will grow.")]
    assert quoted.source == [at("Cavusoglu")]
    assert sourceless == Attribution(content=[content], source=[], cue=[(0, 6)])


def test_reader_pairs_annotator_files_with_their_article(tmp_path: Path) -> None:
    split = write_split(tmp_path, {"talks_ab12.ann": LAVROV, "talks_cd34.ann": CAVUSOGLU,
                                   "orphan_ab12.ann": LAVROV})
    (article,) = read_split(split)
    assert (article.name, sorted(article.annotations)) == ("talks", ["ab12", "cd34"])


def test_wrong_layout_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PolNeAR layout"):
        run_quotes(tmp_path)


def quote(content: tuple[int, int], speaker: str | None) -> Quote:
    s, e = at(speaker) if speaker else (None, None)
    return Quote(TEXT[content[0]:content[1]], *content, speaker, None, s, e, "said")


GOLD = parse_ann(LAVROV + CAVUSOGLU)
LAVROV_SAID = quote(at("that military cooperation would continue"), "Lavrov")
PERFECT = [LAVROV_SAID, quote(at("We are not an alternative to NATO,"), "Cavusoglu"),
           quote(at("Trade will grow."), "Cavusoglu")]


def test_perfect_predictions_score_one_and_none_score_zero(tmp_path: Path) -> None:
    (article,) = read_split(write_split(tmp_path, {"talks_ab12.ann": LAVROV + CAVUSOGLU}))
    assert evaluate([article], [PERFECT])["f1"] == 1.0
    assert evaluate([article], [[]]) == {"n_docs": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_pieces_of_an_interrupted_quote_form_one_prediction() -> None:
    counts = score_article(GOLD, PERFECT)
    assert (counts.found_gold, counts.gold, counts.correct_pred, counts.pred) == (2, 2, 2, 2)
    # Without the speaker the pieces are separate predictions, and neither is right.
    pieces = [quote(at("We are not an alternative to NATO,"), None),
              quote(at("Trade will grow."), None)]
    counts = score_article(GOLD, pieces)
    assert (counts.found_gold, counts.correct_pred, counts.pred) == (0, 0, 2)


def test_half_overlap_is_measured_on_each_side() -> None:
    lavrov = GOLD[:1]
    start, end = at("that military cooperation would continue")  # 40 characters
    assert score_article(lavrov, [quote((start, start + 21), "Lavrov")]).found_gold == 1
    assert score_article(lavrov, [quote((start, start + 19), "Lavrov")]).found_gold == 0
    too_long = score_article(lavrov, [quote((0, len(TEXT)), "Lavrov")])
    assert (too_long.found_gold, too_long.correct_pred) == (1, 0)
    wrong_speaker = score_article(lavrov, [quote((start, end), "Cavusoglu")])
    assert (wrong_speaker.found_gold, wrong_speaker.correct_pred) == (0, 0)


def test_annotators_of_one_article_are_averaged(tmp_path: Path) -> None:
    split = write_split(tmp_path, {"talks_ab12.ann": LAVROV, "talks_cd34.ann": CAVUSOGLU})
    (article,) = read_split(split)
    # Against ab12 the one prediction is right and complete; against cd34 it is wrong.
    result = evaluate([article], [[LAVROV_SAID]])
    assert (result["precision"], result["recall"]) == (0.5, 0.5)


def test_run_quotes_end_to_end_on_a_small_split(tmp_path: Path) -> None:
    done: list[int] = []
    result = run_quotes(write_split(tmp_path, {"talks_ab12.ann": LAVROV + CAVUSOGLU}),
                        progress=done.append)
    assert result["n_docs"] == sum(done) == 1
    assert result["f1"] == 1.0
    assert result["seconds"] >= 0


@pytest.mark.slow
def test_polnear_dev_f1() -> None:
    split = DATA / "polnear-dev" / "dev"
    if not split.is_dir():
        pytest.skip(f"PolNeAR dev split not found: {split}")
    result = run_quotes(split)
    assert result["n_docs"] >= 80
    assert result["f1"] >= 0.60, result
