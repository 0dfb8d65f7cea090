"""A red-team generator of labelled consultation transcripts, written apart from the detectors.

It is built differently from heldout.py: a consultation is a shuffled list of *scenes* (front desk,
complaint, history, family, identity, contact, address, billing, examination, labs, prescription,
follow-up, farewell), each scene picks one of several phrasings, and every slot is rendered by a
small *renderer* that returns pieces: plain text, an identifier (labelled with the dev set's types)
or a clinical token that must survive (a "keep" span). A per-record *voice* then decides the speech-
to-text style (clean, lowercase without punctuation, or mixed), applied piece by piece so the
offsets stay exact.

What real Indian dermatology consultations sound like (listed before reading heldout.py):
- the front desk or a nurse names the doctor and calls the patient ("Sister Leela, send the next
  one", "Dr. Nair will see you"); the patient gives name, age and a phone, often in Hindi-English
  ("mera naam Sukhwinder Kaur hai", "number likh lijiye: nau aath ...");
- people from every region and community, single names ("Murugan"), initials ("K. Venkatesh",
  "Venkatesh K"), nicknames and names that are words (Asha, Kiran, Sunny, Rose, Joy, Lucky, Pinky,
  Bunty, Guddu, Happy, Prince);
- relatives named in passing ("my husband Rajesh", "beta Aarav", "meri saas Kamla ji", "Sunita
  didi"), neighbours, the chemist, the referring doctor, the receptionist;
- digits in every shape: grouped, dashed, +91, spoken English with double/triple/oh, spoken Hindi,
  mixed ("98 double 4 ..."); Aadhaar with and without spaces or spoken, the 16-digit VID, PAN read
  letter by letter, ABHA number 2-4-4-4 and ABHA address (name@abdm, name@sbx, "at the rate abdm");
- emails spoken ("dot", "at the rate", "underscore"); dates of birth in every format; addresses with
  flat/house/door numbers, societies, landmarks ("near Hanuman mandir"), localities, cities, PINs
  (also spoken);
- clinical talk that must survive: Indian brands and generics with doses, "1-0-1", "130 by 85",
  lab values with reference ranges ("platelets 2,50,000, normal 1,50,000 to 4,50,000"), dates of the
  illness ("since 12th March", "biopsy on 3/10/2026"), fees, tube sizes, counts.

Labelling follows the dev set: a person's name without title or "ji" is `name` (patient, relatives,
anyone else) or `staff_name` (clinic staff: doctors, nurses, receptionists); a VID is labelled
`aadhaar` (the dev set has no type of its own for it); a year of birth said alone ("born in 1987")
is neither an identifier nor a kept token, as the dev set labels only full dates.
"""

# ruff: noqa: E501, SIM905 - word lists read best as strings; the hand-written transcripts keep their lines

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass, field

# --- people -----------------------------------------------------------------------------------
# (given names, surnames) by community; many deliberately rare or shared with ordinary words.
COMMUNITIES: dict[str, tuple[list[str], list[str]]] = {
    "tamil": (
        "Senthil Murugan Thenmozhi Arivazhagan Kalaiselvi Ilango Vetrivel Tamilselvi Saravanan "
        "Anbarasi Pandiyan Kanimozhi Valliammai Sundaravadivel Ezhilarasi".split(),
        "Subramanian Ramasamy Palaniswamy Natarajan Chidambaram Arumugam Kandasamy Mariappan".split(),
    ),
    "telugu": (
        "Venkatesh Srinivas Sravani Bhargavi Nagarjuna Mounika Tejaswini Chaitanya Pavani "
        "Sudheer Yamini Ravindranath".split(),
        "Naidu Chowdary Kondapalli Yarlagadda Bommareddy Pasupuleti Gali Kotha".split(),
    ),
    "kannada": (
        "Manjunath Shivakumar Pavithra Chethan Rakshitha Darshan Puneeth Sahana Yashaswini".split(),
        "Gowda Hegde Shetty Puttaswamy Bhat Kamath Shanbhag Devadiga".split(),
    ),
    "malayalam": (
        "Anoop Jithin Nimmy Sreekutty Aswathy Jinu Shibu Bincy Reshma Sajeev Lijo".split(),
        "Nair Pillai Kurup Panicker Thekkekara Kunjumon Varghese Edathil".split(),
    ),
    "bengali": (
        "Sourav Debashish Rituparna Subhankar Moumita Tanushree Arindam Paromita Joydeep".split(),
        "Bhattacharya Mukherjee Chakraborty Sengupta Bandyopadhyay Ghosh Dasgupta Majumdar".split(),
    ),
    "odia": (
        "Subhashree Priyabrata Sasmita Jagannath Lipsa Bibhuti Sarojini Debasis".split(),
        "Mohapatra Panda Pattnaik Behera Sahoo Swain Routray Samal".split(),
    ),
    "northeast": (
        "Pranjal Jonali Dimpi Bikash Lalremruati Zodinpuii Bidyut Ibomcha Thoiba Nganbi".split(),
        "Baruah Bora Gogoi Saikia Hazarika Lyngdoh Sangma Marak Konyak Khongwir".split(),
    ),
    "punjabi": (
        "Gurpreet Harjinder Manjeet Simranjeet Jasleen Navjot Balwinder Kuldeep Paramjit".split(),
        "Kaur Sandhu Dhillon Grewal Gill Bains Randhawa Sidhu".split(),
    ),
    "gujarati": (
        "Hetal Jignesh Bhavesh Falguni Nirali Chirag Dhaval Hiral Kinjal Ketan".split(),
        "Parikh Trivedi Vaghela Chauhan Mehta Desai Bhatt Solanki".split(),
    ),
    "marathi": (
        "Tejas Snehal Prajakta Omkar Ashwini Shubham Vaishali Sayali Aniket".split(),
        "Deshpande Patil Jadhav Gaikwad Shinde Bhosale Pawar Kale Waghmare".split(),
    ),
    "kashmiri": (
        "Tariq Irfan Shabnam Rouf Mehbooba Sajad Insha Aijaz".split(),
        "Dar Lone Wani Mir Kaul Raina Koul Zutshi Tikoo".split(),
    ),
    "muslim": (
        "Zainab Shoaib Rukhsar Farhan Nazia Ayaan Sana Mohsin Tabassum".split(),
        "Qureshi Ansari Siddiqui Shaikh Pathan Syed Rizvi Mansuri".split(),
    ),
    "christian": (
        "Jacintha Wilfred Sherin Stanley Agnes Benedict Cyril Lourdes Merlin".split(),
        "D'Souza Pereira Rodrigues Lobo D'Mello Pinto Noronha Fernandes".split(),
    ),
    "parsi": (
        "Cyrus Zarine Rustom Feroze Perizad Jehangir Shernaz Kaizad".split(),
        "Irani Wadia Daruwalla Mistry Contractor Engineer Batliwala Bharucha".split(),
    ),
    "anglo": (
        "Derek Glenda Trevor Maureen Cheryl Neville Yvonne".split(),
        "Gomes Rozario Skinner Collins Fowler Hart Gardner".split(),
    ),
}
# Given names that are ordinary English or Hindi words, and pet names.
WORDLIKE = "Asha Kiran Sunny Rose Joy Lucky Pinky Bunty Guddu Happy Prince Sona Moti Raja Honey Golu Baby Dolly".split()
DEVANAGARI = ["सुनीता", "रमेश", "कमला", "अनिल", "पूजा", "राजेश"]
RELATIONS_EN = "husband wife son daughter brother sister mother father neighbour friend cousin".split()
RELATIONS_HI = [
    ("meri saas", " ji"),
    ("mera beta", ""),
    ("beta", ""),
    ("meri beti", ""),
    ("mere pati", " ji"),
    ("meri bhabhi", ""),
    ("mere devar", ""),
    ("meri nanad", ""),
    ("mausi", " ji"),
]
RELATIONS_AFTER = [" didi", " bhaiya", " ji", " akka", " anna", " chechi", " dada", " boudi"]
STAFF_ROLES = ["Dr.", "Doctor", "Sister", "Nurse", "receptionist", "compounder"]

