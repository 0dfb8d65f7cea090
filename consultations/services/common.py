"""What the consultation services share: refusals, locking, stale-edit detection, saving with history."""

import datetime

from django.db import models

from clinic.api_errors import ApplicationError, Conflict
from consultations.models import Consultation, ConsultationStatus


class StaleEdit(Conflict):
    """The client edited an old copy: someone else saved in between (a 409 with the server's time)."""

    code = "stale"


class ConsultationClosed(Conflict):
    code = "consultation_closed"


class NotYourConsultation(ApplicationError):
    code = "forbidden"
    http_status = 403


def check_fresh(row, expected_updated_at: datetime.datetime | None, what: str) -> None:
    if expected_updated_at is not None and row.updated_at != expected_updated_at:
        raise StaleEdit(
            f"The {what} was changed elsewhere since you opened it (perhaps on another device); "
            "reload to see the latest version.",
            extra={"updated_at": row.updated_at.isoformat() if row.updated_at else None},
        )


def lock_consultation(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("patient", "doctor", "branch", "appointment")
        .get(pk=consultation.pk)
    )


def require_open(consultation: Consultation, doing: str) -> None:
    if consultation.status in (ConsultationStatus.COMPLETED, ConsultationStatus.CANCELLED):
        raise ConsultationClosed(
            f"Consultation {consultation.number} is {consultation.get_status_display().lower()}; "
            f"{doing} is no longer possible.",
            extra={"status": consultation.status},
        )


def save_with_history(
    row: models.Model, *, acting_user, reason: str, fields: list[str] | None = None
) -> None:
    """Insert (fields=None) or update the named fields, stamping who and why for the history row."""
    if hasattr(row, "updated_by_id"):
        row.updated_by = acting_user
    row._history_user = acting_user
    row._change_reason = reason[:100]
    if fields is None:
        row.save(force_insert=True)
        return
    extra = [name for name in ("updated_by", "updated_at") if hasattr(row, name) and name not in fields]
    row.save(update_fields=[*fields, *extra])
