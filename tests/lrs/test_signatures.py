"""Signed statements: a JWS attachment whose payload is the statement (xAPI 1.0.3 Data §2.6; 2.0 compact JWS).

Statements are signed here with an RSA key and a self-signed X.509 certificate made for
the test, and sent as multipart/mixed, on SQLite and PostgreSQL, in both versions.
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwcrypto import jwk, jws  # type: ignore[import-untyped]

from lrs.signatures import SIGNATURE_USAGE, signed_matches
from tests.conftest import XAPI, new_uuid
from tests.lrs.multipart_support import attachment, multipart, part, post_multipart, read_multipart, statement


@dataclass(frozen=True)
class Signer:
    """A private key and its self-signed certificate (DER)."""

    key: Any
    certificate: bytes

    def jwk(self) -> jwk.JWK:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return jwk.JWK.from_pem(pem)


def make_signer(key: Any) -> Signer:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rollcall test signer")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return Signer(key, certificate.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="module")
def signer() -> Signer:
    return make_signer(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def stranger() -> Signer:
    return make_signer(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def sign(
    payload: Any,
    signer: Signer,
    *,
    alg: str = "RS256",
    certificate: bytes | None = None,
    x5c: bool = True,
    compact: bool = True,
) -> bytes:
    """A JWS over ``payload`` (a statement, or raw bytes) with the signer's key; x5c carries ``certificate``."""
    header: dict[str, Any] = {"alg": alg}
    if x5c:
        header["x5c"] = [base64.b64encode(certificate or signer.certificate).decode()]
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    token = jws.JWS(raw)
    token.add_signature(signer.jwk(), alg=alg, protected=json.dumps(header))
    return token.serialize(compact=compact).encode()


def signature_attachment(signature: bytes, **extra: Any) -> dict[str, Any]:
    """The attachment object of a signature (Data §2.6): its usageType, application/octet-stream."""
    return attachment(signature, "application/octet-stream", usageType=SIGNATURE_USAGE, **extra)


def send_signed(xapi: XAPI, original: dict[str, Any], signature: bytes, **attachment_extra: Any) -> Any:
    """POST ``original`` with ``signature`` attached as its signature part."""
    sent = {**original, "attachments": [signature_attachment(signature, **attachment_extra)]}
    content_type = attachment_extra.get("contentType", "application/octet-stream")
    return post_multipart(xapi, multipart(sent, part(signature, content_type)))


def fresh_statement() -> dict[str, Any]:
    return statement(id=new_uuid(), timestamp="2024-05-01T12:00:00.000Z")


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_signed_statement_is_stored_with_its_signature(
    xapi: XAPI, xapi_version: str, signer: Signer, alg: str
) -> None:
    xapi.version = xapi_version
    original = fresh_statement()
    signature = sign(original, signer, alg=alg)
    response = send_signed(xapi, original, signature)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == [original["id"]]

    answer = xapi.get("statements", query_string={"statementId": original["id"], "attachments": "true"})
    received = read_multipart(answer.headers["Content-Type"], answer.data)
    assert received.document["attachments"][0]["usageType"] == SIGNATURE_USAGE
    [(headers, data)] = received.attachments
    assert data == signature
    assert headers["Content-Type"] == "application/octet-stream"


