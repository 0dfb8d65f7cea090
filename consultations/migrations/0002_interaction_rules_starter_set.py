"""A starter set of drug-interaction rules for a dermatology clinic, each naming where it comes from.

These are the interactions the product labels of the drugs dermatologists prescribe most often
(isotretinoin, acitretin, methotrexate, azole antifungals, terbinafine, spironolactone, colchicine)
state themselves. They are a starting point, not a formulary: the back office edits, adds and
switches off rules (consultations.InteractionRule in the admin). Names are lower case; a "class"
rule matches the drug_class of the clinic's medicines (e.g. "tetracycline"), a "generic" rule the
generic name of a medicine, of a typed-in medicine, or of one the patient already takes.
"""

from django.db import migrations

ISOTRETINOIN_LABEL = "Isotretinoin US prescribing information (e.g. Absorica, Claravis)"
ACITRETIN_LABEL = "Acitretin US prescribing information (Soriatane)"
METHOTREXATE_LABEL = "Methotrexate US prescribing information"
ITRACONAZOLE_LABEL = "Itraconazole US prescribing information (Sporanox)"
KETOCONAZOLE_LABEL = "Ketoconazole tablets US prescribing information"
TERBINAFINE_LABEL = "Terbinafine tablets US prescribing information (Lamisil)"
SPIRONOLACTONE_LABEL = "Spironolactone US prescribing information (Aldactone)"
COLCHICINE_LABEL = "Colchicine US prescribing information (Colcrys)"

PSEUDOTUMOR = (
    "Both can raise intracranial pressure; pseudotumor cerebri (benign intracranial hypertension) has "
    "been reported with the combination. Do not give together."
)
VITAMIN_A = (
    "Additive vitamin A toxicity (hypervitaminosis A). Stop oral vitamin A supplements during treatment."
)
STATIN_CONTRAINDICATED = (
    "The azole blocks CYP3A4, raising the statin's levels: risk of myopathy and rhabdomyolysis. "
    "Contraindicated; pause the statin during the antifungal course."
)
STATIN_CAUTION = (
    "The azole blocks CYP3A4, raising atorvastatin levels: risk of myopathy. Use the lowest statin dose "
    "or pause it during the antifungal course, and ask about muscle pain."
)
MTX_NSAID = (
    "NSAIDs reduce methotrexate clearance; severe, sometimes fatal, bone-marrow suppression and "
    "gastrointestinal toxicity have been reported. Avoid, or monitor blood counts closely."
)
MTX_ANTIFOLATE = (
    "Both are antifolates: added bone-marrow suppression (pancytopenia, megaloblastic anaemia), "
    "reported as fatal. Avoid the combination."
)
TERBINAFINE_2D6 = (
    "Terbinafine inhibits CYP2D6 and raises tricyclic antidepressant levels (and may for months after "
    "stopping). Monitor for toxicity; a lower dose may be needed."
)
HYPERKALAEMIA = (
    "Added potassium retention: risk of serious hyperkalaemia. Avoid, or check potassium and renal "
    "function before and during treatment."
)

