"""The detectors one by one: each identifier in the forms speech-to-text writes, and clinical text untouched.

No database: the defaults that migration 0002 seeds are passed in (tests/voice/helpers.py).
"""

import pytest

from tests.voice.helpers import masked, spans_of
from voice.privacy import KnownIdentifiers
from voice.privacy.numbers import digit_runs, verhoeff_valid

NOBODY = KnownIdentifiers()


def types_in(text: str, known: KnownIdentifiers = NOBODY) -> set[str]:
    return {kind for _, kind in spans_of(text, known)}


def only_span(text: str, known: KnownIdentifiers = NOBODY) -> tuple[str, str]:
    found = spans_of(text, known)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize(
    "said",
    [
        "9845012345",
        "+91 98450 12345",
        "+91-9845012345",
        "098450 12345",
        "91 98450 12345",
        "984-501-2345",
        "98450-12345",
        "98 45 01 23 45",
        "9,845,012,345",  # speech-to-text reads it as one big number
        "nine eight four five zero one two three four five",
        "nine eight four five zero, one two three four five",
        "ninety eight forty five zero one twenty three forty five",
        "plus nine one nine eight four five zero one two three four five",
        "nau aath chaar paanch shunya ek do teen chaar paanch",
    ],
)
def test_phone_in_every_written_and_spoken_form(said):
    text = f"Mera number hai {said}, doctor."
    assert only_span(text) == (said, "phone")


def test_double_and_triple_digits_are_expanded():
    runs = digit_runs("nine double eight seven triple zero one two three")
    assert [r.digits for r in runs] == ["9887000123"]
    assert only_span("Call nine double eight seven triple zero one two three.")[1] == "phone"


def test_hindi_digit_words_and_a_trailing_ambiguous_word():
    # "do" (2) ends the number here; a lone "do" elsewhere is the English verb.
    assert only_span("number nau aath chaar paanch shunya ek do teen chaar do")[1] == "phone"
    assert masked("I do take it. Please do come.") == "I do take it. Please do come."


# ------------------------------------------------------------------ Aadhaar, VID, ABHA, PAN


def test_aadhaar_verhoeff_valid_in_any_grouping():
    assert verhoeff_valid("234123412346")
    for said in ("2341 2341 2346", "2341-2341-2346", "234123412346", "234,123,412,346"):
        assert only_span(f"Aadhaar is {said}.") == (said, "aadhaar"), said


def test_aadhaar_spoken_in_english_and_hindi():
    english = "two three four one, two three four one, two three four six"
    hindi = "do teen chaar ek do teen chaar ek do teen chaar chhe"
    assert only_span(f"Aadhaar is {english}.") == (english, "aadhaar")
    assert only_span(f"Aadhaar hai {hindi}.") == (hindi, "aadhaar")


def test_verhoeff_invalid_twelve_digits_are_still_masked():
    assert not verhoeff_valid("234123412345")
    out = masked("Aadhaar is 2341 2341 2345.")
    assert not any(ch.isdigit() for ch in out)


def test_invalid_aadhaar_is_not_typed_aadhaar_by_the_code_detector():
    from voice.privacy.detectors import number_spans

    assert [s.type for s in number_spans("Aadhaar is 2341 2341 2345.", NOBODY)] == ["id_number"]
    assert [s.type for s in number_spans("Aadhaar is 2341 2341 2346.", NOBODY)] == ["aadhaar"]


def test_virtual_id_and_abha_number():
    assert only_span("Virtual ID 2345 6789 0123 4565.") == ("2345 6789 0123 4565", "vid")
    for said in ("91-1234-5678-9012", "91 1234 5678 9012", "91123456789012"):
        assert only_span(f"My ABHA number is {said} ok") == (said, "abha")


