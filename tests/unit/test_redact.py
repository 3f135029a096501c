"""Issue 15.7 (a): no credential in a log line. At ``-vv`` an S3 ingest logged the AWS access key id and
the session token through botocore's DEBUG output; every handler the CLI installs now masks them
(:mod:`analytics.redact`)."""

from __future__ import annotations

import json
import logging
import random
import string
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from analytics.cli import main
from analytics.redact import MASK, CredentialFilter, redact

pytestmark = pytest.mark.unit

_RNG = random.Random(15)
KEY_ID = "AKIA" + "".join(_RNG.choices(string.ascii_uppercase + string.digits, k=16))
SESSION_KEY_ID = "ASIA" + "".join(_RNG.choices(string.ascii_uppercase + string.digits, k=16))
SECRET = "".join(_RNG.choices(string.ascii_letters + string.digits + "+/", k=40))
SESSION_TOKEN = "IQoJb3JpZ2luX2Vj" + "".join(_RNG.choices(string.ascii_letters + string.digits + "+/=", k=300))
PD_TOKEN = "u+" + "".join(_RNG.choices(string.ascii_letters + string.digits, k=18))
GOOGLE = "ya29." + "".join(_RNG.choices(string.ascii_letters + string.digits + "-_", k=120))
SIGNATURE = "".join(_RNG.choices("0123456789abcdef", k=64))


@pytest.fixture
def no_secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patterns alone, without the exact values of secret environment variables to help."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PAGERDUTY_TOKEN"):
        monkeypatch.delenv(name, raising=False)


# botocore 1.44's own DEBUG lines (botocore.auth, botocore.endpoint), a presigned URL, and other clients'
BOTOCORE_LINES = [
    (f"CanonicalRequest:\nGET\n/\nhost:bucket.s3.amazonaws.com\nx-amz-security-token:{SESSION_TOKEN}\n\n"
     "host;x-amz-date;x-amz-security-token", [SESSION_TOKEN]),
    (f"Signature:\n{SIGNATURE}", [SIGNATURE]),
    (f"Sending http request: <AWSPreparedRequest method=GET, headers={{'X-Amz-Date': b'20260701T000000Z', "
     f"'X-Amz-Security-Token': b'{SESSION_TOKEN}', 'Authorization': b'AWS4-HMAC-SHA256 Credential={SESSION_KEY_ID}"
     f"/20260701/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIGNATURE}'}}>",
     [SESSION_TOKEN, SESSION_KEY_ID, SIGNATURE]),
    (f"GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={KEY_ID}%2F20260701"
     f"%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token={SESSION_TOKEN}&X-Amz-Signature={SIGNATURE}",
     [KEY_ID, SESSION_TOKEN, SIGNATURE]),
    (f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\naws_session_token={SESSION_TOKEN}",
     [KEY_ID, SECRET, SESSION_TOKEN]),
    (f"{{'aws_secret_access_key': '{SECRET}', \"token\": \"{SESSION_TOKEN}\"}}", [SECRET, SESSION_TOKEN]),
    (f"send: b'GET /incidents HTTP/1.1\\r\\nAuthorization: Token token={PD_TOKEN}\\r\\nAccept: x'",
     [PD_TOKEN]),
    (f"Authorization: Token token={PD_TOKEN}", [PD_TOKEN]),
    (f"header: Authorization: Bearer {GOOGLE}", [GOOGLE]),
    (f"refreshing, got {GOOGLE} for the BigQuery client", [GOOGLE]),
    ('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkq\\n'
     '-----END PRIVATE KEY-----\\n"}', ["MIIEvQIBADANBgkq"]),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----", ["MIIEpAIBAAKCAQEA7"]),
]


@pytest.mark.parametrize(("line", "secrets"), BOTOCORE_LINES)
def test_credential_patterns_are_masked(no_secret_env: None, line: str, secrets: list[str]) -> None:
    masked = redact(line)
    assert all(secret not in masked for secret in secrets), masked
    assert MASK in masked


@pytest.mark.parametrize("line", [
    "loaded 1,234 rows from s3://bucket/exports/cur/data/BILLING_PERIOD=2026-07/cur-00001.parquet",
    "PagerDuty API /incidents: HTTP 429, retrying in 2.0 s",
    "DEBUG botocore.hooks: Event before-sign.s3.ListObjectsV2: calling handler <function remove_arn>",
    "x-amz-date:20260701T000000Z host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
    "token bucket refilled; password policy: 12 characters",
])
def test_ordinary_lines_are_left_alone(no_secret_env: None, line: str) -> None:
    assert redact(line) == line


def test_secret_environment_values_are_masked_in_any_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_API_SECRET", "plain-words-secret-value")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # too short to mask without masking ordinary words
    assert redact("the vendor echoed plain-words-secret-value back; abc") == "the vendor echoed *** back; abc"


def test_the_filter_masks_arguments_and_tracebacks(no_secret_env: None) -> None:
    record = logging.LogRecord("botocore.endpoint", logging.DEBUG, __file__, 1, "headers=%s", (
        {"X-Amz-Security-Token": SESSION_TOKEN.encode()},), None)
    try:
        raise RuntimeError(f"signing failed for Credential={KEY_ID}/20260701")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert CredentialFilter().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert SESSION_TOKEN not in text and KEY_ID not in text and "RuntimeError" in text and "Credential=***" in text


def test_s3_ingest_at_vv_logs_no_key_material(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The real CLI, the real aws-cur loader and botocore's DEBUG output, against moto's S3."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        # set after mock_aws, which installs its own fake credentials: these are the ones botocore signs with
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", SESSION_KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bucket")
        s3.put_object(Bucket="bucket", Key="cur/metadata/BILLING_PERIOD=2026-07/cur-Manifest.json", Body=json.dumps(
            {"executionId": "e1", "dataFiles": ["s3://bucket/cur/data/BILLING_PERIOD=2026-07/e1/x.parquet"]}).encode())
        code = main(["ingest", "-vv", "aws-cur", "s3://bucket/cur", "--warehouse", str(tmp_path / "w.duckdb")])
    captured = capsys.readouterr()
    log = captured.err
    assert code == 2 and "missing: s3://bucket/cur/data" in log  # the manifest names an object that is not there
    assert "DEBUG botocore.endpoint: Sending http request" in log and "x-amz-security-token:***" in log
    assert "'Authorization': b'***'" in log
    for secret in (SESSION_KEY_ID, SECRET, SESSION_TOKEN, SESSION_TOKEN[:40], SECRET[:20]):
        assert secret not in log + captured.out
