"""Helpers for the attachment and signature tests: statements with attachments, multipart bodies both ways."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tests.conftest import XAPI

BOUNDARY = "rollcall-test-boundary-7f3a"
ESSAY = "https://rollcall.example/usage/essay"
LEARNER = {"objectType": "Agent", "name": "Grace", "mbox": "mailto:grace@example.org"}


def statement(**extra: Any) -> dict[str, Any]:
    """A learner submitted an essay assignment; ``extra`` adds properties (attachments, id...)."""
    return {
        "actor": LEARNER,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
        "object": {"id": "https://rollcall.example/assignments/essay-1"},
        **extra,
    }


def attachment(
    data: bytes, content_type: str = "text/plain", *, algorithm: str = "sha256", **extra: Any
) -> dict[str, Any]:
    """The attachment object describing ``data`` (Data §2.4.11)."""
    return {
        "usageType": ESSAY,
        "display": {"en-US": "My essay"},
        "contentType": content_type,
        "length": len(data),
        "sha2": hashlib.new(algorithm, data).hexdigest(),
        **extra,
    }


@dataclass
class RawPart:
    """An attachment part as a client sends it: headers and data."""

    data: bytes
    headers: dict[str, str]


def part(
    data: bytes, content_type: str = "text/plain", *, algorithm: str = "sha256", **override: str | None
) -> RawPart:
    """A well-formed attachment part; ``override`` replaces or (with None) drops a header."""
    headers: dict[str, str | None] = {
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": hashlib.new(algorithm, data).hexdigest(),
    }
    headers.update({k.replace("_", "-"): v for k, v in override.items()})
    return RawPart(data, {k: v for k, v in headers.items() if v is not None})


def multipart(statements: Any, *parts: RawPart, boundary: str = BOUNDARY, json_type: str = "application/json") -> bytes:
    """A multipart/mixed body: the statements as the first part, then each attachment part."""
    out = [f"--{boundary}\r\nContent-Type: {json_type}\r\n\r\n".encode() + json.dumps(statements).encode() + b"\r\n"]
    for p in parts:
        head = "".join(f"{name}: {value}\r\n" for name, value in p.headers.items())
        out.append(f"--{boundary}\r\n{head}\r\n".encode() + p.data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def post_multipart(xapi: XAPI, body: bytes, *, boundary: str = BOUNDARY, method: str = "POST", **kwargs: Any) -> Any:
    """Send a multipart/mixed statement request."""
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    return xapi.request(method, "statements", headers=headers, data=body, **kwargs)


@dataclass
class Received:
    """A multipart/mixed answer read with Python's own MIME parser: the JSON, then the attachment parts."""

    document: Any
    attachments: list[tuple[dict[str, str], bytes]]


def read_multipart(content_type: str, body: bytes) -> Received:
    """Parse a multipart/mixed response independently of the LRS's parser (email package, RFC 2046)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    assert message.is_multipart(), content_type
    parts = list(message.iter_parts())
    first = parts[0]
    assert first.get_content_type() == "application/json"
    document = json.loads(first.get_payload(decode=True))
    attachments = [({k: str(v) for k, v in p.items()}, p.get_payload(decode=True)) for p in parts[1:]]
    return Received(document, attachments)