CITIES = "Madurai Vijayawada Mysuru Thrissur Asansol Cuttack Jorhat Ludhiana Vadodara Nashik Srinagar Lucknow Mangaluru Secunderabad Guwahati Bhubaneswar Kozhikode Hubballi".split()
LOCALITIES = (
    "Tallakulam, Benz Circle, Kuvempunagar, Punkunnam, Burnpur, Buxi Bazar, Cinnamara, Sarabha Nagar, "
    "Alkapuri, Gangapur Road, Rajbagh, Aliganj, Kadri, Marredpally, Zoo Tiniali, Saheed Nagar, "
    "Nadakkavu, Vidyanagar"
).split(", ")
SOCIETIES = [
    "Sai Darshan CHS",
    "Prestige Lakeside",
    "Shree Ganesh Apartments",
    "Royal Enclave",
    "Kaveri Nivas",
    "Sunshine Residency",
    "Vrindavan Society",
    "Greenwood Heights",
]
LANDMARKS = [
    "near Hanuman mandir",
    "opposite SBI bank",
    "behind the water tank",
    "near the old bus stand",
    "next to St. Mary's church",
    "opposite Jama Masjid",
    "near the gurudwara",
]
STREETS = ["3rd Cross", "2nd Main", "Station Road", "Temple Street", "Sector 15", "Ward 7", "Lane 4"]
DOMAINS = ["gmail.com", "yahoo.co.in", "rediffmail.com", "outlook.com", "hotmail.com"]