@pytest.mark.parametrize(
    ("said", "surface"),
    [
        ("rahulf47@abdm", "rahulf47@abdm"),
        ("rahul.f47@sbx", "rahul.f47@sbx"),
        ("rahulf47 at the rate abdm", "rahulf47 at the rate abdm"),
        ("rahulf47 @ abdm", "rahulf47 @ abdm"),
    ],
)
def test_abha_address(said, surface):
    assert only_span(f"ABHA address is {said}.") == (surface, "abha_address")


@pytest.mark.parametrize("said", ["ABCPV1234K", "abcpv1234k", "ABCPV 1234 K", "A B C P V 1 2 3 4 K"])
def test_pan_and_its_spoken_forms(said):
    assert only_span(f"Pen card number {said}.") == (said, "pan")


def test_pan_shaped_words_that_are_not_a_pan_survive():
    assert masked("a sent 1234 x") == "a sent 1234 x"  # fourth letter is no PAN holder type


# ------------------------------------------------------------------ email, PIN, dates


@pytest.mark.parametrize(
    "said",
    [
        "rekha.menon38@rediffmail.com",
        "rekha dot menon38 at the rate gmail dot com",
        "rekha dot menon thirty eight at gmail dot com",
        "rekha_menon at yahoo dot co dot in",
    ],
)
def test_email_written_and_spoken(said):
    assert only_span(f"Send it to {said} please.") == (said, "email")


def test_pin_code_only_in_an_address_context():
    assert ("600038", "pin") in spans_of("The courier goes to Chennai 600038 tomorrow.")
    assert ("560066", "pin") in spans_of("Pin code 560066.")
    assert ("five six zero zero six six", "pin") in spans_of("pincode five six zero zero six six")
    assert types_in("blood sugar 142, platelets 150000, count 250000") == set()


@pytest.mark.parametrize(
    "said",
    [
        "13/12/1975",
        "13-12-1975",
        "13.12.1975",
        "1975-12-13",
        "13th December 1975",
        "December 13, 1975",
        "13 Dec '75",
        "thirteenth December nineteen seventy five",
        "the 13th of December 1975",
    ],
)
def test_date_of_birth_in_any_written_form(said):
    known = KnownIdentifiers.from_dict({"name": "X Y", "dob": "13/12/1975"})
    found = spans_of(f"Date of birth? {said}.", known)
    assert any(kind == "dob" and said.endswith(surface) for surface, kind in found), found


def test_known_birthday_without_a_year_and_a_date_after_a_birth_cue():
    known = KnownIdentifiers.from_dict({"name": "X Y", "dob": "13/12/1975"})
    assert ("13th December", "dob") in spans_of("My birthday is on 13th December.", known)
    assert ("5 March 2001", "dob") in spans_of("My son was born on 5 March 2001.", NOBODY)


def test_recent_dates_and_durations_are_kept():
    text = f"Review on 15th March. Started 2 weeks ago. Follow up 10/{1 + 0}."
    assert masked(text) == text


# ------------------------------------------------------------------ names


def test_known_names_lowercase_honorifics_and_ji(known_tarun):
    for text, surface in [
        ("Good morning, Mr. Kumar.", "Kumar"),
        ("I am tarun kumar.", "tarun kumar"),
        ("Tarun ji, baithiye.", "Tarun"),
        ("Aaiye Kumar-ji.", "Kumar-ji"),
        ("Theek hai Tarunji.", "Tarunji"),
        ("Shri Tarun Kumar is here.", "Tarun Kumar"),
    ]:
        assert (surface, "name") in spans_of(text, known_tarun), text


def test_misspelt_known_name_is_caught(known_tarun):
    assert ("Taran", "name") in spans_of("Hello Taran, come in.", known_tarun)
    assert ("Tarunn", "name") in spans_of("Tarunn said the rash itches.", known_tarun)


def test_relatives_and_people_the_record_does_not_know(known_tarun):
    text = (
        "My wife Mary also had it. My neighbour Ojasvi Ketkar told me. Call Dr. Faisal Iyer. "
        "Meri beti Priya ko bhi. my friend's name is tvisha lobo. Sunita ne bataya."
    )
    names = [surface for surface, kind in spans_of(text, known_tarun) if kind == "name"]
    assert names == ["Mary", "Ojasvi Ketkar", "Faisal Iyer", "Priya", "tvisha lobo", "Sunita"]


