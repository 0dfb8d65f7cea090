"""The believable content of the demo clinic that `manage.py seed_demo` loads: branches, people,
rooms, price list, medicine list and the name pools synthetic patients are drawn from.

Everything here is made up. Brand names are products sold in India, used only so the pharmacy
screens look familiar; prices are typical, not quotes. Patient e-mails use the reserved
example.com/.net/.org domains so that a demo can never mail a real person.
"""

# Names people read keep their typography: en dashes and multiplication signs.
# ruff: noqa: RUF001

from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_DEMO_PASSWORD = "clinic-demo-2026"  # noqa: S105 - published on purpose: demo logins only

# GST as the brief for the demo states it. Since 22 Sep 2025 (56th GST Council) most medicines are
# taxed at 5% and shampoos/hair oils/soaps at 5%; change these two constants once the clinic's CA confirms.
GST_MEDICINE = Decimal("5")  # medicines moved from 12% to 5% in the GST revision of 22 Sep 2025
GST_COSMETIC = Decimal("18")
GST_EXEMPT = Decimal("0")
GST_AESTHETIC_SERVICE = Decimal("18")

HSN_MEDICAMENT = "3004"
HSN_SKIN_COSMETIC = "3304"
HSN_HAIR_PREPARATION = "3305"
SAC_HEALTH_SERVICE = "999312"

# --- Organisation -------------------------------------------------------------------------------

_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin(state_code: str, pan: str, entity: str = "1") -> str:
    """A GSTIN with a correct check character (state code + PAN + entity number + 'Z' + check)."""
    body = f"{state_code}{pan}{entity}Z"
    total = 0
    for i, char in enumerate(body):
        product = _GSTIN_CHARS.index(char) * (2 if i % 2 else 1)
        total += product // 36 + product % 36
    return body + _GSTIN_CHARS[(36 - total % 36) % 36]


CLINIC_PAN = "AAGCG4821M"  # 4th letter C: a company; 5th: initial of its name

HOSPITAL = {
    "code": "GLOW",
    "name": "Glow Skin & Aesthetics Clinic",
    "legal_name": "Glow Skin & Aesthetics Private Limited",
    "phone": "+91 80 4123 5500",
    "email": "care@glowskin.example",
    "website": "https://glowskin.example",
}

MON_SAT = [0, 1, 2, 3, 4, 5]
MON_SUN = [0, 1, 2, 3, 4, 5, 6]

BRANCHES = [
    {
        "code": "BLR",
        "name": "Bengaluru – Indiranagar",
        "address_line1": "2nd Floor, 812, 100 Feet Road, HAL 2nd Stage",
        "address_line2": "Indiranagar",
        "city": "Bengaluru",
        "state": "Karnataka",
        "pin_code": "560038",
        "phone": "+91 80 4123 5500",
        "email": "indiranagar@glowskin.example",
        "gstin": gstin("29", CLINIC_PAN),
        "time_zone": "Asia/Kolkata",
        "opens_at": "09:30",
        "closes_at": "20:00",
        "working_days": MON_SAT,
    },
    {
        "code": "HYD",
        "name": "Hyderabad – Jubilee Hills",
        "address_line1": "Plot 1187, Road No. 36",
        "address_line2": "Jubilee Hills",
        "city": "Hyderabad",
        "state": "Telangana",
        "pin_code": "500033",
        "phone": "+91 40 4876 2200",
        "email": "jubileehills@glowskin.example",
        "gstin": gstin("36", CLINIC_PAN),
        "time_zone": "Asia/Kolkata",
        "opens_at": "10:00",
        "closes_at": "19:00",
        "working_days": MON_SUN,
    },
]

# --- Staff ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSeed:
    username: str
    group: str  # one of clinic.permissions.ROLE_GROUPS
    staff_type: str  # clinic.models.StaffType value
    title: str
    first_name: str
    last_name: str
    branches: tuple[str, ...]
    specialization: str = ""
    qualifications: str = ""
    registration_number: str = ""
    registration_council: str = ""
    superuser: bool = False
    demo_role: str = ""  # set for the logins printed at the end of the seed


KMC = "Karnataka Medical Council"
TSMC = "Telangana State Medical Council"
LASER_TECH = "B.Sc. Cosmetology, Certified Laser Technician"

# fmt: off
STAFF = [
    StaffSeed("admin", "Admin", "admin", "Mr.", "Vikram", "Menon", ("BLR", "HYD"),
              specialization="Clinic operations", qualifications="MBA (Hospital Administration)",
              superuser=True, demo_role="Admin (superuser)"),
    StaffSeed("frontdesk", "Front desk", "front_desk", "Ms.", "Rekha", "Gowda", ("BLR",),
              specialization="Patient relations", demo_role="Front desk"),
    StaffSeed("frontdesk.hyd", "Front desk", "front_desk", "Mr.", "Mohammed", "Imran", ("HYD",),
              specialization="Patient relations", demo_role="Front desk"),
    # Doctors
    StaffSeed("doctor", "Doctor", "doctor", "Dr.", "Ananya", "Rao", ("BLR",),
              specialization="Consultant Dermatologist", qualifications="MBBS, MD (Dermatology)",
              registration_number="KMC-45123", registration_council=KMC, demo_role="Doctor"),
    StaffSeed("karthik.subramanian", "Doctor", "doctor", "Dr.", "Karthik", "Subramanian", ("BLR",),
              specialization="Dermatologist & Dermatosurgeon",
              qualifications="MBBS, DDVL, Fellowship in Dermatosurgery",
              registration_number="KMC-61877", registration_council=KMC),
    StaffSeed("farah.siddiqui", "Doctor", "doctor", "Dr.", "Farah", "Siddiqui", ("BLR", "HYD"),
              specialization="Cosmetologist", qualifications="MBBS, PG Diploma in Clinical Cosmetology",
              registration_number="KMC-72340", registration_council=KMC),
    StaffSeed("srinivas.reddy", "Doctor", "doctor", "Dr.", "Srinivas", "Reddy", ("HYD",),
              specialization="Consultant Dermatologist", qualifications="MBBS, MD (DVL)",
              registration_number="TSMC-38291", registration_council=TSMC),
    StaffSeed("lakshmi.kondapalli", "Doctor", "doctor", "Dr.", "Lakshmi Prasanna", "Kondapalli", ("HYD",),
              specialization="Cosmetic Dermatologist", qualifications="MBBS, DNB (Dermatology)",
              registration_number="TSMC-41562", registration_council=TSMC),
    StaffSeed("arjun.mehta", "Doctor", "doctor", "Dr.", "Arjun", "Mehta", ("HYD", "BLR"),
              specialization="Trichologist",
              qualifications="MBBS, MD (Dermatology), Fellowship in Trichology",
              registration_number="TSMC-45007", registration_council=TSMC),
    # Therapists and the nurse
    StaffSeed("therapist", "Therapist/Nurse", "therapist", "Ms.", "Priya", "Nair", ("BLR",),
              specialization="Laser Therapist", qualifications=LASER_TECH, demo_role="Therapist/Nurse"),
    StaffSeed("divya.shetty", "Therapist/Nurse", "therapist", "Ms.", "Divya", "Shetty", ("BLR",),
              specialization="Aesthetic Therapist", qualifications="Diploma in Cosmetology (CIDESCO)"),
    StaffSeed("sana.fatima", "Therapist/Nurse", "therapist", "Ms.", "Sana", "Fatima", ("HYD",),
              specialization="Laser Therapist", qualifications=LASER_TECH),
    StaffSeed("manasa.reddy", "Therapist/Nurse", "therapist", "Ms.", "Manasa", "Reddy", ("HYD",),
              specialization="Aesthetic Therapist", qualifications="Diploma in Beauty & Aesthetics"),
    StaffSeed("jincy.thomas", "Therapist/Nurse", "nurse", "Ms.", "Jincy", "Thomas", ("HYD", "BLR"),
              specialization="Procedure Nurse", qualifications="GNM, B.Sc. Nursing"),
]
# fmt: on

