"""multipart/mixed statement requests and responses with attachments (xAPI 1.0.3 Communication §1.5.2).

A request's first part is the statement(s) as application/json; every further part is
one attachment's raw data with ``Content-Transfer-Encoding: binary`` and
``X-Experience-API-Hash`` (its SHA-2, checked here against the bytes). The received parts
wait on ``flask.g`` between ``read_statement_part`` (the body becomes statements) and
``check_attachments`` (just before storing), which matches them to the attachment
objects the statements declare (Data §2.4.11) and verifies signatures (Data §2.6).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g
from werkzeug.http import parse_options_header

from lrs.errors import BadRequest
from lrs.signatures import verify_signatures
from lrs.sql.attachments import AttachmentData, declared_attachments, declared_sha2, linked_sha2s, load_attachment

#: RFC 2046 §5.1.1: 1 to 70 characters from bchars, not ending in a space.
BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]\Z")
#: SHA-2 digests by hex length (Data §2.4.11: sha2 is a SHA-2 hash).
HASHES = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
HEX = re.compile(r"[0-9a-f]+\Z")
#: Characters a media type may not contain when it is written into a part header.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CRLF = b"\r\n"


@dataclass(frozen=True)
class Part:
    """One body part: its headers (names in lower case) and its raw bytes."""

    headers: dict[str, str]
    body: bytes


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """Split a multipart body into its parts (RFC 2046 §5.1.1); 400 for a missing or broken boundary."""
    _mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        raise BadRequest("a multipart/mixed request needs a boundary parameter in its Content-Type header")
    if BOUNDARY.match(boundary) is None:
        raise BadRequest(f"the multipart boundary {boundary!r} is not a valid RFC 2046 boundary")
    delimiter = b"--" + boundary.encode("ascii")
    # The first delimiter may open the body; every other one follows a CRLF.
    if body.startswith(delimiter):
        position = 0
    else:
        position = body.find(CRLF + delimiter)
        if position < 0:
            raise BadRequest(f"the body has no --{boundary} line: it is not multipart/mixed with that boundary")
        position += 2
    parts: list[Part] = []
    while True:
        position += len(delimiter)
        if body.startswith(b"--", position):
            break
        line_end = body.find(CRLF, position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):
            raise BadRequest(f"a --{boundary} line must end right after the boundary (RFC 2046)")
        start = line_end + 2
        end = body.find(CRLF + delimiter, start)
        if end < 0:
            raise BadRequest(f"the multipart body does not end with the closing --{boundary}-- line")
        parts.append(_parse_part(body[start:end]))
        position = end + 2
    if not parts:
        raise BadRequest("the multipart body has no parts")
    return parts


def _parse_part(raw: bytes) -> Part:
    """A part's header lines (RFC 822 style, folded lines joined) and its body after the empty line."""
    if raw.startswith(CRLF):
        return Part({}, raw[2:])
    split = raw.find(CRLF + CRLF)
    if split < 0:
        raise BadRequest("a multipart part's headers must be followed by an empty line")
    try:
        lines = raw[:split].decode("ascii").split("\r\n")
    except UnicodeDecodeError as exc:
        raise BadRequest("multipart part headers must be ASCII") from exc
    headers: dict[str, str] = {}
    name = ""
    for line in lines:
        if line[:1] in (" ", "\t") and name:
            headers[name] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or " " in name:
            raise BadRequest(f"malformed multipart part header line {line!r}")
        headers[name] = value.strip()
    return Part(headers, raw[split + 4 :])


def _media_type(value: str | None) -> str:
    return parse_options_header(value or "")[0].lower()


