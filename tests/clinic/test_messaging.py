"""Messaging providers: the WhatsApp Cloud API adapter on the wire (against the loopback stub), its
error mapping and retries, the console demo provider, selection by settings and the system checks."""

import json
import logging
import socket

import pytest

from clinic.messaging import (
    NotConfigured,
    ProviderError,
    TemplateMessage,
    get_provider,
    mask_phone,
    provider_status,
)
from clinic.messaging.checks import messaging_configured, messaging_demo_notice
from clinic.messaging.console import ConsoleProvider
from clinic.messaging.whatsapp import WhatsAppCloudProvider
from tests.fakes import whatsapp as fake_whatsapp

whatsapp_stub = fake_whatsapp.whatsapp_stub  # fixtures of the loopback Cloud API stub
whatsapp_settings = fake_whatsapp.whatsapp_settings

PHONE = "+919845012345"


def provider_for(stub, **overrides) -> WhatsAppCloudProvider:
    options = {
        "phone_number_id": stub.phone_number_id,
        "access_token": stub.token,
        "base_url": stub.base_url,
        "api_version": stub.api_version,
        "backoff_seconds": 0.01,
        "timeout": 5.0,
        **overrides,
    }
    return WhatsAppCloudProvider(**options)


def test_a_template_message_goes_out_in_the_cloud_api_wire_format(whatsapp_stub):
    with provider_for(whatsapp_stub, language_codes={"hi": "hi"}) as provider:
        result = provider.send_template(
            PHONE,
            TemplateMessage(
                name="appointment_reminder", params=("Glow Skin & Aesthetics", "Ramesh", "26 Nov 2026")
            ),
            body="the full text, which WhatsApp does not need",
            language="hi",
        )

    assert result.provider_message_id.startswith("wamid.")
    assert result.status == "accepted"
    [request] = whatsapp_stub.requests
    assert request["path"] == "/v26.0/109876543210/messages"
    assert request["headers"]["Authorization"] == "Bearer test-whatsapp-token"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["raw"]) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919845012345",
        "type": "template",
        "template": {
            "name": "appointment_reminder",
            "language": {"code": "hi"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Glow Skin & Aesthetics"},
                        {"type": "text", "text": "Ramesh"},
                        {"type": "text", "text": "26 Nov 2026"},
                    ],
                }
            ],
        },
    }


def test_a_text_message_carries_the_body(whatsapp_stub):
    with provider_for(whatsapp_stub) as provider:
        provider.send_text(PHONE, "Hello from the clinic")

    [message] = whatsapp_stub.messages
    assert message["type"] == "text"
    assert message["text"] == {"preview_url": False, "body": "Hello from the clinic"}


def test_a_rate_limit_is_retried_after_a_pause_and_then_succeeds(whatsapp_stub):
    whatsapp_stub.fail_with_rate_limit(times=1)

    with provider_for(whatsapp_stub) as provider:
        result = provider.send_text(PHONE, "Hello")

    assert [r["status"] for r in whatsapp_stub.requests] == [429, 200]
    assert len(whatsapp_stub.messages) == 1
    assert result.provider_message_id.startswith("wamid.")


def test_meta_outages_are_retried_then_reported_as_transient(whatsapp_stub):
    whatsapp_stub.fail_next(500, code=131000, times=5)

    with provider_for(whatsapp_stub, max_attempts=3) as provider, pytest.raises(ProviderError) as caught:
        provider.send_text(PHONE, "Hello")

    assert caught.value.transient and not caught.value.maybe_delivered
    assert caught.value.code == "131000"
    assert caught.value.http_status == 500
    assert len(whatsapp_stub.requests) == 3
    assert whatsapp_stub.messages == []


def test_a_throttling_code_is_transient_even_with_http_400(whatsapp_stub):
    whatsapp_stub.fail_next(
        400,
        code=131056,
        times=3,
        message="(#131056) (Business Account, Consumer Account) pair rate limit hit",
    )

    with provider_for(whatsapp_stub, max_attempts=2) as provider, pytest.raises(ProviderError) as caught:
        provider.send_text(PHONE, "Hello")

    assert caught.value.transient
    assert caught.value.code == "131056"
    assert len(whatsapp_stub.requests) == 2


def test_an_undeliverable_number_is_permanent_and_not_retried(whatsapp_stub):
    whatsapp_stub.fail_next(400, code=131026, message="(#131026) Message Undeliverable")

    with provider_for(whatsapp_stub) as provider, pytest.raises(ProviderError) as caught:
        provider.send_text(PHONE, "Hello")

    assert not caught.value.transient
    assert caught.value.code == "131026"
    assert len(whatsapp_stub.requests) == 1
    assert "98450" not in str(caught.value) and "Message Undeliverable" in str(caught.value)