# --- Rooms (seed 4.8.2) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomSeed:
    branch: str
    room_code: str
    room_name: str
    room_type: str
    features: dict
    default_slot_duration_minutes: int
    buffer_minutes: int
    capacity: int = 1


# fmt: off
ROOMS = [
    RoomSeed("BLR", "CON-1", "Consultation Room 1", "consultation",
             {"has_ac": True, "has_sink": True, "dermatoscope": True, "wood_lamp": True}, 15, 5),
    RoomSeed("BLR", "CON-2", "Consultation Room 2", "consultation",
             {"has_ac": True, "has_sink": True, "dermatoscope": True, "photo_station": True}, 15, 5),
    RoomSeed("BLR", "LSR-1", "Laser Suite", "laser",
             {"has_ac": True, "equipment": ["Diode laser 808 nm", "Q-switched Nd:YAG"],
              "smoke_evacuator": True, "laser_warning_light": True, "eye_protection": True}, 60, 15),
    RoomSeed("BLR", "TRT-1", "Skin Treatment Room", "treatment",
             {"has_ac": True, "has_sink": True, "equipment": ["HydraFacial MD", "Facial steamer"],
              "adjustable_bed": True}, 45, 10),
    RoomSeed("BLR", "PRC-1", "Procedure Room", "procedure",
             {"has_ac": True, "has_sink": True, "autoclave": True, "crash_cart": True,
              "equipment": ["Radiofrequency cautery", "Centrifuge (PRP)", "MNRF device"]}, 30, 15),
    RoomSeed("HYD", "CON-1", "Consultation Room", "consultation",
             {"has_ac": True, "has_sink": True, "dermatoscope": True, "wood_lamp": True}, 15, 5),
    RoomSeed("HYD", "LSR-1", "Laser Room", "laser",
             {"has_ac": True, "equipment": ["Diode laser 808 nm", "Fractional CO2 laser"],
              "smoke_evacuator": True, "laser_warning_light": True, "eye_protection": True}, 60, 15),
    RoomSeed("HYD", "TRT-1", "Facial & Peel Room", "treatment",
             {"has_ac": True, "has_sink": True, "equipment": ["HydraFacial MD"],
              "adjustable_bed": True}, 45, 10),
    RoomSeed("HYD", "OT-1", "Minor OT", "ot",
             {"has_ac": True, "has_sink": True, "autoclave": True, "crash_cart": True, "oxygen": True,
              "equipment": ["Radiofrequency cautery", "Centrifuge (PRP)", "Cryo unit"]}, 60, 30),
    RoomSeed("HYD", "REC-1", "Recovery Bay", "recovery",
             {"has_ac": True, "recliners": 2, "vitals_monitor": True}, 30, 10, capacity=2),
]
# fmt: on

# --- Services and packages --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSeed:
    code: str
    name: str
    category: str
    price: int  # rupees
    gst_rate: Decimal
    duration_minutes: int
    room_types: tuple[str, ...] = ()  # room types that can host it; empty: no room is allocated
    performed_by: str = "doctor"  # doctor | therapist: the staff allocated
    auto_approval_eligible: bool = False
    allow_self_booking: bool = True
    description: str = ""

    @property
    def requires_room_allocation(self) -> bool:
        return bool(self.room_types)


PROCEDURE_ROOMS = ("procedure", "ot")

# Medical consultations and treatment of disease are exempt health care services; cosmetic and
# aesthetic procedures are not and attract 18%.
EXEMPT, CHARGED = GST_EXEMPT, GST_AESTHETIC_SERVICE
LASER, TREATMENT = ("laser",), ("treatment",)

