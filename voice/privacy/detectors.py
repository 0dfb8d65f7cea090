"""Finding identifiers in consultation text, as speech-to-text writes it.

Each detector has a name (the PIIRedactionPattern rows of kind "detector" switch them on and off)
and returns Spans: offsets into the text, a type, and for names the known person it matched.
`detect()` runs the enabled detectors plus the admin's regex patterns and resolves overlaps.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from voice.privacy import hindi_numbers, lexicon
from voice.privacy.known import MONTHS, KnownIdentifiers, name_key, phonetic_key
from voice.privacy.numbers import DigitRun, digit_runs, verhoeff_valid


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    type: str
    source: str = ""
    person: int | None = None  # index into KnownIdentifiers.people, for names of known people

    def as_list(self) -> list:
        return [self.start, self.end, self.type]


# The code detectors, by the name their PIIRedactionPattern row carries.
DETECTOR_NAMES = (
    "known_identifiers",
    "phone",
    "aadhaar",
    "virtual_id",
    "abha_number",
    "long_number",
    "pin_code",
    "pan",
    "email",
    "abha_address",
    "date_of_birth",
    "address",
    "person_name",
)

# ---------------------------------------------------------------- numbers


def _classify(run: DigitRun) -> tuple[str, str] | None:
    """(type, detector) of a run of digits by its length, prefix and check digit."""
    d, n = run.digits, len(run.digits)
    if n == 10 and d[0] in "6789":
        return "phone", "phone"
    if n == 11 and d[0] == "0":
        return "phone", "phone"
    if n == 12:
        mobile_with_code = d.startswith("91") and d[2] in "6789"
        if mobile_with_code and (run.plus or not verhoeff_valid(d)):
            return "phone", "phone"
        if d[0] in "23456789" and verhoeff_valid(d):
            return "aadhaar", "aadhaar"
        if mobile_with_code:
            return "phone", "phone"
    if n == 13 and (d.startswith("091") or d.startswith("910")):
        return "phone", "phone"
    if n == 14:
        return "abha", "abha_number"
    if n == 16:
        return "vid", "virtual_id"
    if n >= 8:
        return "id_number", "long_number"
    return None


def _known_number(run: DigitRun, known: KnownIdentifiers) -> str | None:
    for digits, kind in known.numbers.items():
        if digits in run.digits:
            return kind
    return None


_PIN_CUE = re.compile(r"\b(?:pin|pincode|pin\s+code|postal\s+code|zip)\b\W{0,3}$", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\W{0,3}$")


_PIN_QUESTION = re.compile(r"\b(?:pin|pincode|pin\s+code|postal\s+code|zip)\b[^\n]{0,20}$", re.IGNORECASE)
_TURN_LABEL = re.compile(r"[^\n:]{0,20}:[ \t]*$")


def _pin_context(text: str, run: DigitRun, line_start: int, address_ends: list[int]) -> bool:
    before = text[max(line_start, run.start - 120) : run.start]
    if _PIN_CUE.search(before[-30:]):
        return True
    if line_start and (not before.strip() or _TURN_LABEL.fullmatch(before)):
        # the answer to "Pin code?" / "pin code kya hai" on the turn before
        previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
        if _PIN_QUESTION.search(previous):
            return True
    if any(0 <= run.start - end <= 3 for end in address_ends):
        return True
    word = _WORD_BEFORE.search(before)
    if word and word.group(1).lower() in lexicon.CITIES:
        return True
    return bool(_ADDRESS_CUE.search(before))


def _looks_like_readings(run: DigitRun) -> bool:
    """ "120 140 160": three written readings of 2-3 digits, not one identifier."""
    return len(run.units) >= 3 and all(not u.spoken and 2 <= len(u.digits) <= 3 for u in run.units)


def number_spans(text: str, known: KnownIdentifiers, *, address_ends: list[int] | None = None) -> list[Span]:
    spans: list[Span] = []
    for run in digit_runs(text, min_digits=6):
        trimmed = run.trimmed()
        if trimmed is None:
            continue
        kind = _known_number(trimmed, known) or _known_number(run, known)
        if kind:
            target = trimmed if _known_number(trimmed, known) else run
            spans.append(Span(target.start, target.end, kind, "known_identifiers"))
            continue
        found = _classify(trimmed)
        if (found is None or found[0] == "id_number") and trimmed is not run:
            found = _classify(run) or found
            target = run if _classify(run) else trimmed
        else:
            target = trimmed
        if found and found[0] == "id_number" and _looks_like_readings(target):
            found = None
        if found:
            spans.append(Span(target.start, target.end, found[0], found[1]))
        else:
            # "... shunya shunya do": a trailing "do" is a digit when it makes six
            pin = trimmed if len(trimmed.digits) == 6 else run
            if len(pin.digits) != 6 or pin.digits[0] == "0":
                continue
            line_start = text.rfind("\n", 0, pin.start) + 1
            if _pin_context(text, pin, line_start, address_ends or []):
                spans.append(Span(pin.start, pin.end, "pin", "pin_code"))
    return spans


# ---------------------------------------------------------------- PAN, email, ABHA address

_DIGIT = r"(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_PAN = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z](?:[ .-]?[A-Za-z]){4})[ .-]?(" + _DIGIT + r"(?:[ .,-]{0,2}" + _DIGIT + r"){3})"
    r"[ .-]?([A-Za-z])(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_PAN_HOLDER = set("ABCFGHLJPTE")


def pan_spans(text: str) -> list[Span]:
    spans = []
    for m in _PAN.finditer(text):
        letters = re.sub(r"[^A-Za-z]", "", m.group(1))
        if len(letters) != 5:
            continue
        compact = m.group(0).isalnum() and m.group(0).isupper()
        if compact or letters[3].upper() in _PAN_HOLDER:
            spans.append(Span(m.start(), m.end(), "pan", "pan"))
    return spans


_NUM_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety|double|triple|\d+)"
)
# Written so that no text can be split two ways (possessive loops, separators never inside a word):
# transcripts are untrusted input, and a regex that backtracks exponentially would stall a session.
_LOCAL = r"[A-Za-z0-9%+]+"
_SPOKEN_SEP = r"(?:\s+(?:dot|underscore|dash|hyphen)\s+|[._-])"
_SPOKEN_LOCAL = rf"{_LOCAL}(?:{_SPOKEN_SEP}{_LOCAL})*+(?:\s+{_NUM_WORD}\b)*+"
_LABEL = r"(?!dot\b)[A-Za-z0-9-]+"
_AT = r"\s*(?:@|\bat\s+the\s+rate(?:\s+of)?\b|\bat\s+rate\b|\bat\b)\s*"
_DOT = r"(?:\s+dot\s+|\s*\.\s*)"
_TLD = r"(?:com|in|org|net|co|edu|gov|info|io|me|biz|ac|nic|res)"
_EMAIL = re.compile(r"(?<![\w.])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.]){_SPOKEN_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*?{_DOT}{_TLD}(?:{_DOT}(?:in|uk|us))?\b",
    re.IGNORECASE,
)
_ABHA_ADDRESS = re.compile(rf"(?<![\w.]){_SPOKEN_LOCAL}{_AT}(?:abdm|sbx)\b", re.IGNORECASE)


def email_spans(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), "email", "email") for m in _EMAIL.finditer(text)]
    lower = text.lower()
    if " at " in lower or " dot " in lower:
        spans += [Span(m.start(), m.end(), "email", "email") for m in _SPOKEN_EMAIL.finditer(text)]
    return spans


def abha_address_spans(text: str) -> list[Span]:
    lower = text.lower()
    if "abdm" not in lower and "sbx" not in lower:
        return []
    return [Span(m.start(), m.end(), "abha_address", "abha_address") for m in _ABHA_ADDRESS.finditer(text)]


# ---------------------------------------------------------------- dates of birth

_ORDINALS = """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth
fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"""
_ORDINAL_DAYS = {w: i for i, w in enumerate(_ORDINALS.split(), start=1)}
_UNITS = {w: i for i, w in enumerate("one two three four five six seven eight nine".split(), start=1)}  # noqa: SIM905
_TEEN_WORDS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_TEENS = {w: i for i, w in enumerate(_TEEN_WORDS.split(), start=10)}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY_WORD = (
    r"(?:(?:twenty|thirty)[\s-]+(?:"
    + "|".join(list(_ORDINAL_DAYS)[:9])
    + r")|thirtieth|"
    + "|".join(_ORDINAL_DAYS)
    + r")"
)
# Days said as cardinals, as people read a date aloud: "twenty two december", "seven august".
_DAY_CARDINAL = (
    r"(?:(?:twenty|thirty)[\s-]+(?:"
    + "|".join(_UNITS)
    + r")|"
    + "|".join([*_TEENS, *_UNITS])
    + r"|twenty|thirty)"
)
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_DAY_WORD}|{_DAY_CARDINAL})"
_YEAR_WORDS = (
    r"(?:(?:nineteen|twenty)[\s-]+(?:(?:"
    + "|".join(_TENS)
    + r")(?:[\s-]+(?:"
    + "|".join(_UNITS)
    + r"))?|"
    + "|".join(_TEENS)
    + r"|hundred|o[\s-]+\w+|oh[\s-]+\w+)"
    r"|two[\s-]+thousand(?:[\s-]+and)?(?:[\s-]+(?:" + "|".join([*_TEENS, *_UNITS]) + r"))?)"
)
# A year said without its century after a day and month: "seven august fifty one", "... ninety".
_YEAR_SHORT_WORDS = r"(?:(?:" + "|".join(_TENS) + r")(?:[\s-]+(?:" + "|".join(_UNITS) + r"))?)"
# A year said in Hindi: "unnees sau nabbe" (1990), "do hazaar teen" (2003). The word before the
# multiplier is checked in _year_value; the one after is a Hindi number in any listed spelling.
_HINDI_1_99 = "|".join(
    sorted(
        {
            form
            for n, (_, *spellings) in hindi_numbers.CARDINALS.items()
            if n < 100
            for spelling in spellings
            for form in (spelling, hindi_numbers.key(spelling))
        },
        key=len,
        reverse=True,
    )
)
_YEAR_HINDI = rf"(?:[A-Za-z]{{2,12}}[\s-]+(?:sau|hazaar|hazar|hajar|hajaar)(?:[\s-]+(?:{_HINDI_1_99})\b)?)"
_YEAR = rf"(?:{_YEAR_HINDI}|\d{{4}}|'?\d{{2}}|{_YEAR_WORDS}|{_YEAR_SHORT_WORDS})"
_DATES = [
    re.compile(
        r"(?<![\d/.-])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d/-]|\.\d)"
    ),
    re.compile(r"(?<![\d/.-])(?P<y>\d{4})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d/-]|\.\d)"),
    re.compile(
        rf"\b(?P<d>{_DAY})(?:\s+of)?[\s,-]+(?P<mn>{_MONTH})(?:[\s,-]+(?P<y>{_YEAR}))?\b", re.IGNORECASE
    ),
    re.compile(rf"\b(?P<mn>{_MONTH})[\s,-]+(?P<d>{_DAY})(?:,?[\s-]+(?P<y>{_YEAR}))?\b", re.IGNORECASE),
    # a day said in Hindi ("pandrah august", "do march"): any word before a month, checked in
    # _day_value, so the regex stays one cheap test per word
    re.compile(
        rf"\b(?P<d>[A-Za-z]{{2,12}})(?:\s+of)?[\s,-]+(?P<mn>{_MONTH})(?:[\s,-]+(?P<y>{_YEAR}))?\b",
        re.IGNORECASE,
    ),
]
_HINDI_DAY_PATTERN = _DATES[-1]
# The year first, then the day and month ("nineteen ninety one, twelfth may", "1991 12th May"): a
# four-digit or spoken year only, so "weight 72 12th May" reads no year.
_DATES.append(
    re.compile(
        rf"\b(?P<y>{_YEAR_HINDI}|\d{{4}}|{_YEAR_WORDS})[\s,-]+(?P<d>{_DAY})(?:\s+of)?[\s,-]+(?P<mn>{_MONTH})\b",
        re.IGNORECASE,
    )
)
_BIRTH_CUE = re.compile(
    r"\b(?:birth|born|dob|d\.o\.b|janam|janm|birthday|date\s+of\s+birth|paidaish|paidaishi|janamdin|janmdin)\b",
    re.IGNORECASE,
)


def _day_value(value: str) -> int | None:
    value = value.lower().replace("-", " ")
    m = re.match(r"\d+", value)
    if m:
        return int(m.group())
    words = value.split()
    if len(words) == 2 and words[0] in _TENS:
        return _TENS[words[0]] + (_ORDINAL_DAYS.get(words[1]) or _UNITS.get(words[1], 0))
    if value == "thirtieth":
        return 30
    if (hindi := hindi_numbers.value(value)) is not None:
        return hindi if hindi <= 31 else None
    return _ORDINAL_DAYS.get(value) or _UNITS.get(value) or _TEENS.get(value) or _TENS.get(value)


def _year_value(value: str) -> int | None:
    value = value.lower().strip("'").replace("-", " ")
    if value.isdigit():
        year = int(value)
        if len(value) == 2:
            year += 1900 if year > timezone.localdate().year % 100 else 2000
        return year
    words = [w for w in value.split() if w != "and"]
    said_in_hindi = len(words) >= 2 and hindi_numbers.multiplier(words[1]) in (100, 1000)
    if said_in_hindi and (hindi := _hindi_year(words)) is not None:
        return hindi
    if words[:2] == ["two", "thousand"]:
        rest = words[2:]
        return 2000 + (_UNITS.get(rest[0]) or _TEENS.get(rest[0], 0) if rest else 0)
    century = {"nineteen": 1900, "twenty": 2000}.get(words[0])
    rest = words[1:]
    if century is not None and rest:
        if rest[0] in _TEENS:
            return century + _TEENS[rest[0]]
        if rest[0] in _TENS:
            return century + _TENS[rest[0]] + (_UNITS.get(rest[1], 0) if len(rest) > 1 else 0)
        if rest[0] in ("o", "oh") and len(rest) > 1:
            return century + _UNITS.get(rest[1], 0)
    if words[0] in _TENS and len(words) <= 2:  # "fifty one": a two-digit year said as a number
        return _year_value(str(_TENS[words[0]] + (_UNITS.get(words[1], 0) if len(words) > 1 else 0)))
    return None


def _hindi_year(words: list[str]) -> int | None:
    parts: list[tuple[str, int]] = []
    for word in words:
        if (mult := hindi_numbers.multiplier(word)) is not None:
            parts.append(("mult", mult))
        elif (number := hindi_numbers.value(word)) is not None:
            parts.append(("num", number))
        else:
            return None
    year = hindi_numbers.compose(parts)
    return year if year is not None and 1900 <= year <= 2099 else None


_BIRTH_YEAR = re.compile(
    r"\b(?:born|birth|dob|janam|janm|paidaish)\b(?:\s+(?:in|year|was|is|hai|:|-|of|the)){0,3}\s*[:,-]?\s*"
    rf"((?:19|20)\d\d|{_YEAR_HINDI})\b",  # "born in 1975", "janam unnees sau nabbe mein"
    re.IGNORECASE,
)


def _birth_cue_window(text: str, start: int) -> str:
    """Where a birth cue for a date at `start` may be: its own utterance, or the question just
    before it ("Date of birth?" / "12/3/1980"), not any earlier turn (a follow-up date said after
    the birth date must stay)."""
    line_start = text.rfind("\n", 0, start) + 1
    window = text[line_start:start]
    if line_start and not window.rsplit(":", 1)[-1].strip(" ,.-"):
        previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
        if previous.rstrip().endswith("?"):
            window = previous + "\n" + window
    return window[-80:]


def date_spans(text: str, known: KnownIdentifiers) -> list[Span]:
    """Full dates in any written or spoken form. A known date of birth, or a date said after a
    birth cue, is "dob"; any other full date at least 12 years back is "date" (most likely a birth
    date too); a day and month alone count only when they are the known birthday."""
    spans: list[Span] = []
    today = timezone.localdate()
    birthdays = {(d.day, d.month) for d in known.dates_of_birth}
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if pattern is _HINDI_DAY_PATTERN and hindi_numbers.value(m.group("d")) is None:
                continue  # "since march", "in may": the other patterns read English days
            day = _day_value(m.group("d"))
            month = MONTHS.get(m.group("mn").lower().rstrip(".")) if "mn" in m.groupdict() else None
            if month is None and "m" in m.groupdict():
                month = int(m.group("m"))
            year = _year_value(m.group("y")) if m.group("y") else None
            if not day or not month or not 1 <= month <= 12 or not 1 <= day <= 31:
                continue
            if year is None:
                # a day and month alone are the birthday only where birth is spoken of: "come
                # back on 15th December" is a follow-up even on the patient's birthday
                if (day, month) in birthdays and _BIRTH_CUE.search(
                    _birth_cue_window(text, m.start()) + text[m.end() : m.end() + 40].split("\n")[0]
                ):
                    spans.append(Span(m.start(), m.end(), "dob", "known_identifiers"))
                continue
            try:
                date = datetime.date(year, month, day)
            except ValueError:
                continue
            if date in known.dates_of_birth:
                spans.append(Span(m.start(), m.end(), "dob", "known_identifiers"))
            elif date > today:
                continue  # a follow-up or a booking, never a birth date
            elif _BIRTH_CUE.search(_birth_cue_window(text, m.start())):
                spans.append(Span(m.start(), m.end(), "dob", "date_of_birth"))
            elif date.year <= today.year - 12:
                spans.append(Span(m.start(), m.end(), "date", "date_of_birth"))
    for m in _BIRTH_YEAR.finditer(text):  # "born in 1975": the year alone, said as a birth year
        if m.group(1)[0].isdigit() or _year_value(m.group(1)) is not None:
            spans.append(Span(m.start(1), m.end(1), "dob", "date_of_birth"))
    return spans


# ---------------------------------------------------------------- addresses

_ADDRESS_CUE = re.compile(
    r"\b(?:(?:i|we)\s+(?:am\s+|are\s+)?(?:stay|staying|live|living|reside|residing)\s+(?:at|in|on|near)"
    r"|(?:(?:my|our|the|home|residential|ghar\s+ka)\s+)?address\s*(?:is|hai|:|-)"
    # "Address B/402, ...", "Address 16-2-705, Malakpet": the number said straight after the word
    r"|address(?=[ \t]+[A-Za-z]{0,2}[/-]?\d)"
    r"|(?:i|we)\s+(?:have\s+)?(?:shifted|moved)\s+to|(?:i\s+am|i'm|we\s+are|we're|i\s+come)\s+from)\b[\s:,-]*",
    re.IGNORECASE,
)
# The stop of "St. Mary's", "No. 14", "Dr. Rao" ends no sentence.
_SENTENCE_END = re.compile(r"[?!\n]|(?<!\bSt)(?<!\bNo)(?<!\bDr)(?<!\bMr)(?<!\bMs)\.(?=\s+[A-Z]|\s*$)")
# The "(?=[...])" after "\b" in the address regexes lists the first letters of the alternatives
# that follow: most positions then fail on one character test instead of trying each word (4-5x
# faster on a consultation; the anonymizer runs on every live utterance).
_HOUSE = re.compile(
    r"\b(?=[fhdpaqvswgkmbc])(?:flat|house|h\.?\s?no|door|plot|apartment|apt|quarter|qtr|villa|shop|wing|gali|kothi|makaan|makan|"
    r"bungalow|chawl|bldg|building|"
    r"sector|survey|khasra|plot)\b\.?\s*(?:no\.?|number|num|#)?\s*[-:]?\s*(?=[\w/-]*\d)[\w/-]+",
    re.IGNORECASE,
)
_LOCALITY = re.compile(
    r"\b(?:[A-Z][A-Za-z]+\s+){1,3}(?:Nagar|Colony|Layout|Road|Street|Marg|Lane|Residency|Apartments?|"
    r"Towers?|Enclave|Vihar|Puram|Bagh|Ganj|Chowk|Society|Heights|Park|Gardens?|Town|Lines|Salai|Peth|"
    r"Wadi|Halli|Palya|Meadows|Villas?|Estate|Bazaar|Mohalla)\b"
    r"|\b(?:\d+(?:st|nd|rd|th)|[A-Z])\s+(?:Main|Cross|Block|Phase|Stage|Sector|Floor)\b"
    r"|\bSector\s+\d+[A-Z]?\b"
)
# A landmark given with an address: "near Hanuman mandir", "opposite SBI bank", "behind the water tank".
_LANDMARK = re.compile(
    r"\b(?=[nobia])(?:near(?:\s+by)?|opposite|opp\.?|behind|beside|next\s+to|in\s+front\s+of|across\s+from)\s+"
    r"(?:the\s+)?(?:[\w'.]+\s+){0,3}"  # greedy: "near Lake Town Jaya cinema" ends at "cinema"
    r"(?:mandir|temple|masjid|mosque|church|gurudwara|dargah|bank|atm|tank|bus\s+(?:stand|stop|depot)|"
    r"station|school|college|post\s+office|petrol\s+pump|market|bazaa?r|chowk|circle|maidan|ground|"
    r"cinema|theatre|theater|mall|hotel|dhaba|thana|police\s+station|railway\s+\w+|metro\s+\w+|flyover|"
    r"bridge|talab|lake|water\s+tank|panchayat\s+office|hanuman\s+mandir)\b",
    re.IGNORECASE,
)
# "No. 14, 2nd Street": a door number said as "number" before a street (the Tamil Nadu way).
_DOOR_NUMBER = re.compile(
    r"\b(?:no\.?|number)[ \t]*\d+[A-Za-z]?(?:/\d+)?,[ \t]*"
    r"(?=\d+(?:st|nd|rd|th)[ \t]+(?:Street|Cross|Main|Lane|Road)\b|(?:[A-Z][a-z]+[ \t]+){1,2}"
    r"(?:Street|Road|Salai|Nagar|Colony|Lane|Marg)\b)",
    re.IGNORECASE,
)
# "Mera ghar Thane mein hai": where one's home is, said in Hindi.
_HINDI_HOME = re.compile(
    r"\bghar[ \t]+((?:[A-Z0-9][\w.'/-]*[ \t]+){0,3}[A-Z0-9][\w.'/-]*)[ \t]+(?:mein|me|main)[ \t]+hai\b"
)
_TOWN_AFTER = re.compile(
    r",[ \t]*((?:[A-Z][A-Za-z]*[ \t]+){0,2}[A-Z][a-z]{2,}(?:[ \t]+\d{1,3}[A-Za-z]?\b)?)"
    r"\b(?![ \t]+(?:ji|bhai|sir|madam)\b)"
)
_CITY_AFTER = re.compile(r"[ \t]+([A-Za-z]{3,})\b")
# A question for the address; the next turn answers it (up to its first full stop).
_ADDRESS_QUESTION = re.compile(
    r"\b(?:address|where\s+do\s+you\s+(?:stay|live)|where\s+is\s+your\s+(?:house|home)|kahan\s+(?:rehte|rehti|rahte|rahti)"
    r"|ghar\s+kahan)\b[^\n]{0,30}\?[ \t]*\n",
    re.IGNORECASE,
)
# The answer runs to its first full stop; the stop of an initial or of "No." / "St." is no full stop
# (each "." is matched one way only: the text cannot be split two ways).
_ANSWER = re.compile(
    r"[^\n:]{0,20}:[ \t]*((?:[^\n.?!]|\.(?:(?=\S)|(?<=\b[A-Za-z]\.)|(?<=\b[Nn]o\.)|(?<=\b[Ss]t\.)))+)"
)
# A place someone lives near, said in Hindi: "Narkatiaganj ke paas", "station ke saamne".
_NEAR_HINDI = re.compile(
    r"\b([A-Za-z]{3,})[ \t]+ke[ \t]+(?:paas|pass|saamne|samne|peeche|piche|bagal)\b", re.IGNORECASE
)
# Rural addresses: "village Rampur, tehsil Sadar, district Gorakhpur", "gaon Dhanpur", "PO Kalna".
_RURAL = re.compile(
    r"\b(?=[vgtmbdzp])(?:village|vill|gaon|gram|tehsil|taluka?|mandal|block|district|dist|zila|zilla|post\s+office|p\.?o|"
    r"police\s+station|p\.?s|thana)\.?[ \t]+([A-Za-z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)",
    re.IGNORECASE,
)
_LEADING_PRONOUN = re.compile(r"^(?:Main|Mai|Hum|Ham|Mera|Meri|Mere|Hamara|Hamari|Hamare|I|We|My|Our)\s+")
_HINDI_LIVE = re.compile(
    r"(?:\b(?:Main|Mai|Hum|Ham)\s+)?((?:[A-Z0-9][\w.'/-]*\s+){0,4}[A-Z0-9][\w.'/-]*)\s+(?:mein|me|main)\s+"
    r"(?:rehta|rehti|rehte|rahta|rahti|rahte|raheta|rehete|hai\s+ghar|ghar\s+hai)\b"
)


def _address_part_pattern(known: KnownIdentifiers) -> re.Pattern | None:
    cached = known.__dict__.get("_address_pattern", False)
    if cached is not False:
        return cached
    alternatives = []
    for part in known.address_parts:
        pieces = re.findall(r"[A-Za-z]+|\d+", part)
        if len(pieces) == 1 and pieces[0].isdigit() and len(pieces[0]) < 6:
            continue  # a bare house number ("12, Lotus Apartments") would mask "12 weeks"
        if pieces:
            alternatives.append(r"[\s,.\-/#]*".join(re.escape(p) for p in pieces))
    pattern = (
        re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(alternatives) + r")(?![A-Za-z0-9])", re.IGNORECASE)
        if alternatives
        else None
    )
    known.__dict__["_address_pattern"] = pattern
    return pattern


def address_spans(text: str, known: KnownIdentifiers) -> list[Span]:
    spans: list[Span] = []
    pattern = _address_part_pattern(known)
    if pattern is not None:
        spans += [Span(m.start(), m.end(), "address", "known_identifiers") for m in pattern.finditer(text)]
    for m in _ADDRESS_CUE.finditer(text):
        if re.search(
            r"(?:abha|e-?mail|mail|ip|web)\s*$", text[max(0, m.start() - 8) : m.start()], re.IGNORECASE
        ):
            continue  # "ABHA address is ...", "email address is ...": those have their own detectors
        end = _SENTENCE_END.search(text, m.end())
        stop = end.start() if end else len(text)
        clause = text[m.end() : stop]
        stripped = clause.rstrip(" ,;")
        if stripped and (
            re.search(r"\d|\b[A-Z][a-z]", stripped) or _HOUSE.search(stripped) or _names_a_place(stripped)
        ):
            spans.append(Span(m.end(), m.end() + len(stripped), "address", "address"))
    # the answer to "Address?" / "Where do you stay?" / "Kahan rehte ho?" on the turn before
    for m in _ADDRESS_QUESTION.finditer(text):
        answer = _ANSWER.match(text, m.end())
        if answer is None:
            continue
        said = answer.group(1).rstrip(" ,;.")
        if said and (re.search(r"\d", said) or _names_a_place(said) or _LOCALITY.search(said)):
            spans.append(Span(answer.start(1), answer.start(1) + len(said), "address", "address"))
    for regex in (_HOUSE, _LOCALITY):
        for m in regex.finditer(text):
            # "Isotretinoin Road" is no place; "MG Road", "JP Nagar" are (a capitalised abbreviation
            # such as MG is a road's name, not milligrams)
            words = [
                w.lower()
                for w in re.findall(r"[A-Za-z]{2,}", m.group(0))  # "flat 3c": a letter is no drug
                if not (w.isupper() and len(w) <= 4)
            ]
            if any(w in lexicon.clinical_terms() for w in words):
                continue
            lead = _LEADING_PRONOUN.match(m.group(0))
            spans.append(Span(m.start() + (lead.end() if lead else 0), m.end(), "address", "address"))
    for m in _NEAR_HINDI.finditer(text) if " ke " in text.lower() else ():
        place = m.group(1).lower()
        # "narkatiaganj ke paas": a place name, not "ghar ke paas" or "doctor ke paas"
        if place not in lexicon.not_a_name() and (
            m.group(1)[0].isupper() or not _ENGLISH_ENDING.search(place)
        ):
            spans.append(Span(m.start(1), m.end(1), "address", "address"))
    for m in _DOOR_NUMBER.finditer(text):
        spans.append(Span(m.start(), m.end(), "address", "address"))
    for m in _RURAL.finditer(text):
        place = m.group(1).split()
        # the place is a name, not a word: "village Rampur", not "block the light"
        if (
            place[0].lower() not in lexicon.common_words()
            and place[0].lower() not in lexicon.clinical_terms()
        ):
            spans.append(Span(m.start(), m.end(), "address", "address"))
    for m in _LANDMARK.finditer(text):
        spans.append(Span(m.start(), m.end(), "address", "address"))
    for m in _HINDI_LIVE.finditer(text):
        spans.append(Span(m.start(1), m.end(1), "address", "address"))
    for m in _HINDI_HOME.finditer(text):
        spans.append(Span(m.start(1), m.end(1), "address", "address"))
    for m in _HINDI_LIVE_LOWER.finditer(text) if "mein" in text or " me " in text else ():
        start = _place_words_before(text, m.start())
        if start is not None:
            spans.append(Span(start, m.start(), "address", "address"))
    for m in _LOCALITY_LOWER.finditer(text):
        start = _place_words_before(text, m.start(), limit=2)
        if start is not None:
            house = _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 24), start)
            spans.append(Span(house.start() if house else start, m.end(), "address", "address"))
    return _address_runs(text, _with_town_after(text, spans))


# Lowercase speech-to-text has no capitals to find a place by. What is left is the grammar of an
# Indian address: a house number, the place's own name (a word that is no everyday word), a
# locality word (nagar, colony, enclave, circle...), a cross or main road, a city.
_LOCALITY_WORDS = frozenset(
    """nagar colony layout enclave vihar puram bagh ganj society residency apartments apartment
    salai peth wadi halli palya mohalla chs nivas niwas circle road street marg lane cross main block
    stage phase sector bazar bazaar chowk tiniali wing floor tower towers heights ward""".split()  # noqa: SIM905
)
_LOCALITY_LOWER = re.compile(
    r"\b(?=[nclevpbgsrawmht])(?:nagar|colony|layout|enclave|vihar|puram|bagh|ganj|society|residency|apartments?|"
    r"salai|peth|wadi|halli|palya|mohalla|chs|nivas|niwas|circle|road|street|marg|bazaa?r|tiniali)\b"
)
# "14 gandhi nagar", "no. 7 kalyan circle": the house number before the place's name.
_HOUSE_NUMBER_BEFORE = re.compile(
    r"(?:\b(?:no\.?|number|#)[ \t]*)?(?<![\w.,/-])\d{1,4}[A-Za-z]?(?:/\d{1,4})?[ \t,]+$"
)
_HINDI_LIVE_LOWER = re.compile(
    r"[ \t]+(?:mein|me|main)[ \t]+(?:rehta|rehti|rehte|rahta|rahti|rahte|raheta|rehete)\b"
)
# Words that start or join a sentence, never a place's name: "hum log X mein rehte hain", "the road".
_NOT_A_PLACE = frozenset(
    """log hum ham main mai mera meri mere hamara hamari hamare apna apni apne aap yahan wahan abhi ab bhi
    toh to ki ka ke ko se aur ya par pe i we you my our your his her their the a an in at on of to and or
    this that same new old big small main side one any some every our""".split()  # noqa: SIM905
)
_DIRECTIONS = frozenset(["east", "west", "north", "south"])


def _placeish(word: str) -> bool:
    """A word that can be part of a place's name: not an everyday, clinical or joining word."""
    w = word.lower()
    return (
        w not in _NOT_A_PLACE
        and w not in lexicon.common_words()
        and w not in lexicon.clinical_terms()
        and w not in lexicon.HONORIFICS
        and w not in lexicon.RELATIONS
        and not w.isdigit()
    )


