import re

from django.db.models import QuerySet

from clinic import blind_index
from clinic.identifiers import phone_like, phone_normalize
from clinic.models import Patient

MRN_LIKE = re.compile(r"^MRN-?", re.IGNORECASE)


def patient_base_queryset() -> QuerySet[Patient]:
    """Patients with what decrypting and showing them needs, in the same query."""
    return Patient.objects.alive().select_related("pii_key", "registered_branch")


def patient_search(*, query: str, branch_ids: list | None = None, limit: int = 20) -> QuerySet[Patient]:
    """One box for phone (any format), MRN, or name words (each a prefix of 3+ letters)."""
    query = (query or "").strip()
    qs = patient_base_queryset()
    if branch_ids is not None:
        qs = qs.filter(registered_branch_id__in=branch_ids)
    if not query:
        return qs.none()
    if phone_like(query):
        try:
            token = blind_index.phone_token(phone_normalize(query))
        except Exception:  # noqa: BLE001 - not a valid number: nothing can match it
            return qs.none()
        return qs.filter(phone_index__contains=[token])[:limit]
    if MRN_LIKE.match(query):
        return qs.filter(mrn__istartswith=query.upper())[:limit]
    words = blind_index.name_words(query)
    if not words:
        return qs.none()
    return qs.filter(name_index__contains=blind_index.name_query_tokens(query))[:limit]