# fmt: off
SERVICES = [
    # code, name, category, price (INR), GST %, minutes, room types, performed by
    ServiceSeed("CONS-NEW", "Dermatology consultation (new patient)", "consultation", 1000, EXEMPT, 20,
                auto_approval_eligible=True),
    ServiceSeed("CONS-FU", "Dermatology follow-up consultation", "consultation", 800, EXEMPT, 15,
                auto_approval_eligible=True),
    ServiceSeed("CONS-TRICH", "Trichology consultation (hair & scalp analysis)", "consultation", 1500,
                EXEMPT, 30, auto_approval_eligible=True),
    ServiceSeed("CONS-TELE", "Video teleconsultation", "consultation", 800, EXEMPT, 15,
                auto_approval_eligible=True),
    ServiceSeed("LHR-FACE", "Laser hair reduction – full face", "laser", 4500, CHARGED, 60, LASER,
                "therapist", description="Diode 808 nm; includes numbing cream and cooling."),
    ServiceSeed("LHR-UA", "Laser hair reduction – underarms", "laser", 2500, CHARGED, 30, LASER,
                "therapist"),
    ServiceSeed("LHR-LEGS", "Laser hair reduction – full legs", "laser", 9000, CHARGED, 90, LASER,
                "therapist"),
    ServiceSeed("PEEL-CHEM", "Chemical peel (glycolic / salicylic)", "facial", 2500, CHARGED, 45,
                TREATMENT, "therapist"),
    ServiceSeed("HYDRA", "HydraFacial – signature", "facial", 6000, CHARGED, 60, TREATMENT,
                "therapist", auto_approval_eligible=True),
    ServiceSeed("CARBON", "Carbon laser peel", "laser", 4000, CHARGED, 45, LASER, "therapist"),
    ServiceSeed("QS-TONING", "Q-switched laser toning (pigmentation)", "laser", 3500, CHARGED, 30,
                LASER, "therapist"),
    ServiceSeed("TATTOO", "Laser tattoo removal – per session (up to 5 × 5 cm)", "laser", 4000,
                CHARGED, 30, LASER, "therapist"),
    ServiceSeed("BOTOX", "Botulinum toxin – forehead & frown lines", "injectable", 12000, CHARGED, 30,
                PROCEDURE_ROOMS, allow_self_booking=False),
    ServiceSeed("FILLER", "Hyaluronic acid dermal filler – 1 ml", "injectable", 22000, CHARGED, 45,
                PROCEDURE_ROOMS, allow_self_booking=False),
    ServiceSeed("PRP-HAIR", "PRP therapy for hair loss", "hair", 6000, CHARGED, 60, PROCEDURE_ROOMS),
    ServiceSeed("MNRF", "Microneedling with radiofrequency (acne scars)", "procedure", 7000, CHARGED,
                60, PROCEDURE_ROOMS),
    ServiceSeed("MOLE-RF", "Mole / skin tag removal (radiofrequency)", "procedure", 3000, CHARGED, 30,
                PROCEDURE_ROOMS, allow_self_booking=False),
    ServiceSeed("ACNE-SURG", "Acne surgery (comedone extraction)", "procedure", 1500, EXEMPT, 30,
                PROCEDURE_ROOMS),
    ServiceSeed("ILS", "Intralesional steroid injection (keloid / alopecia areata)", "procedure", 1200,
                EXEMPT, 20, PROCEDURE_ROOMS, allow_self_booking=False),
    ServiceSeed("BIOPSY", "Skin punch biopsy (with histopathology)", "diagnostic", 3500, EXEMPT, 30,
                PROCEDURE_ROOMS, allow_self_booking=False),
]
# fmt: on


@dataclass(frozen=True)
class PackageSeed:
    code: str
    name: str
    service_code: str
    sessions: int
    session_gap_days: int
    price: int  # rupees
    validity_days: int = 365
    description: str = ""


# fmt: off
PACKAGES = [
    # code, name, service, sessions, days between sessions, price (INR), validity days
    PackageSeed("PKG-LHR-FACE6", "Laser hair reduction – full face × 6 sessions", "LHR-FACE", 6, 28, 22000),
    PackageSeed("PKG-LHR-UA6", "Laser hair reduction – underarms × 6 sessions", "LHR-UA", 6, 28, 11000),
    PackageSeed("PKG-PEEL4", "Chemical peel × 4 sessions", "PEEL-CHEM", 4, 21, 8000, 180),
    PackageSeed("PKG-HYDRA3", "HydraFacial × 3 sessions", "HYDRA", 3, 30, 15000, 180),
    PackageSeed("PKG-PRP4", "PRP for hair loss × 4 sessions", "PRP-HAIR", 4, 30, 19000),
    PackageSeed("PKG-MNRF4", "MNRF acne-scar programme × 4 sessions", "MNRF", 4, 30, 22000),
]
# fmt: on

# --- Medicines --------------------------------------------------------------------------------------

DRUG, SKIN, HAIR = "drug", "skin", "hair"  # 3004 medicament, 3304 skin cosmetic, 3305 hair preparation


@dataclass(frozen=True)
class MedicineLine:
    """One generic in one form; expanded into a product per brand and strength."""

    generic_name: str
    drug_class: str
    form: str
    unit: str
    strengths: tuple[str, ...]
    brands: tuple[tuple[str, str], ...]  # (brand, manufacturer); ("", "") for an unbranded generic
    mrp: Decimal  # of the first strength, per stock unit
    kind: str = DRUG
    prescription_only: bool = True


@dataclass(frozen=True)
class MedicineSeed:
    generic_name: str
    brand_name: str
    manufacturer: str
    drug_class: str
    form: str
    strength: str
    unit: str
    hsn_code: str
    gst_rate: Decimal
    mrp: Decimal
    prescription_only: bool
    reorder_level: int = field(default=10)

    @property
    def natural_key(self) -> tuple[str, str, str, str]:
        return (self.generic_name, self.brand_name, self.form, self.strength)


def _m(generic, drug_class, form, unit, strengths, brands, mrp, kind=DRUG, rx=True) -> MedicineLine:
    if isinstance(strengths, str):
        strengths = (strengths,)
    return MedicineLine(
        generic, drug_class, form, unit, tuple(strengths), tuple(brands), Decimal(mrp), kind, rx
    )


GENERIC = ("", "")
CIPLA, GLENMARK, GALDERMA, SUN = "Cipla", "Glenmark", "Galderma", "Sun Pharma"
DRL, GSK, INTAS, IPCA = "Dr. Reddy's", "GSK", "Intas", "Ipca Laboratories"
MINIMALIST = "Minimalist"

