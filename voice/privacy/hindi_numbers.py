"""Hindi cardinal numbers as speech-to-text writes them in Latin letters ("pandrah", "unnees sau
nabbe", "do hazaar teen"), for dates, PINs and other numbers said in Hindi or Hinglish.

Hindi numbers 1-100 are irregular (every value has its own word), so they are a table, not rules.
Source: the standard Hindi cardinal numerals, written out by hand with the Devanagari word beside
each Latin spelling so that any row can be checked against a Hindi number chart. The machine-
readable reference would be CLDR's `hi` rule-based number format (`spellout-numbering`), but babel
2.18 in the venv ships no RBNF data (checked), so it could not be generated from there.
tests/voice/test_detectors.py checks every value 1-100 has exactly one row and that no spelling
means two values. The Latin spellings are the common ones; `key()` folds the variations
speech-to-text makes between them (long vowels written doubled or not, doubled consonants, a final
"h", w/v), so "unnees", "unnis" and "unis" are one word.
"""

import re
from functools import cache

# value: Devanagari, then Latin spellings (the first is the usual one).
CARDINALS: dict[int, tuple[str, ...]] = {
    1: ("एक", "ek"),
    2: ("दो", "do"),
    3: ("तीन", "teen", "tin"),
    4: ("चार", "chaar", "char"),
    5: ("पाँच", "paanch", "panch"),
    6: ("छह", "chhah", "chhe", "che", "chhey", "cheh"),
    7: ("सात", "saat"),
    8: ("आठ", "aath"),
    9: ("नौ", "nau", "nao"),
    10: ("दस", "das"),
    11: ("ग्यारह", "gyaarah", "gyarah", "gyara"),
    12: ("बारह", "baarah", "barah", "bara"),
    13: ("तेरह", "terah", "tera"),
    14: ("चौदह", "chaudah", "choudah", "chauda"),
    15: ("पंद्रह", "pandrah", "pandra", "pondrah"),
    16: ("सोलह", "solah", "sola"),
    17: ("सत्रह", "satrah", "satra", "sattrah"),
    18: ("अठारह", "athaarah", "atharah", "athara", "attharah"),
    19: ("उन्नीस", "unnees", "unnis", "unis", "unees"),
    20: ("बीस", "bees", "bis"),
    21: ("इक्कीस", "ikkees", "ikkis", "ekkis", "ikis"),
    22: ("बाईस", "baaees", "bais", "baais", "baees"),
    23: ("तेईस", "teis", "teyis", "teees", "teiis"),
    24: ("चौबीस", "chaubees", "chaubis", "choubis"),
    25: ("पच्चीस", "pachchees", "pachees", "pachis", "pacchis"),
    26: ("छब्बीस", "chhabbees", "chhabbis", "chabbis"),
    27: ("सत्ताईस", "sattaees", "sattais", "sataais"),
    28: ("अट्ठाईस", "atthaees", "atthais", "athais", "attais"),
    29: ("उनतीस", "untees", "untis", "unatis"),
    30: ("तीस", "tees", "tis"),
    31: ("इकतीस", "ikattees", "iktees", "ikatis", "ektis"),
    32: ("बत्तीस", "battees", "battis", "batis"),
    33: ("तैंतीस", "taintees", "taintis", "tentis", "tetis"),
    34: ("चौंतीस", "chauntees", "chauntis", "chautis", "chotis"),
    35: ("पैंतीस", "paintees", "paintis", "pentis"),
    36: ("छत्तीस", "chhattees", "chhattis", "chattis"),
    37: ("सैंतीस", "saintees", "saintis", "sentis"),
    38: ("अड़तीस", "adtees", "adtis", "artees", "artis", "adhtis"),
    39: ("उनतालीस", "untaalees", "untalis", "unchalis"),
    40: ("चालीस", "chaalees", "chalis", "chalees"),
    41: ("इकतालीस", "iktaalees", "iktalis", "ektalis"),
    42: ("बयालीस", "bayaalees", "bayalis", "biyalis"),
    43: ("तैंतालीस", "taintaalees", "taintalis", "tentalis"),
    44: ("चवालीस", "chavaalees", "chavalis", "chauvalis", "chawalis"),
    45: ("पैंतालीस", "paintaalees", "paintalis", "pentalis"),
    46: ("छियालीस", "chhiyaalees", "chhiyalis", "chiyalis"),
    47: ("सैंतालीस", "saintaalees", "saintalis", "sentalis"),
    48: ("अड़तालीस", "adtaalees", "adtalis", "artalis"),
    49: ("उनचास", "unchaas", "unchas"),
    50: ("पचास", "pachaas", "pachas"),
    51: ("इक्यावन", "ikyaavan", "ikyavan", "ekyavan", "ikkyavan"),
    52: ("बावन", "baavan", "bavan", "bawan"),
    53: ("तिरपन", "tirpan", "tirepan"),
    54: ("चौवन", "chauvan", "chauwan", "chowan"),
    55: (
        "पचपन",
        "pachpan",
    ),
    56: ("छप्पन", "chhappan", "chappan"),
    57: ("सत्तावन", "sattaavan", "sattavan", "satavan"),
    58: ("अट्ठावन", "atthaavan", "atthavan", "athavan"),
    59: ("उनसठ", "unsath", "unsaath", "unsatth"),
    60: ("साठ", "saath", "sath"),
    61: ("इकसठ", "iksath", "eksath"),
    62: ("बासठ", "baasath", "basath"),
    63: ("तिरसठ", "tirsath", "tiresath"),
    64: ("चौंसठ", "chausath", "chaunsath", "chonsath"),
    65: ("पैंसठ", "painsath", "pensath"),
    66: ("छियासठ", "chhiyaasath", "chhiyasath", "chiyasath"),
    67: ("सड़सठ", "sadsath", "sarsath"),
    68: ("अड़सठ", "adsath", "arsath"),
    69: ("उनहत्तर", "unhattar", "unhatar"),
    70: ("सत्तर", "sattar", "satar"),
    71: ("इकहत्तर", "ikhattar", "ikattar", "ekhattar"),
    72: ("बहत्तर", "bahattar", "bahatar"),
    73: ("तिहत्तर", "tihattar", "tihatar"),
    74: ("चौहत्तर", "chauhattar", "chohattar"),
    75: ("पचहत्तर", "pachhattar", "pachattar"),
    76: ("छिहत्तर", "chhihattar", "chihattar"),
    77: ("सतहत्तर", "satattar", "sathattar"),
    78: ("अठहत्तर", "athattar", "athhattar"),
    79: ("उन्यासी", "unyaasi", "unyasi", "unasi"),
    80: ("अस्सी", "assi", "asi"),
    81: ("इक्यासी", "ikyaasi", "ikyasi"),
    82: ("बयासी", "bayaasi", "bayasi", "biyasi"),
    83: ("तिरासी", "tiraasi", "tirasi"),
    84: ("चौरासी", "chauraasi", "chaurasi", "chorasi"),
    85: ("पचासी", "pachaasi", "pachasi"),
    86: ("छियासी", "chhiyaasi", "chhiyasi", "chiyasi"),
    87: ("सत्तासी", "sattaasi", "sattasi"),
    88: ("अट्ठासी", "atthaasi", "athasi", "atthasi"),
    89: ("नवासी", "navaasi", "navasi", "nawasi"),
    90: ("नब्बे", "nabbe", "nabe", "nabbey"),
    91: ("इक्यानवे", "ikyaanve", "ikyanve", "ikyanave"),
    92: ("बानवे", "baanve", "banve", "banave"),
    93: ("तिरानवे", "tiraanve", "tiranve", "tiranave"),
    94: ("चौरानवे", "chauraanve", "chauranve", "choranve"),
    95: ("पचानवे", "pachaanve", "pachanve", "pachanave"),
    96: ("छियानवे", "chhiyaanve", "chhiyanve", "chiyanve"),
    97: ("सत्तानवे", "sattaanve", "sattanve"),
    98: ("अट्ठानवे", "atthaanve", "athanve", "atthanve"),
    99: ("निन्यानवे", "ninyaanve", "ninyanve", "ninanve"),
    100: ("सौ", "sau"),
}
# Multipliers: "unnees sau nabbe" is 19 x 100 + 90, "do hazaar teen" 2 x 1000 + 3.
MULTIPLIERS: dict[str, int] = {
    "sau": 100,
    "hazaar": 1000,
    "hazar": 1000,
    "hajar": 1000,
    "hajaar": 1000,
    "thousand": 1000,
    "lakh": 100_000,
    "laakh": 100_000,
    "lac": 100_000,
}
# Words that are also ordinary words ("das" a name, "saath" = with, "tera" = your, "bees", "tees",
# "sau", "asi"): they count only beside other number words.
AMBIGUOUS = frozenset(
    [
        *("das", "saath", "sath", "tera", "bees", "tees", "tis", "bis"),
        *("sau", "asi", "bara", "sola", "satar", "bais"),
    ]
)

