"""What every staff page's top bar needs: the navigation registry (settings.STAFF_NAV) and the
user's clinic and branches.

Both are lazy: a template that never shows the top bar (the admin, an htmx fragment) costs no query.
The user's workplace (clinic name, branch names, display name, role names: no patient data) is kept
in Django's cache per user for WORKPLACE_TTL seconds, so most staff pages pay no query for it
instead of three (decision 0045, "Cost"). Any change that could alter it (a Staff row, its
branches, a branch, a hospital, a group or a user's groups) drops every entry at once by moving a
generation token (`connect_invalidation`, wired in ClinicConfig.ready); a change to a user drops that
user's entry. Edits that send no signal (bulk updates, raw SQL) show within the TTL.

Each process also keeps the entries it has read, and the generation token as it last read it from
the cache, which it reads again at most every GENERATION_RECHECK seconds: a page then pays no cache
round trip for its top bar either (decision 0051). A change made in this process shows on the next
page; one made in another process shows here within GENERATION_RECHECK seconds.
"""

import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import NoReverseMatch
from django.utils.functional import SimpleLazyObject

from clinic.permissions import staff_of
from clinic.templatetags.clinic_ui import fixed_url

logger = logging.getLogger(__name__)
WORKPLACE_TTL = 300
GENERATION_RECHECK = 5
LOCAL_ENTRIES_MAX = 2000  # users whose entries a process keeps (then it starts again)
_GENERATION_KEY = "staff-ui:generation"
# This process's copies: the generation token and when it was read, and the entries by user key.
_local_generation: dict = {"token": None, "read_at": float("-inf")}
_local_entries: dict[str, dict] = {}


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    url_name: str
    current: bool