# fmt: off
MEDICINE_LINES = [
    # Acne: retinoids and topical antibacterials
    _m("Tretinoin", "retinoid", "cream", "tube", ("0.025% w/w", "0.05% w/w"),
       [("Retino-A", "Johnson & Johnson")], 165),
    _m("Tretinoin", "retinoid", "gel", "tube", ("0.025% w/w", "0.05% w/w", "0.1% w/w"),
       [("A-Ret", "Menarini")], 150),
    _m("Adapalene", "retinoid", "gel", "tube", "0.1% w/w", [("Adaferin", GALDERMA), ("Deriva", GLENMARK)],
       210),
    _m("Adapalene", "retinoid", "cream", "tube", "0.1% w/w", [("Adaferin", GALDERMA)], 220),
    _m("Adapalene + Clindamycin", "retinoid; lincosamide", "gel", "tube", "0.1% + 1% w/w",
       [("Deriva-CMS", GLENMARK)], 235),
    _m("Adapalene + Benzoyl peroxide", "retinoid; peroxide", "gel", "tube", "0.1% + 2.5% w/w",
       [("Epiduo", GALDERMA), ("Deriva-BPO", GLENMARK)], 590),
    _m("Tazarotene", "retinoid", "gel", "tube", ("0.05% w/w", "0.1% w/w"), [("Tazret", GLENMARK)], 230),
    _m("Clindamycin phosphate", "lincosamide", "gel", "tube", "1% w/w", [("Clindac-A", GALDERMA)], 190),
    _m("Nadifloxacin", "fluoroquinolone", "cream", "tube", "1% w/w", [("Nadoxin", "Wockhardt")], 210),
    _m("Benzoyl peroxide", "peroxide", "gel", "tube", ("2.5% w/w", "5% w/w"),
       [("Benzac AC", GALDERMA), ("Persol", "Wallace")], 160),
    _m("Azelaic acid", "dicarboxylic acid", "cream", "tube", ("10% w/w", "15% w/w", "20% w/w"),
       [("Aziderm", "Micro Labs")], 180),
    _m("Metronidazole", "nitroimidazole", "gel", "tube", "1% w/w", [("Metrogyl", "J. B. Chemicals")], 95),
    _m("Isotretinoin", "retinoid", "capsule", "strip", ("10 mg", "20 mg"),
       [("Isotroin", CIPLA), ("Tretiva", INTAS), ("Sotret", SUN)], 190),
    _m("Mupirocin", "monoxycarbolic acid antibiotic", "ointment", "tube", "2% w/w", [("T-Bact", GSK)], 190),
    _m("Fusidic acid", "fusidane antibiotic", "cream", "tube", "2% w/w",
       [("Fucidin", "Leo Pharma"), ("Fusiderm", "Indoco Remedies")], 160),
    _m("Silver sulfadiazine", "sulfonamide", "cream", "tube", "1% w/w", [("Silverex", SUN)], 120),
    _m("Povidone-iodine", "antiseptic (iodophor)", "ointment", "tube", "5% w/w",
       [("Betadine", "Win-Medicare")], 140, rx=False),
    _m("Povidone-iodine", "antiseptic (iodophor)", "solution", "bottle", "5% w/v",
       [("Betadine", "Win-Medicare")], 120, rx=False),
    # Oral antibiotics
    _m("Doxycycline", "tetracycline", "capsule", "strip", "100 mg",
       [("Doxt-SL", DRL), ("Microdox LBX", "Micro Labs"), ("Doxy-1 L-DR Forte", "USV")], 130),
    _m("Minocycline", "tetracycline", "tablet", "strip", ("50 mg", "100 mg"), [("Minoz", SUN)], 180),
    _m("Azithromycin", "macrolide", "tablet", "strip", ("250 mg", "500 mg"),
       [("Azithral", "Alembic"), ("Azee", CIPLA)], 75),
    _m("Azithromycin", "macrolide", "syrup", "bottle", "200 mg/5 ml", [("Azithral", "Alembic")], 80),
    _m("Cephalexin", "cephalosporin", "capsule", "strip", ("250 mg", "500 mg"), [("Sporidex", SUN)], 120),
    _m("Amoxicillin + Clavulanic acid", "penicillin", "tablet", "strip", "625 mg",
       [("Augmentin 625 Duo", GSK)], 220),
    # Antifungals
    _m("Itraconazole", "azole antifungal", "capsule", "strip", ("100 mg", "200 mg"),
       [("Canditral", GLENMARK), ("Itaspor", INTAS)], 250),
    _m("Terbinafine", "allylamine antifungal", "tablet", "strip", "250 mg",
       [("Sebifin", SUN), ("Terbicip", CIPLA)], 210),
    _m("Terbinafine", "allylamine antifungal", "cream", "tube", "1% w/w", [("Sebifin", SUN)], 150),
    _m("Fluconazole", "azole antifungal", "tablet", "strip", "150 mg", [("Forcan", CIPLA), ("Zocon", "FDC")],
       30),
    _m("Luliconazole", "azole antifungal", "cream", "tube", "1% w/w", [("Lulifin", SUN)], 290),
    _m("Luliconazole", "azole antifungal", "lotion", "bottle", "1% w/v", [("Lulifin", SUN)], 310),
    _m("Sertaconazole", "azole antifungal", "cream", "tube", "2% w/w", [("Onabet", GLENMARK)], 230),
    _m("Clotrimazole", "azole antifungal", "cream", "tube", "1% w/w", [("Candid", GLENMARK)], 90, rx=False),
    _m("Clotrimazole", "azole antifungal", "lotion", "bottle", "1% w/v", [("Candid", GLENMARK)], 110,
       rx=False),
    _m("Ketoconazole", "azole antifungal", "cream", "tube", "2% w/w", [("Nizral", "Johnson & Johnson")], 160),
    _m("Ketoconazole", "azole antifungal", "shampoo", "bottle", "2% w/v", [("Nizral", "Johnson & Johnson")],
       380, rx=False),
    _m("Ketoconazole + Zinc pyrithione", "azole antifungal", "shampoo", "bottle", "2% + 1% w/v",
       [("Scalpe Plus", GLENMARK)], 410, rx=False),
    _m("Eberconazole", "azole antifungal", "cream", "tube", "1% w/w", [("Ebernet", DRL)], 260),
    _m("Amorolfine", "morpholine antifungal", "cream", "tube", "0.25% w/w", [("Loceryl", GALDERMA)], 420),
    _m("Amorolfine", "morpholine antifungal", "solution", "bottle", "5% w/v nail lacquer",
       [("Loceryl", GALDERMA)], 1450),
    _m("Ciclopirox olamine", "hydroxypyridone antifungal", "shampoo", "bottle", "1% w/v", [GENERIC], 320,
       rx=False),
    _m("Selenium sulfide", "antiseborrhoeic", "shampoo", "bottle", "2.5% w/v", [("Selsun", "Abbott")], 290,
       rx=False),
    # Antihistamines
    _m("Cetirizine", "antihistamine (H1)", "tablet", "strip", "10 mg", [("Okacet", CIPLA)], 20, rx=False),
    _m("Cetirizine", "antihistamine (H1)", "syrup", "bottle", "5 mg/5 ml", [("Okacet", CIPLA)], 55, rx=False),
    _m("Levocetirizine", "antihistamine (H1)", "tablet", "strip", "5 mg",
       [("Xyzal", DRL), ("Levocet", "Hetero")], 60),
    _m("Fexofenadine", "antihistamine (H1)", "tablet", "strip", ("120 mg", "180 mg"), [("Allegra", "Sanofi")],
       210),
    _m("Fexofenadine", "antihistamine (H1)", "syrup", "bottle", "30 mg/5 ml", [("Allegra", "Sanofi")], 130),
    _m("Hydroxyzine", "antihistamine (H1)", "tablet", "strip", ("10 mg", "25 mg"), [("Atarax", DRL)], 75),
    _m("Hydroxyzine", "antihistamine (H1)", "syrup", "bottle", "10 mg/5 ml", [("Atarax", DRL)], 95),
    _m("Bilastine", "antihistamine (H1)", "tablet", "strip", "20 mg", [("Bilaxten", "Menarini")], 190),
    _m("Montelukast + Levocetirizine", "leukotriene antagonist; antihistamine", "tablet", "strip",
       "10 mg + 5 mg", [("Montair-LC", CIPLA)], 240),
    # Topical corticosteroids
    _m("Mometasone furoate", "corticosteroid (topical)", "cream", "tube", "0.1% w/w", [("Momate", GLENMARK)],
       190),
    _m("Mometasone furoate", "corticosteroid (topical)", "ointment", "tube", "0.1% w/w",
       [("Momate", GLENMARK)], 200),
    _m("Mometasone furoate", "corticosteroid (topical)", "lotion", "bottle", "0.1% w/v",
       [("Momate", GLENMARK)], 230),
    _m("Clobetasol propionate", "corticosteroid (topical)", "cream", "tube", "0.05% w/w", [("Tenovate", GSK)],
       95),
    _m("Clobetasol propionate", "corticosteroid (topical)", "ointment", "tube", "0.05% w/w",
       [("Tenovate", GSK)], 100),
    _m("Halobetasol propionate", "corticosteroid (topical)", "cream", "tube", "0.05% w/w",
       [("Halovate", GLENMARK)], 150),
    _m("Fluticasone propionate", "corticosteroid (topical)", "cream", "tube", "0.05% w/w",
       [("Flutivate", GSK)], 170),
    _m("Fluticasone propionate", "corticosteroid (topical)", "ointment", "tube", "0.005% w/w",
       [("Flutivate", GSK)], 175),
    _m("Betamethasone valerate", "corticosteroid (topical)", "cream", "tube", "0.1% w/w",
       [("Betnovate", GSK)], 45),
    _m("Betamethasone valerate", "corticosteroid (topical)", "ointment", "tube", "0.1% w/w",
       [("Betnovate", GSK)], 48),
    _m("Hydrocortisone butyrate", "corticosteroid (topical)", "cream", "tube", "0.1% w/w", [("Locoid", "")],
       210),
    _m("Desonide", "corticosteroid (topical)", "cream", "tube", "0.05% w/w", [("Desowen", GALDERMA)], 240),
    _m("Desonide", "corticosteroid (topical)", "lotion", "bottle", "0.05% w/v", [("Desowen", GALDERMA)], 320),
    _m("Hydroquinone + Tretinoin + Mometasone", "depigmenting agent; retinoid; corticosteroid (topical)",
       "cream", "tube", "2% + 0.025% + 0.1% w/w", [("Melacare", "")], 190),
    _m("Hydroquinone + Tretinoin + Fluocinolone", "depigmenting agent; retinoid; corticosteroid (topical)",
       "cream", "tube", "4% + 0.05% + 0.01% w/w", [("Triluma", GALDERMA)], 420),
    _m("Calcipotriol + Betamethasone dipropionate", "vitamin D analogue; corticosteroid (topical)",
       "ointment", "tube", "0.005% + 0.05% w/w", [("Daivobet", "Leo Pharma")], 780),
    # Calcineurin inhibitors and systemic immunomodulators
    _m("Tacrolimus", "calcineurin inhibitor", "ointment", "tube", "0.03% w/w", [("Tacroz", GLENMARK)], 420),
    _m("Tacrolimus", "calcineurin inhibitor", "ointment", "tube", "0.1% w/w", [("Tacroz Forte", GLENMARK)],
       560),
    _m("Methotrexate", "antimetabolite", "tablet", "strip", ("2.5 mg", "7.5 mg", "10 mg", "15 mg"),
       [("Folitrax", IPCA)], 45),
    _m("Hydroxychloroquine", "antimalarial (aminoquinoline)", "tablet", "strip", ("200 mg", "400 mg"),
       [("HCQS", IPCA)], 70),
    _m("Prednisolone", "corticosteroid (systemic)", "tablet", "strip", ("5 mg", "10 mg", "20 mg", "40 mg"),
       [("Wysolone", "Pfizer")], 18),
    _m("Methylprednisolone", "corticosteroid (systemic)", "tablet", "strip", ("4 mg", "8 mg"),
       [("Medrol", "Pfizer")], 75),
    _m("Cyclosporine", "calcineurin inhibitor", "capsule", "strip", ("25 mg", "50 mg", "100 mg"),
       [("Imusporin", CIPLA)], 190),
    _m("Azathioprine", "immunosuppressant (purine analogue)", "tablet", "strip", "50 mg",
       [("Azoran", "RPG Life Sciences")], 90),
    _m("Acitretin", "retinoid", "capsule", "strip", ("10 mg", "25 mg"), [("Acitrin", "")], 280),
    _m("Apremilast", "PDE4 inhibitor", "tablet", "strip", ("10 mg", "20 mg", "30 mg"), [("Aprezo", GLENMARK)],
       320),
    _m("Tofacitinib", "JAK inhibitor", "tablet", "strip", "5 mg", [("Tofacinix", CIPLA)], 480),
    _m("Dapsone", "sulfone", "tablet", "strip", "100 mg", [GENERIC], 25),
    _m("Spironolactone", "aldosterone antagonist", "tablet", "strip", ("25 mg", "50 mg"),
       [("Aldactone", "RPG Life Sciences")], 60),
    _m("Tranexamic acid", "antifibrinolytic", "tablet", "strip", "500 mg", [("Pause", "")], 210),
    # Antiparasitics and antivirals
    _m("Ivermectin", "avermectin anthelmintic", "tablet", "strip", ("6 mg", "12 mg"),
       [("Ivecop", "Menarini")], 110),
    _m("Permethrin", "pyrethroid scabicide", "cream", "tube", "5% w/w", [("Permite", GLENMARK)], 130),
    _m("Permethrin", "pyrethroid scabicide", "lotion", "bottle", "1% w/v", [GENERIC], 120),
    _m("Acyclovir", "antiviral (nucleoside analogue)", "tablet", "strip", ("400 mg", "800 mg"),
       [("Acivir", CIPLA)], 120),
    _m("Acyclovir", "antiviral (nucleoside analogue)", "cream", "tube", "5% w/w", [("Acivir", CIPLA)], 95),
    _m("Valacyclovir", "antiviral (nucleoside analogue)", "tablet", "strip", ("500 mg", "1000 mg"),
       [("Valcivir", CIPLA)], 260),
    _m("Famciclovir", "antiviral (nucleoside analogue)", "tablet", "strip", ("250 mg", "500 mg"),
       [("Famtrex", CIPLA)], 280),
    # Hair
    _m("Minoxidil", "vasodilator (hair growth)", "solution", "bottle", ("2% w/v", "5% w/v"),
       [("Mintop", DRL)], 420),
    _m("Minoxidil", "vasodilator (hair growth)", "solution", "bottle", ("5% w/v", "10% w/v"),
       [("Tugain", CIPLA)], 480),
    _m("Minoxidil + Finasteride", "vasodilator; 5-alpha reductase inhibitor", "solution", "bottle",
       "5% + 0.1% w/v", [("Morr F", INTAS)], 690),
    _m("Finasteride", "5-alpha reductase inhibitor", "tablet", "strip", "1 mg",
       [("Finax", DRL), ("Finpecia", CIPLA)], 130),
    _m("Biotin", "vitamin (B7)", "tablet", "strip", ("5 mg", "10 mg"), [GENERIC], 140, rx=False),
    _m("Biotin + Multivitamin", "vitamin", "tablet", "strip", "10 mg biotin", [("Follihair New", DRL)], 390,
       rx=False),
    _m("Redensyl + Procapil hair actives", "hair growth cosmetic", "serum", "bottle", "18% actives, 30 ml",
       [("Hair Growth Actives", MINIMALIST)], 799, kind=HAIR, rx=False),
    _m("Piroctone olamine anti-dandruff shampoo", "antidandruff cosmetic", "shampoo", "bottle", "200 ml",
       [("Sebamed Anti-Dandruff", "Sebapharma")], 850, kind=HAIR, rx=False),
    # Keratolytics, depigmenting agents, actives
    _m("Salicylic acid", "keratolytic", "ointment", "tube", "6% w/w", [GENERIC], 140),
    _m("Salicylic acid", "keratolytic", "soap", "bottle", "2% face wash, 60 ml", [("Saslic DS", "")], 390,
       kind=SKIN, rx=False),
    _m("Salicylic acid", "keratolytic", "serum", "bottle", "2%, 30 ml", [("Salicylic Acid 2%", MINIMALIST)],
       545, kind=SKIN, rx=False),
    _m("Glycolic acid", "alpha hydroxy acid", "cream", "tube", ("6% w/w", "12% w/w"), [("Glyco", "")], 320,
       kind=SKIN, rx=False),
    _m("Urea", "keratolytic; humectant", "cream", "tube", "10% w/w", [GENERIC], 160, rx=False),
    _m("Niacinamide + Zinc", "vitamin B3 cosmetic", "serum", "bottle", "10% + 1%, 30 ml",
       [("Niacinamide 10%", MINIMALIST), ("10% Niacinamide Serum", "The Derma Co")], 599, kind=SKIN,
       rx=False),
    _m("Kojic acid", "depigmenting agent", "cream", "tube", "2% w/w", [("Kojivit", "Ajanta Pharma")], 350,
       kind=SKIN, rx=False),
    _m("Kojic acid", "depigmenting agent", "gel", "tube", "2% w/w", [("Kojivit", "Ajanta Pharma")], 330,
       kind=SKIN, rx=False),
    _m("Hydroquinone", "depigmenting agent", "cream", "tube", "2% w/w", [GENERIC], 130),
    _m("Hydroquinone", "depigmenting agent", "cream", "tube", "4% w/w", [("Melalite Forte", "")], 260),
    _m("Tranexamic acid", "depigmenting cosmetic", "serum", "bottle", "3%, 30 ml",
       [("Tranexamic 3%", MINIMALIST)], 599, kind=SKIN, rx=False),
    _m("Ethyl ascorbic acid (vitamin C)", "antioxidant cosmetic", "serum", "bottle", "10%, 30 ml",
       [("Vitamin C 10%", MINIMALIST)], 699, kind=SKIN, rx=False),
    _m("Alpha arbutin", "depigmenting cosmetic", "serum", "bottle", "2%, 30 ml",
       [("Alpha Arbutin 2%", MINIMALIST)], 549, kind=SKIN, rx=False),
    _m("Retinol", "retinoid cosmetic", "cream", "tube", "0.3%, 30 g", [("Retinol 0.3%", MINIMALIST)], 649,
       kind=SKIN, rx=False),
    _m("Hyaluronic acid", "humectant cosmetic", "serum", "bottle", "2%, 30 ml",
       [("Hyaluronic Acid 2%", MINIMALIST)], 599, kind=SKIN, rx=False),
    _m("Vitamin E (tocopheryl acetate)", "vitamin", "capsule", "strip", ("200 mg", "400 mg"),
       [("Evion", "P&G Health")], 35, rx=False),
    _m("Zinc + Multivitamin", "vitamin; mineral", "tablet", "strip", "22 mg zinc",
       [("Zincovit", "Apex Laboratories")], 110, rx=False),
    _m("Cholecalciferol (vitamin D3)", "vitamin", "capsule", "strip", "60,000 IU", [("Uprise-D3", "Alkem")],
       130, rx=False),
    _m("Calamine", "soothing cosmetic", "lotion", "bottle", "120 ml", [("Lacto Calamine", "Piramal")], 145,
       kind=SKIN, rx=False),
    # Sunscreens
    _m("Broad-spectrum sunscreen gel", "sunscreen", "sunscreen", "tube",
       ("SPF 40 PA+++, 50 g", "SPF 50 PA+++, 50 g"), [("La Shield", GLENMARK)], 620, kind=SKIN, rx=False),
    _m("Broad-spectrum sunscreen gel", "sunscreen", "sunscreen", "tube", "SPF 50 PA+++, 50 g",
       [("Suncros", SUN), ("Fixderma Shadow", "Fixderma"), ("UV Doux", "")], 560, kind=SKIN, rx=False),
    _m("Broad-spectrum sunscreen cream", "sunscreen", "sunscreen", "tube", "SPF 50+ PA+++, 75 g",
       [("Fixderma Shadow", "Fixderma")], 650, kind=SKIN, rx=False),
    _m("Matte sunscreen", "sunscreen", "sunscreen", "tube", "SPF 50 PA++++, 50 g",
       [("Re'equil Ultra Matte", "Re'equil"), ("Multi-Vitamin SPF 50", MINIMALIST)], 595, kind=SKIN,
       rx=False),
    _m("Sunscreen lotion", "sunscreen", "sunscreen", "bottle", "SPF 50+, 88 ml",
       [("Neutrogena Ultra Sheer", "Kenvue")], 720, kind=SKIN, rx=False),
    # Moisturisers and cleansers
    _m("Moisturising cream (emollient)", "emollient", "cream", "tube", ("80 g", "250 g"),
       [("Cetaphil Moisturising Cream", GALDERMA)], 560, kind=SKIN, rx=False),
    _m("Gentle skin cleanser", "cleanser", "soap", "bottle", ("125 ml", "250 ml"),
       [("Cetaphil Gentle Skin Cleanser", GALDERMA)], 450, kind=SKIN, rx=False),
    _m("Oily skin cleanser", "cleanser", "soap", "bottle", "125 ml",
       [("Cetaphil Oily Skin Cleanser", GALDERMA)], 470, kind=SKIN, rx=False),
    _m("Moisturising cream (emollient)", "emollient", "cream", "tube", "100 g", [("Venusia Max", DRL)], 450,
       kind=SKIN, rx=False),
    _m("Moisturising lotion (emollient)", "emollient", "lotion", "bottle", "150 ml", [("Venusia Max", DRL)],
       520, kind=SKIN, rx=False),
    _m("Moisturising cream (emollient)", "emollient", "cream", "tube", "100 g", [("Moisturex Soft", SUN)],
       420, kind=SKIN, rx=False),
    _m("Ceramide moisturising cream", "emollient", "cream", "tube", ("50 g", "177 ml"),
       [("CeraVe Moisturising Cream", "L'Oréal")], 575, kind=SKIN, rx=False),
    _m("Hydrating cleanser", "cleanser", "soap", "bottle", "236 ml",
       [("CeraVe Hydrating Cleanser", "L'Oréal")], 1100, kind=SKIN, rx=False),
    _m("Ceramide moisturising cream", "emollient", "cream", "tube", "75 g", [("Ceradan", "Hegde & Hegde")],
       690, kind=SKIN, rx=False),
    _m("Micellar cleansing water", "cleanser", "solution", "bottle", "100 ml", [("Sensibio H2O", "Bioderma")],
       599, kind=SKIN, rx=False),
    # Procedure room
    _m("Lidocaine + Prilocaine", "local anaesthetic (amide)", "cream", "tube", "2.5% + 2.5% w/w",
       [("Prilox", "Neon Laboratories")], 220),
    _m("Lignocaine hydrochloride", "local anaesthetic (amide)", "injection", "vial", "2% w/v, 30 ml",
       [GENERIC], 45),
    _m("Triamcinolone acetonide", "corticosteroid (systemic)", "injection", "vial", ("10 mg/ml", "40 mg/ml"),
       [("Kenacort", "Abbott")], 140),
    _m("Botulinum toxin type A", "neurotoxin", "injection", "vial", ("50 U", "100 U"),
       [("Botox", "Allergan")], 14500),
    _m("Hyaluronidase", "enzyme", "injection", "vial", "1500 IU", [GENERIC], 650),
]
# fmt: on

