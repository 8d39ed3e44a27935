"""Small invented articles (written for these tests) shared by the link tests.

Korvash, Estrania, Dalia Renko and the rest are fictional. `quake_*` report one earthquake in
three languages; `twin` is an earlier, weaker quake in the same town (another date, magnitude
and toll); `rates` and `final` are unrelated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from parallax.model import Analysis, Article

TEXTS = {
    "quake_en": (
        "en",
        datetime(2023, 3, 14, tzinfo=UTC),
        "Magnitude 6.1 earthquake kills 12 in Korvash",
        "A magnitude 6.1 earthquake struck the town of Korvash in northern Estrania on "
        "Tuesday, March 14, 2023, killing 12 people and injuring 87, Interior Minister Dalia "
        "Renko said. The quake hit at 04:12 local time at a depth of 10 kilometres. Renko said "
        "rescue teams from Tarvel were searching collapsed buildings in the old town.",
    ),
    "quake_de": (
        "de",
        datetime(2023, 3, 14, tzinfo=UTC),
        "Erdbeben der Stärke 6,1 tötet 12 Menschen in Korvash",
        "Ein Erdbeben der Stärke 6,1 hat am Dienstag, dem 14. März 2023, die Stadt Korvash im "
        "Norden Estranias erschüttert. Zwölf Menschen kamen ums Leben, 87 wurden verletzt, "
        "teilte Innenministerin Dalia Renko mit. Das Beben ereignete sich um 04:12 Uhr "
        "Ortszeit in zehn Kilometern Tiefe. Rettungsteams aus Tarvel suchen in der Altstadt "
        "nach Verschütteten.",
    ),
    "quake_es": (
        "es",
        None,
        "Un terremoto de magnitud 6,1 deja 12 muertos en Korvash",
        "Un terremoto de magnitud 6,1 sacudió el martes 14 de marzo de 2023 la ciudad de "
        "Korvash, en el norte de Estrania, y causó la muerte de 12 personas, según la ministra "
        "del Interior, Dalia Renko. El sismo se produjo a las 04:12 hora local. Equipos de "
        "rescate de Tarvel buscan supervivientes entre los escombros del casco antiguo.",
    ),
    "twin": (
        "en",
        datetime(2019, 10, 2, tzinfo=UTC),
        "Magnitude 4.7 quake shakes Korvash, three injured",
        "A magnitude 4.7 earthquake shook the town of Korvash in northern Estrania on "
        "Wednesday, October 2, 2019, injuring three people and damaging a church tower, the "
        "regional governor Pavel Istrin said. The quake struck at 22:40 local time. Istrin said "
        "schools in Korvash would stay closed on Thursday while engineers inspect them.",
    ),
    "rates": (
        "en",
        datetime(2023, 3, 16, tzinfo=UTC),
        "Central bank of Lunesia raises rates to 4.5 percent",
        "The central bank of Lunesia raised its main interest rate by half a percentage point "
        "to 4.5 percent on Thursday, its ninth increase in a row, governor Marta Vell said in "
        "Port Alder. Inflation slowed to 7.9 percent in February, but Vell said the bank "
        "would keep tightening until price growth returns to its 2 percent target.",
    ),
    "final": (
        "es",
        datetime(2023, 5, 20, tzinfo=UTC),
        "El Atlético Serrano gana la final de copa",
        "El Atlético Serrano ganó el sábado la final de la copa nacional al vencer 3-1 al "
        "Deportivo Marín en el estadio de Valdeluz, con dos goles de Tomás Ibarra. Es el "
        "primer título del club en veinte años, y miles de aficionados celebraron en la plaza "
        "mayor hasta la madrugada.",
    ),
}


def article(name: str) -> Article:
    lang, published, title, text = TEXTS[name]
    return Article(id=name, text=text, title=title, lang=lang, published=published,
                   source="tests/test_link_examples.py")


@cache
def _analysed() -> dict[str, Analysis]:
    from parallax.analyze.pipeline import analyze_many

    names = list(TEXTS)
    return dict(zip(names, analyze_many([article(n) for n in names]), strict=True))


def analysis(name: str) -> Analysis:
    return _analysed()[name]
