"""Anonymize consultation transcripts given as JSON lines: the contract of shared/tools/pii_score.py.

    {"id", "patient": {...}, "transcript"}  on stdin  ->  {"id", "text", "spans": [[start, end, type]]}

The patient dict is the record's identifiers (name, phone, aadhaar, pan, abha_number, abha_address,
email, dob, address, relatives[{name, relation, phone}]). No database is needed: the detectors run
with the defaults migration 0002 seeds, unless --db-patterns asks for the back office's current set.
"""

import json
import sys
import time

from django.core.management.base import BaseCommand

from voice.privacy import KnownIdentifiers, anonymize
from voice.privacy.patterns import active_config, default_config


class Command(BaseCommand):
    help = "Read {id, patient, transcript} JSON lines on stdin; write {id, text, spans} JSON lines."
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)  # call_command(..., stdin=io.StringIO(...)) in tests

    def add_arguments(self, parser):
        parser.add_argument(
            "--db-patterns",
            action="store_true",
            help="Use the PIIRedactionPattern rows from the database instead of the built-in defaults.",
        )

    def handle(self, *args, **options):
        config = active_config() if options["db_patterns"] else default_config()
        stdin = options.get("stdin") or sys.stdin
        out = self.stdout
        words = 0
        seconds = 0.0
        records = 0
        for line in stdin:
            line = line.strip()
            if not line:
                continue
            record = json.loads(line)
            known = KnownIdentifiers.from_dict(record.get("patient") or {})
            transcript = record.get("transcript") or ""
            started = time.perf_counter()
            result = anonymize(
                transcript,
                known,
                enabled=config.enabled,
                patterns=config.regexes,
                replacements=config.replacements,
            )
            seconds += time.perf_counter() - started
            words += len(transcript.split())
            records += 1
            out.write(
                json.dumps(
                    {
                        "id": record.get("id"),
                        "text": result.text,
                        "spans": [s.as_list() for s in result.spans],
                    },
                    ensure_ascii=False,
                )
            )
        if records:
            rate = words / seconds if seconds else float("inf")
            self.stderr.write(
                f"anonymized {records} records, {words} words in {seconds:.3f} s ({rate:,.0f} words/s)"
            )