_DOUBLED = re.compile(r"([a-z])\1+")


def key(word: str) -> str:
    """The spelling-free form of a romanised Hindi word: "unnees", "unnis", "unis" -> "unis"."""
    w = word.lower().replace("w", "v").replace("chch", "ch").replace("cch", "ch")
    w = w.replace("ee", "i").replace("oo", "u")
    w = _DOUBLED.sub(r"\1", w)
    if len(w) > 3 and w.endswith("h") and w[-2] in "aeiou":
        w = w[:-1]  # "pandrah" / "pandra"
    if w.endswith("ey"):
        w = w[:-1]  # "nabbey" / "nabbe"
    return w


@cache
def by_key() -> dict[str, int]:
    """Folded spelling -> value, for 1-99 (100 is "sau", a multiplier)."""
    table: dict[str, int] = {}
    for value, (_devanagari, *spellings) in CARDINALS.items():
        if value == 100:
            continue
        for spelling in spellings:
            table.setdefault(key(spelling), value)
    return table


def value(word: str) -> int | None:
    """1-99 for a Hindi number word in any common spelling, else None."""
    return by_key().get(key(word)) if word.isascii() else None


def multiplier(word: str) -> int | None:
    return MULTIPLIERS.get(word.lower())


def compose(values: list[tuple[str, int]]) -> int | None:
    """The number that a list of ("num", n) / ("mult", m) parts says, or None if it is no number:
    [19, x100, 90] -> 1990; [2, x1000, 3] -> 2003; [5, x100, 86] -> 586; [6, x100000, 86, x1000] ->
    686000. Each part must alternate (two plain numbers in a row are two numbers, not one)."""
    total = current = 0
    last = None
    for kind, n in values:
        if kind == "num":
            if last == "num":
                return None
            current += n
        else:
            if last != "num":
                return None
            if n == 100:
                current *= 100
            else:
                total += current * n
                current = 0
        last = kind
    return total + current