DIGIT_EN = "zero one two three four five six seven eight nine".split()
DIGIT_HI = "shunya ek do teen chaar paanch chhe saat aath nau".split()
MONTHS = "January February March April May June July August September October November December".split()
ORD = {1: "1st", 2: "2nd", 3: "3rd", 21: "21st", 22: "22nd", 23: "23rd", 31: "31st"}
NUM_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def words_0_99(n: int) -> str:
    if n < 20:
        return NUM_WORDS[n]
    return TENS[n // 10] + ("" if n % 10 == 0 else " " + NUM_WORDS[n % 10])


# --- check digits ----------------------------------------------------------------------------
_VD = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
for _i in range(2, 8):
    _VP.append([_VP[_i - 1][_VP[1][j]] for j in range(10)])
_VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_digit(stem: str) -> str:
    c = 0
    for i, d in enumerate(reversed(stem)):
        c = _VD[c][_VP[(i + 1) % 8][int(d)]]
    return str(_VINV[c])


# --- pieces and the builder --------------------------------------------------------------------
@dataclass
class Piece:
    text: str
    kind: str | None = None  # identifier type, "keep", or None for plain text


def P(text: str) -> Piece:
    return Piece(text)


def I(text: str, kind: str) -> Piece:  # noqa: E743 - short on purpose: used in every phrasing
    return Piece(text, kind)


def K(text: str) -> Piece:
    return Piece(text, "keep")


@dataclass
class Voice:
    """How speech-to-text writes this consultation."""

    lower: bool = False
    strip_punct: bool = False

    def render(self, text: str, kind: str | None) -> str:
        if self.lower:
            text = text.lower()
        if self.strip_punct and kind is None:
            text = text.replace(",", "").replace("?", "").replace("!", "")
        return text


@dataclass
class Builder:
    voice: Voice
    text: str = ""
    spans: list = field(default_factory=list)
    keep: list = field(default_factory=list)

    def say(self, speaker: int, *pieces: Piece) -> None:
        self.text += f"Speaker {speaker}: "
        for piece in pieces:
            rendered = self.voice.render(piece.text, piece.kind)
            start = len(self.text)
            self.text += rendered
            if piece.kind == "keep":
                self.keep.append([start, len(self.text)])
            elif piece.kind:
                self.spans.append([start, len(self.text), piece.kind])
        self.text += "\n"


# --- renderers of identifiers ----------------------------------------------------------------
def speak_digits(rng: random.Random, digits: str, hindi: bool = False) -> str:
    """Digits as a person reads them: digit by digit, with double/triple, "oh", or in pairs."""
    table = DIGIT_HI if hindi else DIGIT_EN
    out: list[str] = []
    i = 0
    style = rng.choice(["plain", "double", "pairs"]) if not hindi else rng.choice(["plain", "double"])
    while i < len(digits):
        d = digits[i]
        run = 1
        while i + run < len(digits) and digits[i + run] == d and run < 3:
            run += 1
        if style == "double" and run >= 2 and not hindi:
            out.append(("triple " if run == 3 else "double ") + table[int(d)])
            i += run
            continue
        if style == "pairs" and i + 1 < len(digits) and "0" not in digits[i : i + 2] and rng.random() < 0.5:
            out.append(words_0_99(int(digits[i : i + 2])))
            i += 2
            continue
        word = table[int(d)]
        if d == "0" and not hindi and rng.random() < 0.4:
            word = "oh"
        out.append(word)
        i += 1
    return " ".join(out)


def render_phone(rng: random.Random, phone: str, *, spoken_ok: bool = True) -> str:
    forms = [
        phone,
        f"{phone[:5]} {phone[5:]}",
        f"+91 {phone[:5]} {phone[5:]}",
        f"0{phone}",
        f"{phone[:3]}-{phone[3:6]}-{phone[6:]}",
        f"{phone[:4]} {phone[4:7]} {phone[7:]}",
        f"+91-{phone}",
        f"{int(phone):,}",  # how STT's number formatter writes a long integer
    ]
    if spoken_ok:
        forms += [
            speak_digits(rng, phone),
            speak_digits(rng, phone, hindi=True),
            # mixed digits and words: "98 double 4 5 0 1 2 3 4 5"
            phone[:2] + " " + speak_digits(rng, phone[2:5]) + " " + " ".join(phone[5:]),
        ]
    return rng.choice(forms)


def render_aadhaar(rng: random.Random, a: str) -> str:
    return rng.choice(
        [
            a,
            f"{a[:4]} {a[4:8]} {a[8:]}",
            f"{a[:4]}-{a[4:8]}-{a[8:]}",
            speak_digits(rng, a),
            f"{a[:4]} {a[4:8]} " + speak_digits(rng, a[8:]),
        ]
    )


def render_pan(rng: random.Random, pan: str) -> str:
    return rng.choice(
        [
            pan,
            pan.lower(),
            " ".join(pan),
            " ".join(pan[:5]) + " " + pan[5:9] + " " + pan[9],
            pan[:5] + " " + " ".join(DIGIT_EN[int(c)] for c in pan[5:9]) + " " + pan[9],
        ]
    )


def render_abha(rng: random.Random, n: str) -> str:
    return rng.choice(
        [
            n,
            f"{n[:2]}-{n[2:6]}-{n[6:10]}-{n[10:]}",
            f"{n[:2]} {n[2:6]} {n[6:10]} {n[10:]}",
            speak_digits(rng, n),
        ]
    )


def render_handle(rng: random.Random, handle: str) -> str:
    """An email or ABHA address as typed or as spoken."""
    if rng.random() < 0.45:
        return handle
    local, _, domain = handle.partition("@")
    local = local.replace(".", " dot ").replace("_", " underscore ")
    at = rng.choice([" at the rate ", " at "])
    return local + at + domain.replace(".", " dot ")


def render_dob(rng: random.Random, day: int, month: int, year: int) -> str:
    m = MONTHS[month - 1]
    return rng.choice(
        [
            f"{day}/{month:02d}/{year}",
            f"{day:02d}-{month:02d}-{year}",
            f"{day}-{month}-{year % 100:02d}",
            f"{day:02d}.{month:02d}.{year}",
            f"{ORD.get(day, f'{day}th')} {m[:3]} {year}",
            f"{ORD.get(day, f'{day}th')} of {m} {year}",
            f"{m} {day}, {year}",
            f"{NUM_WORDS[day] if day < 20 else words_0_99(day)} {m.lower()} "
            + (
                words_0_99(year % 100)
                if year < 2000
                else "two thousand" + (f" {NUM_WORDS[year % 100]}" if year % 100 else "")
            ),
            f"{NUM_WORDS[day] if day < 20 else words_0_99(day)} {m.lower()} "
            + (
                f"nineteen {words_0_99(year % 100)}"
                if year < 2000
                else "two thousand" + (f" {NUM_WORDS[year % 100]}" if year % 100 else "")
            ),
        ]
    )


# --- a record --------------------------------------------------------------------------------
@dataclass
class Person:
    given: str
    surname: str
    relation: str = ""

    @property
    def full(self) -> str:
        return f"{self.given} {self.surname}".strip()


def make_person(rng: random.Random, *, wordlike: float = 0.12) -> Person:
    given, surnames = COMMUNITIES[rng.choice(list(COMMUNITIES))]
    first = rng.choice(WORDLIKE) if rng.random() < wordlike else rng.choice(given)
    return Person(first, rng.choice(surnames))


def phone_number(rng: random.Random) -> str:
    return rng.choice("6789") + "".join(rng.choice("0123456789") for _ in range(9))


def aadhaar_number(rng: random.Random) -> str:
    stem = rng.choice("23456789") + "".join(rng.choice("0123456789") for _ in range(10))
    return stem + verhoeff_digit(stem)


def make_record(rng: random.Random, idx: int) -> dict:
    patient = make_person(rng)
    single_name = rng.random() < 0.12  # "Murugan", no surname on the record either
    if single_name:
        patient.surname = ""
    relatives = [make_person(rng, wordlike=0.25) for _ in range(rng.choice([0, 1, 1, 2]))]
    for r in relatives:
        r.surname = patient.surname if rng.random() < 0.6 else r.surname
        r.relation = rng.choice(RELATIONS_EN[:8])
    strangers = [make_person(rng, wordlike=0.25) for _ in range(2)]
    doctor = make_person(rng, wordlike=0.05)
    desk = make_person(rng, wordlike=0.2)
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2005)
    phone = phone_number(rng)
    aadhaar = aadhaar_number(rng)
    local = (
        patient.given.lower()
        + rng.choice([".", "_", ""])
        + (patient.surname or "x").lower().replace("'", "")
        + str(rng.randint(1, 99))
    )
    email = f"{local}@{rng.choice(DOMAINS)}"
    abha_addr = (
        f"{patient.given.lower()}{(patient.surname or 'x')[0].lower()}{rng.randint(10, 99)}@"
        + rng.choice(["abdm", "abdm", "sbx"])
    )
    pan = (
        "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        + "P"
        + (patient.surname or patient.given)[0]
        + f"{rng.randint(0, 9999):04d}"
        + rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
    ).upper()
    abha_number = "91" + "".join(rng.choice("0123456789") for _ in range(12))
    house = (
        rng.choice(["flat", "Flat No.", "H.No.", "house number", "door no", "plot"])
        + f" {rng.randint(1, 999)}"
    )
    if rng.random() < 0.3:
        house += rng.choice(["-B", ", B wing", "/2"])
    society, street, locality, city = (
        rng.choice(SOCIETIES),
        rng.choice(STREETS),
        rng.choice(LOCALITIES),
        rng.choice(CITIES),
    )
    pin = rng.choice("1234567") + "".join(rng.choice("0123456789") for _ in range(5))
    address = f"{house}, {society}, {street}, {locality}, {city} {pin}"

    record_patient = {
        "name": patient.full,
        "phone": phone,
        "aadhaar": aadhaar,
        "pan": pan,
        "abha_number": abha_number,
        "abha_address": abha_addr,
        "email": email,
        "dob": f"{day}/{month:02d}/{year}",
        "address": address,
        "relatives": [
            {"name": r.full, "relation": r.relation, "phone": phone_number(rng)} for r in relatives
        ],
    }
    voice = rng.choice([Voice(), Voice(), Voice(lower=True, strip_punct=True), Voice(strip_punct=True)])
    b = Builder(voice)
    ctx = {
        "rng": rng,
        "p": patient,
        "rel": relatives,
        "strangers": strangers,
        "doctor": doctor,
        "desk": desk,
        "phone": phone,
        "aadhaar": aadhaar,
        "pan": pan,
        "email": email,
        "abha_addr": abha_addr,
        "abha_number": abha_number,
        "dob": (day, month, year),
        "house": house,
        "society": society,
        "street": street,
        "locality": locality,
        "city": city,
        "pin": pin,
        "rel_phones": [r["phone"] for r in record_patient["relatives"]],
        "single": single_name,
    }
    middle = [
        scene_identity,
        scene_contact,
        scene_address,
        scene_billing,
        scene_complaint,
        scene_history,
        scene_family,
        scene_exam,
        scene_labs,
        scene_prescription,
        scene_hearsay,
    ]
    rng.shuffle(middle)
    scenes = [scene_front_desk, *middle[: rng.randint(7, len(middle))], scene_follow_up]
    if scene_identity not in scenes:
        scenes.insert(1, scene_identity)
    for scene in scenes:
        scene(b, **ctx)
    return {
        "id": f"R{idx:04d}",
        "patient": record_patient,
        "transcript": b.text,
        "spans": b.spans,
        "keep": b.keep,
    }


