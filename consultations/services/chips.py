"""A doctor's one-tap chips (DoctorChips): the ICD-10 codes and the clinic medicines they gave most
in their last RECENT_CONSULTATIONS completed visits. Worked out in one statement when one of their
visits completes (consultation_transition), and read by the visit page with the rest of the visit
(consultations.selectors.VISIT_SQL), which adds the clinic's common codes and today's stock.

Two of a doctor's visits completing at once may each count without the other; the next completion
counts both. Changes after completion (an amended prescription) count from the next completion.
"""

import uuid

from django.db import connection

from consultations.models import ConsultationStatus

RECENT_CONSULTATIONS = 100  # how far back "recent" looks: the doctor's last 100 completed visits
HABIT_CHIPS = 8  # recent codes and medicines offered as chips

# The recent visits are a MATERIALIZED CTE: PostgreSQL reads the 100 ids through the (doctor,
# started_at) index first and then looks up their diagnoses and items by index; as a plain
# subquery it hash-joined whole tables (decision 0045).
CHIPS_REFRESH_SQL = """
    WITH recent AS MATERIALIZED (
        SELECT id FROM consultations_consultation
         WHERE doctor_id = %(doctor)s AND status = %(completed)s
         ORDER BY started_at DESC LIMIT %(recent)s
    ),
    recent_codes AS (
        SELECT dc.code, dc.title, COUNT(*) AS uses
          FROM recent
          JOIN consultations_consultationdiagnosis cd ON cd.consultation_id = recent.id
          JOIN consultations_diagnosiscode dc ON dc.id = cd.code_id
         GROUP BY dc.code, dc.title
         ORDER BY uses DESC, dc.code LIMIT %(chips)s
    ),
    recent_medicines AS (
        SELECT pi.medicine_id, COUNT(*) AS uses
          FROM recent
          JOIN consultations_prescription p ON p.consultation_id = recent.id
          JOIN consultations_prescriptionitem pi ON pi.prescription_id = p.id
         WHERE pi.medicine_id IS NOT NULL
         GROUP BY pi.medicine_id
         ORDER BY uses DESC, pi.medicine_id LIMIT %(chips)s
    )
    INSERT INTO consultations_doctorchips (doctor_id, codes, medicine_ids, updated_at)
    SELECT %(doctor)s,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('code', code, 'title', title)
                                      ORDER BY uses DESC, code), '[]'::jsonb) FROM recent_codes),
           (SELECT coalesce(jsonb_agg(medicine_id ORDER BY uses DESC, medicine_id::text), '[]'::jsonb)
              FROM recent_medicines),
           now()
    ON CONFLICT (doctor_id) DO UPDATE
       SET codes = EXCLUDED.codes, medicine_ids = EXCLUDED.medicine_ids, updated_at = EXCLUDED.updated_at
"""


def doctor_chips_refresh(*, doctor_id: uuid.UUID) -> None:
    """Count the doctor's last completed visits again (one statement; in the caller's transaction,
    so a visit completing in it is counted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            CHIPS_REFRESH_SQL,
            {
                "doctor": doctor_id,
                "completed": ConsultationStatus.COMPLETED,
                "recent": RECENT_CONSULTATIONS,
                "chips": HABIT_CHIPS,
            },
        )
