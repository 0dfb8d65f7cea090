"""Word lists the detectors share: names, everyday words, clinical vocabulary, context words.

The lists live in voice/privacy/data/*.txt (lowercase, `#` comments) so that they can be reviewed
and extended without touching code. Everything here is loaded once per process.
"""

from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _words(text: str) -> list[str]:
    return text.split()


def _hyphens_too(words: list[str]) -> list[str]:
    """Each word also without its hyphens: the name detector compares letters only ("brotherinlaw")."""
    return words + [w.replace("-", "") for w in words if "-" in w]


def _load(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        words.update(w.strip().lower() for w in line.split() if w.strip())
    return frozenset(words)


@cache
def given_names() -> frozenset[str]:
    return _load("given_names.txt")


@cache
def surnames() -> frozenset[str]:
    return _load("surnames.txt")


@cache
def common_words() -> frozenset[str]:
    return _load("common_words.txt")


@cache
def clinical_terms() -> frozenset[str]:
    return _load("clinical_terms.txt")


@cache
def not_a_name() -> frozenset[str]:
    """Words never taken for an unknown person's name: everyday, clinical and context words."""
    return (
        common_words()
        | clinical_terms()
        | HONORIFICS
        | RELATIONS
        | ROLES
        | NAME_SUFFIXES
        | ADDRESS_WORDS
        | CITIES
    )


@cache
def gazetteer() -> frozenset[str]:
    """Given names and surnames that are not also everyday or clinical words.

    Names in AMBIGUOUS_NAMES stay in, but count only capitalised and not first in a sentence, or
    with a name context (detectors.py).
    """
    return (given_names() | surnames()) - common_words() - clinical_terms()


# Titles before a name. "doctor" spelled out is handled apart: "Good morning doctor." is no name.
HONORIFICS = frozenset(
    _words(
        """
        mr mrs ms miss mister dr shri sri shree smt shrimati srimati kumari km kum master prof professor
        sister nurse sr ustad maulana pandit
        """
    )
)
# Words after a name that make it one: "Sharma ji", "Ramesh bhai", "Hetal ben", "Rao sir".
NAME_SUFFIXES = frozenset(
    _words(
        """
        ji jee sahab saheb saab sahib bhai bhaiya bhaiyya ben behen didi sir madam maam ma'am uncle aunty
        auntie babu garu anna akka chechi bhabhi bhabi
        dada dadi boudi mausi mausa chacha chachi mami bua nani thambi chetta ettan bhau tai kaka kaki
        """
    )
)
# Fused suffixes: "Rameshji", "Hetalben", "Maheshbhai".
FUSED_SUFFIXES = ("ji", "jee", "bhai", "ben")
# People a patient talks about: "my wife Mary", "meri beti Priya", "Sunita meri wife hai".
RELATIONS = frozenset(
    _hyphens_too(
        _words(
            """
        wife husband son daughter mother father brother sister friend neighbour neighbor neighbours
        colleague cousin uncle aunty aunt auntie nephew niece grandson granddaughter grandmother grandfather
        grandma grandpa boss partner fiance fiancee beta beti bhai bhaiya didi behen papa mummy mom dad maa
        pati patni bahu saas sasur bhabhi chacha chachi mama mami nana nani dada dadi mausi bua devar jija
        saala landlord roommate flatmate teacher classmate maid driver relative in-law daughter-in-law
        sons daughters kids children grandchildren bachche bacche bachcha baccha bachchi ladka ladki
        nanad jethani devrani bhanja bhanji bhatija bhatiji pota poti nati natin samdhi samdhan sali
        amma appa akka thatha paati chechi chetta ettan boudi jiju bhau tai kaka kaki
        son-in-law sister-in-law brother-in-law mother-in-law father-in-law stepson stepdaughter
        """
        )
    )
)
# People by their work, used like relations: "our receptionist Pooja", "Ramesh, my driver".
ROLES = frozenset(
    _words(
        """
        receptionist pharmacist technician assistant compounder attendant physio physiotherapist
        therapist dietician dietitian counsellor counselor manager coordinator secretary servant cook
        watchman guard colleague neighbour neighbor helper
        """
    )
)
POSSESSIVES = frozenset(
    _words(
        """
        my our his her their meri mera mere hamari hamara hamare unki unka unke uski uska uske
        """
    )
)
# Words that introduce one's own name: "I am X", "myself X", "mera naam X hai".
SELF_INTRO = (
    ("i", "am"),
    ("i'm",),
    ("im",),
    ("myself",),
    ("my", "name", "is"),
    ("my", "name's"),
    ("name", "is"),
    ("this", "is"),
    ("you", "are"),  # the doctor checking who came in: "So you are Inaya Ketkar?"
    ("call", "me"),
    ("mera", "naam"),
    ("meri", "naam"),
    ("मेरा", "नाम"),
    ("naam", "hai"),
)
# Greetings before a name: "Hi Ruhani", "Good morning, Kiaan", "Thank you Mishka".
GREETINGS = (
    ("hi",), ("hello",), ("hey",), ("namaste",), ("namaskar",), ("welcome",), ("bye",), ("thanks",),
    ("good", "morning"), ("good", "afternoon"), ("good", "evening"), ("good", "night"), ("thank", "you"),
    ("aaiye",), ("aao",), ("suniye",), ("congratulations",),
)  # fmt: skip
# Words that open a request after a vocative: "Sarojini, can you get the file?"
REQUEST_WORDS = frozenset(
    _words(
        """
        can could would will please kindly pls plz get bring send take tell give show call check note
        help wait come go sit aap zara jaldi
        """
    )
)
# "X from our office": groups a person belongs to.
PLACES_OF_PEOPLE = frozenset(
    _words(
        """
        office school college class building society colony village church temple mandir mosque masjid
        gurudwara family team company bank department clinic hospital reception lab pharmacy area street
        gym neighbourhood neighborhood hostel
        """
    )
)
# Modals before what a person does for you: "Sayali will give you the date".
MODALS = frozenset(_words("will can would should shall"))
DOING_FOR_YOU = frozenset(_words("call tell show send book guide explain message meet fix"))
CLINIC_PAPERS = frozenset(
    _words("date appointment slot token file report bill receipt slip prescription card form number time")
)
# Verbs that take a person, trusted before a lowercase word too ("ask sourav"); PERSON_VERBS_BEFORE
# also holds "with" and "by", which are not.
PERSON_VERBS_LOWER = frozenset(_words("ask asked tell told meet met inform informed contact consult"))
# Postpositions after a name in Hindi: "Sunita ne bataya", "Rohit ko bhi".
HINDI_POSTPOSITIONS = frozenset(["ne", "ko", "ka", "ki", "ke", "se"])
# Verbs around a person: "ask Zubin", "Anil told me".
PERSON_VERBS_BEFORE = frozenset(
    _words(
        """
        ask asked tell told call called meet met inform contact consult visited with by
        """
    )
)
PERSON_VERBS_AFTER = frozenset(
    _words(
        """
        told said says suggested asked advised recommended referred called mentioned also bhi
        """
    )
)

# Given names that are also everyday words (Hindi or English): need a name context to count.
AMBIGUOUS_NAMES = frozenset(
    _words(
        """
        asha kiran uma maya hari raja rani shanti prem dev om mani bala madhu lata sapna roshni ganga sunny
        jyoti jaya durga kusum gita geeta pooja lakshmi sona moti heera hira chand suraj amar sagar deep
        noor sona lal pal more kale rai sen nath rana roy amin modi das gill bose
        happy lucky pinky bunty guddu prince rose joy honey golu baby dolly sweety munna chhotu bittu tinku
        pappu rinku sonu monu babli daisy lily ruby pearl hope grace mercy angel cherry bablu goldie
        """
    )
)

ADDRESS_WORDS = frozenset(
    _words(
        """
        nagar colony layout road rd street st marg lane residency apartment apartments towers tower enclave
        vihar puram bagh ganj chowk society complex heights park garden gardens extension cross main block
        sector phase town lines salai peth wadi pada halli palya flat house plot door villa quarter quarters
        gali mohalla chawl building floor wing near opposite opp behind village taluk district tehsil post
        pin pincode
        """
    )
)
ADDRESS_SUFFIXES = (
    "Nagar|Colony|Layout|Road|Street|Marg|Lane|Residency|Apartments?|Towers?|Enclave|Vihar|Puram|Bagh|"
    "Ganj|Chowk|Society|Complex|Heights|Park|Gardens?|Extension|Cross|Main|Block|Sector|Phase|Town|"
    "Lines|Salai|Peth|Wadi|Pada|Halli|Palya|Meadows|Residency|Villas?|Estate|Bazaar|Market|Mohalla"
)
_CORE_CITIES = frozenset(
    _words(
        """
        mumbai delhi bengaluru bangalore hyderabad ahmedabad chennai kolkata surat pune jaipur lucknow
        kanpur nagpur indore thane bhopal visakhapatnam vizag patna vadodara baroda ghaziabad ludhiana agra
        nashik faridabad meerut rajkot varanasi srinagar aurangabad dhanbad amritsar allahabad prayagraj
        ranchi howrah coimbatore jabalpur gwalior vijayawada jodhpur madurai raipur kota guwahati chandigarh
        solapur mysore mysuru gurgaon gurugram noida trivandrum thiruvananthapuram kochi cochin kozhikode
        calicut mangalore mangaluru hubli dharwad belgaum tiruchirappalli trichy salem tirunelveli
        bhubaneswar cuttack dehradun jammu shimla udaipur ajmer bikaner goa panaji margao puducherry
        pondicherry vellore warangal guntur nellore tirupati jamshedpur bokaro siliguri durgapur asansol
        gaya bhagalpur jalandhar patiala bathinda mohali panchkula navi secunderabad karnataka maharashtra
        kerala tamil nadu telangana andhra gujarat rajasthan punjab haryana bihar odisha orissa assam bengal
        uttarakhand himachal jharkhand chhattisgarh madhya uttar pradesh
        """
    )
)
# With the longer list in data/cities.txt, less those that are also names ("Kalyan", "Sagar").
CITIES = _CORE_CITIES | (_load("cities.txt") - given_names() - surnames())

# Numbers as words. Hindi digit words spoken one by one ("nau aath chaar paanch").
DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "shunya": "0",
    "shoonya": "0",
    "sunya": "0",
    "sifar": "0",
    "ek": "1",
    "do": "2",
    "teen": "3",
    "tin": "3",
    "char": "4",
    "chaar": "4",
    "paanch": "5",
    "panch": "5",
    "paanc": "5",
    "chhe": "6",
    "chhah": "6",
    "chah": "6",
    "che": "6",
    "chhey": "6",
    "cheh": "6",
    "saat": "7",
    "sat": "7",
    "aath": "8",
    "aat": "8",
    "nau": "9",
    "nao": "9",
}
# Digit words that are also ordinary words: they count only inside a run of other digits.
AMBIGUOUS_DIGIT_WORDS = frozenset(["oh", "o", "do", "tin", "char", "che", "sat", "aat", "nil"])
TEEN_WORDS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
TENS_WORDS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fourty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
REPEAT_WORDS = {"double": 2, "triple": 3, "treble": 3}