def test_a_wrong_token_is_a_permanent_error(whatsapp_stub):
    with (
        provider_for(whatsapp_stub, access_token="expired") as provider,
        pytest.raises(ProviderError) as caught,
    ):
        provider.send_text(PHONE, "Hello")

    assert (caught.value.code, caught.value.transient, caught.value.http_status) == ("190", False, 401)
    assert len(whatsapp_stub.requests) == 1


def test_a_request_the_stub_finds_malformed_is_refused_like_meta_does(whatsapp_stub):
    with provider_for(whatsapp_stub) as provider, pytest.raises(ProviderError) as caught:
        provider.send_template(PHONE, TemplateMessage(name="appointment_reminder", params=("",)), body="x")

    assert (caught.value.code, caught.value.transient) == ("100", False)


def test_no_reply_means_the_message_may_have_been_sent_and_is_not_retried(whatsapp_stub):
    whatsapp_stub.delay_seconds = 1.0

    with provider_for(whatsapp_stub, timeout=0.2) as provider, pytest.raises(ProviderError) as caught:
        provider.send_text(PHONE, "Hello")

    assert caught.value.maybe_delivered and caught.value.code == "no_reply"
    assert len(whatsapp_stub.requests) == 1


def test_an_unreachable_api_is_transient_and_nothing_was_delivered():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = WhatsAppCloudProvider(
        phone_number_id="1",
        access_token="t",
        base_url=f"http://127.0.0.1:{port}",
        max_attempts=2,
        backoff_seconds=0.01,
    )

    with provider, pytest.raises(ProviderError) as caught:
        provider.send_text(PHONE, "Hello")

    assert caught.value.transient and not caught.value.maybe_delivered
    assert caught.value.code == "connect_error"


def test_the_console_provider_prints_the_message_and_masks_the_number(capsys, caplog):
    caplog.set_level(logging.INFO)

    result = ConsoleProvider().send_template(
        PHONE,
        TemplateMessage(name="appointment_reminder", params=("Ramesh",)),
        body="Hi Ramesh,\nSee you tomorrow.",
    )

    out = capsys.readouterr().out
    assert "+91 98xxx xx345" in out
    assert "Hi Ramesh,\nSee you tomorrow." in out
    assert result.provider_message_id in out and result.status == "printed"
    assert "DEMO" in caplog.text and "NOT sent" in caplog.text and "+91 98xxx xx345" in caplog.text
    for text in (out, caplog.text):
        assert "9845012345" not in text and "98450 12345" not in text


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+919845012345", "+91 98xxx xx345"),
        ("+14155550123", "+1 41xxx xx123"),
        ("+9711234567", "+971 12xx567"),
        ("", ""),
    ],
)
def test_phone_numbers_are_masked(number, masked):
    assert mask_phone(number) == masked


def test_the_provider_is_chosen_by_settings(settings, whatsapp_settings):
    assert isinstance(get_provider(), WhatsAppCloudProvider)
    settings.MESSAGING_PROVIDER = "console"
    assert isinstance(get_provider(), ConsoleProvider)
    assert provider_status()["is_demo"] is True
    settings.MESSAGING_PROVIDER = "sms"
    with pytest.raises(NotConfigured, match="DLT"):
        get_provider()
    settings.MESSAGING_PROVIDER = "pigeon"
    with pytest.raises(NotConfigured):
        get_provider()


def test_whatsapp_without_a_token_is_refused_at_start_up(settings):
    settings.MESSAGING_PROVIDER = "whatsapp"
    settings.WHATSAPP_PHONE_NUMBER_ID = "109876543210"
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.WHATSAPP_ACCESS_TOKEN_FILE = ""

    with pytest.raises(NotConfigured, match="WHATSAPP_ACCESS_TOKEN"):
        get_provider()
    assert [e.id for e in messaging_configured(None)] == ["clinic.E012"]


def test_the_token_may_come_from_a_file(settings, tmp_path, whatsapp_stub):
    token_file = tmp_path / "token"
    token_file.write_text(whatsapp_stub.token + "\n")
    settings.MESSAGING_PROVIDER = "whatsapp"
    settings.WHATSAPP_API_BASE_URL = whatsapp_stub.base_url
    settings.WHATSAPP_PHONE_NUMBER_ID = whatsapp_stub.phone_number_id
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.WHATSAPP_ACCESS_TOKEN_FILE = str(token_file)

    with get_provider() as provider:
        provider.send_text(PHONE, "Hello")

    assert whatsapp_stub.requests[0]["status"] == 200
    assert messaging_configured(None) == []


def test_the_deploy_check_says_when_the_demo_provider_is_active(settings):
    settings.MESSAGING_PROVIDER = "console"
    assert [e.id for e in messaging_demo_notice(None)] == ["clinic.I010"]
    assert messaging_configured(None) == []
    settings.MESSAGING_PROVIDER = "sms"
    assert [e.id for e in messaging_configured(None)] == ["clinic.E011"]