_WORD_BACK = re.compile(r"([A-Za-z][A-Za-z'.-]*)[ \t]*$")
_PLACE_PREFIXES = frozenset(["shree", "shri", "sri", "sree"])  # "Shree Ganesh Apartments"


def _place_words_before(text: str, end: int, *, limit: int = 3) -> int | None:
    """Where the name of a place said before `end` begins ("sunrise enclave" before "mein rehte
    hain", "gandhi" before "nagar"), or None if no word there can be one."""
    start = None
    pos = end
    for _ in range(limit):
        m = _WORD_BACK.search(text, max(0, pos - 40), pos)
        if m is None:
            break
        word = m.group(1).lower()
        if not (_placeish(word) or word in lexicon.CITIES or (start is not None and word in _PLACE_PREFIXES)):
            break
        start = pos = m.start(1)
    return start


_RUN_TOKEN = re.compile(r"[ \t]*,?[ \t]*([A-Za-z0-9][A-Za-z0-9/-]*)")
_ORDINAL_WORDS = frozenset(_ORDINALS.split()[:10])
# Address words that point or count ("opposite", "plot", "district"), never a family's name.
_ADDRESS_POINTERS = frozenset(
    [
        *("opp", "opposite", "near", "behind", "pin", "pincode", "post", "district", "taluk", "tehsil"),
        *("rd", "st", "flat", "plot", "extension", "complex", "quarters"),
    ]
)
_RUN_STOP = frozenset(["pin", "pincode", "near", "opposite", "opp", "behind"])


