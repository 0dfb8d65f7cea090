"""Digits as people say them and speech-to-text writes them, with their offsets in the text.

"98450 12345", "+91-98450-12345", "8,185,660,017", "nine eight four five double one",
"triple seven", "ninety eight forty five" and "nau aath chaar paanch shunya" all become runs of
digits. A decimal ("99.4"), a ratio ("130/85"), a percentage or a unit written onto the number
("72kg") ends a run, so vitals and doses never join an identifier.
"""

import re
from dataclasses import dataclass
from functools import cache

from voice.privacy import hindi_numbers, lexicon


@dataclass(frozen=True, slots=True)
class Unit:
    """One stretch of text that stands for some digits ("98450", "double five", "nau")."""

    start: int
    end: int
    digits: str
    ambiguous: bool = False
    spoken: bool = False


@dataclass(frozen=True, slots=True)
class DigitRun:
    start: int
    end: int
    digits: str
    plus: bool
    units: tuple[Unit, ...]

    @property
    def spoken(self) -> bool:
        return any(u.spoken for u in self.units)

    def slice(self, i: int, j: int) -> "DigitRun":
        units = self.units[i:j]
        return DigitRun(
            start=units[0].start,
            end=units[-1].end,
            digits="".join(u.digits for u in units),
            plus=self.plus and i == 0,
            units=units,
        )

    def trimmed(self) -> "DigitRun | None":
        """Without ambiguous words at either end ("do", "oh", "sat"): they are words there."""
        i, j = 0, len(self.units)
        while i < j and self.units[i].ambiguous:
            i += 1
        while j > i and self.units[j - 1].ambiguous:
            j -= 1
        if i == j:
            return None
        if i == 0 and j == len(self.units):
            return self
        run = self.slice(i, j)
        return DigitRun(start=run.start, end=run.end, digits=run.digits, plus=self.plus, units=run.units)


_WORDS = sorted(
    [
        *lexicon.DIGIT_WORDS,
        *lexicon.TEEN_WORDS,
        *lexicon.TENS_WORDS,
        *lexicon.REPEAT_WORDS,
        "plus",
        "hundred",
    ],
    key=len,
    reverse=True,
)
_ATOM = re.compile(
    r"(?P<num>(?<![\w.])(?P<plus>\+)?(?P<digits>\d+(?:,\d+)*)(?P<tail>\.\d+|/\d|%|[A-Za-z]+)?)"
    r"|(?<![\w'\u2019])(?P<word>" + "|".join(_WORDS) + r")(?![\w'\u2019])"
    # any other word: a Hindi number in one of its spellings ("pandrah", "chhiyasi"), or a
    # multiplier ("sau", "hazaar", "lakh", "thousand"); other words are skipped in _atoms
    r"|(?<![\w'\u2019])(?P<other>[A-Za-z]{3,12})(?![\w'\u2019])",
    re.IGNORECASE,
)
# Devanagari digits (as a Hindi transcript may write them) read as ASCII ones.
_NATIVE_DIGITS = str.maketrans("\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f", "0123456789")
_GAP_ANY = re.compile(r"[ \t]*(?:[-\u2013()][ \t]*)?")
_GAP_WORDISH = re.compile(r"[ \t]*[,.][ \t]*")


@dataclass(frozen=True, slots=True)
class _Atom:
    start: int
    end: int
    kind: str  # digits | digit | teen | tens | repeat | plus | hundred | mult | number
    value: str
    ambiguous: bool
    plus: bool = False


@cache
def _other_word(word: str) -> tuple[str, str, bool] | None:
    """(kind, value, ambiguous) of a word outside the English digit words, or None."""
    if (mult := hindi_numbers.multiplier(word)) is not None:
        return "mult", str(mult), True
    value = hindi_numbers.value(word)
    if value is None or value < 10:
        return None  # Hindi 1-9 are in lexicon.DIGIT_WORDS; other spellings of them are too rare
    ambiguous = hindi_numbers.key(word) in hindi_numbers.AMBIGUOUS or word in lexicon.not_a_name()
    return "teen", str(value), ambiguous


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _ATOM.finditer(text):
        if m.group("other"):
            found = _other_word(m.group("other").lower())
            if found is not None:
                atoms.append(_Atom(m.start(), m.end(), found[0], found[1], found[2]))
            continue
        if m.group("num"):
            if m.group("tail"):
                continue  # 99.4, 130/85, 98%, 72kg: a measurement, and a wall between runs
            atoms.append(
                _Atom(
                    m.start(),
                    m.end(),
                    "digits",
                    m.group("digits").replace(",", "").translate(_NATIVE_DIGITS),
                    False,
                    bool(m.group("plus")),
                )
            )
            continue
        word = m.group("word").lower()
        if word in lexicon.DIGIT_WORDS:
            atoms.append(
                _Atom(
                    m.start(),
                    m.end(),
                    "digit",
                    lexicon.DIGIT_WORDS[word],
                    word in lexicon.AMBIGUOUS_DIGIT_WORDS,
                )
            )
        elif word in lexicon.TEEN_WORDS:
            atoms.append(_Atom(m.start(), m.end(), "teen", lexicon.TEEN_WORDS[word], False))
        elif word in lexicon.TENS_WORDS:
            atoms.append(_Atom(m.start(), m.end(), "tens", lexicon.TENS_WORDS[word], False))
        elif word in lexicon.REPEAT_WORDS:
            atoms.append(_Atom(m.start(), m.end(), "repeat", str(lexicon.REPEAT_WORDS[word]), True))
        elif word == "plus":
            atoms.append(_Atom(m.start(), m.end(), "plus", "", True))
        else:
            atoms.append(_Atom(m.start(), m.end(), "hundred", "00", True))
    return _composed(text, atoms)


