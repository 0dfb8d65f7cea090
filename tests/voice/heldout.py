"""A held-out check for the anonymizer: consultations unlike the shared dev set.

Other names (including rare ones no gazetteer holds), other phrasings and scene orders, Hindi-English
code-mixing, Hindi digit words, identifiers written the ways speech-to-text writes them, and clinical
numbers that must survive. Same JSON-lines contract as ../shared/data/pii_dev.jsonl, so the shared
scorer reads it:

    python tests/voice/heldout.py > tests/voice/data/pii_heldout.jsonl
    python3 ../shared/tools/pii_score.py tests/voice/data/pii_heldout.jsonl -- \
        python manage.py anonymize_jsonl
"""

import json
import random
import re
import sys

FIRST = [
    "Tarun",
    "Sneha",
    "Gaurav",
    "Neha",
    "Abdul",
    "Zoya",
    "Baljeet",
    "Simranjeet",
    "Thomas",
    "Jessy",
    "Venkatesh",
    "Lalitha",
    "Bhavana",
    "Chirag",
    "Hetal",
    "Parth",
    "Ritu",
    "Sanjay",
    "Nandini",
    "Mohammed",
    "Rukhsana",
    "Tenzin",
    "Biswajit",
    "Debashree",
    "Somnath",
    "Anirban",
    "Kuldeep",
    "Jaspreet",
    "Prakash",
    "Geetha",
    "Muthu",
    "Selvi",
    "Raghav",
    "Yash",
    "Ishaan",
    "Aarav",
    "Farhan",
    "Nasreen",
    "Alok",
    "Smita",
    "Rohit",
    "Swati",
    "Girish",
    "Usha",
    "Hemant",
    "Jyoti",
    "Kishore",
]
LAST = [
    "Verma",
    "Mishra",
    "Pandey",
    "Tiwari",
    "Yadav",
    "Chauhan",
    "Agarwal",
    "Bansal",
    "Mehta",
    "Shah",
    "Desai",
    "Kulkarni",
    "Deshpande",
    "Pillai",
    "Naidu",
    "Krishnan",
    "Subramanian",
    "Banerjee",
    "Mukherjee",
    "Ghosh",
    "Bose",
    "Dutta",
    "Sandhu",
    "Gill",
    "Dhillon",
    "Qureshi",
    "Ansari",
    "Siddiqui",
    "D'Souza",
    "Pereira",
    "Mathew",
    "Kurian",
    "Varghese",
    "Bhatt",
    "Rawat",
    "Negi",
    "Thakur",
    "Saxena",
    "Srivastava",
    "Hegde",
]
# Rare given names: people the record does not know must be caught by context, not by a list.
RARE_FIRST = [
    "Ojasvi",
    "Tvisha",
    "Hrehaan",
    "Kimaya",
    "Zubin",
    "Ivaan",
    "Mishka",
    "Reyansh",
    "Anvika",
    "Taarush",
]
RARE_LAST = ["Wadhwani", "Ketkar", "Lobo", "Bhowmick", "Pawaskar", "Zaveri", "Rozario", "Thapliyal"]

RELATIONS = [
    ("wife", "wife", "her", "patni"),
    ("husband", "husband", "his", "pati"),
    ("son", "beta", "his", "beta"),
    ("daughter", "beti", "her", "beti"),
    ("mother", "mummy", "her", "maa"),
    ("father", "papa", "his", "papa"),
    ("brother", "bhai", "his", "bhai"),
    ("sister", "didi", "her", "behen"),
]
ADDRESSES = [
    # (parts, city, pin, phrasing kind)
    (["H.No. 45", "Gali No. 3", "Lajpat Nagar"], "New Delhi", "110024"),
    (["12/3", "2nd Main", "Jayanagar 4th Block"], "Bengaluru", "560011"),
    (["B-204", "Sunshine Apartments", "Sector 15"], "Noida", "201301"),
    (["Plot 7", "Shivaji Colony", "Kothrud"], "Pune", "411038"),
    (["Door No. 18", "Anna Salai", "T Nagar"], "Chennai", "600017"),
    (["Flat 9C", "Rosewood Enclave", "Salt Lake Sector 2"], "Kolkata", "700091"),
    (["House 221", "Model Town"], "Ludhiana", "141002"),
    (["Quarter 14", "Railway Colony", "Gomti Nagar"], "Lucknow", "226010"),
    (["22 Civil Lines"], "Jaipur", "302006"),
    (["Villa 5", "Palm Meadows", "Whitefield"], "Bengaluru", "560066"),
]
DOMAINS = ["gmail.com", "yahoo.in", "hotmail.com", "outlook.in", "rediffmail.com"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
EN_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
HI_DIGITS = ["shunya", "ek", "do", "teen", "chaar", "paanch", "chhe", "saat", "aath", "nau"]
ORDINALS = [
    "",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty first",
    "twenty second",
    "twenty third",
    "twenty fourth",
    "twenty fifth",
    "twenty sixth",
    "twenty seventh",
    "twenty eighth",
]
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}

