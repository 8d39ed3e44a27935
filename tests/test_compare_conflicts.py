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


def test_a_quoted_speaker_and_a_person_spoken_of_are_two_people_not_a_conflict():
    said = "The whole building shook and we ran down the stairs in the dark."
    tents = "who spent the night at the municipal stadium, where tents were put up for 3,000 people"

    def witness(article_id):
        return make(article_id, f"\u201c{said}\u201d said Elena Murgu, {tents}. " + FILLER,
                    entities={"Elena Murgu": "PERSON"}, quotes=[(said, "Elena Murgu")])

    bystander = make("c", f"Pensioner Gheorghe Stan sat beside a radio, {tents}. " + FILLER,
                     entities={"Gheorghe Stan": "PERSON"})
    conflicts = _conflicts(witness("a"), witness("b"), bystander)
    assert [c for c in conflicts if c["about"] == "person"] == []


def _sized(article_id, size, slots, published=None):
    return make(article_id, f"Police said the device thrown at the crowd was {size} long and "
                "made of steel pipe. " + FILLER, slots=slots, published=published)


def test_a_value_outside_a_range_conflicts_with_it_and_one_inside_agrees():
    ranged = _sized("b", "20 cm to 30 cm", [("number", "20 cm", "20 cm"),
                                             ("number", "30 cm", "30 cm")])
    [conflict] = _conflicts(_sized("a", "15 cm", [("number", "15 cm", "15 cm")]), ranged)
    assert {v["value"] for v in conflict["values"]} == {"15 cm", "20 cm–30 cm"}
    assert _conflicts(_sized("a", "25 cm", [("number", "25 cm", "25 cm")]), ranged) == []


def test_a_count_and_a_measure_with_decimals_are_different_quantities():
    def reading(article_id, surface, value):
        return make(article_id, f"The agency gave the reading as {surface} for the main shock. "
                    + FILLER, slots=[("number", surface, value)])

    assert _conflicts(reading("a", "6.4", "6.4"), reading("b", "seven", "7")) == []
    [conflict] = _conflicts(reading("a", "6.4", "6.4"), reading("b", "6.2", "6.2"))
    assert {v["value"] for v in conflict["values"]} == {"6.4", "6.2"}


def test_a_place_the_other_sentence_names_as_well_is_not_contradicted():
    def hospital(article_id, name, entities):
        return make(article_id, f"Abe was flown by helicopter to {name} on Friday afternoon. "
                    + FILLER, entities=entities,
                    slots=[("place", p, p.lower()) for p, t in entities.items() if t == "PLACE"])

    nara = hospital("b", "a university hospital in Nara", {"Nara": "PLACE"})
    assert _conflicts(hospital("a", "the Medical University Hospital in Kashihara",
                               {"Kashihara": "PLACE"}), nara)
    # "Nara" as part of a hospital's name: the outlet does not deny it is in Nara.
    assert _conflicts(hospital("a", "Nara Medical University Hospital in Kashihara",
                               {"Nara Medical University Hospital": "ORG",
                                "Kashihara": "PLACE"}), nara) == []


def test_the_figures_of_two_people_in_one_statement_are_one_conflict():
    def result(article_id, first, second):
        return make(article_id, f"Erdogan won {first} percent of the vote and Kilicdaroglu won "
                    f"{second} percent, the election board said. " + FILLER,
                    entities={"Erdogan": "PERSON", "Kilicdaroglu": "PERSON"},
                    slots=[("percent", f"{first} percent", first),
                           ("percent", f"{second} percent", second)])

    [conflict] = _conflicts(result("a", "52.1", "47.9"), result("b", "52.3", "47.7"))
    assert sorted(v["value"] for v in conflict["values"]) == ["52.1% / 47.9%", "52.3% / 47.7%"]


def test_a_toll_reported_on_another_day_is_an_update_not_a_contradiction():
    def toll(article_id, dead, published):
        return make(article_id, f"At least {dead} people died in the earthquake, the civil "
                    "protection agency said. " + FILLER,
                    slots=[("number", f"{dead} people", f"{dead} people")], published=published)

    assert _conflicts(toll("a", 5, "2020-12-29"), toll("b", 7, "2020-12-29"))
    assert _conflicts(toll("a", 5, "2020-12-29"), toll("b", 7, "2020-12-30")) == []


def test_a_distance_from_a_place_is_not_a_depth():
    def quake(article_id, where, slot):
        return make(article_id, f"The earthquake struck {where} on Tuesday morning. " + FILLER,
                    entities={"Petrinja": "PLACE", "Zagreb": "PLACE"},
                    slots=[("number", slot, slot)])

    assert _conflicts(quake("a", "14 km from Petrinja", "14 km"),
                      quake("b", "at a depth of 10 km", "10 km")) == []
    assert _conflicts(quake("a", "45 km south of Zagreb", "45 km"),
                      quake("b", "50 km south of Zagreb", "50 km"))


def test_a_statement_given_to_a_name_no_other_outlet_uses_is_a_person_conflict():
    quote = "We will not back down from our measures because of the sanctions."

    def said(article_id, name, context):
        # The name and the words stand in different sentences: only the quote links them.
        return make(article_id, f"{name} {context}. He said: \u201c{quote}\u201d " + FILLER,
                    entities={name: "PERSON"}, quotes=[(quote, name)])

    conflicts = _conflicts(said("a", "Mevlut Cavusoglu", "met journalists at the press centre"),
                           said("b", "Mevlut Cavusoglu", "spoke after lengthy bilateral talks"),
                           said("c", "Ahmet Davutoglu", "arrived late at the airport terminal"))
    [person] = [c for c in conflicts if c["about"] == "person"]
    assert {(v["article"], v["value"]) for v in person["values"]} >= {
        ("c", "Ahmet Davutoglu"), ("a", "Mevlut Cavusoglu")}
