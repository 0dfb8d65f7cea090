"""Allergy and interaction checks of a prescription item: pure matching, no writes.

A drug is known by its ingredients (a combination such as "clindamycin + nicotinamide" has two)
and its class. An allergy matches when its allergen is one of the ingredients or names the class,
or when the allergy's class is the drug's class. A rule matches a pair when one side matches each
drug, in either order. Every warning has a stable `key`, which an override names.
"""

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from consultations.models import DrugMatch, InteractionRule, InteractionSeverity
from emr.models import AllergySeverity, PatientAllergy

_SPLIT = re.compile(r"\s*(?:\+|/|,|;|&|\band\b|\bwith\b)\s*", re.IGNORECASE)


def normalize(name: str) -> str:
    return " ".join((name or "").lower().split())


def names_of(text: str) -> frozenset[str]:
    return frozenset(n for n in (normalize(part) for part in _SPLIT.split(text or "")) if n)


@dataclass(frozen=True)
class Drug:
    label: str
    ingredients: frozenset[str]
    classes: frozenset[str]
    ref: str = ""
    medication_id: object = None
    topical: bool = False

    @classmethod
    def of(
        cls,
        *,
        label: str,
        generic_name: str,
        drug_class: str,
        ref: str = "",
        medication_id=None,
        topical=False,
    ) -> "Drug":
        return cls(
            label=label,
            ingredients=names_of(generic_name) or names_of(label),
            classes=names_of(drug_class),
            ref=ref,
            medication_id=medication_id,
            topical=topical,
        )

    def matches(self, kind: str, value: str) -> bool:
        value = normalize(value)
        return value in (self.classes if kind == DrugMatch.CLASS else self.ingredients)


@dataclass(frozen=True)
class DrugWarning:
    key: str
    kind: str
    severity: str
    message: str
    source: str = ""
    allergy_id: object = field(default=None, compare=False)
    rule_id: object = field(default=None, compare=False)
    other_medication_id: object = field(default=None, compare=False)

    def as_dict(self) -> dict:
        data = asdict(self)
        for name in ("allergy_id", "rule_id", "other_medication_id"):
            data[name] = str(data[name]) if data[name] else None
        return data


def allergy_warnings(drug: Drug, allergies: Iterable[PatientAllergy]) -> list[DrugWarning]:
    warnings = []
    for allergy in allergies:
        allergen = normalize(allergy.allergen_name)
        allergy_class = normalize(allergy.drug_class)
        if allergen in drug.ingredients:
            why = f"{drug.label} contains {allergen}"
        elif allergen in drug.classes:
            why = f"{drug.label} is a {allergen}"
        elif allergy_class and allergy_class in drug.classes:
            why = f"{drug.label} is in the same class ({allergy_class})"
        else:
            continue
        reaction = f" ({allergy.reaction})" if allergy.reaction else ""
        serious = allergy.severity in (AllergySeverity.SEVERE, AllergySeverity.LIFE_THREATENING)
        warnings.append(
            DrugWarning(
                key=f"allergy:{allergy.pk}",
                kind="allergy",
                severity=InteractionSeverity.CONTRAINDICATED if serious else InteractionSeverity.MAJOR,
                message=f"Allergy: the patient is allergic to {allergen}{reaction}, "
                f"{allergy.get_severity_display().lower()}; {why}.",
                source="Patient's allergy record",
                allergy_id=allergy.pk,
            )
        )
    return warnings


def rule_names(drugs: Iterable[Drug]) -> set[str]:
    """Every name a rule could be written with for these drugs (to fetch only the rules that can match)."""
    names: set[str] = set()
    for drug in drugs:
        names |= drug.ingredients | drug.classes
    return names


def interaction_warnings(
    drug: Drug, others: Iterable[Drug], rules: Iterable[InteractionRule]
) -> list[DrugWarning]:
    warnings = []
    others = list(others)
    said: set[tuple] = set()  # a class rule and a generic rule may say the same thing about one pair
    for rule in sorted(rules, key=lambda r: (r.drug_a_kind, r.drug_a, r.drug_b_kind, r.drug_b)):
        for other in others:
            if (drug.topical or other.topical) and not rule.include_topical:
                continue
            forward = drug.matches(rule.drug_a_kind, rule.drug_a) and other.matches(
                rule.drug_b_kind, rule.drug_b
            )
            backward = drug.matches(rule.drug_b_kind, rule.drug_b) and other.matches(
                rule.drug_a_kind, rule.drug_a
            )
            if not (forward or backward) or (other.ref, rule.message) in said:
                continue
            said.add((other.ref, rule.message))
            taking = " (which the patient already takes)" if other.medication_id else ""
            warnings.append(
                DrugWarning(
                    key=f"interaction:{rule.pk}:{other.ref}",
                    kind="interaction",
                    severity=rule.severity,
                    message=f"Interaction, {rule.get_severity_display().lower()}: {drug.label} with "
                    f"{other.label}{taking}. {rule.message}",
                    source=rule.source,
                    rule_id=rule.pk,
                    other_medication_id=other.medication_id,
                )
            )
    return warnings