def test_a_weak_name_part_needs_a_name_context():
    known = KnownIdentifiers.from_dict({"name": "Harpreet Das"})
    assert masked("Das din se bukhar hai.", known) == "Das din se bukhar hai."
    assert "Das" not in masked("Good morning, Mr. Das.", known)
    assert "das" not in masked("I am harpreet das.", known)


def test_clinical_words_after_triggers_are_not_names():
    text = "I am diabetic. Doctor said rest. Dr. advised Isotretinoin. This is Psoriasis."
    assert masked(text) == text


# ------------------------------------------------------------------ addresses


def test_known_address_parts_wherever_they_appear(known_tarun):
    text = "I stay near Green Park Residency, off MG Road in Indiranagar."
    out = masked(text, known_tarun)
    for part in ("Green Park Residency", "MG Road", "Indiranagar"):
        assert part not in out


def test_unknown_address_after_a_cue_and_in_hindi():
    out = masked("My address is H.No. 45, Gali No. 3, Lajpat Nagar, New Delhi 110024. BP 130/80.")
    assert out == "My address is [ADDRESS_REDACTED]. BP 130/80."
    out = masked("Main Gomti Nagar mein rehta hoon.")
    assert "Gomti" not in out and out.startswith("Main ")


# ------------------------------------------------------------------ clinical content survives


@pytest.mark.parametrize(
    "text",
    [
        "pulse 78",
        "BP 130/80",
        "Isotretinoin 20 mg",
        "1-0-1",
        "blood sugar 142",
        "8 weeks",
        "Levocetirizine 5 mg 1-0-1 for 10 days",
        "SpO2 98%, temperature 99.4, weight 72 kg, HbA1c 7.2",
        "Platelets 1,50,000, Vitamin D3 60,000 IU once a week",
        "Sugar readings 120, 140, 160 and 120 140 160",
        "Tab Dolo 650 SOS, Syp Ascoril 5 ml TDS, Cap Omez 20 mg",
        "teen din se bukhar, do goli subah shaam, din mein do baar",
        "Minoxidil 5% solution 1 ml twice a day for 6 months",
        "Sunscreen SPF 50 every 3 hours daily",
    ],
)
def test_clinical_numbers_and_words_are_untouched(text, known_tarun):
    assert masked(text, known_tarun) == text


def test_devanagari_digits_are_read_as_digits():
    assert only_span("मेरा नंबर ९८४५० १२३४५ है") == ("९८४५० १२३४५", "phone")


def test_two_letter_name_parts_need_a_name_context():
    known = KnownIdentifiers.from_dict({"name": "Md Irfan"})
    assert masked("MD Dermatology.", known) == "MD Dermatology."
    assert "Irfan" not in masked("Md. Irfan ji, please sit.", known)


# ------------------------------------------------------------------ what the red team found (decision 0010)


@pytest.mark.parametrize(
    "said",
    [
        "twenty two december nineteen fifty",  # the day said as a cardinal
        "seven august fifty one",  # a two-digit year said as a number
        "sixteen october two thousand one",
    ],
)
def test_date_of_birth_read_aloud_with_cardinal_days_and_short_years(said):
    found = spans_of(f"I was born on {said}, doctor.")
    assert (said, "dob") in found, found


def test_a_follow_up_date_after_the_birth_date_is_kept():
    known = KnownIdentifiers.from_dict({"name": "X Y", "dob": "15/12/1970"})
    text = "DOB is 15/12/1970.\nFollow up 12/12/2026, token 17.\nCome back on 15th December."
    out = masked(text, known)
    assert out == "DOB is [DOB_REDACTED].\nFollow up 12/12/2026, token 17.\nCome back on 15th December."


