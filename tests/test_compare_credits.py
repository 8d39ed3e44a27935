"""Agency and source credits: the lexicon, the general credit shapes, and outlet matching."""

import pytest

from parallax.compare.credits import find_credits, same_name


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        ("TOKYO (Kyodo) – The prime minister said on Saturday.", "Kyodo"),
        ("ANKARA (AA) - Turkey's president said.", "Anadolu Agency"),
        ("The talks ended late.\n(MPA)", "MPA"),  # an unknown agency in a credit position
        ("Об этом заявил министр, передает ТАСС.", "TASS"),
        ("Das Beben war stark.\ndpa", "dpa"),
        ("[Russia foreign ministry via AFP]", "AFP"),
        ("Officials said, according to Anadolu Agency, that turnout was high.", "Anadolu Agency"),
    ],
)
def test_agencies_are_found_in_their_usual_credit_shapes(text, agency):
    assert agency in find_credits(text).agencies


@pytest.mark.parametrize(
    "text",
    [
        "Turkey bought the Russian missile defense system (S-400) last year.",
        "Member states of the alliance (NATO) met in Brussels.",
        "The DMCA notice was shown at the bottom of the page.",
    ],
)
def test_acronyms_in_running_text_are_not_credits(text):
    assert find_credits(text).agencies == ()


def test_cited_outlets_are_kept_apart_from_agencies():
    credits = find_credits("Lavrov said on Tuesday, according to news network Al Jazeera.\n"
                           "More details later. (Japan Times)")
    assert credits.agencies == ()
    assert set(credits.cited) == {"Al Jazeera", "Japan Times"}


@pytest.mark.parametrize(
    ("name", "outlet", "same"),
    [
        ("Japan Times", "japantimes.co.jp", True),
        ("Al Jazeera", "aljazeera.com", True),
        ("Haberler.Com", "haberler.com", True),
        ("Reuters", "aljazeera.com", False),
        ("AA", "aa.com.tr", False),  # too short to tell
    ],
)
def test_credited_names_match_outlet_domains(name, outlet, same):
    assert same_name(name, outlet) is same
