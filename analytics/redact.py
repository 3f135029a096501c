"""Credentials never reach a log line or an error message: one masking function, :func:`redact`, and
the logging filter the CLI puts on every handler it installs (:class:`CredentialFilter`).

At ``-vv`` botocore logs every signed request (its headers, the canonical request with
``x-amz-security-token:…``, the ``Authorization`` header with ``Credential=AKIA…``); other clients log
bearer tokens the same way. What is masked (docs/security.md lists it for users):

* AWS access key ids (``AKIA…``, ``ASIA…`` and the other IAM unique-id prefixes);
* the values of credential-carrying headers, query parameters and settings: ``Authorization``,
  ``X-Amz-Security-Token``, ``X-Amz-Signature``, ``X-Amz-Credential``, ``aws_secret_access_key``,
  ``aws_session_token``, ``private_key``, ``client_secret``, ``refresh_token``, ``access_token``,
  ``password``, ``token``;
* ``Bearer …`` / ``Basic …`` credentials, PagerDuty's ``Token token=…``, Google OAuth access
  tokens (``ya29.…``), SigV4 ``Credential=`` and ``Signature=`` parts (and botocore's ``Signature:``
  line), PEM private keys;
* the exact value of every environment variable whose name says it holds a secret
  (``*SECRET*``, ``*TOKEN*``, ``*PASSWORD*``, ``*_KEY``, ``*_KEY_ID``, ``*CREDENTIALS*`` with a
  value of 8 characters or more), so a secret in a format no pattern knows is still masked.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable

MASK = "***"

_SECRET_NAMES = (
    "x-amz-security-token|x-amz-signature|x-amz-credential|aws_secret_access_key|aws_session_token|"
    "aws_access_key_id|secret_access_key|session_token|private_key|client_secret|refresh_token|access_token|"
    "id_token|api_key|password|passwd|token"
)
_QUOTED_OR = r"(?:(['\"])(?:(?!\3)[^\n])*\3|"  # a quoted value whole (group 3 is the quote), or …


def _keep_quotes(match: re.Match[str]) -> str:
    quote = match[3] or ""
    return f"{match[1]}{match[2]}{quote}{MASK}{quote}"


_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # PEM private keys (a service-account JSON pasted into a message)
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
     "-----PRIVATE KEY " + MASK + "-----"),
    # an Authorization header, in a dict repr or a header line: its whole value (scheme and credential)
    (re.compile(r"(?i)(?<![\w-])((?:proxy-)?authorization)(['\"]?\s*[:=]\s*b?)" + _QUOTED_OR
                + r"[^\n,;'\"}]+)"), _keep_quotes),
    # PagerDuty's scheme, bearer and basic credentials, wherever they appear
    (re.compile(r"(?i)\b(Token\s+token=)[^\s'\",;]+"), r"\1" + MASK),
    (re.compile(r"(?i)\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\1\2" + MASK),
    # SigV4 parts of a presigned URL or a signing log line
    (re.compile(r"(?i)\b(Credential=)[^\s,'\"&]+"), r"\1" + MASK),
    (re.compile(r"(?i)\b(Signature=)[0-9a-f]{16,}"), r"\1" + MASK),
    (re.compile(r"(?i)\b(Signature:\s*)[0-9a-f]{64}\b"), r"\1" + MASK),  # botocore.auth's own debug line
    # NAME: value / NAME=value / 'NAME': b'value' for the other credential-carrying names
    (re.compile(r"(?i)(?<![\w-])(" + _SECRET_NAMES + r")(['\"]?\s*[:=]\s*b?)" + _QUOTED_OR
                + r"[^\s&'\",;}\]]+)"), _keep_quotes),
    # Google OAuth 2.0 access tokens
    (re.compile(r"\bya29\.[0-9A-Za-z_.\-]+"), "ya29." + MASK),
    # AWS access key ids: long-term (AKIA), temporary (ASIA) and the other IAM unique-id prefixes
    (re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{12,}\b"), MASK),
)
_SECRET_ENV = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIALS|_KEY$|_KEY_ID$")
_MIN_SECRET_LENGTH = 8


def secret_environment_values() -> list[str]:
    """Values of the environment variables whose names say they hold a secret, longest first."""
    values = {v for k, v in os.environ.items() if _SECRET_ENV.search(k.upper()) and len(v) >= _MIN_SECRET_LENGTH}
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with every credential the module docstring lists replaced by ``***``.

    >>> redact("'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAZ7Q3WXYV5ABCDEFG/20260701/us-east-1/s3'")
    "'Authorization': b'***'"
    >>> redact("x-amz-security-token:IQoJb3JpZ2luX2Vj and Authorization: Token token=abc123")
    'x-amz-security-token:*** and Authorization: ***'
    >>> redact("GET https://x/?X-Amz-Credential=ASIAZ7Q3WXYV5ABCDEFG%2F2026&X-Amz-Signature=0123456789abcdef0123")
    'GET https://x/?X-Amz-Credential=***&X-Amz-Signature=***'
    >>> redact("no secret in here: 42 incidents")
    'no secret in here: 42 incidents'
    """
    for secret in secret_environment_values():
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class CredentialFilter(logging.Filter):
    """A handler filter that masks credentials in the message, its arguments and any traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as logging does
            return True
        masked = redact(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def mask_handlers(logger: logging.Logger | None = None) -> None:
    """Put a :class:`CredentialFilter` on every handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, CredentialFilter) for f in handler.filters):
            handler.addFilter(CredentialFilter())