# --- scenes ----------------------------------------------------------------------------------
def name_forms(rng: random.Random, p: Person, single: bool) -> list[Piece]:
    if single or not p.surname:
        return [I(p.given, "name")]
    return rng.choice(
        [
            [I(p.full, "name")],
            [I(f"{p.given[0]}. {p.surname}", "name")],
            [I(f"{p.surname} {p.given}", "name")],
            [I(f"{p.given} {p.surname[0]}", "name")],
            [I(p.given, "name")],
        ]
    )


def staff_ref(rng: random.Random, s: Person) -> list[Piece]:
    form = rng.choice([s.full, s.surname, s.given, f"{s.given[0]}. {s.surname}"])
    return [P(rng.choice(["Dr. ", "Doctor ", "Dr "])), I(form, "staff_name")]


def scene_front_desk(b, rng, p, doctor, desk, single, **_):
    opener = rng.choice(
        [
            lambda: b.say(0, P("Sister "), I(desk.given, "staff_name"), P(", please send the next patient.")),
            lambda: b.say(
                2,
                P("Next, "),
                *name_forms(rng, p, single),
                P(rng.choice(["? ", " ji? "])),
                P("Please go in, "),
                *staff_ref(rng, doctor),
                P(" is free now."),
            ),
            lambda: b.say(
                2,
                P("Namaste, main "),
                I(desk.given, "staff_name"),
                P(" reception se. Aap "),
                *staff_ref(rng, doctor),
                P(" ko dikhane aaye ho?"),
            ),
            lambda: b.say(
                0, P("Come in, come in. "), I(desk.full, "staff_name"), P(", can you get the file? Thanks.")
            ),
        ]
    )
    opener()
    b.say(
        1,
        P(rng.choice(["Good morning doctor.", "Namaste doctor sahab.", "Hello madam.", "Vanakkam doctor."])),
    )


def scene_identity(b, rng, p, single, **_):
    rng.choice(
        [
            lambda: b.say(1, P("Mera naam "), *name_forms(rng, p, single), P(" hai, "), K("45 saal"), P(".")),
            lambda: b.say(1, P("Myself "), *name_forms(rng, p, single), P(", age "), K("38"), P(".")),
            lambda: b.say(1, P("ji, "), *name_forms(rng, p, single), P(". I came two years back also.")),
            lambda: b.say(
                0, P("So you are "), *name_forms(rng, p, single), P(", right? "), P("Any old prescription?")
            ),
            lambda: b.say(
                1, P("This is "), *name_forms(rng, p, single), P(" speaking, sorry, I mean I am the patient.")
            ),
            lambda: b.say(1, P("Mera naam "), I(rng.choice(DEVANAGARI), "name"), P(" hai, please note.")),
        ]
    )()
    d, m, y = _["dob"]
    rng.choice(
        [
            lambda: b.say(0, P("Date of birth?")) or b.say(1, I(render_dob(rng, d, m, y), "dob"), P(".")),
            lambda: b.say(1, P("DOB is "), I(render_dob(rng, d, m, y), "dob"), P(".")),
            lambda: b.say(1, P("Meri date of birth "), I(render_dob(rng, d, m, y), "dob"), P(" hai.")),
            lambda: b.say(
                1,
                P("I was born on "),
                I(render_dob(rng, d, m, y), "dob"),
                P(", so I am "),
                K("52"),
                P(" now."),
            ),
            lambda: b.say(1, P("Born in "), P(str(y)), P(", doctor, exact date I will check.")),
        ]
    )()


