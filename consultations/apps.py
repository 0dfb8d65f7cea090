from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"

    def ready(self) -> None:
        from consultations import voice_hooks
        from consultations.permissions import is_seeing_patient
        from emr.permissions import register_care_relationship

        # A doctor seeing a patient registered at another branch may read and record their allergies.
        register_care_relationship(is_seeing_patient)
        # voice knows a consultation by id only: our rules decide who records and reads (decision 0019).
        voice_hooks.register()
