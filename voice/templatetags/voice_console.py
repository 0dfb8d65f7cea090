"""What the voice console needs from settings when the visit page renders (no database query: the
page's query count is pinned; the console reads its recordings with one API call after load)."""

from django import template

from voice import conf
from voice.providers import demo_mode

register = template.Library()


@register.simple_tag
def voice_console_info() -> dict:
    """demo: a demo provider is active, so the console must say nothing is sent anywhere.
    cloud_stt: the audio goes to an outside speech-to-text service, which the patient is told."""
    return {"demo": demo_mode(), "cloud_stt": conf.stt_provider_name() == "deepgram"}
