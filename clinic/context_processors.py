"""What every staff page's top bar needs: the navigation registry (settings.STAFF_NAV) and the
user's clinic and branches.

Both are lazy: a template that never shows the top bar (the admin, an htmx fragment) costs no query.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from clinic.permissions import staff_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    url_name: str
    current: bool


def _group_names(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_staff_ui_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._staff_ui_groups = cached
    return cached


def _allowed(user, groups) -> bool:
    if not (user.is_authenticated and user.is_staff):
        return False
    if groups is None or user.is_superuser:
        return True
    if isinstance(groups, str):
        groups = (groups,)
    return bool(_group_names(user) & set(groups))


def nav_items(request) -> list[NavItem]:
    """The STAFF_NAV entries this user may open whose URL names exist, in settings order."""
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = []
    for label, url_name, groups in getattr(settings, "STAFF_NAV", []):
        if not _allowed(request.user, groups):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        namespace = url_name.rpartition(":")[0]
        is_current = current == url_name or (
            bool(namespace) and current.startswith(f"{namespace}:") and request.path.startswith(url)
        )
        items.append(NavItem(label=label, url=url, url_name=url_name, current=is_current))
    return items


def _workplace(user) -> dict:
    """The clinic's name and the branches the user works at (superusers: every active branch)."""
    from clinic.models import Branch

    staff = staff_of(user)
    if user.is_authenticated and user.is_superuser:
        branches = list(Branch.objects.filter(is_active=True).select_related("hospital"))
    elif staff is not None:
        branches = list(staff.branches.filter(is_active=True).select_related("hospital"))
    else:
        branches = []
    hospital = branches[0].hospital.name if branches else ""
    return {
        "hospital": hospital,
        "branches": branches,
        "branch_label": ", ".join(b.name for b in branches[:2]) + (" +" if len(branches) > 2 else ""),
        "person": (staff.display_name if staff else "") or getattr(user, "username", ""),
        "role": ", ".join(sorted(_group_names(user))) or ("Administrator" if user.is_superuser else ""),
    }


def staff_ui(request) -> dict:
    return {
        "staff_nav": SimpleLazyObject(lambda: nav_items(request)),
        "workplace": SimpleLazyObject(lambda: _workplace(request.user)),
    }