def test_a_birth_date_answering_the_question_before_it():
    assert ("3/10/2020", "dob") in spans_of("Speaker 0: His date of birth?\nSpeaker 1: 3/10/2020.")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Please see Dr. K. Venkatesh tomorrow.", "K. Venkatesh"),
        ("if it gets worse call dr d. lyngdoh", "d. lyngdoh"),
        ("Next, Rituparna C? Please go in.", "Rituparna C"),
        ("mera naam balwinder k hai", "balwinder k"),
        ("this is m. raina speaking", "m. raina"),
    ],
)
def test_initials_before_and_after_a_name(text, name):
    assert (name, "name") in spans_of(text), spans_of(text)


def test_a_lowercase_name_after_doctor_only_when_the_doctor_is_spoken_of():
    assert ("irani", "name") in spans_of("if it gets worse call doctor irani")
    assert ("jonali", "name") in spans_of("aap doctor jonali ko dikhane aaye ho")
    text = "Doctor khujli ho rahi hai raat ko"
    assert masked(text) == text


def test_a_title_makes_a_name_of_a_word_that_is_also_a_place_or_a_job():
    assert ("Gali", "name") in spans_of("Call Dr. Gali at the clinic.")
    assert ("Engineer", "name") in spans_of("Mrs. Engineer sent me.")
    assert masked("Sat sri akal doctor sahab.") == "Sat sri akal doctor sahab."


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Our maid Happy has the same rash.", "Happy"),
        ("my son lucky also scratches at night", "lucky"),
        ("pata hai pinky ne bhi yahi cream lagayi thi", "pinky"),
        ("Golu dada told me to come here.", "Golu"),
        ("meri nanad yashaswini ko bhi hai", "yashaswini"),
    ],
)
def test_pet_names_and_kin_words_with_a_person_context(text, name):
    assert (name, "name") in spans_of(text), spans_of(text)


def test_pet_names_without_a_person_context_stay_words():
    text = "Happy to help. Lucky that it is not contagious. I am happy with the cream."
    assert masked(text) == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Come in. Sarojini Sahoo, can you get the file?", "Sarojini Sahoo"),
        ("come in come in. sasmita pattnaik can you get the file", "sasmita pattnaik"),
        ("Jasleen from our office recommended you.", "Jasleen"),
        ("review after 3 weeks. kanimozhi will give you the date.", "kanimozhi"),
        ("Namaste, main Perizad reception se.", "Perizad"),
        ("i am dhaval call reception if needed", "dhaval"),
        ("ask sourav she knows the dose", "sourav"),
        ("So you are Inaya Ketkar, right?", "Inaya Ketkar"),
    ],
)
def test_people_addressed_or_spoken_of_by_staff(text, name):
    assert (name, "name") in spans_of(text), spans_of(text)


def test_people_listed_together():
    text = "meri patni sunaina aur do bachche chhotu aur munni sab ko khujli hai"
    names = [s for s, kind in spans_of(text) if kind == "name"]
    assert names == ["sunaina", "chhotu", "munni"]


def test_a_devanagari_name_after_mera_naam():
    assert ("सुनीता", "name") in spans_of("Mera naam सुनीता hai, please note.")
    assert ("अनिल", "name") in spans_of("मेरा नाम अनिल है")


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("We live near Hanuman mandir, Dombivli East.", "near Hanuman mandir"),
        ("It is opposite SBI bank, in Cuttack.", "opposite SBI bank"),
        ("P-12, Lake Town, near Lake Town Jaya cinema.", "near Lake Town Jaya cinema"),
        ("village Rampur, tehsil Sadar, district Gorakhpur", "village Rampur"),
        ("hum narkatiaganj ke paas rehte hain", "narkatiaganj"),
        ("Yes, No. 14, 2nd Street, Gopalapuram.", "No. 14,"),
        ("Kothi number 123, Sector 15-A, Chandigarh", "Kothi number 123"),
    ],
)
def test_landmarks_rural_and_door_number_addresses(text, place):
    assert place not in masked(text), masked(text)