def scene_contact(b, rng, phone, email, rel, rel_phones, **_):
    rng.choice(
        [
            lambda: b.say(1, P("My number is "), I(render_phone(rng, phone), "phone"), P(".")),
            lambda: b.say(1, P("Mera number likh lijiye, "), I(render_phone(rng, phone), "phone"), P(".")),
            lambda: b.say(0, P("WhatsApp number?")) or b.say(1, I(render_phone(rng, phone), "phone")),
            lambda: b.say(1, P("call me on "), I(render_phone(rng, phone), "phone"), P(" after six")),
        ]
    )()
    if rel and rng.random() < 0.7:
        r, rp = rel[0], rel_phones[0]
        b.say(
            1,
            P(f"Or my {r.relation} "),
            I(r.given, "name"),
            P(", "),
            I(render_phone(rng, rp), "phone"),
            P("."),
        )
    if rng.random() < 0.8:
        rng.choice(
            [
                lambda: b.say(1, P("Email the report to "), I(render_handle(rng, email), "email"), P(".")),
                lambda: b.say(1, P("Mail id hai "), I(render_handle(rng, email), "email"), P(".")),
            ]
        )()


def scene_address(b, rng, house, society, street, locality, city, pin, **_):
    pin_form = rng.choice([pin, pin[:3] + " " + pin[3:], speak_digits(rng, pin)])
    rng.choice(
        [
            lambda: b.say(
                1,
                P("I stay at "),
                I(f"{house}, {society}", "address"),
                P(", "),
                I(rng.choice(LANDMARKS), "address"),
                P(", "),
                I(f"{street}, {locality}", "address"),
                P(", "),
                I(city, "address"),
                P(" "),
                I(pin_form, "pin"),
                P("."),
            ),
            lambda: b.say(
                1,
                I(f"{society}", "address"),
                P(" mein rehte hain, "),
                I(house, "address"),
                P(", "),
                I(locality, "address"),
                P(" "),
                I(city, "address"),
                P(". Pin code "),
                I(pin_form, "pin"),
                P("."),
            ),
            lambda: (
                b.say(0, P("Address?"))
                or b.say(
                    1,
                    I(f"{house}, {street}", "address"),
                    P(", "),
                    I(locality, "address"),
                    P(", "),
                    I(city, "address"),
                    P("."),
                )
            ),
            lambda: b.say(
                1,
                P("We shifted to "),
                I(locality, "address"),
                P(", "),
                I(rng.choice(LANDMARKS), "address"),
                P(", in "),
                I(city, "address"),
                P(" last year."),
            ),
        ]
    )()


def scene_billing(b, rng, aadhaar, pan, abha_number, abha_addr, p, **_):
    b.say(2, P("For the bill, consultation fee is "), K("Rs. 500"), P(". Aadhaar for ABHA linking?"))
    if rng.random() < 0.15:
        vid = "".join(rng.choice("0123456789") for _ in range(16))
        b.say(
            1,
            P("I will give VID, "),
            I(rng.choice([vid, " ".join(vid[i : i + 4] for i in range(0, 16, 4))]), "aadhaar"),
            P("."),
        )
    else:
        b.say(
            1,
            P(rng.choice(["Aadhaar is ", "Aadhaar number ", "aadhar card no "])),
            I(render_aadhaar(rng, aadhaar), "aadhaar"),
            P("."),
        )
    if rng.random() < 0.7:
        b.say(
            1,
            P(rng.choice(["PAN is ", "My pan card: ", "pan number "])),
            I(render_pan(rng, pan), "pan"),
            P("."),
        )
    if rng.random() < 0.7:
        b.say(
            1,
            P("ABHA number "),
            I(render_abha(rng, abha_number), "abha"),
            P(" and ABHA address "),
            I(render_handle(rng, abha_addr), "abha_address"),
            P("."),
        )


def scene_complaint(b, rng, **_):
    rng.choice(
        [
            lambda: b.say(1, P("Doctor, khujli ho rahi hai "), K("2 mahine"), P(" se, raat ko zyada.")),
            lambda: b.say(
                1, P("White patches on both hands since "), K("12th March"), P(", spreading slowly.")
            ),
            lambda: b.say(1, P("Bahut hair fall hai, roz "), K("100"), P(" se zyada baal girte hain.")),
            lambda: b.say(
                1, P("Ringworm in the groin for "), K("3 weeks"), P(", I applied Quadriderm cream.")
            ),
            lambda: b.say(1, P("Pimples on face, worse before periods, for "), K("6 months"), P(".")),
        ]
    )()


def scene_history(b, rng, doctor, **_):
    rng.choice(
        [
            lambda: b.say(
                1, P("I am diabetic, on "), K("Glycomet 500"), P(" twice daily and "), K("Telma 40"), P(".")
            ),
            lambda: b.say(
                1,
                P("Chemist gave me "),
                K("Betnovate-N"),
                P(" and "),
                K("Panderm"),
                P(", used for "),
                K("1 month"),
                P("."),
            ),
            lambda: b.say(1, P("Thyroid hai, "), K("Thyronorm 50 mcg"), P(" leti hoon, empty stomach.")),
            lambda: b.say(1, P("Biopsy was done on "), K("3/10/2026"), P(" at the medical college.")),
            lambda: b.say(1, P("Allergic to "), K("sulfa"), P(" and "), K("penicillin"), P(", I get hives.")),
        ]
    )()


def scene_family(b, rng, p, rel, strangers, **_):
    r = rel[0] if rel else strangers[0]
    kind_hi = rng.choice(RELATIONS_HI)
    rng.choice(
        [
            lambda: b.say(
                1, P(f"My {r.relation or 'cousin'} "), I(r.given, "name"), P(" also has the same itching.")
            ),
            lambda: b.say(
                1,
                P(f"{kind_hi[0].capitalize()} "),
                I(r.given, "name"),
                P(kind_hi[1] + " ko bhi yahi problem hai."),
            ),
            lambda: b.say(1, I(r.given, "name"), P(rng.choice(RELATIONS_AFTER)), P(" told me to come here.")),
            lambda: b.say(0, P("Is "), I(r.given, "name"), P(" also using the same towel?")),
            lambda: b.say(1, P("pata hai "), I(r.given, "name"), P(" ne bhi yahi cream lagayi thi")),
        ]
    )()


