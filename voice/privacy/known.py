"""The identifiers the clinic already knows about the people in a consultation.

Built from the patient record (`from_patient`) or from a plain dict (`from_dict`, what the
anonymize_jsonl command reads, no database needed). Detectors and the egress guard search text
for every form of these.
"""

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from voice.privacy import lexicon
from voice.privacy.numbers import digits_only, national_phone

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")


@dataclass(frozen=True)
class KnownPerson:
    name: str
    role: str  # patient | relative | contact | staff
    relation: str = ""


_NOT_NAME_LETTER = re.compile(r"[^a-z\u0900-\u097f]")  # Devanagari names ("सुनीता") are kept whole


def name_key(word: str) -> str:
    """'D'Souza' and 'dsouza' compare equal."""
    low = word.lower()
    if low.isascii() and low.isalpha():
        return low  # the common case, without a regex: this runs for every word of a transcript
    return _NOT_NAME_LETTER.sub("", low)


def phonetic_key(word: str) -> str:
    """A rough sound-alike key for Indian names as speech-to-text spells them.

    Taran/Tarun stay apart here (the edit distance catches those); Lakshmi/Laxmi, Gaurav/Gourav,
    Jaspreet/Jasprit, Mohd/Mohammed-style vowel games and doubled letters meet.
    """
    w = name_key(word)
    for old, new in (
        ("ksh", "x"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("bh", "b"), ("kh", "k"), ("gh", "g"),
        ("sh", "s"), ("ch", "c"), ("jh", "j"), ("w", "v"), ("z", "j"), ("q", "k"), ("ck", "k"),
        ("ee", "i"), ("oo", "u"), ("ou", "au"), ("aa", "a"), ("y", "i"),
    ):  # fmt: skip
        w = w.replace(old, new)
    w = re.sub(r"(.)\1+", r"\1", w)
    return w.rstrip("ah") or w


@dataclass(frozen=True)
class NameIndex:
    """Lowercase name parts of the known people, and their sound-alike keys."""

    parts: dict[str, int]  # name part -> index of the first person who has it
    phonetic: dict[str, int]
    full_names: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class KnownIdentifiers:
    people: tuple[KnownPerson, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    aadhaar: tuple[str, ...] = ()
    vids: tuple[str, ...] = ()
    pans: tuple[str, ...] = ()
    abha_numbers: tuple[str, ...] = ()
    abha_addresses: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    pin_codes: tuple[str, ...] = ()
    dates_of_birth: tuple[datetime.date, ...] = ()
    session_token: str = ""

    # --- construction ---
    @classmethod
    def from_patient(
        cls,
        patient,
        *,
        relatives: Iterable[Mapping[str, str] | Any] = (),
        staff: Iterable[str] = (),
        aadhaar: str = "",
        pan: str = "",
        session_token: str = "",
    ) -> "KnownIdentifiers":
        """From a clinic.Patient (decrypted on access), the relatives named in the visit and staff names.

        relatives: dicts or objects with name, relation and phone.
        """
        people = [KnownPerson(patient.full_name, "patient")]
        phones = [patient.phone, patient.alternate_phone, patient.emergency_contact_phone]
        if patient.emergency_contact_name:
            people.append(
                KnownPerson(
                    patient.emergency_contact_name, "contact", patient.emergency_contact_relation or ""
                )
            )
        for relative in relatives:
            get = relative.get if isinstance(relative, Mapping) else lambda k, r=relative: getattr(r, k, "")
            if get("name"):
                people.append(KnownPerson(get("name"), "relative", get("relation") or ""))
            phones.append(get("phone") or "")
        people.extend(KnownPerson(name, "staff") for name in staff if name)
        return cls(
            people=tuple(people),
            phones=_clean(phones),
            emails=_clean([patient.email]),
            aadhaar=_clean([aadhaar]),
            pans=_clean([pan]),
            abha_numbers=_clean([patient.abha_number]),
            abha_addresses=_clean([patient.abha_address]),
            addresses=_clean([patient.address]),
            pin_codes=_clean([patient.pin_code]),
            dates_of_birth=tuple(d for d in [patient.date_of_birth] if d),
            session_token=session_token,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, session_token: str = "") -> "KnownIdentifiers":
        """From {"name", "phone", "aadhaar", "pan", "abha_number", "abha_address", "email", "dob",
        "address", "relatives": [{"name", "relation", "phone"}], ...}; unknown keys are ignored."""
        people = [KnownPerson(data["name"], "patient")] if data.get("name") else []
        phones = [data.get("phone"), data.get("alternate_phone")]
        for relative in data.get("relatives") or ():
            if relative.get("name"):
                people.append(KnownPerson(relative["name"], "relative", relative.get("relation") or ""))
            phones.append(relative.get("phone"))
        people.extend(KnownPerson(name, "staff") for name in data.get("staff") or () if name)
        dob = parse_date(data.get("dob") or "")
        return cls(
            people=tuple(people),
            phones=_clean(phones),
            emails=_clean([data.get("email")]),
            aadhaar=_clean([data.get("aadhaar")]),
            vids=_clean([data.get("vid")]),
            pans=_clean([data.get("pan")]),
            abha_numbers=_clean([data.get("abha_number")]),
            abha_addresses=_clean([data.get("abha_address")]),
            addresses=_clean([data.get("address")]),
            pin_codes=_clean([data.get("pin_code")]),
            dates_of_birth=(dob,) if dob else (),
            session_token=session_token,
        )

    # --- derived forms, computed once ---
    @cached_property
    def names(self) -> NameIndex:
        parts: dict[str, int] = {}
        phonetic: dict[str, int] = {}
        full: list[tuple[str, ...]] = []
        for i, person in enumerate(self.people):
            words = tuple(name_key(w) for w in _WORD.findall(person.name) if len(name_key(w)) >= 2)
            full.append(words)
            for word in words:
                parts.setdefault(word, i)
                if len(word) >= 3:
                    phonetic.setdefault(phonetic_key(word), i)
        return NameIndex(parts=parts, phonetic=phonetic, full_names=tuple(full))

    @cached_property
    def numbers(self) -> dict[str, str]:
        """Digits-only forms of every known number -> its type."""
        found: dict[str, str] = {}
        for phone in self.phones:
            digits = national_phone(phone)
            if len(digits) >= 8:
                found[digits] = "phone"
        kinds = {"aadhaar": self.aadhaar, "vid": self.vids, "abha": self.abha_numbers, "pin": self.pin_codes}
        for kind, values in kinds.items():
            for value in values:
                digits = digits_only(value)
                if len(digits) >= 6:
                    found[digits] = kind
        for address in self.addresses:
            for pin in re.findall(r"(?<!\d)\d{6}(?!\d)", address):
                found.setdefault(pin, "pin")
        return found

    @cached_property
    def address_parts(self) -> tuple[str, ...]:
        """Comma-separated parts of the known addresses, the PIN code split off ("Chennai 600017")."""
        parts: list[str] = []
        for address in self.addresses:
            for part in address.split(","):
                part = re.sub(r"(?<!\d)\d{6}(?!\d)", " ", part).strip(" .")
                if not part:
                    continue
                words = [w.lower() for w in re.findall(r"[A-Za-z]+", part)]
                # A lone everyday word ("Home") is not worth masking wherever it appears.
                if len(words) == 1 and not re.search(r"\d", part) and words[0] in lexicon.common_words():
                    continue
                parts.append(part)
        return tuple(sorted(set(parts), key=len, reverse=True))

    @cached_property
    def text_tokens(self) -> dict[str, str]:
        """Known strings matched as whole words, lowercase -> type: email local parts, ABHA addresses, PAN."""
        tokens: dict[str, str] = {}
        for email in self.emails:
            local, _, _domain = email.lower().partition("@")
            tokens[email.lower()] = "email"
            if len(local) >= 4:
                tokens[local] = "email"
        for address in self.abha_addresses:
            local, _, _ = address.lower().partition("@")
            tokens[address.lower()] = "abha_address"
            if len(local) >= 4:
                tokens[local] = "abha_address"
        for pan in self.pans:
            tokens[re.sub(r"[^a-z0-9]", "", pan.lower())] = "pan"
        return tokens


def _clean(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}


def parse_date(value: str | datetime.date) -> datetime.date | None:
    """'13/12/1975', '1975-12-13', '13-12-1975' (day first, as written in India) -> a date."""
    if isinstance(value, datetime.date):
        return value
    value = value.strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", value)
        if not m:
            return None
        d, mo, y = (int(x) for x in m.groups())
    try:
        return datetime.date(y, mo, d)
    except ValueError:
        return None
