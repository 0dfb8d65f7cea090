"""Shared fixture of the voice tests: one patient's identifiers, as the record holds them."""

import pytest

from voice.privacy import KnownIdentifiers


@pytest.fixture
def known_tarun() -> KnownIdentifiers:
    return KnownIdentifiers.from_dict(
        {
            "name": "Tarun Kumar",
            "phone": "9845012345",
            "aadhaar": "234123412346",
            "pan": "ABCPK1234F",
            "abha_number": "91-1234-5678-9012",
            "abha_address": "tarunk92@abdm",
            "email": "tarun.kumar92@gmail.com",
            "dob": "13/12/1975",
            "address": "flat 221, Green Park Residency, MG Road, Indiranagar, Chennai 600038",
            "relatives": [{"name": "Mary Kumar", "relation": "wife", "phone": "8384019161"}],
        },
        session_token="PATIENT_A7X9K2",
    )
