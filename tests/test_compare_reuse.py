"""Copy chains: reused text is found on words, quotations do not count, direction and credit."""

from parallax.compare.material import build_material
from parallax.compare.reuse import find_reuse, origins
from test_compare_fixtures import fake_embed, make, unzip

WIRE = (
    "A magnitude 6.1 earthquake struck the northern province before dawn on Tuesday, "
    "destroying dozens of houses in the old town. "
    "Rescue teams worked through the morning to free residents trapped under collapsed walls. "
    "The regional hospital moved its patients into tents in the car park as a precaution. "
    "\u201cEvery collapsed house is being searched,\u201d the interior minister told reporters. "
    "Schools across the province will stay closed for the rest of the week."
)
COPY = (
    "CARADIN (MPA) \u2014 A magnitude 6.1 earthquake struck the northern province before dawn on "
    "Tuesday, destroying dozens of houses in the old town. "
    "Rescue teams worked through the morning to free residents trapped under collapsed walls. "
    "The regional hospital moved its patients into tents in the car park as a precaution. "
    "\u201cEvery collapsed house is being searched,\u201d the interior minister told reporters."
)
OWN = (
    "Residents of the old town spent the night outside after the strongest quake in decades. "
    "\u201cEvery collapsed house is being searched,\u201d the interior minister told reporters. "
    "Local shopkeepers said they had never felt anything like it in their lives. "
    "Engineers will inspect the bridges over the river before traffic is allowed back."
)
QUOTE = "Every collapsed house is being searched,"


def _material(*pairs):
    articles, analyses = unzip(list(pairs))
    return build_material(articles, analyses, fake_embed)


def test_a_republished_wire_story_is_reuse_from_the_earlier_article_with_its_credit():
    material = _material(
        make("copy", COPY, published="2025-09-09T08:42", quotes=[(QUOTE, "minister")]),
        make("wire", WIRE, published="2025-09-09T06:10", quotes=[(QUOTE, "minister")]),
        make("own", OWN, published="2025-09-09T07:00", quotes=[(QUOTE, "minister")]),
    )
    reuse = find_reuse(material)
    assert [(r.source, r.target) for r in reuse] == [(1, 0)]
    assert reuse[0].shared_fraction > 0.8
    assert reuse[0].credited == "MPA"
    groups = origins(3, reuse)
    assert groups[0] == groups[1] != groups[2]


def test_sharing_a_quotation_is_not_reuse():
    material = _material(
        make("wire", WIRE, quotes=[(QUOTE, "minister")]),
        make("own", OWN, quotes=[(QUOTE, "minister")]),
    )
    assert find_reuse(material) == []


def test_without_dates_the_article_crediting_the_other_outlet_is_the_copy():
    credited = COPY.replace("CARADIN (MPA) \u2014 ", "") + " (Wire Daily)"
    material = _material(
        make("copy", credited, quotes=[(QUOTE, "minister")]),
        make("wire", WIRE, outlet="wiredaily.example", quotes=[(QUOTE, "minister")]),
    )
    [r] = find_reuse(material)
    assert (r.source, r.target, r.credited) == (1, 0, "Wire Daily")
