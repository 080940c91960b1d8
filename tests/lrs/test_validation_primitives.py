"""The special data types (xAPI 1.0.3 Data §4; 2.0 RFC 3339 timestamps): IRIs, UUIDs, languages, times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lrs.errors import BadRequest
from lrs.validation import parse_timestamp, validate_iri, validate_language_map, validate_uuid
from lrs.validation.primitives import (
    require_number,
    show,
    validate_duration,
    validate_extensions,
    validate_language_tag,
    validate_mbox,
    validate_sha1,
)


@pytest.mark.parametrize(
    "iri",
    [
        "http://example.com/verbs/tried",
        "https://example.org/a?b=c#d",
        "urn:uuid:4ad6a2c4-2e55-4c1c-9b5d-9d4f2a0f7b10",
        "tag:rollcall.example,2024:quiz",
        "http://例え.テスト/活動",  # an IRI may carry non-ASCII characters (RFC 3987)
    ],
)
def test_iri_with_a_scheme_is_accepted(iri: str) -> None:
    validate_iri(iri, "verb.id")


@pytest.mark.parametrize(
    "iri",
    [
        "",
        "example.com/verbs/tried",
        "//example.com/x",
        "http://exa mple.com",
        "1http://x.org",
        "http://x.org/<a>",
    ],
)
def test_iri_without_scheme_or_with_forbidden_characters_is_refused(iri: str) -> None:
    with pytest.raises(BadRequest, match=r"^verb\.id: must be an absolute IRI"):
        validate_iri(iri, "verb.id")


@pytest.mark.parametrize("value", [None, 42, ["http://x.org"], {"id": "http://x.org"}])
def test_iri_must_be_a_string(value: Any) -> None:
    with pytest.raises(BadRequest, match=r"^object\.id: must be an IRI string, got "):
        validate_iri(value, "object.id")


def test_uuid_is_returned_in_canonical_lowercase() -> None:
    assert (
        validate_uuid("3A1F0B2C-7D4E-4F60-8A9B-0C1D2E3F4A5B", "id") == "3a1f0b2c-7d4e-4f60-8a9b-0c1d2e3f4a5b"
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "3a1f0b2c7d4e4f608a9b0c1d2e3f4a5b",  # no hyphens
        "{3a1f0b2c-7d4e-4f60-8a9b-0c1d2e3f4a5b}",
        "3a1f0b2c-7d4e-4f60-8a9b-0c1d2e3f4a5",  # one digit short
        "3a1f0b2c-7d4e-4f60-8a9b-0c1d2e3f4a5g",
        "urn:uuid:3a1f0b2c-7d4e-4f60-8a9b-0c1d2e3f4a5b",
    ],
)
def test_malformed_uuid_is_refused(value: str) -> None:
    with pytest.raises(BadRequest, match=r"^statement\.id: must be a UUID"):
        validate_uuid(value, "statement.id")


@pytest.mark.parametrize(
    "tag",
    ["en", "en-US", "de-CH-1901", "zh-Hant-TW", "es-419", "sgn-BE-FR", "x-klingon", "en-GB-oed", "EN-us"],
)
def test_rfc5646_language_tags_are_accepted(tag: str) -> None:
    validate_language_tag(tag, "context.language")


@pytest.mark.parametrize("tag", ["", "englishlanguage", "en_US", "e", "en-", "en--US", "123"])
def test_malformed_language_tags_are_refused(tag: str) -> None:
    with pytest.raises(BadRequest, match=r"^context\.language: must be an RFC 5646 language tag"):
        validate_language_tag(tag, "context.language")


def test_language_map_accepts_tags_to_strings() -> None:
    validate_language_map({"en-US": "attempted", "fr": "a essayé", "und": ""}, "verb.display")


def test_language_map_names_the_bad_key() -> None:
    with pytest.raises(BadRequest) as caught:
        validate_language_map({"en-US": "ok", "not a tag": "x"}, "verb.display")
    assert caught.value.message == 'verb.display: key "not a tag" is not an RFC 5646 language tag'


@pytest.mark.parametrize("value", ["attempted", ["en-US", "attempted"], None])
def test_language_map_must_be_an_object(value: Any) -> None:
    with pytest.raises(BadRequest, match=r"^verb\.display: must be a language map"):
        validate_language_map(value, "verb.display")


@pytest.mark.parametrize("text", [None, 12, {"text": "x"}])
def test_language_map_values_must_be_strings(text: Any) -> None:
    with pytest.raises(BadRequest, match=r"^verb\.display\.en-US: must be a string"):
        validate_language_map({"en-US": text}, "verb.display")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T10:15:30Z", datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)),
        ("2024-03-01T10:15:30.5+02:00", datetime(2024, 3, 1, 8, 15, 30, 500000, tzinfo=UTC)),
        ("2024-03-01T10:15:30.123456789-05:30", datetime(2024, 3, 1, 15, 45, 30, 123456, tzinfo=UTC)),
        ("2024-03-01T00:30:00+01:00", datetime(2024, 2, 29, 23, 30, tzinfo=UTC)),
    ],
)
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_timestamps_are_converted_to_utc(value: str, expected: datetime, version: str) -> None:
    parsed = parse_timestamp(value, version)
    assert parsed == expected
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20240301T101530Z", datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)),  # ISO 8601 basic format
        ("2024-03-01T10:15Z", datetime(2024, 3, 1, 10, 15, tzinfo=UTC)),  # seconds omitted
        ("2024-03-01T10:15:30", datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)),  # no zone: taken as UTC
        ("2024-03-01T10:15:30,25+0100", datetime(2024, 3, 1, 9, 15, 30, 250000, tzinfo=UTC)),
    ],
)
def test_iso8601_forms_that_only_103_accepts(value: str, expected: datetime) -> None:
    assert parse_timestamp(value, "1.0.3") == expected
    with pytest.raises(BadRequest, match=r"^timestamp: must be an RFC 3339 timestamp"):
        parse_timestamp(value, "2.0.0")


def test_rfc3339_lowercase_separators_are_accepted_in_20() -> None:
    assert parse_timestamp("2024-03-01t10:15:30z", "2.0.0") == datetime(2024, 3, 1, 10, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize(
    "value", ["2024-03-01T10:15:30-00:00", "2024-03-01T10:15:30.1-00", "2024-03-01T10:15:30-0000"]
)
def test_unknown_offset_is_refused(value: str, version: str) -> None:
    with pytest.raises(BadRequest, match=r"^statement\.timestamp: "):
        parse_timestamp(value, version, "statement.timestamp")


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "03/01/2024", "2024-03-01", "2024-02-30T10:00:00Z", "2024-03-01T25:00:00Z", 1709288130],
)
def test_malformed_timestamps_are_refused(value: Any, version: str) -> None:
    with pytest.raises(BadRequest, match=r"^timestamp: "):
        parse_timestamp(value, version)


@pytest.mark.parametrize(
    "value", ["PT1H30M5.25S", "P3Y1M29DT4H35M59.14S", "P4W", "PT16559.14S", "P1D", "PT0S"]
)
def test_iso8601_durations_are_accepted(value: str) -> None:
    validate_duration(value, "result.duration")


@pytest.mark.parametrize(
    "value", ["", "P", "PT", "P1DT", "1H", "PT1H2", "P4W1D", "P0001-02-03T04:05:06", "PA1H", 3600]
)
def test_malformed_durations_are_refused(value: Any) -> None:
    with pytest.raises(BadRequest, match=r"^result\.duration: must be an ISO 8601 duration"):
        validate_duration(value, "result.duration")


def test_extension_values_may_be_any_json_but_keys_must_be_iris() -> None:
    validate_extensions({}, "result.extensions")
    validate_extensions(
        {"http://example.com/ext/a": None, "http://example.com/ext/b": {}}, "result.extensions"
    )
    with pytest.raises(BadRequest) as caught:
        validate_extensions({"example.com/ext": 1}, "result.extensions")
    assert caught.value.message == 'result.extensions: key "example.com/ext" is not an absolute IRI'


@pytest.mark.parametrize("value", ["learner@example.com", "mailto:", "mailto:learner", "MAILTO:a@b.c", ""])
def test_mbox_must_be_a_mailto_iri(value: str) -> None:
    with pytest.raises(BadRequest, match=r'^actor\.mbox: must be a "mailto:" IRI'):
        validate_mbox(value, "actor.mbox")


def test_mbox_sha1sum_is_forty_hex_digits() -> None:
    validate_sha1("ebd31e95054c018b10727ccffd2ef2ec3a016ee9", "actor.mbox_sha1sum")
    for bad in ("ebd31e95054c018b10727ccffd2ef2ec3a016ee", "zbd31e95054c018b10727ccffd2ef2ec3a016ee9", 1):
        with pytest.raises(BadRequest, match=r"^actor\.mbox_sha1sum: must be the SHA1"):
            validate_sha1(bad, "actor.mbox_sha1sum")


@pytest.mark.parametrize(
    ("value", "rule"), [(10**400, "too large"), (float("inf"), "finite"), ("1", "a number")]
)
def test_numbers_must_be_finite_json_numbers(value: Any, rule: str) -> None:
    with pytest.raises(BadRequest, match=rule):
        require_number(value, "result.score.raw")


def test_shown_values_are_shortened() -> None:
    assert show("x" * 500) == '"' + "x" * 76 + "..."
    assert show({"a": [1, 2]}) == '{"a": [1, 2]}'