def _address_runs(text: str, spans: list[Span]) -> list[Span]:
    """An address goes on after its first part until a word that cannot be part of one: "door no
    557 benz circle hubballi", "flat 3c lotus apartments anna nagar west chennai", "plot 341, lane 4
    aliganj bhubaneswar". A word goes with the address if it holds a digit, is a locality word, a
    direction or a city, is no everyday word (a place's own name), or is an everyday word right
    before a locality word ("temple street", "royal enclave", "second cross", "b wing")."""
    extra = []
    for span in spans:
        if span.type != "address":
            continue
        end = span.end
        first = None
        for _ in range(8):
            m = _RUN_TOKEN.match(text, end)
            if m is None:
                break
            word = m.group(1)
            low = word.lower()
            if low in _RUN_STOP:
                break
            nxt = _RUN_TOKEN.match(text, m.end())
            before_locality = nxt is not None and nxt.group(1).lower() in _LOCALITY_WORDS
            if not (
                any(c.isdigit() for c in word)
                or low in _LOCALITY_WORDS
                or low in _DIRECTIONS
                or low in lexicon.CITIES
                or (len(low) >= 3 and _placeish(low) and low not in lexicon.not_a_name())
                or (before_locality and low not in _NOT_A_PLACE - _ORDINAL_WORDS - {"main"})
            ):
                break
            end = m.end(1)
            first = m.start(1) if first is None else first
        if first is not None:
            extra.append(Span(first, end, "address", "address"))
    return spans + extra