_KIND_TAX = {
    DRUG: (HSN_MEDICAMENT, GST_MEDICINE),
    SKIN: (HSN_SKIN_COSMETIC, GST_COSMETIC),
    HAIR: (HSN_HAIR_PREPARATION, GST_COSMETIC),
}


def _expand(lines: list[MedicineLine]) -> list[MedicineSeed]:
    products: list[MedicineSeed] = []
    for line in lines:
        hsn, gst = _KIND_TAX[line.kind]
        for b, (brand, maker) in enumerate(line.brands):
            for s, strength in enumerate(line.strengths):
                # A higher strength costs more; a second brand a little more than the first.
                mrp = line.mrp * (1 + Decimal("0.45") * s) * (1 + Decimal("0.06") * b)
                products.append(
                    MedicineSeed(
                        generic_name=line.generic_name,
                        brand_name=brand,
                        manufacturer=maker,
                        drug_class=line.drug_class,
                        form=line.form,
                        strength=strength,
                        unit=line.unit,
                        hsn_code=hsn,
                        gst_rate=gst,
                        mrp=mrp.quantize(Decimal("1")),
                        prescription_only=line.prescription_only,
                        reorder_level=20 if line.unit == "strip" else 10,
                    )
                )
    return products


MEDICINES = _expand(MEDICINE_LINES)

