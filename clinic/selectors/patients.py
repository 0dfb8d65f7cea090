import re

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet

from clinic import blind_index
from clinic.identifiers import phone_like, phone_normalize
from clinic.models import Patient, PatientSearchToken

MRN_LIKE = re.compile(r"^MRN-?", re.IGNORECASE)


def patient_base_queryset() -> QuerySet[Patient]:
    """Patients with what decrypting and showing them needs, in the same query."""
    return Patient.objects.alive().select_related("pii_key", "registered_branch")


def with_all_tokens(qs: QuerySet[Patient], tokens: list[str]) -> QuerySet[Patient]:
    """Patients holding every one of these blind-index tokens."""
    for token in dict.fromkeys(tokens):
        qs = qs.filter(id__in=PatientSearchToken.objects.filter(token=token).values("patient_id"))
    return qs


def _matching_ids(tokens: list[str], *, branch_ids: list | None, limit: int) -> QuerySet:
    """Ids of the newest `limit` live patients holding every token.

    Walks the (token, id) index backwards from the first token and checks the others through the
    (patient, token) unique index, so a common prefix such as "ram" costs `limit` steps, not one
    per match.
    """
    first, *rest = dict.fromkeys(tokens)
    candidates = PatientSearchToken.objects.filter(token=first, patient__is_deleted=False)
    if branch_ids is not None:
        candidates = candidates.filter(patient__registered_branch_id__in=branch_ids)
    for token in rest:
        candidates = candidates.filter(
            Exists(PatientSearchToken.objects.filter(patient_id=OuterRef("patient_id"), token=token))
        )
    return candidates.order_by("-id").values("patient_id")[:limit]


def patient_search(*, query: str, branch_ids: list | None = None, limit: int = 20) -> QuerySet[Patient]:
    """One box for phone (any format), MRN, or name words (each a prefix of 3+ letters); newest first."""
    query = (query or "").strip()
    qs = patient_base_queryset()
    if branch_ids is not None:
        qs = qs.filter(registered_branch_id__in=branch_ids)
    if not query:
        return qs.none()
    if phone_like(query):
        try:
            tokens = [blind_index.phone_token(phone_normalize(query))]
        except ValidationError:
            return qs.none()
    elif MRN_LIKE.match(query):
        return qs.filter(mrn__istartswith=query.upper())[:limit]
    else:
        tokens = blind_index.name_query_tokens(query)
        if not tokens:
            return qs.none()
    return qs.filter(id__in=_matching_ids(tokens, branch_ids=branch_ids, limit=limit))
