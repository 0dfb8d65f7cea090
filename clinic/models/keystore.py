from django.db import models


class DataKeyPurpose(models.TextChoices):
    PII = "pii", "Patient identity"
    AUDIO = "audio", "Consultation audio"
    TRANSCRIPT = "transcript", "Transcripts and notes"
    PHOTO = "photo", "Clinical photos"
    DOCUMENT = "document", "Documents"


class DataKey(models.Model):
    """One data key per patient and purpose, stored only wrapped by the key-encryption key.

    Deleting a patient's rows here is crypto-shredding: their ciphertext can never be opened again.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    subject_id = models.UUIDField(help_text="The patient whose data this key protects.")
    purpose = models.CharField(max_length=20, choices=DataKeyPurpose.choices)
    wrapped_key = models.BinaryField()
    kek_id = models.CharField(
        max_length=16, help_text="Fingerprint of the key-encryption key that wrapped it."
    )
    algorithm = models.CharField(max_length=20, default="AES-256-GCM", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject_id", "purpose"], name="datakey_one_per_subject_purpose")
        ]
        indexes = [models.Index(fields=["kek_id"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} key {self.id}"
