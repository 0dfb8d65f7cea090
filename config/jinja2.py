"""The Jinja2 environment (decision 0051): the doctor's visit page, the heaviest markup of the
product and rendered on every visit, and the pieces of the layout every page shares (head, staff
top bar, toasts: clinic/jinja2/layout/), which Django's templates take with {% layout %}.

Django's template language stays the default for every other page. What a Jinja2 template may call
is listed here, so the two engines say the same things the same way: the static and url helpers,
Django's own date and text filters, django-htmx's script tag and the product's clinic_ui helpers.
"""

import functools

from django.template.defaultfilters import capfirst, date, truncatechars
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import json_script
from django_htmx.jinja import htmx_script
from jinja2 import Environment
from markupsafe import Markup, escape

from clinic.templatetags.clinic_ui import age_sex, clock, fixed_url, icon_markup, status_meta


@functools.cache
def static_url(path: str) -> str:
    """{% static %}, worked out once per file per process (the names are fixed once collected)."""
    return static(path)


def status(value, label: str = "") -> Markup:
    """templates/ui/status.html: tone + icon + word, never colour alone."""
    meta = status_meta(value)
    return Markup('<span class="status status--{}">{}<span>{}</span></span>').format(
        meta.tone, icon_markup(meta.icon), label or meta.label
    )


def url(name: str, *args) -> str:
    return reverse(name, args=args) if args else fixed_url(name)


def environment(**options) -> Environment:
    # Always escaping (Django's backend asks for it too): these pages show what patients typed.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals.update(
        {
            "static": static_url,
            "url": url,
            "icon": icon_markup,  # Django's SafeString: Jinja2 takes it as markup (__html__)
            "status": status,
            "json_script": json_script,
            # Made once per process, like static(): the file names are fixed once collected.
            "htmx_script": functools.cache(htmx_script),
        }
    )
    env.filters.update(
        {
            "date": date,
            "truncatechars": truncatechars,
            "capfirst": capfirst,
            "clock": clock,
            "age_sex": age_sex,
            "escape": escape,
        }
    )
    return env