def test_a_signature_without_a_certificate_is_checked_for_form_and_payload(xapi: XAPI, signer: Signer) -> None:
    original = fresh_statement()
    assert send_signed(xapi, original, sign(original, signer, x5c=False)).status_code == 200
    tampered = {**fresh_statement(), "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}
    response = send_signed(xapi, tampered, sign({**tampered, "verb": original["verb"]}, signer, x5c=False))
    assert response.status_code == 400


def test_the_payload_may_leave_out_what_the_lrs_assigns(xapi: XAPI, signer: Signer) -> None:
    """Data §2.3.1: id, stored, authority, version and attachments are exempt from the comparison."""
    original = statement()
    received = {**original, "id": new_uuid(), "version": "1.0.0"}
    assert send_signed(xapi, received, sign(original, signer)).status_code == 200


def test_a_different_statement_in_the_payload_is_refused(
    app: Any, xapi: XAPI, xapi_version: str, signer: Signer
) -> None:
    xapi.version = xapi_version
    original = fresh_statement()
    changed = {**original, "object": {"id": "https://rollcall.example/assignments/essay-2"}}
    response = send_signed(xapi, changed, sign(original, signer))
    assert response.status_code == 400
    assert "differs" in response.get_json()["error"]["message"]
    other_id = {**original, "id": new_uuid()}
    assert send_signed(xapi, other_id, sign(original, signer)).status_code == 400
    later = {**original, "timestamp": "2024-05-01T12:00:01.000Z"}
    assert send_signed(xapi, later, sign(original, signer)).status_code == 400
    assert xapi.get("statements", query_string={"statementId": original["id"]}).status_code == 404


def test_a_signature_that_does_not_verify_with_its_certificate_is_refused(
    xapi: XAPI, xapi_version: str, signer: Signer, stranger: Signer
) -> None:
    xapi.version = xapi_version
    original = fresh_statement()
    response = send_signed(xapi, original, sign(original, signer, certificate=stranger.certificate))
    assert response.status_code == 400
    assert "x5c" in response.get_json()["error"]["message"]


def test_only_rsa_sha2_algorithms_are_accepted(xapi: XAPI, xapi_version: str, signer: Signer) -> None:
    xapi.version = xapi_version
    original = fresh_statement()
    secret = jwk.JWK.generate(kty="oct", size=256)
    hmac = jws.JWS(json.dumps(original).encode())
    hmac.add_signature(secret, alg="HS256", protected=json.dumps({"alg": "HS256"}))
    for signature in (
        hmac.serialize(compact=True).encode(),
        sign(original, signer, alg="PS256", x5c=False),
        _unsigned(original),
    ):
        response = send_signed(xapi, original, signature)
        assert response.status_code == 400
        assert "RS256" in response.get_json()["error"]["message"]


def _unsigned(payload: dict[str, Any]) -> bytes:
    """An "alg": "none" JWS (RFC 7515 Appendix A.5), built by hand."""

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    return b64(b'{"alg":"none"}') + b"." + b64(json.dumps(payload).encode()) + b"."


def test_an_elliptic_curve_certificate_is_refused(xapi: XAPI) -> None:
    original = fresh_statement()
    ec_signer = make_signer(ec.generate_private_key(ec.SECP256R1()))
    rsa_signer = make_signer(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    signature = sign(original, rsa_signer, certificate=ec_signer.certificate)
    response = send_signed(xapi, original, signature)
    assert response.status_code == 400
    assert "RSA" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "signature",
    [b"not a jws", b"a.b.c", b"\xff\xfe binary", b"eyJhbGciOiJSUzI1NiJ9.e30.", b"{}"],
    ids=["words", "three-dots", "binary", "empty-signature", "empty-json"],
)
def test_a_malformed_jws_is_refused(app: Any, xapi: XAPI, xapi_version: str, signature: bytes) -> None:
    xapi.version = xapi_version
    original = fresh_statement()
    assert send_signed(xapi, original, signature).status_code == 400
    assert xapi.get("statements", query_string={"statementId": original["id"]}).status_code == 404


def test_a_payload_that_is_not_a_json_statement_is_refused(xapi: XAPI, signer: Signer) -> None:
    original = fresh_statement()
    broken = json.dumps(original).replace('"', "'", 1).encode()
    for payload in (broken, b"[1, 2, 3]"):
        response = send_signed(xapi, original, sign(payload, signer))
        assert response.status_code == 400
        assert "payload" in response.get_json()["error"]["message"]


def test_a_signature_attachment_must_be_octet_stream_data_sent_with_the_statement(xapi: XAPI, signer: Signer) -> None:
    original = fresh_statement()
    signature = sign(original, signer)
    response = send_signed(xapi, original, signature, contentType="text/plain")
    assert response.status_code == 400
    assert "application/octet-stream" in response.get_json()["error"]["message"]
    by_url = {**original, "attachments": [signature_attachment(signature, fileUrl="https://keys.example/sig")]}
    response = xapi.post("statements", json=by_url)
    assert response.status_code == 400
    assert "multipart" in response.get_json()["error"]["message"]


def test_json_serialization_is_accepted_in_1_0_3_only(xapi: XAPI, signer: Signer) -> None:
    """1.0.3: compact serialization SHOULD* be used; 2.0 requires it."""
    original = fresh_statement()
    signature = sign(original, signer, compact=False)
    xapi.version = "2.0.0"
    response = send_signed(xapi, original, signature)
    assert response.status_code == 400
    assert "Compact" in response.get_json()["error"]["message"]
    xapi.version = "1.0.3"
    assert send_signed(xapi, original, signature).status_code == 200


def test_a_duration_more_precise_than_the_signed_one_still_matches(
    xapi: XAPI, xapi_version: str, signer: Signer
) -> None:
    """Data §4.6: durations are compared to 0.01 s, so PT0.1237S matches a payload of PT0.12S."""
    xapi.version = xapi_version
    signed = {**fresh_statement(), "result": {"duration": "P1DT12H36M0.12S"}}
    signature = sign(signed, signer)
    precise = {**signed, "result": {"duration": "P1DT12H36M0.1237S"}}
    assert send_signed(xapi, precise, signature).status_code == 200
    other = {**signed, "id": new_uuid(), "result": {"duration": "P1DT12H36M0.13S"}}
    response = send_signed(xapi, other, sign({**signed, "id": other["id"]}, signer))
    assert response.status_code == 400
    assert "differs" in response.get_json()["error"]["message"]


def test_signed_matches_follows_the_comparison_rules() -> None:
    """Pure comparison: group member order and mbox domain case are not differences; result is."""
    team = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}, {"mbox": "mailto:b@example.org"}]}
    signed = statement(actor=team, result={"success": True})
    received = statement(
        actor={**team, "member": list(reversed(team["member"]))}, result={"success": True}, attachments=[{}]
    )
    assert signed_matches(signed, received)
    assert signed_matches(
        statement(actor={"mbox": "mailto:g@EXAMPLE.org"}), statement(actor={"mbox": "mailto:g@example.org"})
    )
    assert not signed_matches(signed, {**received, "result": {"success": False}})
    assert not signed_matches({"actor": 5}, received)