def read_statement_part(content_type: str, body: bytes) -> bytes:
    """The statement JSON of a multipart/mixed request; checks and keeps the attachment parts (Communication §1.5.2).

    Each part after the first needs ``Content-Transfer-Encoding: binary`` (the suite's
    reading of "MUST include", so a missing header is refused too) and an
    ``X-Experience-API-Hash`` that is the SHA-2 of its bytes.
    """
    first, *rest = parse_multipart(content_type, body)
    if _media_type(first.headers.get("content-type")) != "application/json":
        raise BadRequest("the first part of a multipart/mixed request must be the statements, as application/json")
    received: dict[str, Part] = {}
    for number, part in enumerate(rest, start=2):
        encoding = part.headers.get("content-transfer-encoding", "")
        if encoding.lower() != "binary":
            raise BadRequest(f"part {number} needs the header Content-Transfer-Encoding: binary")
        declared = part.headers.get("x-experience-api-hash", "").lower()
        if not declared:
            raise BadRequest(f"part {number} has no X-Experience-API-Hash header (the SHA-2 of its data)")
        algorithm = HASHES.get(len(declared))
        if algorithm is None or HEX.match(declared) is None:
            raise BadRequest(f"part {number}: X-Experience-API-Hash {declared!r} is not a SHA-2 hash in hex")
        if hashlib.new(algorithm, part.body).hexdigest() != declared:
            raise BadRequest(f"part {number}: its data does not hash to its X-Experience-API-Hash {declared}")
        received[declared] = part
    g.xapi_attachment_parts = received
    return first.body


def check_attachments(batch: list[Any], version: str) -> dict[str, AttachmentData]:
    """Match the received parts to the statements' attachments; verify signatures (Comm. §1.5.2, Data §2.6).

    Every attachment without a fileUrl needs a part with its sha2, and every part must be
    declared by some attachment (400 otherwise). Returns the data to store, by sha2.
    Data is matched by hash alone, as §1.5.2 says ("MUST not do so any other way"); the
    declared length and contentType are not compared with the part.
    """
    received: dict[str, Part] | None = g.get("xapi_attachment_parts")
    parts = received or {}
    declared: dict[str, dict[str, Any]] = {}
    for statement in batch:
        for attachment in declared_attachments(statement):
            sha2 = declared_sha2(attachment)
            if sha2 is None:
                continue  # statement validation refuses it
            if sha2 in parts:
                declared.setdefault(sha2, attachment)
            elif "fileUrl" not in attachment:
                if received is None:
                    raise BadRequest(
                        f"attachment {sha2} has no fileUrl: send its data in a multipart/mixed request "
                        "(Communication §1.5.2)"
                    )
                raise BadRequest(f"attachment {sha2} has no fileUrl and no part carries its data")
    undeclared = sorted(set(parts) - set(declared))
    if undeclared:
        raise BadRequest(f"part(s) with X-Experience-API-Hash {', '.join(undeclared)} match no attachment")
    verify_signatures(batch, {sha2: part.body for sha2, part in parts.items()}, version)
    return {sha2: AttachmentData(sha2, _stored_type(declared[sha2], part), part.body) for sha2, part in parts.items()}


def _stored_type(attachment: dict[str, Any], part: Part) -> str:
    """The media type kept with the data: the attachment's contentType, else the part's Content-Type."""
    for value in (attachment.get("contentType"), part.headers.get("content-type")):
        if isinstance(value, str) and value and CONTROL.search(value) is None:
            return value
    return "application/octet-stream"


def attachments_response(statement_json: str) -> Response:
    """A multipart/mixed answer: the statement(s) JSON, then each linked attachment once (Communication §1.5.2)."""
    parsed = json.loads(statement_json)
    found = (
        parsed["statements"] if isinstance(parsed, dict) and isinstance(parsed.get("statements"), list) else [parsed]
    )
    ids = [s["id"] for s in found if isinstance(s, dict) and isinstance(s.get("id"), str)]
    lrs = current_app.extensions["lrs"]
    with lrs.sessions() as session:
        sha2s = linked_sha2s(session, ids)
    boundary = "xapi-" + secrets.token_hex(16)

    def body() -> Iterator[bytes]:
        delimiter = f"--{boundary}\r\n".encode("ascii")
        yield delimiter + b"Content-Type: application/json\r\n\r\n" + statement_json.encode("utf-8") + CRLF
        with lrs.sessions() as session:
            for sha2 in sha2s:
                data = load_attachment(session, sha2)
                if data is None:
                    continue
                content_type = (
                    data.content_type if CONTROL.search(data.content_type) is None else "application/octet-stream"
                )
                head = (
                    f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                    f"X-Experience-API-Hash: {sha2}\r\n\r\n"
                )
                yield delimiter + head.encode("ascii", "replace") + data.content + CRLF
        yield f"--{boundary}--\r\n".encode("ascii")

    return current_app.response_class(body(), content_type=f"multipart/mixed; boundary={boundary}")