def scene_hearsay(b, rng, strangers, doctor, **_):
    s = strangers[1]
    rng.choice(
        [
            lambda: b.say(1, P("My neighbour "), I(s.full, "name"), P(" said steroid cream is bad.")),
            lambda: b.say(1, P("Earlier I went to "), *staff_ref(rng, s), P(" in the government hospital.")),
            lambda: b.say(1, I(s.given, "name"), P(" from our office recommended you, doctor.")),
            lambda: b.say(1, P("Our maid "), I(s.given, "name"), P(" has the same rash, is it contagious?")),
            lambda: b.say(1, P("Ask "), I(s.given, "name"), P(", she knows the dose.")),
        ]
    )()


def scene_exam(b, rng, **_):
    b.say(
        0,
        P("Let me check. "),
        K("BP 130 by 85"),
        P(", "),
        K("pulse 84"),
        P(", "),
        K("weight 68 kg"),
        P(", "),
        K("SpO2 97%"),
        P("."),
    )
    rng.choice(
        [
            lambda: b.say(0, P("Annular plaques with active border, "), K("KOH mount"), P(" positive.")),
            lambda: b.say(
                0, P("Depigmented macules, about "), K("4"), P(" patches, "), K("2 x 3 cm"), P(" each.")
            ),
            lambda: b.say(0, P("Diffuse thinning, pull test positive, "), K("Norwood grade 3"), P(".")),
        ]
    )()


def scene_labs(b, rng, **_):
    rng.choice(
        [
            lambda: b.say(
                0, P("Platelets "), K("2,50,000"), P(", normal "), K("1,50,000 to 4,50,000"), P(".")
            ),
            lambda: b.say(
                0, P("TSH "), K("6.8"), P(", range "), K("0.4 to 4.0"), P(", ferritin "), K("18"), P(".")
            ),
            lambda: b.say(
                0,
                P("Total IgE "),
                K("1250"),
                P(", fasting sugar "),
                K("126"),
                P(", HbA1c "),
                K("7.4%"),
                P("."),
            ),
            lambda: b.say(
                0,
                P("Vitamin D "),
                K("14 ng/ml"),
                P(", B12 "),
                K("180"),
                P(", normal "),
                K("200 to 900"),
                P("."),
            ),
        ]
    )()


def scene_prescription(b, rng, **_):
    b.say(0, P("Take "), K("Tab. Itraconazole 200 mg"), P(" "), K("1-0-1"), P(" for "), K("4 weeks"), P("."))
    rng.choice(
        [
            lambda: b.say(
                0, P("Apply "), K("Luliconazole 1% cream"), P(" twice daily, "), K("30 g tube"), P(".")
            ),
            lambda: b.say(
                0,
                P("Start "),
                K("Tacrolimus 0.1% ointment"),
                P(" at night, and "),
                K("Tab. Levocetirizine 5 mg"),
                P(" "),
                K("0-0-1"),
                P("."),
            ),
            lambda: b.say(
                0,
                K("Minoxidil 5%"),
                P(" "),
                K("1 ml"),
                P(" twice a day, "),
                K("Finasteride 1 mg"),
                P(" daily."),
            ),
            lambda: b.say(
                0,
                K("Ivermectin 12 mg"),
                P(" stat, repeat after "),
                K("7 days"),
                P(", "),
                K("Permethrin 5% cream"),
                P(" for all family members."),
            ),
        ]
    )()


def scene_follow_up(b, rng, doctor, desk, **_):
    rng.choice(
        [
            lambda: b.say(
                0,
                P("Come back on "),
                K("15th December"),
                P(". If it gets worse, call "),
                *staff_ref(rng, doctor),
                P("."),
            ),
            lambda: b.say(
                0,
                P("Review after "),
                K("3 weeks"),
                P(". "),
                I(desk.given, "staff_name"),
                P(" will give you the date."),
            ),
            lambda: b.say(
                2,
                P("Follow up "),
                K("12/12/2026"),
                P(", token number "),
                K("17"),
                P(". I am "),
                I(desk.given, "staff_name"),
                P(", call reception if needed."),
            ),
        ]
    )()
    b.say(1, P(rng.choice(["Thank you doctor.", "Theek hai, dhanyavaad.", "Ok madam, thanks."])))


