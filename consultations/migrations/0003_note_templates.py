"""Starting SOAP templates for the usual dermatology visits; the back office edits them."""

from django.db import migrations

TEMPLATES = [
    {
        "name": "Dermatology – new patient",
        "consultation_type": "initial",
        "display_order": 1,
        "sections": {
            "history_of_present_illness": "Onset: \nDuration: \nSite(s): \nItch / pain: \nAggravating / relieving: \n"
            "Treatment so far: ",
            "review_of_systems": "Fever: no. Joint pain: no. Hair / nail changes: no.",
            "physical_examination": "Morphology: \nDistribution: \nColour: \nSecondary changes: \n"
            "Hair / nails / mucosa: ",
            "plan": "Investigations: \nTreatment: \nAdvice: \nReview in: ",
        },
    },
    {
        "name": "Dermatology – follow-up",
        "consultation_type": "follow_up",
        "display_order": 2,
        "sections": {
            "subjective": "Response to treatment: \nSide effects: \nAdherence: ",
            "objective": "Compared with last visit: ",
            "plan": "Continue / change: \nReview in: ",
        },
    },
    {
        "name": "Acne",
        "consultation_type": "",
        "display_order": 3,
        "sections": {
            "history_of_present_illness": "Duration: \nMenstrual history / PCOS features: \nCosmetics, supplements: \n"
            "Previous treatment: ",
            "physical_examination": "Comedones: \nPapules / pustules: \nNodules / cysts: \nScarring: \n"
            "Post-inflammatory pigmentation: \nGrade: ",
        },
    },
    {
        "name": "Procedure review",
        "consultation_type": "procedure_review",
        "display_order": 4,
        "sections": {
            "subjective": "Procedure and date: \nComplaints since: ",
            "objective": "Treated area: \nErythema / oedema: \nPigmentation: \nInfection signs: ",
            "plan": "Next session: \nAftercare: ",
        },
    },
]


def add_templates(apps, schema_editor):
    NoteTemplate = apps.get_model("consultations", "NoteTemplate")
    for template in TEMPLATES:
        NoteTemplate.objects.update_or_create(name=template["name"], defaults=template)


def remove_templates(apps, schema_editor):
    NoteTemplate = apps.get_model("consultations", "NoteTemplate")
    NoteTemplate.objects.filter(name__in=[t["name"] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("consultations", "0002_interaction_rules_starter_set")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