_SPOKEN_NUMBER = ("digit", "teen", "tens")


def _composed(text: str, atoms: list[_Atom]) -> list[_Atom]:
    """Numbers said with multipliers become one atom: "unnees sau nabbe" (1990), "do hazaar teen"
    (2003), "paanch sau chhiyasi" (586), "six lakh eighty six thousand" (686000). A multiplier
    that multiplies nothing is dropped, and so stands between runs as a word would."""
    if not any(a.kind == "mult" for a in atoms):
        return atoms
    out: list[_Atom] = []
    i = 0
    while i < len(atoms):
        parts: list[tuple[str, int]] = []
        j = i
        while j < len(atoms):
            atom = atoms[j]
            if parts and not _joins(text, atoms[j - 1], atom):
                break
            if atom.kind in _SPOKEN_NUMBER and (not parts or parts[-1][0] == "mult"):
                value = int(atom.value) * (10 if atom.kind == "tens" else 1)  # tens hold one digit
                nxt = atoms[j + 1] if j + 1 < len(atoms) else None
                if atom.kind == "tens" and nxt and nxt.kind == "digit" and _joins(text, atom, nxt):
                    value += int(nxt.value)  # "eighty six"
                    j += 1
                parts.append(("num", value))
            elif atom.kind == "mult" and parts and parts[-1][0] == "num":
                parts.append(("mult", int(atom.value)))
            else:
                break
            j += 1
        if any(kind == "mult" for kind, _ in parts):
            value = hindi_numbers.compose(parts)
            if value is not None:
                out.append(_Atom(atoms[i].start, atoms[j - 1].end, "number", str(value), False))
                i = j
                continue
        if atoms[i].kind != "mult":
            out.append(atoms[i])
        i += 1
    return out


def _joins(text: str, left: _Atom, right: _Atom) -> bool:
    gap = text[left.end : right.start]
    if _GAP_ANY.fullmatch(gap):
        return True
    # "nine eight, four five" joins; "142, 156" (two readings) does not.
    return bool(_GAP_WORDISH.fullmatch(gap)) and left.kind != "digits" and right.kind != "digits"


def _units(group: list[_Atom]) -> tuple[list[Unit], bool]:
    units: list[Unit] = []
    plus = False
    i = 0
    while i < len(group):
        atom = group[i]
        nxt = group[i + 1] if i + 1 < len(group) else None
        if atom.kind == "plus":
            plus = plus or not units
            i += 1
        elif atom.kind == "repeat" and nxt is not None and nxt.kind in ("digit", "digits"):
            digits = nxt.value[0] * int(atom.value) + nxt.value[1:]
            units.append(Unit(atom.start, nxt.end, digits, False, True))
            i += 2
        elif atom.kind == "tens" and nxt is not None and nxt.kind == "digit" and nxt.value != "0":
            units.append(Unit(atom.start, nxt.end, atom.value + nxt.value, False, True))
            i += 2
        elif atom.kind == "tens":
            units.append(Unit(atom.start, atom.end, atom.value + "0", False, True))
            i += 1
        elif atom.kind == "hundred":
            if units and units[-1].spoken:
                units.append(Unit(atom.start, atom.end, "00", False, True))
            i += 1
        elif atom.kind == "repeat":
            i += 1  # "double" with nothing after it is the English word
        else:
            if atom.kind == "digits":
                plus = plus or (atom.plus and not units)
            units.append(Unit(atom.start, atom.end, atom.value, atom.ambiguous, atom.kind != "digits"))
            i += 1
    return units, plus


def digit_runs(text: str, *, min_digits: int = 1) -> list[DigitRun]:
    """Maximal runs of digits, written or spoken, in order of appearance."""
    atoms = _atoms(text)
    runs: list[DigitRun] = []
    group: list[_Atom] = []

    def close() -> None:
        if not group:
            return
        units, plus = _units(group)
        if units:
            digits = "".join(u.digits for u in units)
            start = group[0].start if plus and group[0].kind == "plus" else units[0].start
            if len(digits) >= min_digits:
                runs.append(DigitRun(start, units[-1].end, digits, plus, tuple(units)))
        group.clear()

    for atom in atoms:
        if group and (atom.kind == "plus" or not _joins(text, group[-1], atom)):
            close()
        group.append(atom)
    close()
    return runs


# Verhoeff check digit (Aadhaar and the Virtual ID carry one).
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # fmt: skip
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)  # fmt: skip


def verhoeff_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(ch)]]
    return check == 0


def digits_only(value: str) -> str:
    return "".join(ch for ch in value.translate(_NATIVE_DIGITS) if "0" <= ch <= "9")


def national_phone(value: str) -> str:
    """The 10-digit national number of an Indian phone ('+91 98450 12345' -> '9845012345')."""
    digits = digits_only(value)
    if len(digits) == 12 and digits.startswith("91"):
        return digits[2:]
    if len(digits) == 11 and digits.startswith("0"):
        return digits[1:]
    return digits