# (kind A, drug A, kind B, drug B, severity, message, source)
RULES = [
    *[
        ("generic", "isotretinoin", kind, name, "contraindicated", PSEUDOTUMOR,
         f"{ISOTRETINOIN_LABEL}, Warnings and Precautions: Pseudotumor cerebri")
        for kind, name in (("class", "tetracycline"), ("generic", "doxycycline"), ("generic", "minocycline"),
                           ("generic", "tetracycline"))
    ],
    ("generic", "isotretinoin", "generic", "vitamin a", "major", VITAMIN_A,
     f"{ISOTRETINOIN_LABEL}, Drug Interactions: Vitamin A"),
    *[
        ("generic", "acitretin", kind, name, "contraindicated", PSEUDOTUMOR,
         f"{ACITRETIN_LABEL}, Contraindications: tetracyclines")
        for kind, name in (("class", "tetracycline"), ("generic", "doxycycline"), ("generic", "minocycline"),
                           ("generic", "tetracycline"))
    ],
    ("generic", "acitretin", "generic", "methotrexate", "contraindicated",
     "An increased risk of hepatitis has been reported with the combination. Do not give together.",
     f"{ACITRETIN_LABEL}, Contraindications: methotrexate"),
    ("generic", "acitretin", "generic", "vitamin a", "major", VITAMIN_A,
     f"{ACITRETIN_LABEL}, Drug Interactions: vitamin A and other retinoids"),
    *[
        ("generic", "methotrexate", kind, name, "major", MTX_NSAID,
         f"{METHOTREXATE_LABEL}, Drug Interactions: NSAIDs")
        for kind, name in (("class", "nsaid"), ("generic", "ibuprofen"), ("generic", "diclofenac"),
                           ("generic", "aceclofenac"), ("generic", "naproxen"), ("generic", "aspirin"))
    ],
    *[
        ("generic", "methotrexate", "generic", name, "major", MTX_ANTIFOLATE,
         f"{METHOTREXATE_LABEL}, Drug Interactions: trimethoprim/sulfamethoxazole")
        for name in ("trimethoprim", "cotrimoxazole", "co-trimoxazole")
    ],
    ("generic", "methotrexate", "class", "penicillin", "moderate",
     "Penicillins can reduce the renal clearance of methotrexate, raising its levels and toxicity. "
     "Monitor blood counts, or choose another antibiotic.",
     f"{METHOTREXATE_LABEL}, Drug Interactions: penicillins"),
    *[
        (
            "generic", azole, "generic", statin,
            "major" if statin == "atorvastatin" else "contraindicated",
            STATIN_CAUTION if statin == "atorvastatin" else STATIN_CONTRAINDICATED,
            f"{label}, {'Drug Interactions' if statin == 'atorvastatin' else 'Contraindications'}: {statin}",
        )
        for azole, label in (("itraconazole", ITRACONAZOLE_LABEL), ("ketoconazole", KETOCONAZOLE_LABEL))
        for statin in ("simvastatin", "lovastatin", "atorvastatin")
    ],
    ("generic", "itraconazole", "generic", "cyclosporine", "major",
     "Itraconazole raises ciclosporin levels (CYP3A4): risk of nephrotoxicity. Monitor ciclosporin "
     "levels and reduce its dose.",
     f"{ITRACONAZOLE_LABEL}, Drug Interactions: cyclosporine"),
    *[
        ("generic", "terbinafine", kind, name, "moderate", TERBINAFINE_2D6,
         f"{TERBINAFINE_LABEL}, Drug Interactions: drugs metabolized by CYP2D6")
        for kind, name in (("class", "tricyclic antidepressant"), ("generic", "amitriptyline"),
                           ("generic", "nortriptyline"), ("generic", "desipramine"))
    ],
    *[
        ("generic", "spironolactone", kind, name, "major", HYPERKALAEMIA,
         f"{SPIRONOLACTONE_LABEL}, Warnings: Hyperkalemia")
        for kind, name in (("generic", "potassium chloride"), ("class", "ace inhibitor"), ("generic", "enalapril"),
                           ("generic", "ramipril"), ("generic", "telmisartan"), ("generic", "losartan"))
    ],
    ("generic", "colchicine", "generic", "clarithromycin", "major",
     "Clarithromycin (a strong CYP3A4 and P-gp inhibitor) raises colchicine levels; fatal colchicine "
     "toxicity has been reported. Avoid, or reduce the colchicine dose; contraindicated with renal or "
     "hepatic impairment.",
     f"{COLCHICINE_LABEL}, Drug Interactions: strong CYP3A4 and P-gp inhibitors"),
]


def add_rules(apps, schema_editor):
    InteractionRule = apps.get_model("consultations", "InteractionRule")
    for kind_a, drug_a, kind_b, drug_b, severity, message, source in RULES:
        InteractionRule.objects.update_or_create(
            drug_a_kind=kind_a,
            drug_a=drug_a,
            drug_b_kind=kind_b,
            drug_b=drug_b,
            defaults={"severity": severity, "message": message, "source": source},
        )


def remove_rules(apps, schema_editor):
    InteractionRule = apps.get_model("consultations", "InteractionRule")
    for kind_a, drug_a, kind_b, drug_b, *_ in RULES:
        InteractionRule.objects.filter(drug_a_kind=kind_a, drug_a=drug_a, drug_b_kind=kind_b, drug_b=drug_b).delete()


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
