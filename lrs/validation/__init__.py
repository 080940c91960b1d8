"""Statement validation for the LRS (xAPI 1.0.3 Data §2-§4; IEEE 9274.1.1 / xAPI 2.0.0 §5).

Pure functions over parsed JSON, no database. Each violation raises
``lrs.errors.BadRequest`` naming the JSON path and the rule broken.
"""

from __future__ import annotations

from lrs.validation.actors import parse_agent_filter, parse_agent_param, validate_agent
from lrs.validation.primitives import (
    comparable_duration,
    parse_timestamp,
    validate_iri,
    validate_language_map,
    validate_uuid,
)
from lrs.validation.statement import validate_statement

__all__ = [
    "comparable_duration",
    "parse_agent_filter",
    "parse_agent_param",
    "parse_timestamp",
    "validate_agent",
    "validate_iri",
    "validate_language_map",
    "validate_statement",
    "validate_uuid",
]
