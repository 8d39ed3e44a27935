"""MinHash fingerprints: copies score high, independent texts low, same result in any process."""

from __future__ import annotations

import subprocess
import sys

from parallax.analyze.fingerprint import jaccard, minhash, shingles

WIRE = (
    "Russian Foreign Minister Sergey Lavrov said on Tuesday that military cooperation with "
    "Turkey would continue despite US sanctions imposed this month over Ankara's purchase of "
    "the S-400 air defence system. Speaking after talks with his Turkish counterpart Mevlut "
    "Cavusoglu in the Black Sea resort of Sochi, Lavrov said Moscow valued Turkey's position "
    "and called the sanctions illegitimate pressure from Washington. Cavusoglu said Turkey's "
    "ties with Russia were not an alternative to its relations with NATO or the European Union."
)
EDITED = (
    "MOSCOW (Reuters) - " + WIRE.replace("on Tuesday", "on Tuesday,").replace("Sochi", "SOCHI")
    + " Reporting by our Moscow bureau."
)
UNRELATED = (
    "A magnitude 6.4 earthquake struck central Croatia on Tuesday, destroying buildings in the "
    "town of Petrinja and killing at least seven people, officials said, as rescuers searched "
    "the rubble for survivors and tremors were felt as far away as Zagreb, Vienna and Belgrade."
)


def test_a_lightly_edited_copy_scores_high_and_unrelated_text_low() -> None:
    original = minhash(WIRE)
    assert len(original) == 128 and all(isinstance(v, int) for v in original)
    assert jaccard(original, minhash(EDITED)) > 0.7
    assert jaccard(original, minhash(UNRELATED)) < 0.1
    assert jaccard(original, original) == 1.0


def test_normalisation_ignores_case_punctuation_and_width() -> None:
    assert shingles("Hello,  World! ＡＢＣ d e") == shingles("hello world abc D; E")


def test_empty_and_short_texts() -> None:
    assert minhash("") == [] and minhash(" ... ") == []
    assert jaccard([], minhash(WIRE)) == 0.0
    short = minhash("Lavrov met Cavusoglu")
    assert jaccard(short, minhash("lavrov met cavusoglu.")) == 1.0
    assert len(minhash(WIRE, num_perm=64)) == 64


def test_signatures_are_identical_in_another_process() -> None:
    code = (
        "from parallax.analyze.fingerprint import minhash; import sys; "
        "print(minhash(sys.argv[1])[:8])"
    )
    out = subprocess.run([sys.executable, "-c", code, WIRE], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "123"})
    assert out.stdout.strip() == str(minhash(WIRE)[:8])
