"""Who an article says its text comes from: wire agencies and cited outlets.

Two signals, as a copy editor would read them: a lexicon of the major agencies under their
names in several scripts ("Reuters", "Рейтер", "ТАСС", "Anadolu Ajansı"), and the general
shapes credits take whatever the agency ("TOKYO (Kyodo) –", a trailing "(MPA)", "– dpa",
"according to X", "передает X", "laut X", "X reported", "[… via X]"). A cited name that is not
an agency may still be another outlet of the set ("according to news network Al Jazeera"),
which is how a copy's direction is decided when dates are missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from parallax.analyze.names import fold

# canonical name -> pattern of its written forms (case-sensitive: "AP" is not "ap").
AGENCIES: dict[str, str] = {
    "AFP": r"AFP|Agence France[- ]Presse|وكالة الصحافة الفرنسية|Франс[- ]Пресс",
    "Reuters": r"Reuters|Рейтер\w*|رويترز",
    "AP": r"Associated Press|\(AP\)|AP News",
    "dpa": r"dpa|Deutsche Presse-Agentur",
    "APA": r"APA|Austria Presse Agentur",
    "Anadolu Agency": r"Anadolu(?: Agency| Ajansı| Ajansi)?|\(AA\)|/AA\b|Анадолу",
    "TASS": r"TASS|ТАСС|تاس",
    "RIA Novosti": r"RIA Novosti|РИА Новости",
    "Interfax": r"Interfax|Интерфакс",
    "Sputnik": r"Sputnik|Спутник",
    "Xinhua": r"Xinhua|Синьхуа|新华社|شينخوا",
    "EFE": r"EFE",
    "Europa Press": r"Europa Press",
    "ANSA": r"ANSA",
    "Adnkronos": r"Adnkronos",
    "Kyodo": r"Kyodo|共同通信",
    "Jiji": r"Jiji",
    "Yonhap": r"Yonhap",
    "PTI": r"PTI|Press Trust of India",
    "IANS": r"IANS",
    "ANI": r"ANI",
    "UPI": r"UPI|United Press International",
    "Bloomberg": r"Bloomberg",
    "KNA": r"KNA",
    "epd": r"epd",
    "Keystone-SDA": r"Keystone-SDA|SDA|ATS",
    "HINA": r"HINA|Hina",
    "Tanjug": r"Tanjug|Танјуг",
    "BTA": r"BTA",
    "PAP": r"PAP",
    "ČTK": r"ČTK|CTK",
    "MTI": r"MTI",
    "ANP": r"ANP",
    "Belga": r"Belga",
    "Lusa": r"Lusa",
    "Agerpres": r"Agerpres",
    "Ukrinform": r"Ukrinform|Укрінформ",
    "UNIAN": r"UNIAN|УНІАН",
    "IRNA": r"IRNA|ارنا",
    "Mehr": r"Mehr News|MNA",
    "Tasnim": r"Tasnim",
    "WAFA": r"WAFA|وفا",
    "QNA": r"QNA",
    "SPA": r"SPA|واس",
    "WAM": r"WAM",
    "KUNA": r"KUNA|كونا",
    "MENA": r"MENA",
    "Bernama": r"Bernama",
    "Antara": r"Antara",
    "DHA": r"DHA|Demirören Haber Ajansı",
    "İHA": r"İHA|IHA|İhlas Haber Ajansı",
    "ANKA": r"ANKA",
}

# Words that mark a cited name as an agency in many languages ("X news agency", "агентство X").
_AGENCY_WORD = (
    r"(?:[Nn]ews )?[Aa]gency|[Nn]ews [Nn]etwork|Ajansı|Ajansi|агентств\w*|Agentur|[Aa]genzia|"
    r"[Aa]gencia|[Aa]gence|agência|agencja|agentia|agenția|وكالة"
)
# Reporting verbs after a name ("NHK reported", "the Meridian Press Agency reported").
_REPORTED = (
    r"reported|reports|berichtete|meldete|сообщил\w*|передал\w*|informó|a rapporté|riferisce|"
    r"bildirdi|aktardı"
)
_NAME = (
    r"(?P<name>[A-ZА-ЯЁ\u0600-\u06ff][\w&'’-]*(?:\.(?:[Cc]om|[Nn]et|[Oo]rg|[a-z]{2})\b)?"
    r"(?:[ \t]+[A-ZА-ЯЁ][\w&'’-]*){0,3})"
)
# Citation phrases before a name ("according to", "передает", "laut", "selon", "Kaynak:").
_CITE_BEFORE = (
    r"according to|citing|cited by|quoted by|reported by|told|via|"
    r"передает|передаёт|сообщает|сообщило|со ссылкой на|"
    r"laut|berichtet(?:e)?|meldet(?:e)?|"
    r"según|segun|informa|selon|d'après|secondo|riporta|citat de|potrivit|"
    r"według|podaje|"
    r"(?:Source|Sources|Quelle|Kaynak|Fuente|Fonte|Источник|Źródło|Sursa|Photo|Foto|Фото)\s*:"
)
_PATTERNS = [
    # dateline credit at the start of a line: "TOKYO (Kyodo) –", "(AFP) -", "Ankara (AA) -"
    re.compile(
        r"(?m)^[\W\d]*(?:[A-ZÀ-ÝА-Я][\w .,'’-]{0,40}?[ \t]*)?"
        r"\((?P<name>[A-Za-zÀ-ÿА-Яа-яЁё.&/ -]{2,30})\)[ \t]*[-–—:]"
    ),
    # trailing credit: "... (MPA)", "(Japan Times)", "– dpa" at the end of a line
    re.compile(r"\((?P<name>[A-ZА-Я][\w&/ .-]{1,30})\)[ \t]*$", re.M),
    re.compile(r"(?:^|[-–—/.][ \t]*)(?P<name>[A-Za-zА-Яа-я&-]{2,14})[ \t]*\.?[ \t]*$", re.M),
    re.compile(r"(?:" + _CITE_BEFORE + r")[ \t]+(?:the[ \t]+)?(?:(?:" + _AGENCY_WORD + r")[ \t]+)?"
               + _NAME),
    re.compile(r"(?:" + _AGENCY_WORD + r")[ \t]+«?" + _NAME),
    re.compile(_NAME + r"[ \t]+(?:" + _REPORTED + r")\b"),
]
# Patterns whose name, when not an agency, is still a cited source (not mere line-end words).
_EXPLICIT = (0, 1, 3, 4, 5)
_ACRONYM = re.compile(r"^[A-ZА-ЯĆČŠŽ]{2,6}$")


@dataclass(frozen=True)
class Credits:
    agencies: tuple[str, ...]  # wire agencies credited, canonical names, in order of appearance
    cited: tuple[str, ...]  # every other name cited as a source ("Al Jazeera", "police")


@cache
def _agency_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(name, re.compile(r"(?<!\w)(?:" + p + r")(?!\w)")) for name, p in AGENCIES.items()]


def agency_name(text: str) -> str | None:
    """The canonical agency a written name refers to, if it is one the lexicon knows."""
    for name, pattern in _agency_patterns():
        if pattern.fullmatch(text.strip()):
            return name
    return None


def find_credits(text: str) -> Credits:
    """The agencies and sources an article credits."""
    agencies: dict[str, int] = {}
    cited: dict[str, int] = {}
    for k, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            for raw in re.split(r"\s*/\s*", m.group("name").strip(" .")):
                raw = re.sub(r"^(?:the|The)\s+", "", raw).strip()
                agency = agency_name(raw)
                if not agency and k in _EXPLICIT and _ACRONYM.match(raw):
                    agency = raw
                if agency:
                    agencies.setdefault(agency, m.start())
                elif k in _EXPLICIT and len(raw) >= 3 and raw[0].isupper():
                    cited.setdefault(raw, m.start())
    for name, pattern in _agency_patterns():
        m = pattern.search(text)
        if m and name not in agencies and _stands_alone(m):
            agencies[name] = m.start()
    return Credits(
        agencies=tuple(sorted(agencies, key=agencies.__getitem__)),
        cited=tuple(sorted(cited, key=cited.__getitem__)),
    )


def _stands_alone(m: re.Match[str]) -> bool:
    """A lexicon hit counts outside a credit pattern only when it is the agency's full name or a
    parenthesised credit, not a short acronym inside running text ("ANI" in a name)."""
    token = m.group(0)
    return len(token) > 5 or token.startswith("(")


def same_name(credited: str, outlet: str | None) -> bool:
    """Whether a credited name designates an outlet ("The Japan Times" vs japantimes.co.jp)."""
    if not outlet:
        return False
    a = re.sub(r"^the", "", re.sub(r"[^a-z0-9]", "", fold(credited)))
    host = fold(outlet).split("/")[0]
    labels = [lbl for lbl in host.split(".") if lbl not in {"www", "com", "co", "net", "org"}]
    b = re.sub(r"^the", "", re.sub(r"[^a-z0-9]", "", labels[0] if labels else host))
    return len(a) >= 3 and (a == b or (len(b) >= 5 and (a.startswith(b) or b.startswith(a))))