# --- People: name pools for synthetic patients -------------------------------------------------------


@dataclass(frozen=True)
class NamePool:
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    male_surnames: tuple[str, ...] = ()
    female_surnames: tuple[str, ...] = ()
    hindi_speaking: float = 0.03  # share who prefer Hindi for messages


def _pool(male: str, female: str, surnames: str, **kw) -> NamePool:
    return NamePool(tuple(male.split()), tuple(female.split()), tuple(surnames.split()), **kw)


# fmt: off
NAME_POOLS = {
    "hindi": _pool(
        "Rahul Amit Vikas Rohit Ankit Saurabh Manish Deepak Abhishek Gaurav Nitin Pankaj Sandeep Ajay "
        "Vivek Aditya Aryan Kunal Harsh Rajesh",
        "Priya Neha Pooja Anjali Shweta Ritu Sneha Kavita Sakshi Aarti Nidhi Swati Shalini Megha Divya "
        "Komal Preeti Ananya Isha Sunita",
        "Sharma Verma Gupta Agarwal Srivastava Mishra Tiwari Pandey Yadav Chauhan Saxena Tripathi Dubey "
        "Jain Singh Kumar Chaudhary Rastogi Bansal Mittal",
        hindi_speaking=0.35, ),
    "tamil": _pool(
        "Arun Karthik Senthil Prakash Vignesh Saravanan Murugan Balaji Dinesh Ganesh Hari Ramesh Suresh "
        "Madhavan Arvind Gokul",
        "Lakshmi Priya Divya Meenakshi Kavya Revathi Sangeetha Deepa Gayathri Nandhini Janani Aishwarya "
        "Keerthana Sowmya Vidhya Bhuvana",
        "Subramanian Krishnan Iyer Iyengar Natarajan Rajendran Venkatesan Srinivasan Raman Sundaram "
        "Murugesan Pillai Chidambaram Balasubramanian Ramasamy Shanmugam", ),
    "telugu": _pool(
        "Srinivas Venkatesh Ravi Naveen Kiran Sai Mahesh Praveen Harish Chaitanya Vamsi Sandeep Raghu "
        "Anil Pavan Teja",
        "Sravani Lavanya Swathi Harika Bhavana Sirisha Mounika Keerthi Padma Anusha Divya Sindhu "
        "Tejaswini Madhavi Sahithi Pranitha",
        "Reddy Rao Naidu Chowdary Goud Varma Raju Yadav Kondapalli Gutta Nallamothu Bommareddy Kalluri "
        "Pendyala Vemula Chinta Mandava",
        hindi_speaking=0.05, ),
    "kannada": _pool(
        "Manjunath Raghavendra Prashanth Shivakumar Naveen Darshan Puneeth Girish Sudeep Chethan Santosh "
        "Harsha Nagaraj Basavaraj Yash Mahesh",
        "Kavya Shruthi Rashmi Deepika Sahana Pallavi Bhavya Spoorthi Ramya Chaitra Anitha Nayana Sinchana "
        "Meghana Shwetha Pavithra",
        "Gowda Hegde Shetty Rao Bhat Kulkarni Patil Kamath Nayak Shenoy Acharya Urs Prabhu Naik Murthy "
        "Hebbar", ),
    "bengali": _pool(
        "Arijit Sourav Debashish Subhajit Anirban Abhijit Indranil Rajib Sayan Partha Tanmoy Ritwik",
        "Moumita Sreya Ananya Payel Riya Debjani Sudeshna Tanushree Rituparna Poulami Mitali Ishita",
        "Banerjee Chatterjee Mukherjee Ghosh Bose Das Sen Dutta Chakraborty Roy Bhattacharya Majumdar "
        "Sarkar Ganguly",
        hindi_speaking=0.1, ),
    "marathi": _pool(
        "Sachin Rohan Aniket Prasad Omkar Swapnil Tushar Mangesh Sagar Nikhil Pratik Amol",
        "Snehal Prajakta Rutuja Madhuri Sayali Pooja Ashwini Manasi Gauri Shital Mrunal Vaishali",
        "Deshpande Kulkarni Joshi Patil Pawar Shinde Jadhav Gokhale Bhosale Deshmukh Kale Sawant Apte "
        "Chavan",
        hindi_speaking=0.15, ),
    "gujarati": _pool(
        "Hardik Jignesh Chirag Parth Dhaval Ketan Nirav Bhavesh Hiren Mehul Kalpesh Jay",
        "Hetal Krupa Dhara Nisha Jinal Foram Khushbu Bhoomi Riddhi Mansi Pooja Komal",
        "Patel Shah Mehta Desai Joshi Trivedi Parikh Modi Bhatt Gandhi Thakkar Vyas Pandya Chauhan",
        hindi_speaking=0.2, ),
    "punjabi": _pool(
        "Gurpreet Harpreet Manpreet Jaspreet Amandeep Harjeet Simranjit Karan Arjun Navdeep Rajveer "
        "Inderjit",
        "Simran Harleen Navneet Jasleen Gurleen Manpreet Amrit Kirandeep Rupinder Parminder Ishleen Mehak",
        "Gill Sandhu Dhillon Grewal Sidhu Bajwa Malhotra Kapoor Khanna Arora Sethi Ahluwalia Bedi Chadha",
        male_surnames=("Singh", "Singh"),
        female_surnames=("Kaur", "Kaur"),
        hindi_speaking=0.3, ),
    "malayalam": _pool(
        "Anoop Arjun Vishnu Sreejith Rahul Jithin Nikhil Akhil Sanju Midhun Rajeev Unnikrishnan",
        "Anjali Aswathy Lekshmi Reshma Sreelakshmi Athira Divya Gopika Nimisha Parvathy Arya Keerthi",
        "Nair Menon Pillai Kurup Namboothiri Panicker Warrier Nambiar Kartha Unnithan Krishnan Varma", ),
    "muslim": _pool(
        "Mohammed Abdul Imran Faisal Arshad Sameer Irfan Salman Tariq Zaheer Asif Rizwan Aamir Sohail "
        "Shoaib Mujeeb",
        "Ayesha Fatima Sana Zoya Nazia Shabana Farheen Heena Rukhsar Sadia Mehreen Afreen Tabassum "
        "Nausheen Zainab Huma",
        "Khan Shaikh Siddiqui Ansari Qureshi Syed Pasha Hussain Ahmed Baig Mirza Farooqui Rizvi Hashmi "
        "Quadri",
        hindi_speaking=0.25, ),
    "christian": _pool(
        "Joseph Thomas George Mathew John Peter Anthony Francis Jacob Sebastian Abraham Daniel Samuel "
        "Stephen",
        "Mary Annie Jincy Teresa Susan Shiny Reena Grace Elizabeth Jessy Rachel Sharon Merlin Christina",
        "D'Souza Fernandes Pereira Rodrigues Pinto Lobo Mathew Thomas Varghese Kurian Joseph Chacko "
        "Abraham George", ),
}