def _names_a_place(clause: str) -> bool:
    """Lowercase speech-to-text: "we shifted to sarabha nagar ... in kozhikode" names a place by an
    address word or a city."""
    words = set(re.findall(r"[a-z]+", clause.lower()))
    return bool(words & lexicon.CITIES) or bool(words & _PLACE_WORDS) or bool(words & _LOCALITY_WORDS)


_PLACE_WORDS = frozenset(
    lexicon.ADDRESS_WORDS - {"near", "opposite", "opp", "behind", "main", "cross", "post"}
)


def _with_town_after(text: str, spans: list[Span]) -> list[Span]:
    """An address said as a list ends with its town: "House no 7, Rajendra Nagar, Patna". A
    capitalised place word (or a listed city) right after an address part, past a comma, is part
    of it."""
    extra = []
    for span in spans:
        end = span.end
        for _ in range(4):  # "..., MG Road, Indiranagar, Chennai": part after part
            m = _TOWN_AFTER.match(text, end)
            if m is None:
                city = _CITY_AFTER.match(text, end)  # "plot 431 Saheed Nagar Lucknow"
                if city and city.group(1).lower() in lexicon.CITIES:
                    extra.append(Span(city.start(1), city.end(1), "address", "address"))
                break
            words = [w.lower() for w in m.group(1).split()]
            if not all(
                w in lexicon.CITIES
                or (
                    w not in lexicon.common_words()
                    and w not in lexicon.clinical_terms()
                    and w not in lexicon.RELATIONS
                )
                or w in lexicon.ADDRESS_WORDS
                for w in words
            ):
                break
            extra.append(Span(m.start(1), m.end(1), "address", "address"))
            end = m.end(1)
    return spans + extra


