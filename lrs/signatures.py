"""Signed statements: verify the JWS attachment of a statement (xAPI 1.0.3 Data §2.6; 2.0 JWS compact only).

A signature is an attachment with usageType ``SIGNATURE_USAGE`` and contentType
application/octet-stream whose data is a JWS (RFC 7515). Its payload is the statement as
it was before the signature was added; it must be logically equivalent to the received
statement by the comparison rules of Data §2.3.1 (properties the LRS may assign and the
attachments themselves are exempt). The algorithm must be RS256, RS384 or RS512; when
the header carries an X.509 chain (``x5c``), the signature must verify with its first
certificate. As the spec says, this catches mistakes; it does not authenticate anyone.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk, jws  # type: ignore[import-untyped]
from jwcrypto.common import JWException  # type: ignore[import-untyped]

from lrs.errors import BadRequest
from lrs.sql.attachments import declared_sha2
from lrs.sql.indexing import same_statement, utc_instant

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_TYPE = "application/octet-stream"
ALGORITHMS = ("RS256", "RS384", "RS512")


def verify_signatures(statements: list[Any], data: Mapping[str, bytes], version: str) -> None:
    """Check every signature attachment of every statement in a batch; 400 on the first bad one (Data §2.6)."""
    for statement in statements:
        if not isinstance(statement, dict) or not isinstance(statement.get("attachments"), list):
            continue
        for attachment in statement["attachments"]:
            if isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE_USAGE:
                _verify_one(statement, attachment, data, version)


def _verify_one(statement: dict[str, Any], attachment: dict[str, Any], data: Mapping[str, bytes], version: str) -> None:
    content_type = attachment.get("contentType")
    media_type = content_type.split(";")[0].strip().lower() if isinstance(content_type, str) else None
    if media_type != SIGNATURE_TYPE:
        raise BadRequest(f"a signature attachment must have contentType {SIGNATURE_TYPE}, not {content_type!r}")
    sha2 = declared_sha2(attachment)
    if sha2 is None or sha2 not in data:
        raise BadRequest("a signature attachment must be sent as a multipart/mixed part, not only by fileUrl")
    signature = parse_jws(data[sha2], compact_only=version != "1.0.3")
    signed = _payload(signature)
    if not signed_matches(signed, statement):
        raise BadRequest("the signed statement in the JWS payload differs from the statement received")
    header = signature.jose_header
    if "x5c" in header:
        _verify_with_certificate(signature, header["x5c"])


def parse_jws(raw: bytes, *, compact_only: bool) -> jws.JWS:
    """A well-formed JWS with one RS256/RS384/RS512 signature (RFC 7515); 400 otherwise."""
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise BadRequest("the signature attachment is not a JWS: it is not ASCII text") from exc
    if compact_only and (text.startswith("{") or text.count(".") != 2):
        raise BadRequest("the signature must use JWS Compact Serialization (xAPI 2.0)")
    signature = jws.JWS()
    try:
        signature.deserialize(text)
    except (JWException, ValueError, TypeError) as exc:
        raise BadRequest(f"the signature attachment is not a well-formed JWS: {exc}") from exc
    objects = signature.objects
    if "signatures" in objects:
        raise BadRequest("the signature JWS must carry exactly one signature")
    try:
        protected = json.loads(objects.get("protected") or "{}")
    except ValueError as exc:
        raise BadRequest("the JWS protected header is not JSON") from exc
    algorithm = protected.get("alg") if isinstance(protected, dict) else None
    if algorithm not in ALGORITHMS:
        raise BadRequest(
            f"the JWS algorithm must be one of {', '.join(ALGORITHMS)} in the protected header, not {algorithm!r}"
        )
    if not objects.get("signature"):
        raise BadRequest("the JWS has an empty signature")
    return signature


def _payload(signature: jws.JWS) -> dict[str, Any]:
    """The signed statement: the JWS payload parsed as a JSON object."""
    try:
        signed = json.loads(signature.objects.get("payload") or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("the JWS payload is not a JSON serialization of a statement") from exc
    if not isinstance(signed, dict):
        raise BadRequest("the JWS payload is not a statement object")
    return signed


def signed_matches(signed: dict[str, Any], received: dict[str, Any]) -> bool:
    """Whether the signed statement and the received one are logically equivalent (Data §2.6, §2.3.1).

    Attachments are exempt (the signature itself is one), as are the properties the LRS
    assigns; but an id present on both sides must be the same statement's.
    """
    signed_id, received_id = signed.get("id"), received.get("id")
    if isinstance(signed_id, str) and isinstance(received_id, str) and signed_id.lower() != received_id.lower():
        return False
    try:
        return same_statement(_without_attachments(signed), _without_attachments(received), utc_instant)
    except (BadRequest, AttributeError, TypeError, ValueError):
        return False


def _without_attachments(statement: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in statement.items() if k != "attachments"}
    obj = out.get("object")
    if isinstance(obj, dict) and "attachments" in obj:
        out["object"] = {k: v for k, v in obj.items() if k != "attachments"}
    return out


def _verify_with_certificate(signature: jws.JWS, chain: Any) -> None:
    """Verify the JWS with the first certificate of its x5c chain (RFC 7515 §4.1.6)."""
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise BadRequest("the JWS x5c header must be a non-empty array of base64 certificates")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
        public_key = certificate.public_key()
    except (ValueError, binascii.Error) as exc:
        raise BadRequest(f"the first x5c certificate cannot be read: {exc}") from exc
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise BadRequest("the x5c certificate must hold an RSA key for RS256/RS384/RS512")
    key = jwk.JWK.from_pyca(public_key)
    try:
        signature.verify(key, alg=json.loads(signature.objects["protected"])["alg"])
    except JWException as exc:
        raise BadRequest("the JWS signature does not verify with its x5c certificate") from exc