def _group_names(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(_entry(user)["groups"])


def _allowed(user, groups) -> bool:
    if not (user.is_authenticated and user.is_staff):
        return False
    if groups is None or user.is_superuser:
        return True
    if isinstance(groups, str):
        groups = (groups,)
    return bool(_group_names(user) & set(groups))


def _nav_url(url_name: str) -> str | None:
    """The address of a navigation entry, or None when the name does not exist (yet)."""
    try:
        return fixed_url(url_name)
    except NoReverseMatch:
        return None


def nav_items(request) -> list[NavItem]:
    """The STAFF_NAV entries this user may open whose URL names exist, in settings order."""
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = []
    for label, url_name, groups in getattr(settings, "STAFF_NAV", []):
        if not _allowed(request.user, groups):
            continue
        url = _nav_url(url_name)
        if url is None:
            continue
        namespace = url_name.rpartition(":")[0]
        is_current = current == url_name or (
            bool(namespace) and current.startswith(f"{namespace}:") and request.path.startswith(url)
        )
        items.append(NavItem(label=label, url=url, url_name=url_name, current=is_current))
    return items


def _user_key(user) -> str:
    # date_joined is in the key so that a user id reused (a restored or recreated database, a test
    # run after another on the same Redis) can never be served another account's entry.
    return f"staff-ui:workplace:{user.pk}:{user.date_joined.timestamp():.6f}"


def _compute(user) -> dict:
    from clinic.models import Branch

    groups = sorted(user.groups.values_list("name", flat=True))
    staff = staff_of(user)
    if user.is_superuser:
        branches = list(Branch.objects.filter(is_active=True).select_related("hospital"))
    elif staff is not None:
        branches = list(staff.branches.filter(is_active=True).select_related("hospital"))
    else:
        branches = []
    return {
        "groups": groups,
        "hospital": branches[0].hospital.name if branches else "",
        "branch_label": ", ".join(b.name for b in branches[:2]) + (" +" if len(branches) > 2 else ""),
        "person": (staff.display_name if staff else "") or user.username,
        "role": ", ".join(groups) or ("Administrator" if user.is_superuser else ""),
    }


def _entry(user) -> dict:
    """The user's cached workplace, read once per request (kept on the user object)."""
    entry = getattr(user, "_staff_ui_entry", None)
    if entry is not None:
        return entry
    key = _user_key(user)
    generation = _generation()
    entry = _local_entries.get(key)
    if entry is None or entry["generation"] != generation or entry["expires"] < time.monotonic():
        entry = _shared_entry(user, key, generation)
        if generation is not None:
            if len(_local_entries) >= LOCAL_ENTRIES_MAX:
                _local_entries.clear()
            _local_entries[key] = entry
    user._staff_ui_entry = entry
    return entry


def _generation() -> str | None:
    """The generation token: this process's copy, read from the cache again when older than
    GENERATION_RECHECK seconds. None when the cache is down (then nothing is kept)."""
    now = time.monotonic()
    if now - _local_generation["read_at"] < GENERATION_RECHECK:
        return _local_generation["token"]
    try:
        token = cache.get(_GENERATION_KEY, "")
    except Exception:  # the cache is down: read the database, never fail the page
        logger.warning("staff layout: cache unavailable, workplace read from the database")
        return None
    _local_generation.update(token=token, read_at=now)
    return token


def _shared_entry(user, key: str, generation: str | None) -> dict:
    """The entry in the shared cache if it is of this generation, else worked out and stored."""
    entry = None
    if generation is not None:
        try:
            entry = cache.get(key)
        except Exception:
            logger.warning("staff layout: cache unavailable, workplace read from the database")
    if entry is None or entry.get("generation") != generation:
        entry = {**_compute(user), "generation": generation}
        if generation is not None:
            _quietly(cache.set, key, entry, WORKPLACE_TTL)
    return {**entry, "expires": time.monotonic() + WORKPLACE_TTL}


def _quietly(call, *args) -> None:
    """A cache write that must never fail the request or the save that triggered it."""
    try:
        call(*args)
    except Exception:
        logger.warning("staff layout: cache unavailable, entry not written or dropped")


def _workplace(user) -> dict:
    """The clinic's name and the branches the user works at (superusers: every active branch)."""
    if not user.is_authenticated:
        return {"hospital": "", "branch_label": "", "person": "", "role": ""}
    entry = _entry(user)
    return {name: entry[name] for name in ("hospital", "branch_label", "person", "role")}


def workplace_invalidate_all() -> None:
    """Drop every user's cached workplace: now, and again after the transaction commits (a request
    between the two could have cached what it read before the commit)."""

    def bump():
        token = uuid.uuid4().hex
        _local_generation.update(token=token, read_at=time.monotonic())
        _quietly(cache.set, _GENERATION_KEY, token, None)

    bump()
    transaction.on_commit(bump)


def workplace_invalidate_user(user) -> None:
    key = _user_key(user)

    def drop():
        _local_entries.pop(key, None)
        _quietly(cache.delete, key)

    drop()
    transaction.on_commit(drop)


def _on_change(sender, **kwargs) -> None:
    workplace_invalidate_all()


def _on_user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    # Signing in saves last_login only: nothing the top bar shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if instance.pk and instance.date_joined:
        workplace_invalidate_user(instance)


def connect_invalidation() -> None:
    """Called from ClinicConfig.ready."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from clinic.models import Branch, Hospital, Staff

    user_model = get_user_model()
    for model in (Staff, Branch, Hospital, Group):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"staff-ui:save:{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"staff-ui:delete:{model.__name__}")
    for through in (Staff.branches.through, user_model.groups.through):
        m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"staff-ui:m2m:{through.__name__}")
    post_save.connect(_on_user_saved, sender=user_model, dispatch_uid="staff-ui:user")
    post_delete.connect(_on_user_saved, sender=user_model, dispatch_uid="staff-ui:user-delete")


def staff_ui(request) -> dict:
    return {
        "staff_nav": SimpleLazyObject(lambda: nav_items(request)),
        "workplace": SimpleLazyObject(lambda: _workplace(request.user)),
    }