# --- hand-written consultations ----------------------------------------------------------------
# Written by hand, not by the grammar above, in styles it does not produce (Tamil-, Bengali-,
# Punjabi-, Gujarati-English, Bhojpuri-Hindi without punctuation, a Mizo name, a teenager with her
# mother, a video call by a son). The second five were written after the first round of fixes and
# scored before the second, as a check on whether the fixes generalise. Markup: [[text|type]] is an
# identifier, {{text}} a clinical token that must survive; "#P" opens a record with its patient.
HANDWRITTEN = """
#P {"name": "Lalitha Krishnamoorthy", "phone": "9443012876", "aadhaar": "", "pan": "", "abha_number": "", "abha_address": "", "email": "lalli.k@gmail.com", "dob": "04/06/1962", "address": "No. 14, 2nd Street, Gopalapuram, Chennai 600086", "relatives": [{"name": "Karthik Krishnamoorthy", "relation": "son", "phone": "9840098400"}]}
Speaker 0: Vanakkam amma, sit sit. What is the problem?
Speaker 1: Doctor, legs la full ah itching, night time romba jaasthi. My son [[Karthik|name]] brought me.
Speaker 2: Yes doctor, I am her son. Amma is diabetic, on {{Glycomet GP 1}} morning.
Speaker 0: Okay. Name and age for the file?
Speaker 2: [[Lalitha Krishnamoorthy|name]], sixty four. Date of birth [[fourth June sixty two|dob]].
Speaker 0: Address same as before? [[Gopalapuram|address]]?
Speaker 2: Yes, [[number 14, 2nd Street, Gopalapuram|address]], [[six double oh oh eight six|pin]].
Speaker 0: Fine. Sugar {{fasting 168}}, {{PP 240}}. Xerosis with eczema craquele. Apply {{Venusia Max cream}} twice daily and {{Tab. Fexofenadine 120 mg}} at night for {{two weeks}}.
Speaker 2: Doctor, my number is [[98400 98400|phone]], please send on WhatsApp.
Speaker 0: Sure. Nurse [[Selvarani|staff_name]] will explain the creams.
#P {"name": "Abhijit Sarkar", "phone": "7003451290", "aadhaar": "468901235677", "pan": "BQRPS4410K", "abha_number": "", "abha_address": "abhijit.sarkar@abdm", "email": "", "dob": "17/02/1988", "address": "P-12, Lake Town, Block A, Kolkata 700089", "relatives": []}
Speaker 1: Nomoshkar doctor babu. Ami [[Abhijit|name]], ei je prescription.
Speaker 0: Haan [[Abhijit|name]] babu, bolun. Since when the ringworm?
Speaker 1: Almost {{three months}}. I used {{Candid B}} and {{Quadriderm}} from the medicine shop.
Speaker 0: That is steroid, stop it. Itraconazole 200 for {{four weeks}}. KOH we will do.
Speaker 1: For insurance they want Aadhaar, [[4689 0123 5677|aadhaar]], and my PAN [[B Q R P S 4 4 1 0 K|pan]].
Speaker 1: ABHA address is [[abhijit dot sarkar at the rate abdm|abha_address]].
Speaker 0: Our receptionist [[Mou|staff_name]] will take these. Where do you stay?
Speaker 1: [[P-12, Lake Town|address]], [[Block A|address]], near [[Lake Town|address]] [[Jaya cinema|address]].
Speaker 0: Okay. Platelets {{2.1 lakh}}, LFT normal, {{SGPT 32}}.
#P {"name": "Harpreet Kaur Bedi", "phone": "9815567890", "aadhaar": "", "pan": "", "abha_number": "91-2233-4455-6677", "abha_address": "", "email": "harpreet.bedi78@yahoo.com", "dob": "23/11/1978", "address": "House 221, Phase 3B2, Mohali 160059", "relatives": [{"name": "Jasmeet Bedi", "relation": "daughter", "phone": ""}]}
Speaker 0: Sat sri akal ji. Aaj kya problem hai?
Speaker 1: Sat sri akal doctor sahab. Meri beti [[Jasmeet|name]] nu face te daane ho gaye ne, te mainu hair fall.
Speaker 0: Pehle aap. Hair fall kab se?
Speaker 1: Delivery ke baad, {{6 mahine}} se. Thyroid bhi hai, {{Eltroxin 75}} leti hoon.
Speaker 0: TSH report? {{TSH 5.9}}, ferritin {{12}}. Iron kam hai. {{Tab. Livogen}} {{1-0-0}} after lunch.
Speaker 1: Theek hai. Mera ABHA number [[91 2233 4455 6677|abha]] hai.
Speaker 0: Email pe bhej denge. [[harpreet dot bedi 78 at yahoo dot com|email]] hi hai na?
Speaker 1: Haanji. Address [[House 221|address]], [[Phase 3B2|address]], [[Mohali|address]].
Speaker 0: Aur [[Jasmeet|name]] ko {{Adapalene 0.1% gel}} raat ko, {{Benzoyl peroxide 2.5%}} face wash.
#P {"name": "Mohammed Arshad Qureshi", "phone": "8888123456", "aadhaar": "", "pan": "", "abha_number": "", "abha_address": "", "email": "", "dob": "01/01/1955", "address": "Room 7, Qureshi Chawl, Kurla West, Mumbai 400070", "relatives": [{"name": "Shabana Qureshi", "relation": "wife", "phone": "8888654321"}]}
Speaker 0: Salaam chacha. Baithiye.
Speaker 1: Walekum salaam doctor. Main [[Arshad|name]], pichle hafte aaya tha. Meri biwi [[Shabana|name]] bhi saath hai.
Speaker 0: Haan [[Arshad|name]] bhai. Psoriasis kaisa hai?
Speaker 1: Thoda kam hai. {{Methotrexate 7.5 mg}} weekly le raha hoon, Sunday ko.
Speaker 0: Good. {{Folic acid 5 mg}} baaki din. LFT karwaiye. {{CBC}} bhi.
Speaker 1: Number hai [[aath aath aath aath ek do teen chaar paanch chhe|phone]].
Speaker 0: Aur emergency ke liye?
Speaker 1: Begum ka, [[eight eight eight eight six five four three two one|phone]].
Speaker 0: Theek. Compounder [[Salim|staff_name]] se injection lagwa lo.
#P {"name": "Rosamma Thomas", "phone": "9447001122", "aadhaar": "", "pan": "", "abha_number": "", "abha_address": "", "email": "rosammathomas@hotmail.com", "dob": "12/09/1949", "address": "Thekkumkattil House, Pala, Kottayam 686575", "relatives": [{"name": "Biju Thomas", "relation": "son", "phone": "9847012345"}]}
Speaker 0: Good evening ammachi. Who came with you?
Speaker 1: My son [[Biju|name]], he is in Dubai, came on leave. And my neighbour [[Kunjamma|name]] also.
Speaker 0: Okay. Tell me.
Speaker 1: Blisters on the body, doctor, since {{ten days}}. Father [[Joseph|name]] from the church told me to come here.
Speaker 0: Any new medicine?
Speaker 1: For the knee, {{Ultracet}}, and for pressure {{Amlong 5}}.
Speaker 0: Bullous pemphigoid possible. Biopsy on {{28/11/2026}}. {{Tab. Prednisolone 30 mg}} morning.
Speaker 1: Born [[12th September 1949|dob]], doctor, old age na.
Speaker 0: Where do you stay?
Speaker 1: [[Thekkumkattil House|address]], [[Pala|address]].
#P {"name": "Ishita Banerjee", "phone": "9051234567", "aadhaar": "", "pan": "", "abha_number": "", "abha_address": "", "email": "", "dob": "09/07/2010", "address": "Flat 3C, Sukh Sagar Apartment, Salt Lake Sector 2, Kolkata 700091", "relatives": [{"name": "Rupa Banerjee", "relation": "mother", "phone": "9831122334"}]}
Speaker 0: Hello young lady, what's your name?
Speaker 1: [[Ishita|name]]. I'm in class ten.
Speaker 2: I am her mother, [[Rupa|name]]. She has pimples since {{one year}}, and now dark marks.
Speaker 0: Okay. Any periods irregularity? Weight {{52 kg}}.
Speaker 2: Regular. Her date of birth is [[9th July 2010|dob]], for the file.
Speaker 0: Fine. {{Clindamycin 1% gel}} at night, {{Nadoxin wash}} twice. No squeezing.
Speaker 2: Doctor, my phone [[98311 22334|phone]], hers is [[nine zero five one two three four five six seven|phone]].
Speaker 0: Her tuition teacher Mrs. [[Dasgupta|name]] also asked me about acne, funny. Come after {{six weeks}}.
#P {"name": "Nilesh Jayantilal Shah", "phone": "9825098250", "aadhaar": "723456789012", "pan": "", "abha_number": "", "abha_address": "", "email": "nileshshah@rediffmail.com", "dob": "30/03/1971", "address": "B/402, Shyamal Row Houses, Satellite, Ahmedabad 380015", "relatives": [{"name": "Daksha Shah", "relation": "wife", "phone": ""}]}
Speaker 0: Kem cho [[Nileshbhai|name]]? Aavo.
Speaker 1: Majama doctor. [[Daksha|name]] pan aavi che, bahar bethi che.
Speaker 0: Toh batao, scalp ma su thay che?
Speaker 1: Dandruff and flakes, thick plaques since {{two years}}. Family doctor Dr. [[Trivedi|staff_name]] gave {{Salicylic 3% lotion}}.
Speaker 0: Scalp psoriasis. {{Clobetasol lotion}} at night {{two weeks}}, then {{Tacroz 0.1%}}.
Speaker 1: Aadhaar for the hospital card: [[7234 5678 9012|aadhaar]]. Address [[B/402, Shyamal Row Houses|address]], [[Satellite|address]].
Speaker 0: Email?
Speaker 1: [[nileshshah at rediffmail dot com|email]].
#P {"name": "Lalrinpuii", "phone": "8974012345", "aadhaar": "", "pan": "", "abha_number": "", "abha_address": "", "email": "", "dob": "05/05/1995", "address": "Chanmari West, Aizawl 796007", "relatives": []}
Speaker 0: Good morning, please sit. Your name?
Speaker 1: [[Lalrinpuii|name]], doctor, from [[Aizawl|address]]. Working here in Bangalore in a call centre.
Speaker 0: Okay [[Lalrinpuii|name]]. What happened?
Speaker 1: Rash after using a new face cream, {{three days}}. Burning.
Speaker 0: Contact dermatitis. Stop the cream. {{Mometasone cream}} twice for {{5 days}}, {{Cetirizine 10 mg}} at night.
Speaker 1: My friend [[Mami|name]] also uses same cream but she is fine.
Speaker 0: Everyone's skin is different. Phone number for the report?
Speaker 1: [[89740 12345|phone]].
#P {"name": "Gopal Prasad Yadav", "phone": "7654321098", "aadhaar": "", "pan": "", "abha_number": "", "abha_address": "", "email": "", "dob": "", "address": "Gram Belwa, Post Narkatiaganj, Zila Paschim Champaran, Bihar 845455", "relatives": [{"name": "Sunaina Devi", "relation": "wife", "phone": ""}]}
Speaker 0: haan baba kya hua
Speaker 1: doctor sahab pure badan mein khujli hai ek mahina se ghar mein sab ko hai
Speaker 0: ghar mein kaun kaun hai
Speaker 1: meri patni [[sunaina|name]] aur do bachche [[chhotu|name]] aur [[munni|name]] sab ko
Speaker 0: scabies hai sab ko ek saath dawai lagani hogi {{permethrin cream}} gardan se neeche raat ko {{ek hafte}} baad phir
Speaker 1: theek hai doctor sahab hum gaon [[belwa|address]] se aaye hain [[narkatiaganj|address]] ke paas
Speaker 0: naam kya likhun
Speaker 1: [[gopal prasad yadav|name]] number hai [[saat chhe paanch chaar teen do ek shunya nau aath|phone]]
#P {"name": "Farida Begum", "phone": "9700012345", "aadhaar": "", "pan": "", "abha_number": "", "abha_address": "", "email": "", "dob": "", "address": "16-2-705, Malakpet, Hyderabad 500036", "relatives": [{"name": "Imtiaz Ahmed", "relation": "son", "phone": "9700067890"}]}
Speaker 2: [[Imtiaz|name]] speaking, doctor, I am calling for my mother, video is on.
Speaker 0: Salaam. Show me the lesion. Closer please.
Speaker 2: Ammi, hath dikhao. Doctor it started {{last Friday}}.
Speaker 0: Looks like herpes zoster. {{Valacyclovir 1 gram}} three times a day {{seven days}}. Pain ke liye {{Pregabalin 75}} raat ko.
Speaker 2: Prescription WhatsApp kar dijiye, [[97000 67890|phone]]. Address [[16-2-705|address]], [[Malakpet|address]].
Speaker 0: Okay. Our pharmacist [[Naveed|staff_name]] will call you.
"""