# ---------------------------------------------------------------- names

# Latin or Devanagari words: a code-mixed transcript writes "mera naam सुनीता hai" as readily.
_TOKEN = re.compile(r"[A-Za-z\u0900-\u097f][A-Za-z\u0900-\u097f'\u2019]*(?:-[A-Za-z]+)*")
_BETWEEN_NAME_PARTS = re.compile(r"[ \t]+|[ \t]*-[ \t]*|\.[ \t]*")


_PLAIN_GAP = re.compile(r"\.?[ \t]*")
_COMMA_GAP = re.compile(r"\.?[ \t]*,?[ \t]*")


def _by_last_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, list[tuple[str, ...]]]:
    found: dict[str, list[tuple[str, ...]]] = {}
    for words in phrases:
        found.setdefault(words[-1], []).append(words)
    return found


_SELF_INTRO_BY_LAST = _by_last_word(lexicon.SELF_INTRO)
_GREETINGS_BY_LAST = _by_last_word(lexicon.GREETINGS)

_ABBREVIATIONS = frozenset(
    ["no", "st", "h", "dr", "mohd", "md", "jr", "sr", "smt", "shri", "sri", "km", "mr", "mrs", "ms", "prof"]
)


@dataclass(slots=True)
class _Tok:
    start: int
    end: int  # end of the name part (without "'s" or "-ji")
    low: str  # lowercase surface
    key: str  # letters only, suffix removed
    cap: bool
    initial: bool
    suffix: bool  # carried a name suffix ("-ji", "ji", "bhai")
    gap_before: str


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    prev_end = 0
    prev_low = ""
    for m in _TOKEN.finditer(text):
        word = m.group()
        start, end = m.start(), m.end()
        if word[-2:] in ("'s", "\u2019s"):
            word, end = word[:-2], end - 2
        suffix = False
        if "-" in word:
            head, _, tail = word.rpartition("-")
            if tail.lower() in lexicon.NAME_SUFFIXES:
                word, suffix = head, True  # "Sharma-ji": the whole word is masked
        gap = text[prev_end:start]
        stripped_gap = gap.strip(" \t\"'(")
        last = stripped_gap[-1:]
        if not toks:
            initial = last == "" or last in ".?!:"
        elif "\n" in gap or (last and last in "?!:"):
            initial = True
        elif last == ".":
            # "Dr. Rao", "Mohd. Irfan", "R. Karthik": an abbreviation's dot ends no sentence
            initial = (
                prev_low not in lexicon.HONORIFICS and prev_low not in _ABBREVIATIONS and len(prev_low) > 1
            )
        else:
            initial = False
        cap = word[0].isupper() and not (len(word) > 1 and word.isupper())
        low = word.lower()
        toks.append(_Tok(start, end, low, name_key(word), cap, initial, suffix, gap))
        prev_end, prev_low = m.end(), low
    return toks


