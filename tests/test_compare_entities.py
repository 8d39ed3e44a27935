"""Entities across a set of articles: one row per real-world name, typed by its fullest form."""

from parallax.compare.entities import entity_rows
from parallax.compare.material import build_material
from test_compare_fixtures import fake_embed, make, unzip


def test_a_person_stays_a_person_when_the_tagger_calls_the_bare_surname_an_organisation():
    a = make("a", "Foreign Minister Mevlut Cavusoglu met his Russian counterpart on Tuesday. "
             "Cavusoglu said trade will grow. Cavusoglu added that talks went well.",
             entities={"Mevlut Cavusoglu": "PERSON", "Cavusoglu said": "ORG",
                       "Cavusoglu added": "ORG"})
    b = make("b", "Cavusoglu told reporters in Sochi that the sanctions were unjust.",
             entities={"Cavusoglu told": "ORG", "Sochi": "PLACE"})
    articles, analyses = unzip([a, b])
    for analysis in analyses:  # the tagged spans above end in a verb; keep the name only
        for e in analysis.entities:
            if e.type == "ORG":
                e.text, e.end, e.key = "Cavusoglu", e.start + len("Cavusoglu"), "cavusoglu"
    rows = entity_rows(build_material(articles, analyses, fake_embed))
    person = next(r for r in rows if r["name"] == "Mevlut Cavusoglu")
    assert person["type"] == "PERSON"
    assert person["aliases"] == ["Cavusoglu"]
    assert person["articles"] == ["a", "b"]
