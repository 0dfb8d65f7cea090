import pytest

from tests.factories import StaffFactory, UserFactory


@pytest.fixture
def nurse_a(branch_a):
    user = UserFactory(username="nurse_a", groups=["Therapist/Nurse"])
    StaffFactory(
        user=user, staff_type="nurse", branches=[branch_a], hospital=branch_a.hospital, first_name="Lata"
    )
    return user
