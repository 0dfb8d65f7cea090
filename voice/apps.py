from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_default_patterns(sender, using="default", **kwargs) -> None:
    """Every code detector has its PIIRedactionPattern row (a detector added in a later release
    appears switched on; the back office's switches are kept), and an empty table (a new or flushed
    database) gets the seed's regexes too. Migration 0002 wrote the same rows."""
    from voice.models import PIIRedactionPattern
    from voice.privacy.patterns import DETECTOR_ROWS, SEED_REGEXES, clear_cache

    rows = PIIRedactionPattern.objects.using(using)
    empty = not rows.exists()
    for detector, type_, description, replacement, priority in DETECTOR_ROWS:
        rows.get_or_create(
            detector=detector,
            defaults={
                "pattern_name": f"Detector: {detector.replace('_', ' ')}",
                "pattern_type": type_,
                "replacement_template": replacement,
                "priority": priority,
                "description": description,
            },
        )
    if empty:
        for name, type_, regex, replacement, priority in SEED_REGEXES:
            rows.get_or_create(
                pattern_name=name,
                defaults={
                    "pattern_type": type_,
                    "regex_pattern": regex,
                    "replacement_template": replacement,
                    "priority": priority,
                    "description": "Seed default (section 5.3).",
                },
            )
    clear_cache()


class VoiceConfig(AppConfig):
    name = "voice"

    def ready(self) -> None:
        from voice import checks  # noqa: F401 (registers the system checks)

        post_migrate.connect(ensure_default_patterns, sender=self, dispatch_uid="voice_default_patterns")
