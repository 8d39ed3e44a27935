"""Contradiction rules: what counts as the same quantity, place or person, and what is merely
additional information."""

from parallax.compare import compare_articles
from test_compare_fixtures import fake_embed, make, unzip

FILLER = ("Officials described the damage as severe across the whole region. "
          "Schools will remain closed while engineers inspect the buildings.")


def _conflicts(*pairs):
    articles, analyses = unzip(list(pairs))
    return compare_articles(articles, analyses, embed=fake_embed)["conflicts"]


def test_an_extra_value_is_not_a_contradiction():
    # {6.4, 5.2} against {6.4}: the second outlet simply leaves out the foreshock.
    conflicts = _conflicts(
        make("a", "The magnitude 6.4 quake followed a magnitude 5.2 foreshock on the same day. "
             + FILLER, slots=[("number", "6.4", "6.4 magnitude"),
                              ("number", "5.2", "5.2 magnitude")]),
        make("b", "The magnitude 6.4 quake followed a strong foreshock on the same day. " + FILLER,
             slots=[("number", "6.4", "6.4 magnitude")]),
    )
    assert conflicts == []


def test_values_said_of_different_people_are_not_compared():
    conflicts = _conflicts(
        make("a", "Erdogan received 52.1 percent of the votes in the runoff count. " + FILLER,
             entities={"Erdogan": "PERSON"}, slots=[("percent", "52.1", "52.1")]),
        make("b", "Kilicdaroglu received 51.2 percent of the votes in the runoff count. " + FILLER,
             entities={"Kilicdaroglu": "PERSON"}, slots=[("percent", "51.2", "51.2")]),
    )
    assert conflicts == []


def test_values_of_different_days_are_different_occurrences():
    conflicts = _conflicts(
        make("a", "A magnitude 5.2 earthquake hit the central region on Monday. " + FILLER,
             slots=[("number", "5.2", "5.2 magnitude"), ("date", "Monday", "2020-12-28")]),
        make("b", "A magnitude 5.4 earthquake hit the central region on Tuesday. " + FILLER,
             slots=[("number", "5.4", "5.4 magnitude"), ("date", "Tuesday", "2020-12-29")]),
    )
    assert conflicts == []


def test_far_apart_numbers_measure_different_things():
    conflicts = _conflicts(
        make("a", "The quake hit at a depth of 10 km under the valley floor. " + FILLER,
             slots=[("number", "10 km", "10 km")]),
        make("b", "The quake hit at a distance of 50 km under the valley floor. " + FILLER,
             slots=[("number", "50 km", "50 km")]),
    )
    assert conflicts == []


def test_two_cities_for_the_same_talks_conflict_unless_the_other_is_named_as_well():
    def talks(article_id, city, extra=""):
        return make(article_id, f"The foreign ministers held talks in {city} on Tuesday about "
                    f"trade and sanctions. {extra}" + FILLER,
                    entities={city: "PLACE", "Ankara": "PLACE"},
                    slots=[("place", city, city.lower())] + (
                        [("place", "Moscow", "moscow")] if "Moscow" in extra else []))

    [conflict] = _conflicts(talks("a", "Sochi"), talks("b", "Moscow"))
    assert conflict["about"] == "place"
    assert {v["value"] for v in conflict["values"]} == {"Sochi", "Moscow"}
    # An outlet that also gives Moscow as a location is not contradicting "Moscow".
    assert _conflicts(talks("a", "Sochi", "Delegations later flew on to Moscow for dinner. "),
                      talks("b", "Moscow")) == []


def test_countries_and_reference_points_are_not_locations_to_contradict():
    conflicts = _conflicts(
        make("a", "The epicentre was near Petrinja in Croatia, officials said today. " + FILLER,
             slots=[("place", "Petrinja", "petrinja"), ("place", "Croatia", "croatia")]),
        make("b", "The epicentre was near Zagreb in Serbia, officials said today. " + FILLER,
             slots=[("place", "Zagreb", "zagreb"), ("place", "Serbia", "serbia")]),
    )
    assert conflicts == []


def test_a_name_no_other_outlet_uses_in_place_of_an_established_one_is_a_person_conflict():
    def said(article_id, name):
        return make(article_id, f"Foreign Minister {name} told reporters that the border "
                    "crossing would reopen to freight in April. " + FILLER,
                    entities={name: "PERSON"})

    conflicts = _conflicts(said("a", "Stanislav Korenko"), said("b", "Stanislav Korenko"),
                           said("c", "Stanislav Kovalenko"))
    [person] = [c for c in conflicts if c["about"] == "person"]
    assert {v["value"] for v in person["values"]} == {"Stanislav Korenko", "Stanislav Kovalenko"}
    # A typo is sloppiness, not another person.
    typo = _conflicts(said("a", "Andrej Plenkovic"), said("b", "Andrej Plenkovic"),
                      said("c", "Adrej Plenkovic"))
    assert [c for c in typo if c["about"] == "person"] == []
