"""Notes drafts through the real `anthropic` SDK (2.x): structured output with a JSON schema
(`output_config`), no sampling parameters, no forced tool choice; the reply is read by content
block type, and a stop_reason of max_tokens or refusal is a failed draft, never a partial one.

The SDK's own retries are off: the Celery task retries with backoff, and every attempt passes the
egress guard and the ledger again.
"""

import anthropic
from django.conf import settings

from voice import conf
from voice.providers.base import NotAvailable, NotesDrafter, NotesReply, ProviderError


def _client() -> anthropic.Anthropic:
    key = conf.secret("ANTHROPIC_API_KEY")
    if not key:
        raise NotAvailable("Anthropic is not configured: set ANTHROPIC_API_KEY (or ANTHROPIC_API_KEY_FILE).")
    return anthropic.Anthropic(
        api_key=key,
        base_url=getattr(settings, "ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
        timeout=conf.notes_timeout(),
        max_retries=0,
        open_telemetry=False,  # no spans: a span is one more place text could end up
    )


def error_from(exc: Exception) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError(
            "The notes service did not answer in time.", code="provider_timeout", transient=True
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError(
            "The notes service could not be reached.", code="provider_unreachable", transient=True
        )
    if isinstance(exc, anthropic.APIResponseValidationError):
        return ProviderError(
            "The notes service's reply could not be read.", code="provider_malformed", transient=True
        )
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        if status in (401, 403):
            return ProviderError(
                "The notes service refused the credentials; check ANTHROPIC_API_KEY.",
                code="provider_auth",
                status=status,
            )
        if status == 429:
            return ProviderError(
                "The notes service is rate-limiting; trying again later.",
                code="provider_rate_limited",
                transient=True,
                status=status,
            )
        if status >= 500 or status in (408, 409):
            return ProviderError(
                f"The notes service is unavailable ({status}).",
                code="provider_unavailable",
                transient=True,
                status=status,
            )
        return ProviderError(
            f"The notes service refused the request ({status}).", code="provider_bad_request", status=status
        )
    if isinstance(exc, ValueError):  # a body that is not JSON
        return ProviderError(
            "The notes service's reply could not be read.", code="provider_malformed", transient=True
        )
    return ProviderError(
        f"The notes service failed: {type(exc).__name__}.", code="provider_error", transient=True
    )


class AnthropicNotes(NotesDrafter):
    name = "anthropic"

    def draft(self, *, system: str, prompt: str, schema: dict, max_tokens: int) -> NotesReply:
        client = _client()
        model = conf.notes_model()
        try:
            response = client.messages.create(
                model=model,
                max_tokens=max_tokens,
                system=system,
                messages=[{"role": "user", "content": prompt}],
                output_config={"format": {"type": "json_schema", "schema": schema}},
            )
        except Exception as exc:
            raise error_from(exc) from exc
        finally:
            client.close()
        stop = getattr(response, "stop_reason", None) or ""
        if stop == "max_tokens":
            raise ProviderError(
                "The draft was cut off at the output limit.", code="draft_truncated", transient=True
            )
        if stop == "refusal":
            raise ProviderError("The notes service declined to draft these notes.", code="draft_refused")
        text = "".join(
            block.text for block in response.content or () if getattr(block, "type", None) == "text"
        )
        if not text.strip():
            raise ProviderError(
                "The notes service returned no text.", code="provider_malformed", transient=True
            )
        usage = getattr(response, "usage", None)
        return NotesReply(
            text=text,
            model=getattr(response, "model", None) or model,
            input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
            stop_reason=stop,
            request_id=str(getattr(response, "_request_id", "") or ""),
        )