def _osa(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, giving up above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


_SOUND_ALIKE_FIRST = {"c": "k", "k": "k", "q": "k", "v": "v", "w": "v", "z": "j", "j": "j"}


def _fuzzy_person(key: str, known: KnownIdentifiers) -> int | None:
    """The known person whose name part this token is a misspelling of, if any."""
    names = known.names
    if len(key) < 3 or not names.parts:
        return None
    hit = names.phonetic.get(phonetic_key(key))
    if hit is not None:
        return hit
    if len(key) < 4:
        return None
    first = _SOUND_ALIKE_FIRST.get(key[0], key[0])
    for part, person in names.parts.items():
        if len(part) < 4 or _SOUND_ALIKE_FIRST.get(part[0], part[0]) != first:
            continue
        limit = 2 if min(len(part), len(key)) >= 8 else 1
        if _osa(key, part, limit) <= limit:
            return person
    return None


def _weak(key: str) -> bool:
    """A name part that is also an everyday word: masked only where it reads as a name."""
    return (
        len(key) <= 2
        or key in lexicon.common_words()
        or key in lexicon.clinical_terms()
        or key in lexicon.AMBIGUOUS_NAMES
        or key in lexicon.DIGIT_WORDS
        or key in lexicon.HONORIFICS
        or key in lexicon.RELATIONS
    )


def _fused_suffix_stem(key: str) -> str | None:
    if not key.endswith(lexicon.FUSED_SUFFIXES):
        return None  # most words: one call instead of four (this runs for every word)
    for suffix in lexicon.FUSED_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 3:
            return key[: -len(suffix)]
    return None


_ENGLISH_ENDING = re.compile(
    r"(?:ly|ing|ed|tion|sion|ness|ment|ous|ful|less|able|ible|ity|ive|est|ism|ist|ize|ise)$"
)


def _name_shaped(key: str) -> bool:
    """A lowercase word that may be a name nobody listed: not a known word, not English-shaped."""
    return (
        len(key) >= 3
        and key not in lexicon.not_a_name()
        and (key in lexicon.gazetteer() or not _ENGLISH_ENDING.search(key))
    )


def _joined(tok: _Tok) -> bool:
    """Whether this token follows the previous one as part of the same name."""
    return bool(_BETWEEN_NAME_PARTS.fullmatch(tok.gap_before)) and "\n" not in tok.gap_before


def name_spans(text: str, known: KnownIdentifiers) -> list[Span]:
    toks = _tokens(text)
    n = len(toks)
    if not n:
        return []
    parts = known.names.parts
    not_a_name = lexicon.not_a_name()
    gazetteer = lexicon.gazetteer()
    person: list[int | None] = [None] * n
    is_name = [False] * n
    # "lenient": a context that makes even a lowercase word a name ("my name is ojasvi").
    context = [False] * n
    lenient = [False] * n
    # right after a title ("Dr. Gali", "Mrs. Engineer"): a name even if it is also a word
    titled = [False] * n

    def is_relation(key: str) -> bool:
        return key in lexicon.RELATIONS or key in lexicon.ROLES

    def low(i: int) -> str:
        return toks[i].key if 0 <= i < n else ""

    # Only spaces (or an abbreviation's dot) before token i; the same, or a comma.
    plain = [i > 0 and bool(_PLAIN_GAP.fullmatch(t.gap_before)) for i, t in enumerate(toks)]
    comma = [i > 0 and bool(_COMMA_GAP.fullmatch(t.gap_before)) for i, t in enumerate(toks)]
    lows = [t.low for t in toks]

    def plain_gap(i: int) -> bool:
        return 0 < i < n and plain[i]

    def comma_gap(i: int) -> bool:
        return 0 < i < n and comma[i]

    def preceded_by(i: int, phrases: dict[str, list[tuple[str, ...]]]) -> tuple[str, ...] | None:
        for words in phrases.get(lows[i - 1], ()) if i > 0 else ():
            k = len(words)
            if i >= k and tuple(lows[i - k : i]) == words:
                return words
        return None

    def initial_at(j: int) -> bool:
        """An initial: "K." in "Dr. K. Venkatesh", or a lone capital letter ("Dr K Venkatesh")."""
        return (
            0 <= j < n
            and len(toks[j].key) == 1
            and (text[toks[j].end : toks[j].end + 1] == "." or toks[j].cap)
        )

    # "call doctor irani", "aap doctor jonali ko": "doctor" spoken of, not to, so the word after it
    # is their name even lowercase (unlike "doctor khujli ho rahi hai")
    referred = [
        t.key in ("doctor", "doc")
        and i > 0
        and plain_gap(i)
        and (
            lows[i - 1] in lexicon.PERSON_VERBS_BEFORE
            or lows[i - 1] in ("to", "aap", "see", "saw", "visited")
        )
        for i, t in enumerate(toks)
    ]

    # 1. contexts
    for i in range(n):
        prev, nxt = low(i - 1), low(i + 1)
        # a title may stand before initials: "Dr. K. Venkatesh", "dr d. lyngdoh"
        t = i - 1
        while t > 0 and i - t <= 2 and initial_at(t) and plain_gap(t):
            t -= 1
        title = low(t) if t < i - 1 else prev
        if (
            i > 0
            and plain_gap(i)
            and (t == i - 1 or plain_gap(t + 1))
            and (
                (
                    title in lexicon.HONORIFICS and not (title == "sri" and low(t - 1) == "sat")
                )  # "Sat sri akal"
                # "doctor" alone is also said to the doctor ("doctor khujli ho rahi hai"): a lowercase
                # word after it counts only when it is a listed name ("doctor majumdar")
                # after initials ("doctor s. behera") the word is a surname whatever its case
                or (
                    title in ("doctor", "doc")
                    and (toks[i].cap or toks[i].key in gazetteer or referred[t] or t < i - 1)
                )
            )
        ):
            context[i] = True
            lenient[i] = title != "doctor" or toks[i].key in gazetteer or referred[t] or t < i - 1
            titled[i] = title in lexicon.HONORIFICS
        if i + 1 < n and comma_gap(i + 1) and (nxt in lexicon.NAME_SUFFIXES or toks[i + 1].low == "ji"):
            # "kamla ji", "golu dada": an honorific or kin word after a word makes it a name
            context[i] = True
            lenient[i] = lenient[i] or _name_shaped(toks[i].key)
        if toks[i].suffix:
            context[i] = lenient[i] = True
        # relation before: "my wife Mary", "my wife's name is mary", "meri beti Priya"
        anchor = t + 1  # the first initial of "K. Venkatesh", else the word itself
        j, skipped = anchor - 1, 0
        while (
            j >= 0
            and skipped < 4
            and toks[j].key in ("named", "called", "name", "is", "naam", "ka", "ki", "hai", "hain")
        ):
            j, skipped = j - 1, skipped + 1
        if j >= 0 and is_relation(toks[j].key) and comma_gap(j + 1) and not toks[anchor].initial:
            context[i] = True
            lenient[i] = (
                lenient[i]
                or skipped > 0
                or _name_shaped(toks[i].key)
                or toks[i].key in lexicon.AMBIGUOUS_NAMES
            )
        # relation after: "Sunita is my wife", "Rohit mera bhai hai", "Mary, my wife"
        j = i + 1
        while j < n and toks[j].key in ("is", "was", "hai"):
            j += 1
        if j + 1 < n and toks[j].key in lexicon.POSSESSIVES and is_relation(toks[j + 1].key):
            context[i] = True
        # introductions: "I am X", "myself X", "mera naam X hai", "main X hoon"
        words = preceded_by(anchor, _SELF_INTRO_BY_LAST)
        if words and comma_gap(anchor):
            context[i] = True
            # "i am dhaval": a lowercase word after "I am" is a name when it is shaped like one
            # (not an everyday, clinical or English-shaped word: "I am diabetic", "I am worried")
            lenient[i] = (
                lenient[i]
                or "naam" in words
                or "name" in words
                or "नाम" in words
                or words == ("myself",)
                or (_name_shaped(toks[i].key) and toks[i].key not in lexicon.DIGIT_WORDS)
            )
        if toks[i].cap and comma_gap(i) and preceded_by(i, _GREETINGS_BY_LAST):
            context[i] = True
        if prev in ("main", "mai", "mein") and plain_gap(i):
            # Hindi "main X hoon" / "main X reception se": "main" is "I" before a capitalised word
            said_as_self = nxt in ("hoon", "hun", "hu", "hoo", "bol", "reception")
            # (a capitalised word alone is not enough: "Main Betnovate lagati hoon")
            context[i] = context[i] or said_as_self or (toks[i].cap and toks[i].key in gazetteer)
            lenient[i] = lenient[i] or (said_as_self and _name_shaped(toks[i].key))
            # "main baby reception se": a pet name said as oneself at a workplace ("main happy
            # hoon" is "I am happy" and stays)
            if nxt == "reception" and toks[i].key in lexicon.AMBIGUOUS_NAMES:
                context[i] = lenient[i] = True
        # a vocative before a request: "Sarojini, can you get the file?", "Ravi, please sit"
        if toks[i].cap and toks[i].initial:
            k = i
            while k + 1 < n and k - i < 2 and toks[k + 1].cap and plain_gap(k + 1):
                k += 1
            after = toks[k + 1].key if k + 1 < n else ""
            if after in lexicon.REQUEST_WORDS and (
                "," in toks[k + 1].gap_before
                # unpunctuated speech-to-text: "Sarojini Sahoo can you get the file"
                or (
                    after in lexicon.MODALS | {"could"}
                    and low(k + 2) == "you"
                    and (toks[i].key not in not_a_name or toks[i].key in lexicon.AMBIGUOUS_NAMES)
                )
            ):
                context[i] = True
        elif (
            # "come in. sasmita pattnaik can you get the file": lowercase, unpunctuated; a full
            # name (two name-shaped words) before "can/could/will you" is someone addressed
            toks[i].initial
            and not toks[i].cap
            and i + 3 < n
            and plain_gap(i + 1)
            and toks[i + 2].key in lexicon.MODALS | {"could"}
            and toks[i + 3].key == "you"
            and all(_name_shaped(toks[k].key) or toks[k].key in gazetteer for k in (i, i + 1))
        ):
            context[i] = context[i + 1] = lenient[i] = lenient[i + 1] = True
        # a person as the subject: "Jasleen from our office", "Sayali will give you the date"
        if (
            i + 3 < n
            and nxt == "from"
            and toks[i + 2].key in (*lexicon.POSSESSIVES, "the")
            and toks[i + 3].key in lexicon.PLACES_OF_PEOPLE
        ):
            context[i] = True
            lenient[i] = lenient[i] or _name_shaped(toks[i].key)
        if (
            i + 3 < n
            and nxt in lexicon.MODALS
            and toks[i + 3].key in ("you", "aapko", "aap")
            and (
                toks[i + 2].key in lexicon.DOING_FOR_YOU
                # "give" only with what the front desk hands out: "Sayali will give you the date",
                # not "Allegra will give you relief"
                or (
                    toks[i + 2].key == "give"
                    and any(toks[k].key in lexicon.CLINIC_PAPERS for k in range(i + 4, min(n, i + 7)))
                )
            )
        ):
            context[i] = toks[i].cap or _name_shaped(toks[i].key)
            lenient[i] = lenient[i] or _name_shaped(toks[i].key)
        # Hindi postpositions and verbs around a person: "Sunita ne bataya", "ask Zubin"
        if toks[i].cap and (
            nxt in lexicon.HINDI_POSTPOSITIONS
            or nxt in lexicon.PERSON_VERBS_AFTER
            or (prev in lexicon.PERSON_VERBS_BEFORE and plain_gap(i))
        ):
            context[i] = True
        # lowercase speech-to-text: "ask sourav", "pata hai moti ne bhi": the ergative "ne" and a
        # verb that takes a person mark a word shaped like a name (or a pet name) as one
        elif (
            not toks[i].cap
            and ((nxt == "ne" and plain_gap(i + 1)) or (prev in lexicon.PERSON_VERBS_LOWER and plain_gap(i)))
            and (_name_shaped(toks[i].key) or toks[i].key in lexicon.AMBIGUOUS_NAMES)
        ):
            context[i] = lenient[i] = True

    # 2. known people, exact and misspelled
    for i, tok in enumerate(toks):
        key = tok.key
        hit = parts.get(key)
        if hit is None:
            stem = _fused_suffix_stem(key)
            if stem and stem in parts:
                hit = parts[stem]
        if hit is not None:
            strong = not _weak(key) or context[i] or (tok.cap and not tok.initial)
            person[i] = hit
            is_name[i] = strong
            continue
        if key in not_a_name or key in gazetteer or len(key) < 3:
            continue
        if tok.cap or context[i] or (len(key) >= 5 and _name_shaped(key)):
            hit = _fuzzy_person(key, known)
            if hit is not None:
                person[i], is_name[i] = hit, True

    # 3. people the record does not know
    for i, tok in enumerate(toks):
        if is_name[i]:
            continue
        key = tok.key
        if (
            titled[i]
            and key not in lexicon.clinical_terms()
            and (tok.cap or (key not in lexicon.common_words() and not _ENGLISH_ENDING.search(key)))
        ):
            is_name[i] = True
            continue
        if (
            key in lexicon.AMBIGUOUS_NAMES
            and context[i]
            and (tok.cap or lenient[i])
            and key not in lexicon.clinical_terms()
        ):
            is_name[i] = True  # "our maid Happy", "my son lucky": a word that is a name here
            continue
        if len(key) < 2 or key in not_a_name:
            if not (lenient[i] and key not in lexicon.common_words() and key not in lexicon.clinical_terms()):
                continue
            if len(key) < 3:
                continue
        in_gazetteer = key in gazetteer or (_fused_suffix_stem(key) or "") in gazetteer
        ambiguous = key in lexicon.AMBIGUOUS_NAMES
        if (
            (in_gazetteer and tok.cap and not ambiguous)
            or (in_gazetteer and (context[i] or (tok.cap and not tok.initial)))
            or (tok.cap and context[i])
            or (lenient[i] and _name_shaped(key))
        ):
            is_name[i] = True

    # 4. grow names over their neighbours: "Ananya Singh", "ananya iyer", "Zubin Lobo ji"
    def _surname_that_is_an_address_word(j: int) -> bool:
        """ "Dr. Nagarjuna Gali", "dr ravindranath gali ko": after a titled name, an address word
        that is no everyday word is the surname, unless the address goes on ("Dr. Rao Gali number
        4", "Shastri Nagar 2nd cross")."""
        key = toks[j].key
        if (
            key not in lexicon.ADDRESS_WORDS
            or key in lexicon.common_words()
            or key in _LOCALITY_WORDS
            or key in _ADDRESS_POINTERS
        ):
            return False
        after = toks[j + 1].key if j + 1 < n and _joined(toks[j + 1]) else ""
        return not (after in lexicon.ADDRESS_WORDS or after in ("no", "number") or after[:1].isdigit())

    def joinable(j: int, i: int) -> bool:
        tok = toks[j]
        key = tok.key
        if key in lexicon.NAME_SUFFIXES or key in lexicon.HONORIFICS:
            return False
        if key in parts or key in gazetteer:
            return True
        if len(key) == 1:
            # an initial: "R. Karthik", "v. chidambaram", "Karthik R", "balwinder k"; a bare "a"
            # or "I" is a word unless a dot marks it as an initial
            after = text[tok.end : tok.end + 1]
            return (
                after == "."
                or key not in ("a", "i", "o")
                # "Next, Zainab A?": a capital A closing a name before punctuation
                or (j > i and key == "a" and tok.cap and (after in "?,!" or after == ""))
            )
        if j == i + 1 and titled[i] and _surname_that_is_an_address_word(j):
            return True
        if tok.cap:
            return key not in not_a_name and len(key) >= 2
        # a lowercase surname after a lowercase name said in a name context: "my neighbour kimaya ketkar"
        return j == i + 1 and lenient[i] and not toks[i].cap and _name_shaped(key)

    changed = True
    while changed:
        changed = False
        for i in range(n):
            if not is_name[i]:
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < n and not is_name[j] and _joined(toks[max(i, j)]) and joinable(j, i):
                    if j > i and toks[j].initial:
                        continue
                    if j < i and toks[i].initial:
                        continue
                    is_name[j] = changed = True
    # lowercase given name + surname, both from the lists: "ananya iyer"
    for i in range(n - 1):
        a, b = toks[i], toks[i + 1]
        if (
            not is_name[i]
            and a.key in lexicon.given_names()
            and b.key in lexicon.surnames()
            and _joined(b)
            and not (a.key in not_a_name and b.key in not_a_name)
            and not (a.key in lexicon.AMBIGUOUS_NAMES and b.key in lexicon.AMBIGUOUS_NAMES)
        ):
            is_name[i] = is_name[i + 1] = True

    # people listed together: "Raju aur Geeta", "my sons Aarav and vivaan", "chhotu aur munni"
    for i in range(2, n):
        if is_name[i] or not is_name[i - 2] or toks[i - 1].key not in ("and", "aur", "or", "ya"):
            continue
        key = toks[i].key
        listed = key in gazetteer or key in lexicon.AMBIGUOUS_NAMES or key in parts
        if (
            plain_gap(i)
            and plain_gap(i - 1)
            and (listed or _name_shaped(key) or (toks[i].cap and key not in not_a_name))
        ):
            is_name[i] = True

    # 5. spans: consecutive name tokens make one name
    spans: list[Span] = []
    i = 0
    while i < n:
        if not is_name[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and is_name[j + 1] and _joined(toks[j + 1]) and not toks[j + 1].initial:
            j += 1
        # A known person only when every word is theirs: "Sunil Verma" is not the patient Tarun Verma.
        people = {person[k] for k in range(i, j + 1) if len(toks[k].key) > 1}
        who = people.pop() if len(people) == 1 else None
        spans.append(
            Span(
                toks[i].start, toks[j].end, "name", "person_name" if who is None else "known_identifiers", who
            )
        )
        i = j + 1
    return spans


def known_text_spans(text: str, known: KnownIdentifiers) -> list[Span]:
    """Known email local parts, ABHA addresses and PAN wherever they appear as whole words."""
    tokens = known.text_tokens
    if not tokens:
        return []
    pattern = known.__dict__.get("_text_pattern")
    if pattern is None:
        pattern = re.compile(
            r"(?<![\w.])("
            + "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
            + r")(?![\w])",
            re.IGNORECASE,
        )
        known.__dict__["_text_pattern"] = pattern
    return [
        Span(m.start(), m.end(), tokens[m.group(1).lower()], "known_identifiers")
        for m in pattern.finditer(text)
    ]


# ---------------------------------------------------------------- all together


@dataclass(frozen=True)
class RegexPattern:
    """An admin-defined pattern (PIIRedactionPattern with a regex)."""

    name: str
    type: str
    regex: re.Pattern
    replacement: str = ""
    priority: int = 0


def detect(
    text: str,
    known: KnownIdentifiers | None = None,
    *,
    enabled: Iterable[str] | None = None,
    patterns: Iterable[RegexPattern] | None = None,
) -> list[Span]:
    """Every identifier found in `text`, sorted, without overlaps.

    enabled: names of the code detectors to run (default: all of DETECTOR_NAMES).
    patterns: regex patterns to add (default: the active PIIRedactionPattern rows, read from the
    database and cached; pass [] to use none).
    """
    from voice.privacy import patterns as pattern_store

    known = known or KnownIdentifiers()
    if enabled is None or patterns is None:
        config = pattern_store.active_config()
        enabled = config.enabled if enabled is None else enabled
        patterns = config.regexes if patterns is None else patterns
    on = set(enabled)
    spans: list[Span] = []
    if "known_identifiers" not in on:
        known = KnownIdentifiers()
    spans += address_spans(text, known)
    address_ends = [s.end for s in spans]
    spans += number_spans(text, known, address_ends=address_ends)
    spans += pan_spans(text)
    spans += abha_address_spans(text)
    spans += email_spans(text)
    spans += date_spans(text, known)
    spans += known_text_spans(text, known)
    spans += name_spans(text, known)
    spans = [s for s in spans if s.source in on]
    for pattern in patterns:
        spans += [
            Span(m.start(), m.end(), pattern.type, f"pattern:{pattern.name}")
            for m in pattern.regex.finditer(text)
        ]
    return resolve_overlaps(s for s in spans if s.end > s.start)


# Which type a span keeps when two of the same length overlap: the more specific one.
_TYPE_RANK = {
    "name": 0, "phone": 1, "aadhaar": 1, "vid": 1, "abha": 1, "pan": 1, "email": 1, "abha_address": 1,
    "dob": 2, "pin": 3, "date": 3, "address": 5, "id_number": 6,
}  # fmt: skip


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans become one covering both; it keeps the type and person of the longest."""
    ordered = sorted(spans, key=lambda s: (s.start, -(s.end - s.start), _TYPE_RANK.get(s.type, 4)))
    merged: list[Span] = []
    for span in ordered:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            keep = (
                last
                if (last.end - last.start, -_TYPE_RANK.get(last.type, 4))
                >= (
                    span.end - span.start,
                    -_TYPE_RANK.get(span.type, 4),
                )
                else span
            )
            merged[-1] = Span(
                last.start,
                max(last.end, span.end),
                keep.type,
                keep.source,
                keep.person
                if keep.person is not None
                else (last.person if last.person is not None else span.person),
            )
        else:
            merged.append(span)
    return merged
