"""What each staff role may do: one map from the role groups to Django model permissions.

`sync_role_permissions` makes every group's permissions exactly what the map says. It runs after
each `migrate` (clinic.apps), so a model added later gets its permissions the same day: add a line
here. An entry is either "app_label.codename" or (app_label, model name(s) or "*", actions).
"""

import logging
from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth.models import Group, Permission

logger = logging.getLogger(__name__)

VIEW = ("view",)
EDIT = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

type Grant = str | tuple[str, str | Iterable[str], Iterable[str]]

SCHEDULING = ["doctorschedule", "schedulebreak", "staffleave", "holiday", "appointmentslot"]
CLINICAL_RECORDS = ["patientallergy", "patientmedicalhistory"]

ROLE_PERMISSIONS: dict[str, list[Grant]] = {
    "Admin": [
        ("clinic", "*", ALL),
        # To link staff records to logins. Not change_user: that form can grant superuser status.
        "auth.view_user",
        ("appointments", "*", ALL),
        ("consultations", ["interactionrule", "notetemplate"], ALL),
        ("consultations", "diagnosiscode", ("view", "change")),
        ("voice", ["piiredactionpattern"], ALL),
        ("voice", ["egresslog"], VIEW),
    ],
    "Front desk": [
        ("clinic", "patient", EDIT),
        ("clinic", ["room", "service", "package", "packageitem", "medicine", "stockbatch"], VIEW),
        ("clinic", "invoice", EDIT),
        ("clinic", "invoiceline", VIEW),
        ("appointments", ["appointment", *SCHEDULING], EDIT),
        ("appointments", ["appointmenttype", "serviceresourcerequirement", "appointmentstatushistory"], VIEW),
    ],
    "Doctor": [
        ("clinic", ["patient", "medicine", "stockbatch", "service"], VIEW),
        ("appointments", ["appointment", "doctorschedule", "appointmentslot"], VIEW),
        ("emr", CLINICAL_RECORDS, EDIT),
        ("consultations", ["diagnosiscode", "interactionrule"], VIEW),
    ],
    "Therapist/Nurse": [
        ("clinic", ["patient", "room", "service"], VIEW),
        ("appointments", ["appointment"], VIEW),
        ("emr", CLINICAL_RECORDS, EDIT),
    ],
}

# Rows only code writes (the keystore, the access-log service): no role gets to add, change or
# delete them through Django, whatever the map above says.
NEVER_GRANTED = frozenset(
    f"{app}.{action}_{model}"
    for app, model in (("clinic", "datakey"), ("clinic", "accesslog"), ("voice", "egresslog"))
    for action in ("add", "change", "delete")
)


def _expand(grant: Grant) -> set[str]:
    if isinstance(grant, str):
        return {grant}
    app_label, models, actions = grant
    if models == "*":
        try:
            models = [m._meta.model_name for m in apps.get_app_config(app_label).get_models()]
        except LookupError:
            return set()
    elif isinstance(models, str):
        models = [models]
    return {f"{app_label}.{action}_{model}" for model in models for action in actions}


def role_permission_names(role: str) -> set[str]:
    """The "app_label.codename" permissions the map gives `role`."""
    names = set().union(*(_expand(grant) for grant in ROLE_PERMISSIONS[role]))
    return names - NEVER_GRANTED


def sync_role_permissions(*, using: str = "default") -> dict[str, int]:
    """Give each role group exactly its mapped permissions; returns how many each group now has.

    Permissions that do not exist yet (an app not migrated) are skipped with a warning.
    """
    wanted = {role: role_permission_names(role) for role in ROLE_PERMISSIONS}
    app_labels = {name.split(".", 1)[0] for names in wanted.values() for name in names}
    existing = {
        f"{perm.content_type.app_label}.{perm.codename}": perm
        for perm in Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels)
        .select_related("content_type")
    }
    counts = {}
    for role, names in wanted.items():
        missing = sorted(names - existing.keys())
        if missing:
            logger.warning("role %s: no such permission(s) yet: %s", role, ", ".join(missing))
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([existing[name] for name in names if name in existing])
        counts[role] = len(names) - len(missing)
    return counts
