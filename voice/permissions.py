"""Who may record, and who may read or listen to, a consultation's voice data (named `can_*` checks).

Until the consultations app registers its own checks (it knows the consultation's doctor and care
team; `register()` from its AppConfig.ready), the defaults are: a doctor of the recording's branch
may record; doctors of the branch (and superusers) may read transcripts and drafts and listen.
"""

from collections.abc import Callable

from clinic.models import StaffType
from clinic.permissions import branch_ids_for, in_group, staff_of

Check = Callable[..., bool]


def _in_branch(user, branch_id) -> bool:
    allowed = branch_ids_for(user)
    return allowed is None or branch_id in allowed


def _is_doctor(user) -> bool:
    staff = staff_of(user)
    return (
        staff is not None
        and staff.is_active
        and staff.staff_type == StaffType.DOCTOR
        and in_group(user, "Doctor")
    )


def default_can_record(user, recording) -> bool:
    """A doctor, of the branch where the consultation takes place."""
    if not getattr(user, "is_authenticated", False):
        return False
    return _is_doctor(user) and _in_branch(user, recording.branch_id)


def default_can_view(user, recording) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return _is_doctor(user) and _in_branch(user, recording.branch_id)


def default_can_start(user, *, branch_id, patient_id=None, consultation_id=None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return _is_doctor(user) and _in_branch(user, branch_id)


_DEFAULTS: dict[str, Check] = {
    "record": default_can_record,
    "view": default_can_view,
    "start": default_can_start,
}
_checks: dict[str, Check] = dict(_DEFAULTS)


def register(
    *, can_record: Check | None = None, can_view: Check | None = None, can_start: Check | None = None
):
    """Replace the default checks (None leaves one as it is)."""
    for name, check in (("record", can_record), ("view", can_view), ("start", can_start)):
        if check is not None:
            _checks[name] = check


def reset() -> None:
    _checks.clear()
    _checks.update(_DEFAULTS)


def can_record(user, recording) -> bool:
    return bool(_checks["record"](user, recording))


def can_view(user, recording) -> bool:
    return bool(_checks["view"](user, recording))


def can_start(user, *, branch_id, patient_id=None, consultation_id=None) -> bool:
    return bool(
        _checks["start"](user, branch_id=branch_id, patient_id=patient_id, consultation_id=consultation_id)
    )


def can_see_usage(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and in_group(user, "Admin")