def test_a_bare_house_number_on_the_record_does_not_mask_clinical_numbers():
    known = KnownIdentifiers.from_dict(
        {"name": "X Y", "address": "12, Lotus Apartments, Jayanagar, Bengaluru"}
    )
    text = "I am pregnant, 12 weeks. Ringworm near the groin and behind the ear. Doctor ke paas gaye."
    assert masked(text, known) == text


def test_an_address_listed_part_after_part_and_the_answer_to_where_do_you_stay():
    out = masked("I live at flat 221, Green Park Residency, MG Road, Indiranagar, Chennai. BP 130/80.")
    assert out == "I live at [ADDRESS_REDACTED]. BP 130/80."
    out = masked("house no 7 behind Shiv temple, Rajendra Nagar, Patna")
    assert "Patna" not in out and "Rajendra" not in out
    said = "Speaker 0: Address?\nSpeaker 1: H.No. 800, Lane 4, Benz Circle, Mangaluru.\nSpeaker 0: Okay."
    assert masked(said) == "Speaker 0: Address?\nSpeaker 1: [ADDRESS_REDACTED].\nSpeaker 0: Okay."
    out = masked("we shifted to sarabha nagar in kozhikode last year")
    assert "sarabha" not in out and "kozhikode" not in out
    text = "Speaker 0: Any allergies?\nSpeaker 1: Sulfa, doctor. Tab Isotretinoin 20 mg, Cap Omez 20 mg."
    assert masked(text) == text


def test_drug_brands_in_the_places_where_people_stand_stay_drugs():
    """The person rules above must not take a brand for a person: a brand the lists do not hold
    (Allegra, Betnovate) in the same positions stays readable."""
    text = "Allegra will give you relief in two days. Main Betnovate lagati hoon raat ko."
    assert masked(text) == text
    assert ("Sayali", "name") in spans_of("Sayali will give you the date.")


# ------------------------------------------------------------------ round 2 of issue 5


def test_every_hindi_number_from_1_to_100_has_one_row_and_no_spelling_means_two_values():
    from voice.privacy import hindi_numbers

    assert sorted(hindi_numbers.CARDINALS) == list(range(1, 101))
    seen: dict[str, int] = {}
    for value, (devanagari, *spellings) in hindi_numbers.CARDINALS.items():
        assert devanagari and not devanagari.isascii() and spellings, value
        for spelling in spellings:
            assert seen.setdefault(hindi_numbers.key(spelling), value) == value, spelling
            if value < 100:
                assert hindi_numbers.value(spelling) == value, spelling
    # the irregular ones people get wrong, and spellings the table does not list but folds
    said = {"unnees": 19, "unnis": 19, "untees": 29, "unchaas": 49, "unsath": 59, "unyaasi": 79,
            "nabbe": 90, "nabbey": 90, "ninyaanve": 99, "chhiyasi": 86, "chiyaasi": 86,
            "pandra": 15, "pandrah": 15, "satattar": 77, "athhattar": 78, "ikkees": 21}  # fmt: skip
    for word, value in said.items():
        assert hindi_numbers.value(word) == value, word


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("unnees sau nabbe", "1990"),
        ("do hazaar teen", "2003"),
        ("paanch sau chhiyasi, shunya shunya do", "586002"),
        ("six lakh eighty six thousand", "686000"),
    ],
)
def test_numbers_said_with_hindi_multipliers_read_as_one_number(said, digits):
    assert [run.digits for run in digit_runs(said)] == [digits]


@pytest.mark.parametrize(
    "said",
    [
        "Speaker 1: Janam tithi? pandrah august unnees sau nabbe, beta.",
        "Speaker 1: my date of birth is do march unnees sau assi",
        "Speaker 1: meri beti ka janam chaubees june do hazaar teen ko hua",
        "Speaker 1: date of birth nineteen ninety one twelfth may",
    ],
)
def test_a_date_of_birth_said_in_hindi_numbers_or_year_first(said):
    assert types_in(said) == {"dob"}, spans_of(said)


