"""Template helpers of the staff pages: Indian money and phone formats, ages, and the one status
system (a colour never on its own: every status has a word and an icon).

    {% load clinic_ui %}
    {{ invoice.total|inr }}              ₹1,25,000.00     ({{ x|inr:"whole" }}: ₹1,25,000)
    {{ patient.phone|phone }}            +91 98450 12345
    {{ patient.date_of_birth|age }}      34 y
    {{ appointment.starts_at|clock }}    4:45 pm (in the current time zone)
    {% status_badge appointment.status %}   or   {% include "ui/status.html" with status="confirmed" %}
    {% icon "search" %}                  the ui/icon.html symbol, made once per process
    {% layout "topbar" %}                a piece of the layout shared with the Jinja2 pages
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django import template
from django.template import engines
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from clinic.identifiers import phone_display

register = template.Library()


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    tone: str  # the CSS modifier: .status--<tone> in static/css/app.css
    icon: str  # a symbol id in static/img/icons.svg


# One system across the product (UX.md). Apps' own status values map onto these tones; the label
# stays the word the app uses ("Requested" and "Booked" share the booked tone).
STATUSES = {
    s.key: s
    for s in (
        Status("requested", "Requested", "booked", "hourglass"),
        Status("booked", "Booked", "booked", "calendar"),
        Status("scheduled", "Booked", "booked", "calendar"),
        Status("pending", "Pending", "booked", "hourglass"),
        Status("confirmed", "Confirmed", "confirmed", "check"),
        Status("arrived", "Arrived", "arrived", "door"),
        Status("checked_in", "Checked in", "arrived", "door"),
        Status("waiting", "Waiting", "arrived", "door"),
        Status("in_consultation", "In consultation", "active", "stethoscope"),
        Status("in_progress", "In progress", "active", "stethoscope"),
        Status("completed", "Completed", "completed", "check-circle"),
        Status("no_show", "No-show", "no-show", "user-x"),
        Status("cancelled", "Cancelled", "cancelled", "x-circle"),
    )
}
UNKNOWN_STATUS = Status("", "", "neutral", "info")


def status_meta(status) -> Status:
    """The word, tone and icon of a status value ("checked_in", "no-show", "In consultation"...)."""
    key = str(status or "").strip().lower().replace("-", "_").replace(" ", "_")
    found = STATUSES.get(key)
    if found:
        return found
    label = str(status or "").replace("_", " ").strip().capitalize()
    return Status(key, label, UNKNOWN_STATUS.tone, UNKNOWN_STATUS.icon)


@functools.cache
def icon_markup(name: str, css_class: str = "") -> str:
    """templates/ui/icon.html as a string, made once per icon per process: a page shows dozens."""
    return format_html(
        '<svg class="icon{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f" {css_class}" if css_class else "",
        static("img/icons.svg"),
        name,
    )


def fixed_url(name: str) -> str:
    """reverse(name) of an address without arguments, worked out once per URL configuration and
    script prefix (which are all it depends on). Raises NoReverseMatch as reverse does."""
    return _fixed_url(get_urlconf(), get_script_prefix(), name)


@functools.lru_cache(maxsize=512)
def _fixed_url(urlconf, prefix: str, name: str) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag(name="icon")
def icon_tag(name, css_class=""):
    """{% icon "search" %} or {% icon name "btn__icon" %}: the same markup as ui/icon.html."""
    return icon_markup(str(name), str(css_class or ""))


@register.simple_tag(takes_context=True)
def layout(context, name, **options):
    """{% layout "topbar" search=False %}: a piece of the page layout (clinic/jinja2/layout/<name>.html)
    that Django's pages and the Jinja2 ones share (decision 0051), rendered by the Jinja2 engine
    with this request (its context processors, CSRF token and messages) and the given options."""
    template = engines["jinja2"].get_template(f"layout/{name}.html")
    # Jinja2 escaped what it rendered (autoescape is always on there): it is markup.
    return mark_safe(template.render(options, request=context.get("request")))  # noqa: S308


@register.simple_tag(name="status_meta")
def status_meta_tag(status) -> Status:
    return status_meta(status)


@register.inclusion_tag("ui/status.html")
def status_badge(status, label=""):
    return {"status": status, "label": label}


@register.filter
def inr(value, whole=""):
    """Rupees with lakh grouping (Babel en_IN): 125000 -> ₹1,25,000.00; |inr:"whole" -> ₹1,25,000."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if whole:
        return format_currency(amount, "INR", locale="en_IN", format="¤#,##,##0", currency_digits=False)
    return format_currency(amount, "INR", locale="en_IN")


@register.filter
def phone(value):
    """An E.164 number as people read it: +919845012345 -> +91 98450 12345."""
    return phone_display(value or "")


def age_years(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@register.filter
def age(born):
    """A date of birth as an age: "34 y", or "7 mo" under two years; "" when unknown."""
    if not isinstance(born, datetime.date):
        return ""
    today = timezone.localdate()
    if born > today:
        return ""
    years = age_years(born, today)
    if years >= 2:
        return f"{years} y"
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    return f"{months} mo"


@register.filter
def clock(value):
    """A time as Indian clinics write it: 4:45 pm, 10:30 am (Django's "a" would print "p.m.")."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.time()
    if not isinstance(value, datetime.time):
        return ""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


@register.filter
def age_sex(patient):
    """ "34 y, Female" for result rows and headers; parts that are unknown are left out."""
    parts = [age(patient.date_of_birth)]
    if patient.sex and patient.sex != "U":
        parts.append(patient.get_sex_display())
    return ", ".join(p for p in parts if p) or "Not stated"
