"""The privacy service of the ambient scribe (seed 5.4): identifiers are found and masked here, on
the clinic's own machine, before any text leaves it; names are put back here too.

    known = KnownIdentifiers.from_patient(patient, relatives=[...], session_token=token.session_token)
    result = anonymize(transcript, known)      # result.text goes to the LLM, through egress.py
    note = restore(llm_reply, result.mapping)  # the doctor reads real names again
"""

from voice.privacy.anonymize import Anonymized, anonymize, new_session_token, restore
from voice.privacy.detectors import DETECTOR_NAMES, Span, detect
from voice.privacy.known import KnownIdentifiers, KnownPerson

__all__ = [
    "DETECTOR_NAMES",
    "Anonymized",
    "KnownIdentifiers",
    "KnownPerson",
    "Span",
    "anonymize",
    "detect",
    "new_session_token",
    "restore",
]