def handwritten() -> list[dict]:
    """The hand-written consultations as records of the dev set's format."""
    return parse_handwritten(HANDWRITTEN)


def parse_handwritten(source: str) -> list[dict]:
    """Records from the markup: "#P {patient json}" starts one, [[text|type]] is an identifier,
    {{text}} a clinical token that must survive."""
    records: list[dict] = []
    for chunk in source.split("#P ")[1:]:
        header, *lines = chunk.strip("\n").split("\n")
        text, spans, keep = "", [], []
        for line in lines:
            pos = 0
            for m in re.finditer(r"\[\[(.+?)\|(\w+)\]\]|\{\{(.+?)\}\}", line):
                text += line[pos : m.start()]
                start = len(text)
                if m.group(1):
                    text += m.group(1)
                    spans.append([start, len(text), m.group(2)])
                else:
                    text += m.group(3)
                    keep.append([start, len(text)])
                pos = m.end()
            text += line[pos:] + "\n"
        records.append(
            {
                "id": f"W{len(records):03d}",
                "patient": json.loads(header),
                "transcript": text,
                "spans": spans,
                "keep": keep,
            }
        )
    return records


def generate(n: int = 150, seed: int = 20261126) -> list[dict]:
    rng = random.Random(seed)
    return [make_record(rng, i) for i in range(n)]


if __name__ == "__main__":
    # python tests/voice/redteam.py [COUNT [SEED]] [--handwritten] > /tmp/redteam.jsonl
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 150
    seed = int(args[1]) if len(args) > 1 else 20261126
    records = generate(count, seed) + (handwritten() if "--handwritten" in sys.argv else [])
    for rec in records:
        print(json.dumps(rec, ensure_ascii=False))
