from django.db import models


class AccessType(models.TextChoices):
    VIEW = "view", "View"
    DOWNLOAD = "download", "Download"
    PRINT = "print", "Print"
    EXPORT = "export", "Export"
    SHARE = "share", "Share"


class AccessLog(models.Model):
    """Who read which clinical record of which patient, and why (seed 9.2 health_record_access_log).

    Append-only: the database refuses UPDATE and DELETE (migration 0002). Each row's
    `row_hash` covers its fields and the previous row's hash, so an edit made with the guard lifted
    breaks the chain at that row (`manage.py verify_access_log`). Rows are written only by
    clinic.services.access_log, which serializes writers.
    """

    id = models.BigAutoField(primary_key=True)
    accessed_at = models.DateTimeField()
    user_id = models.IntegerField(
        null=True, blank=True, help_text="auth user id (kept even if the user goes)."
    )
    actor = models.CharField(max_length=150, help_text="Username, or 'patient:<id>' / 'system:<job>'.")
    record_type = models.CharField(max_length=50)
    record_id = models.CharField(max_length=64)
    patient_id = models.UUIDField(db_index=True)
    access_type = models.CharField(max_length=20, choices=AccessType.choices)
    reason = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.access_type} {self.record_type} {self.record_id}"