# How each branch's patients are drawn from the pools (relative weights).
REGION_MIX = {
    "BLR": {"kannada": 22, "tamil": 12, "telugu": 8, "malayalam": 10, "hindi": 14, "bengali": 5, "marathi": 5,
            "gujarati": 4, "punjabi": 3, "muslim": 10, "christian": 7},
    "HYD": {"telugu": 35, "muslim": 20, "hindi": 12, "tamil": 6, "kannada": 4, "malayalam": 4, "bengali": 4,
            "marathi": 5, "gujarati": 4, "punjabi": 3, "christian": 3},
}
BRANCH_SHARE = {"BLR": 55, "HYD": 45}

# Localities with their real PIN codes.
LOCALITIES = {
    "BLR": [
        ("Indiranagar", "560038"), ("Koramangala", "560034"), ("HSR Layout", "560102"),
        ("Whitefield", "560066"), ("Jayanagar", "560041"), ("JP Nagar", "560078"),
        ("Malleshwaram", "560003"), ("Rajajinagar", "560010"), ("Hebbal", "560024"),
        ("Marathahalli", "560037"), ("Electronic City", "560100"), ("Banashankari", "560070"),
        ("BTM Layout", "560076"), ("Yelahanka", "560064"), ("Basavanagudi", "560004"),
        ("Frazer Town", "560005"), ("Bellandur", "560103"), ("Domlur", "560071"),
        ("CV Raman Nagar", "560093"), ("Sadashivanagar", "560080"),
    ],
    "HYD": [
        ("Jubilee Hills", "500033"), ("Banjara Hills", "500034"), ("Madhapur", "500081"),
        ("Gachibowli", "500032"), ("Kondapur", "500084"), ("Kukatpally", "500072"),
        ("Ameerpet", "500016"), ("Secunderabad", "500003"), ("Somajiguda", "500082"),
        ("Himayatnagar", "500029"), ("Miyapur", "500049"), ("Manikonda", "500089"),
        ("Dilsukhnagar", "500060"), ("Tolichowki", "500008"), ("Mehdipatnam", "500028"),
        ("Attapur", "500048"), ("Kompally", "500014"), ("Uppal", "500039"),
        ("LB Nagar", "500074"), ("Nallakunta", "500044"),
    ],
}
CITY = {"BLR": "Bengaluru, Karnataka", "HYD": "Hyderabad, Telangana"}
APARTMENTS = (
    "Sai Krupa Residency", "Green Park Apartments", "Skyline Heights", "Sri Lakshmi Enclave",
    "Lake View Towers", "Palm Meadows", "Orchid Residency", "Silver Oak Apartments", "Sunshine Enclave",
    "Royal Gardens", )
BLR_ROADS = ("100 Feet Road", "80 Feet Road", "Outer Ring Road", "Sarjapur Road", "Old Airport Road",
             "CMH Road")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
# fmt: on

# (youngest, oldest, weight): a dermatology and aesthetics clinic sees mostly young adults.
AGE_BANDS = ((5, 12, 5), (13, 17, 8), (18, 30, 32), (31, 45, 30), (46, 59, 13), (60, 85, 12))
SENIOR_CITIZEN_AGE = 60
ADULT_AGE = 18