def test_a_pin_said_in_hindi_after_the_question_on_the_turn_before():
    text = "speaker 0: pin code\nspeaker 1: paanch sau sattar, shunya shunya do\nspeaker 0: theek hai"
    assert masked(text) == "speaker 0: pin code\nspeaker 1: [PIN_REDACTED]\nspeaker 0: theek hai"


@pytest.mark.parametrize(
    "text",
    [
        "Speaker 1: do hazaar rupees fees di thi, teen sau mg wali goli.",
        "Speaker 0: platelets do lakh pachaas hazaar hain, sugar do sau bees, BP ek sau tees by assi.",
        "Speaker 1: unnees sau nabbe se diabetes hai, das din se bukhar, bees din pehle shuru hua.",
        "Speaker 1: pandrah august ko dard shuru hua, mere saath meri bahu aayi hai.",
        "Speaker 0: paanch sau mg paracetamol din mein teen baar, chaubees ghante mein chaar se zyada nahi.",
        "Speaker 1: main ghar mein rehti hoon. the main road was blocked, hum log das saal se rehte hain.",
        "Speaker 0: he is in the general ward 7 since monday, second cross infection ruled out.",
        "Speaker 0: take 2 tablets, 5 ml syrup, no street food, 2 society wale log bhi aaye.",
    ],
)
def test_hindi_numbers_and_address_words_in_clinical_talk_stay(text):
    assert masked(text) == text


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("speaker 1: 14 gandhi nagar second cross bangalore", "14 gandhi nagar second cross bangalore"),
        (
            "speaker 1: hum log sunrise enclave mein rehte hain door no 231 kalyan circle mysore",
            "sunrise enclave 231 kalyan circle mysore",
        ),
        ("speaker 1: door no 231 kalyan circle mysore", "kalyan circle mysore"),
        ("speaker 1: flat 3c lotus apartments anna nagar west chennai", "anna nagar west chennai"),
        ("speaker 1: house number 553, ward 7 aliganj guwahati.", "ward 7 aliganj guwahati"),
        ("speaker 1: shree ganesh apartments mein rehte hain", "shree ganesh apartments"),
        ("Speaker 1: We shifted to Punkunnam, next to St. Mary's church, in Ludhiana last year.", "Ludhiana"),
        ("Speaker 1: Address B/402, Shyamal Row Houses, Satellite.", "Shyamal Row Houses, Satellite"),
    ],
)
def test_lowercase_addresses_without_a_cue_by_address_grammar(text, place):
    out = masked(text)
    for word in place.split():
        assert word.strip(",") not in out.split(": ", 1)[1].replace(",", " ").split(), (word, out)


def test_a_surname_that_is_also_an_address_word_after_a_title():
    assert ("Nagarjuna Gali", "name") in spans_of("If it gets worse, call Dr. Nagarjuna Gali.")
    assert "gali" not in masked("aap dr ravindranath gali ko dikhane aaye ho").split()
    # the address goes on: "Gali number 4" is a lane, not the doctor's surname
    found = spans_of("Dr. Sharma Gali number 4 mein rehte hain.")
    assert ("Sharma", "name") in found and not any("Gali" in s for s, kind in found if kind == "name")


def test_a_pet_name_said_as_oneself_at_the_reception():
    assert "baby" not in masked("namaste main baby reception se. aap doctor ko dikhane aaye ho").split()
    text = "main happy hoon, doctor. the itching is better."
    assert masked(text) == text


def test_a_birth_year_said_alone_in_hindi():
    assert only_span("Speaker 1: janam unnees sau nabbe mein hua tha.") == ("unnees sau nabbe", "dob")
    text = "Speaker 1: unnees sau nabbe se sugar hai, janam se nahi."
    assert masked(text) == text
