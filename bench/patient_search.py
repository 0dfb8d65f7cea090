"""Patient search on encrypted PII versus an indexed plaintext lookup, 50,000 patients.

    .venv/bin/python bench/patient_search.py [--patients 50000] [--repeat 200]

Prints the median latency of search by phone and by name prefix (decrypting what is shown), the
same for an indexed plaintext lookup of the same size (the MRN column: btree, plaintext), and their
ratios. Goal: each ratio <= 3. Last line: the figures; exit status 1 when a goal is missed.
"""

import argparse
import random
import sys
import time
import uuid

from _django import median_ms, scratch_database

from clinic import keystore
from clinic.models import Branch, DataKey, DataKeyPurpose, Hospital, Patient, PatientSearchToken
from clinic.selectors.patients import patient_base_queryset, patient_search
from clinic.services.patients import patient_search_tokens

GOAL_RATIO = 3.0
FIRST = [
    "Aarav",
    "Vihaan",
    "Ananya",
    "Diya",
    "Ishaan",
    "Kavya",
    "Lakshmi",
    "Mohammed",
    "Meera",
    "Nikhil",
    "Priya",
    "Rahul",
    "Ramesh",
    "Sanjay",
    "Shreya",
    "Sunita",
    "Tanvi",
    "Venkatesh",
    "Zoya",
    "Arjun",
    "Fatima",
    "Gurpreet",
    "Harish",
    "Joseph",
    "Kiran",
    "Manoj",
    "Nandini",
    "Pooja",
    "Rekha",
    "Suresh",
]
LAST = [
    "Sharma",
    "Verma",
    "Iyer",
    "Reddy",
    "Nair",
    "Khan",
    "Patel",
    "Singh",
    "Gowda",
    "Rao",
    "Das",
    "Banerjee",
    "Kulkarni",
    "Menon",
    "Pillai",
    "Chowdhury",
    "Joshi",
    "Desai",
    "Fernandes",
    "Shetty",
]


def load(n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    hospital = Hospital.objects.create(code="BENCH", name="Bench Clinic")
    branch = Branch.objects.create(
        hospital=hospital,
        code="BEN",
        name="Bench",
        address_line1="1 Road",
        city="Bengaluru",
        state="Karnataka",
        pin_code="560001",
    )
    phones, mrns = [], []
    batch: list[Patient] = []
    keys: list[DataKey] = []
    for i in range(n):
        pid = uuid.uuid4()
        key = DataKey(id=uuid.uuid4(), subject_id=pid, purpose=DataKeyPurpose.PII)
        keystore._wrap(key, keystore.crypto.new_key())
        phone = f"+91{rng.choice('6789')}{rng.randrange(10**8, 10**9):09d}"
        mrn = f"MRN-BEN-2026-{i + 1:06d}"
        patient = Patient(
            id=pid,
            mrn=mrn,
            registered_branch=branch,
            pii_key=key,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            phone=phone,
        )
        batch.append(patient)
        keys.append(key)
        phones.append(phone)
        mrns.append(mrn)
        if len(batch) == 2000 or i == n - 1:
            # The same encryption and tokens as clinic.services.patients, written in bulk.
            DataKey.objects.bulk_create(keys)
            Patient.objects.bulk_create(batch)
            PatientSearchToken.objects.bulk_create(
                [PatientSearchToken(patient=p, token=t) for p in batch for t in patient_search_tokens(p)]
            )
            batch, keys = [], []
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return phones, mrns


def shown(patients) -> list[str]:
    return [p.full_name for p in patients]  # what the front desk sees: decrypts each row


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(42)

    with scratch_database():
        start = time.perf_counter()
        phones, mrns = load(args.patients, rng)
        print(f"loaded {args.patients} encrypted patients in {time.perf_counter() - start:.1f} s")
        sample_phones = rng.sample(phones, 50)
        sample_mrns = rng.sample(mrns, 50)
        spoken_phones = [f"0{p[3:8]}-{p[8:]}" for p in sample_phones]  # typed as the front desk would
        prefixes = [w[:n].lower() for w in FIRST[:10] + LAST[:10] for n in (3, 4)]
        mrn_prefixes = [m[:-2] for m in sample_mrns]  # 100 matches each, like a name prefix

        phone_ms = median_ms(
            lambda q: shown(patient_search(query=q)), repeat=args.repeat, args_list=spoken_phones
        )
        plain_exact_ms = median_ms(
            lambda m: shown(patient_base_queryset().filter(mrn=m)), repeat=args.repeat, args_list=sample_mrns
        )
        name_ms = median_ms(lambda q: shown(patient_search(query=q)), repeat=args.repeat, args_list=prefixes)
        plain_prefix_ms = median_ms(
            lambda m: shown(patient_base_queryset().filter(mrn__startswith=m)[:20]),
            repeat=args.repeat,
            args_list=mrn_prefixes,
        )

    phone_ratio = phone_ms / plain_exact_ms
    name_ratio = name_ms / plain_prefix_ms
    ok = phone_ratio <= GOAL_RATIO and name_ratio <= GOAL_RATIO
    print(f"search by phone {phone_ms:.2f} ms vs plaintext indexed exact {plain_exact_ms:.2f} ms")
    print(f"search by name prefix {name_ms:.2f} ms vs plaintext indexed prefix {plain_prefix_ms:.2f} ms")
    print(
        f"patients={args.patients} phone_ms={phone_ms:.2f} name_ms={name_ms:.2f} "
        f"plain_exact_ms={plain_exact_ms:.2f} "
        f"plain_prefix_ms={plain_prefix_ms:.2f} phone_ratio={phone_ratio:.2f} name_ratio={name_ratio:.2f} "
        f"goal<={GOAL_RATIO} {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