_D = [
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
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_append(digits: str) -> str:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return digits + str(_INV[c])


class Doc:
    """Builds a transcript and records gold and keep offsets as it goes."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[list] = []
        self.keep: list[list] = []

    def add(self, text: str, kind: str | None = None, keep: bool = False) -> None:
        if kind:
            self.spans.append([self.length, self.length + len(text), kind])
        if keep:
            self.keep.append([self.length, self.length + len(text)])
        self.parts.append(text)
        self.length += len(text)

    def say(self, speaker: int, *pieces) -> None:
        """pieces: plain strings, or (text, kind) for identifiers, or (text, None, True) for clinical text."""
        self.add(f"Speaker {speaker}: ")
        for piece in pieces:
            if isinstance(piece, str):
                self.add(piece)
            else:
                self.add(*piece)
        self.add("\n")

    @property
    def text(self) -> str:
        return "".join(self.parts)


def spoken_digits(rng: random.Random, digits: str, hindi: bool = False) -> str:
    words = HI_DIGITS if hindi else EN_DIGITS
    out, i = [], 0
    while i < len(digits):
        run = 1
        while i + run < len(digits) and digits[i + run] == digits[i] and run < 3:
            run += 1
        if run == 3 and not hindi and rng.random() < 0.7:
            out.append(f"triple {words[int(digits[i])]}")
            i += 3
        elif run >= 2 and rng.random() < 0.7:
            out.append(f"double {words[int(digits[i])]}")
            i += 2
        else:
            out.append(words[int(digits[i])])
            i += 1
    return " ".join(out)


def phone_forms(rng: random.Random, phone: str) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return phone
    if kind == 1:
        return f"+91 {phone[:5]} {phone[5:]}"
    if kind == 2:
        return f"0{phone}"
    if kind == 3:  # speech-to-text reads it as one big number
        return f"{int(phone):,}"
    if kind == 4:
        return f"{phone[:5]} {phone[5:]}"
    if kind == 5:
        return spoken_digits(rng, phone)
    if kind == 6:
        return spoken_digits(rng, phone, hindi=True)
    if kind == 7:
        return f"91{phone}"
    return f"{spoken_digits(rng, phone[:5])}, {spoken_digits(rng, phone[5:])}"


def aadhaar_forms(rng: random.Random, number: str) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return f"{number[:4]} {number[4:8]} {number[8:]}"
    if kind == 1:
        return f"{number[:4]}-{number[4:8]}-{number[8:]}"
    if kind == 2:
        return number
    if kind == 3:
        return f"{int(number):,}"
    if kind == 4:
        return ", ".join(spoken_digits(rng, number[i : i + 4]) for i in (0, 4, 8))
    return spoken_digits(rng, number, hindi=True)


def year_words(year: int) -> str:
    hi, lo = divmod(year, 100)
    first = {19: "nineteen", 20: "two thousand"}[hi]
    if hi == 20:
        if lo == 0:
            return "two thousand"
        return f"two thousand {EN_DIGITS[lo]}" if lo < 10 else f"twenty {TENS[lo // 10]} {EN_DIGITS[lo % 10]}"
    if lo % 10 == 0:
        return f"{first} {TENS[lo // 10]}"
    return f"{first} {TENS[lo // 10]} {EN_DIGITS[lo % 10]}" if lo >= 20 else f"{first} {lo}"


def dob_forms(rng: random.Random, d: int, m: int, y: int) -> str:
    kind = rng.randrange(7)
    if kind == 0:
        return f"{d}/{m}/{y}"
    if kind == 1:
        return f"{d:02d}-{m:02d}-{y}"
    if kind == 2:
        suffix = "th" if 10 < d < 14 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        return f"{d}{suffix} {MONTHS[m - 1]} {y}"
    if kind == 3:
        return f"{MONTHS[m - 1]} {d}, {y}"
    if kind == 4:
        return f"{d:02d}.{m:02d}.{y}"
    if kind == 5:
        return f"{y}-{m:02d}-{d:02d}"
    return f"{ORDINALS[d]} {MONTHS[m - 1]} {year_words(y)}"


def misspell(rng: random.Random, name: str) -> str:
    """What speech-to-text does to names it does not know: one vowel heard differently."""
    swaps = [("u", "a"), ("a", "aa"), ("ee", "i"), ("i", "ee"), ("au", "ou"), ("sh", "s"), ("v", "w")]
    rng.shuffle(swaps)
    for old, new in swaps:
        idx = name.find(old, 1)
        if idx > 0:
            return name[:idx] + new + name[idx + len(old) :]
    return name + "a"


CLINICAL = [
    # (sentence pieces, speaker)
    (
        0,
        [
            "Let me check. ",
            ("BP 150/95", None, True),
            ", ",
            ("pulse 88", None, True),
            ", ",
            ("SpO2 97%", None, True),
            ".",
        ],
    ),
    (0, ["Temperature is ", ("100.2 F", None, True), " and ", ("weight 68 kg", None, True), "."]),
    (
        0,
        [
            "Fasting sugar ",
            ("126", None, True),
            ", post lunch ",
            ("210", None, True),
            ", ",
            ("HbA1c 8.1", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            "Reports mein ",
            ("platelets 1,50,000", None, True),
            " hain, ",
            ("TSH 4.5", None, True),
            ", ",
            ("creatinine 1.2", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            "Sugar readings were ",
            ("142", None, True),
            ", ",
            ("156", None, True),
            " and ",
            ("171", None, True),
            " last week.",
        ],
    ),
    (
        0,
        [
            "Start ",
            ("Tab Amlodipine 5 mg", None, True),
            " ",
            ("OD", None, True),
            " ",
            ("for 30 days", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            ("Augmentin 625", None, True),
            " ",
            ("1-0-1", None, True),
            " ",
            ("for 5 days", None, True),
            ", ",
            ("Pantoprazole 40 mg", None, True),
            " ",
            ("before breakfast", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            ("Cetirizine 10 mg", None, True),
            " ",
            ("0-0-1", None, True),
            " raat ko, ",
            ("teen din", None, True),
            " ke liye.",
        ],
    ),
    (
        0,
        [
            ("Vitamin D3 60,000 IU", None, True),
            " ",
            ("once a week", None, True),
            " ",
            ("for 8 weeks", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            ("Telmisartan 40 mg", None, True),
            " and ",
            ("Atorvastatin 10 mg", None, True),
            " ",
            ("at night", None, True),
            ".",
        ],
    ),
    (0, ["Take ", ("2 tablets", None, True), " ", ("3 times a day", None, True), " after food."]),
    (
        1,
        [
            "Doctor, ",
            ("Paracetamol", None, True),
            " le sakte hain kya? ",
            ("do din", None, True),
            " se bukhar hai.",
        ],
    ),
    (
        1,
        [
            "Sir, pet mein dard hai ",
            ("since 2 weeks", None, True),
            ", and ulti ",
            ("3 times", None, True),
            " today.",
        ],
    ),
    (
        1,
        [
            "My ",
            ("psoriasis", None, True),
            " has become worse, and ",
            ("Methotrexate 7.5 mg", None, True),
            " weekly is not helping.",
        ],
    ),
    (
        0,
        [
            "Apply ",
            ("Mometasone cream", None, True),
            " ",
            ("twice daily", None, True),
            " for ",
            ("2 weeks", None, True),
            ", then ",
            ("once daily", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            "Urine output ",
            ("1500 ml", None, True),
            ", ",
            ("LDL 160", None, True),
            ", ",
            ("B12 180", None, True),
            ".",
        ],
    ),
    (
        1,
        [
            "I have ",
            ("diabetes", None, True),
            " and ",
            ("hypertension", None, True),
            " for ",
            ("10 years", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            "Follow up after ",
            ("7 days", None, True),
            " with ",
            ("CBC", None, True),
            " and ",
            ("LFT", None, True),
            ".",
        ],
    ),
    (
        0,
        [
            "Start ",
            ("Tab Dolo 650", None, True),
            " ",
            ("SOS", None, True),
            ", ",
            ("Syp Ascoril 5 ml", None, True),
            " ",
            ("TDS", None, True),
            ", ",
            ("Cap Omez 20 mg", None, True),
            " before breakfast.",
        ],
    ),
    (
        0,
        [
            ("Tab Telma 40", None, True),
            " aur ",
            ("Tab Glycomet GP 1", None, True),
            " ",
            ("din mein do baar", None, True),
            ", ",
            ("Montair LC", None, True),
            " raat ko.",
        ],
    ),
    (
        0,
        [
            "BP is ",
            ("140 by 90", None, True),
            ", sugar ",
            ("two eighty", None, True),
            ", temperature ",
            ("hundred and one", None, True),
            ".",
        ],
    ),
    (
        1,
        [
            "Doctor, ",
            ("aadha tablet", None, True),
            " subah aur ",
            ("aadha", None, True),
            " shaam ko le raha hoon, ",
            ("Ecosprin 75", None, True),
            " bhi.",
        ],
    ),
    (
        0,
        [
            "Weight ",
            ("72", None, True),
            ", height ",
            ("165 cm", None, True),
            ", ",
            ("BMI 26.4", None, True),
            ", waist ",
            ("36 inches", None, True),
            ".",
        ],
    ),
    (
        1,
        [
            "Mujhe ",
            ("Hypothyroidism", None, True),
            " hai, ",
            ("Thyronorm 50 mcg", None, True),
            " leta hoon ",
            ("empty stomach", None, True),
            ".",
        ],
    ),
]


def make_record(rng: random.Random, idx: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{first} {last}"
    phone = str(rng.choice([6, 7, 8, 9])) + "".join(str(rng.randrange(10)) for _ in range(9))
    aadhaar = verhoeff_append(str(rng.randrange(2, 10)) + "".join(str(rng.randrange(10)) for _ in range(10)))
    vid = "".join(str(rng.randrange(10)) for _ in range(16))
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    pan = (
        "".join(rng.choice(letters) for _ in range(3))
        + "P"
        + last[0]
        + f"{rng.randrange(10000):04d}"
        + rng.choice(letters)
    )
    abha = "91" + "".join(str(rng.randrange(10)) for _ in range(12))
    clean_last = last.lower().replace("'", "")
    abha_address = f"{first.lower()}{clean_last[0]}{rng.randrange(10, 99)}@{rng.choice(['abdm', 'sbx'])}"
    email = f"{first.lower()}.{clean_last}{rng.randrange(1, 99)}@{rng.choice(DOMAINS)}"
    d, m, y = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1945, 2010)
    parts, city, pin = rng.choice(ADDRESSES)
    address = ", ".join([*parts, f"{city} {pin}"])
    rel_en, rel_hi, pronoun, rel_hi2 = rng.choice(RELATIONS)
    rel_first = rng.choice([f for f in FIRST if f != first])
    rel_name = f"{rel_first} {last}" if rng.random() < 0.6 else f"{rel_first} {rng.choice(LAST)}"
    rel_phone = str(rng.choice([6, 7, 8, 9])) + "".join(str(rng.randrange(10)) for _ in range(9))
    patient = {
        "name": name,
        "phone": phone,
        "aadhaar": aadhaar,
        "pan": pan,
        "abha_number": abha,
        "abha_address": abha_address,
        "email": email,
        "dob": f"{d}/{m}/{y}",
        "address": address,
        "relatives": [{"name": rel_name, "relation": rel_en, "phone": rel_phone}],
    }
    doc = Doc()
    hinglish = rng.random() < 0.5
    honor = rng.choice(["Mr.", "Mrs.", "Ms.", "Shri", "Smt."])
    surface_first = first.lower() if rng.random() < 0.2 else first

    greeting = rng.choice(
        [
            [f"Namaste {honor} ", (last, "name"), ", baithiye."],
            ["Hello ", (surface_first, "name"), " ji, please have a seat."],
            ["Aaiye ", (f"{last}-ji", "name"), ", kaise hain aap?"],
            ["Good evening, ", (name, "name"), ". What brings you here today?"],
            ["Hi ", (misspell(rng, first), "name"), ", come in."],
        ]
    )
    intro = rng.choice(
        [
            ["Myself ", (name, "name"), ", I had booked for 11 o'clock."],
            ["Mera naam ", (name.lower(), "name"), " hai, pichle hafte aaya tha."],
            ["Doctor, I'm ", (first, "name"), ", you saw me in March."],
            ["This is ", (name, "name"), ", my appointment was at 5."],
            ["Ji doctor, main ", (misspell(rng, first), "name"), " hoon."],
        ]
    )
    scenes = []
    scenes.append([(0, greeting), (1, intro)])
    if rng.random() < 0.8:
        scenes.append(
            [
                (0, rng.choice(["Aapka mobile number?", "Your phone number please?", "Number bataiye."])),
                (
                    1,
                    [
                        rng.choice(["Mera number hai ", "It's ", "Haan, ", "My mobile is "]),
                        (phone_forms(rng, phone), "phone"),
                        ".",
                    ],
                ),
            ]
        )
    if rng.random() < 0.6:
        scenes.append(
            [
                (
                    0,
                    "ABHA ke liye Aadhaar chahiye."
                    if hinglish
                    else "We need your Aadhaar for the ABHA card.",
                ),
                (
                    1,
                    [
                        rng.choice(["Aadhaar card ka number hai ", "My aadhar is ", "Aadhaar: "]),
                        (aadhaar_forms(rng, aadhaar), "aadhaar"),
                        ".",
                    ],
                ),
            ]
        )
    if rng.random() < 0.2:
        scenes.append(
            [
                (
                    1,
                    [
                        "Aadhaar nahi hai, virtual ID hai ",
                        (f"{vid[:4]} {vid[4:8]} {vid[8:12]} {vid[12:]}", "vid"),
                        ".",
                    ],
                )
            ]
        )
    if rng.random() < 0.5:
        pan_text = rng.choice([pan, pan.lower(), " ".join(pan), f"{pan[:5]} {pan[5:9]} {pan[9]}"])
        scenes.append(
            [
                (
                    1,
                    [
                        rng.choice(["Pen card number ", "PAN is ", "For the bill, PAN: "]),
                        (pan_text, "pan"),
                        ".",
                    ],
                )
            ]
        )
    if rng.random() < 0.5:
        abha_text = rng.choice(
            [
                abha,
                f"{abha[:2]}-{abha[2:6]}-{abha[6:10]}-{abha[10:]}",
                f"{abha[:2]} {abha[2:6]} {abha[6:10]} {abha[10:]}",
            ]
        )
        local, domain = abha_address.split("@")
        addr_text = rng.choice([abha_address, f"{local} at the rate {domain}"])
        scenes.append(
            [(1, ["ABHA ID ", (abha_text, "abha"), " hai aur address ", (addr_text, "abha_address"), "."])]
        )
    if rng.random() < 0.5:
        local, domain = email.split("@")
        spoken_local = local.replace(".", " dot ")
        email_text = rng.choice(
            [
                email,
                f"{spoken_local} at the rate {domain.replace('.', ' dot ')}",
                f"{local} at {domain.replace('.', ' dot ')}",
            ]
        )
        scenes.append(
            [
                (
                    1,
                    [
                        rng.choice(["Reports ", "Please mail the reports to ", "Email hai "]),
                        (email_text, "email"),
                        rng.choice([" pe bhej dijiye.", ", thanks."]),
                    ],
                )
            ]
        )
    if rng.random() < 0.6:
        scenes.append(
            [
                (0, rng.choice(["Date of birth?", "DOB bataiye.", "When were you born?"])),
                (
                    1,
                    [
                        rng.choice(["", "Born on ", "DOB is ", "I was born on the ", "Janam tithi "]),
                        (dob_forms(rng, d, m, y), "dob"),
                        ".",
                    ],
                ),
            ]
        )
    if rng.random() < 0.2:
        suffix = "th" if 10 < d < 14 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        scenes.append([(1, ["My birthday is on ", (f"{d}{suffix} {MONTHS[m - 1]}", "dob"), ", next month."])])
    if rng.random() < 0.6:
        pieces: list = []
        kind = rng.randrange(5)
        if kind == 3:
            pieces += [
                "I'm from ",
                (parts[-1], "address"),
                ", ",
                (city, "address"),
                ". Pin code ",
                (pin, "pin"),
                ".",
            ]
        elif kind == 4 and len(parts) >= 2:
            pieces += [
                "Hamara ghar ",
                (parts[-1], "address"),
                " mein hai, ",
                (city, "address"),
                " ",
                (" ".join(EN_DIGITS[int(c)] for c in pin), "pin"),
                ".",
            ]
        elif kind == 0 and len(parts) >= 2:
            pieces += ["Main ", (parts[-1], "address"), " mein rehta hoon, "]
            for part in parts[:-1]:
                pieces += [(part, "address"), ", "]
            pieces += [(city, "address"), " ", (pin, "pin"), "."]
        else:
            pieces += [rng.choice(["Address is ", "We live at ", "Ghar ka address: "])]
            for part in parts:
                pieces += [(part, "address"), ", "]
            pieces += [(city, "address"), " ", (pin, "pin"), "."]
        scenes.append([(1, pieces)])
    # relatives and other people
    rel_surface = rel_first if rng.random() < 0.6 else rel_name
    scenes.append(
        [
            (
                1,
                rng.choice(
                    [
                        [
                            f"Meri {rel_hi} " if rel_hi in ("beti", "didi", "mummy") else f"Mere {rel_hi} ",
                            (rel_surface, "name"),
                            " ko bhi yahi problem hai.",
                        ],
                        [f"My {rel_en} ", (rel_surface, "name"), " also had the same thing last year."],
                        [
                            (rel_surface, "name"),
                            f" is my {rel_en}, {pronoun} number is ",
                            (phone_forms(rng, rel_phone), "phone"),
                            ".",
                        ],
                        [
                            f"Mere {rel_hi2} ka naam ",
                            (rel_surface.lower(), "name"),
                            " hai, unko bhi sugar hai.",
                        ],
                        [
                            f"My {rel_en}, ",
                            (rel_surface, "name"),
                            ", will pick me up. Call ",
                            (phone_forms(rng, rel_phone), "phone"),
                            " if needed.",
                        ],
                    ]
                ),
            )
        ]
    )
    other = f"{rng.choice(RARE_FIRST)} {rng.choice(RARE_LAST)}"
    other_first = other.split()[0]
    scenes.append(
        [
            (
                rng.choice([0, 1]),
                rng.choice(
                    [
                        ["Dr. ", (other, "staff_name"), " ne refer kiya tha."],
                        ["My colleague ", (other_first, "name"), " suggested this clinic."],
                        ["Our neighbour ", (other, "name"), " told me about you."],
                        ["Sister ", (other_first, "staff_name"), " will give the injection."],
                        ["Please ask Dr. ", (other, "staff_name"), " to see the report."],
                        ["Please ask ", (other, "name"), " to bring the old reports."],
                        [(f"{other_first}", "name"), " bhai ne bataya tha aapke baare mein."],
                        ["Mere padosi ", (other_first, "name"), " ne bataya ki aap acche doctor ho."],
                        ["My friend's name is ", (other.lower(), "name"), ", she comes here too."],
                        ["my neighbour ", (other.lower(), "name"), " told me about this clinic."],
                        ["Pehle Dr. ", (other.split()[1], "staff_name"), " ko dikhaya tha."],
                        ["Nurse ", (other_first, "staff_name"), " took my BP outside."],
                    ]
                ),
            )
        ]
    )
    if rng.random() < 0.3:
        scenes.append([(0, ["Mrs. ", (rng.choice(RARE_LAST), "name"), " from the pharmacy will call you."])])
    clinical = rng.sample(CLINICAL, k=rng.randrange(3, 6))
    scenes.append([(speaker, pieces) for speaker, pieces in clinical])
    if rng.random() < 0.5:
        scenes.append(
            [
                (
                    0,
                    [
                        "Theek hai ",
                        (misspell(rng, first) if rng.random() < 0.5 else first, "name"),
                        " ji, ",
                        ("do hafte", None, True),
                        " baad aaiye.",
                    ],
                )
            ]
        )
    scenes.append([(1, rng.choice(["Thank you doctor.", "Dhanyavaad doctor sahab.", "Okay, thanks."]))])

    head, *middle, tail = scenes
    rng.shuffle(middle)
    for scene in [head, *middle, tail]:
        for speaker, pieces in scene:
            doc.say(speaker, *(pieces if isinstance(pieces, list) else [pieces]))
    return {
        "id": f"H{idx:04d}",
        "patient": patient,
        "transcript": doc.text,
        "spans": doc.spans,
        "keep": doc.keep,
    }


# For the swap test: names that are in no list the anonymizer carries.
SWAP_FIRST = [
    "Ojasvi",
    "Tvisha",
    "Hrehaan",
    "Kimaya",
    "Zubin",
    "Ivaan",
    "Mishka",
    "Reyansh",
    "Anvika",
    "Taarush",
    "Yuvika",
    "Nivaan",
    "Vedansh",
    "Ruhani",
    "Daksh",
    "Inaya",
    "Kiaan",
    "Samaira",
    "Ahaana",
    "Veer",
]
SWAP_LAST = [
    "Wadhwani",
    "Ketkar",
    "Lobo",
    "Bhowmick",
    "Pawaskar",
    "Zaveri",
    "Rozario",
    "Thapliyal",
    "Kamdar",
    "Bhagwat",
    "Sathe",
    "Nadkarni",
    "Karandikar",
    "Lalwani",
    "Ramani",
    "Dhavale",
]


class _Renamer:
    """One record's renaming: the same word always becomes the same new name."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words: dict[str, str] = {}

    def word(self, word: str) -> str:
        key = word.lower()
        if key == "ji":
            return word
        if key not in self.words:
            pool = SWAP_LAST if len(self.words) % 2 else SWAP_FIRST
            used = {v.lower() for v in self.words.values()}
            self.words[key] = self.rng.choice([w for w in pool if w.lower() not in used])
        new = self.words[key]
        return new.lower() if word.islower() else new

    def __call__(self, name: str) -> str:
        return re.sub(r"[A-Za-z]+", lambda m: self.word(m.group()), name)


def swap_names(records: list[dict], seed: int = 7) -> list[dict]:
    """The same consultations with every person renamed to names no list holds: the name detectors
    must then work from the record (patient, relatives) and from context (titles, relations) alone."""
    rng = random.Random(seed)
    out = []
    for record in records:
        rename = _Renamer(rng)
        text = record["transcript"]
        pieces, spans, keep, deltas, cursor, shift = [], [], [], [], 0, 0
        for start, end, kind in sorted(record["spans"]):
            pieces.append(text[cursor:start])
            value = rename(text[start:end]) if kind in ("name", "staff_name") else text[start:end]
            spans.append([start + shift, start + shift + len(value), kind])
            pieces.append(value)
            deltas.append((end, len(value) - (end - start)))
            shift += len(value) - (end - start)
            cursor = end
        pieces.append(text[cursor:])
        for start, end in record["keep"]:
            delta = sum(d for e, d in deltas if e <= start)
            keep.append([start + delta, end + delta])
        patient = json.loads(json.dumps(record["patient"]))
        patient["name"] = rename(patient["name"])
        for relative in patient.get("relatives", []):
            relative["name"] = rename(relative["name"])
        out.append(
            {**record, "patient": patient, "transcript": "".join(pieces), "spans": spans, "keep": keep}
        )
    return out


def generate(n: int = 200, seed: int = 20240611) -> list[dict]:
    rng = random.Random(seed)
    return [make_record(rng, i) for i in range(n)]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--swap":
        with open(sys.argv[2], encoding="utf-8") as f:
            records = swap_names([json.loads(line) for line in f if line.strip()])
    else:
        records = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
