"""The ``format`` parameter of GET /xapi/statements: ids, exact, canonical (xAPI 1.0.3 Part Three §2.1.3).

``exact`` is the stored JSON text itself. ``ids`` keeps only what identifies each Agent,
Group, Activity and Verb. ``canonical`` returns Activities with the LRS's canonical
definition, and Activities and Verbs with one language per language map, chosen with
Accept-Language ("Language Filtering Requirements for
Canonical Format Statements").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lrs.sql.indexing import activity_links, map_context

#: Canonical definitions by activity id (None: the LRS knows none for it).
Definitions = dict[str, dict[str, Any] | None]

IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
DEFINITION_MAPS = ("name", "description")
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, best first (RFC 2616 §14.4); q=0 dropped."""
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranges.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranges)]


def pick_language(language_map: Any, languages: list[str]) -> Any:
    """The one entry of a language map that best matches ``languages`` (else the first entry)."""
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return language_map
    lowered = {key.lower(): key for key in language_map}
    for wanted in languages:
        if wanted == "*":
            break
        if wanted in lowered:
            key = lowered[wanted]
            return {key: language_map[key]}
        for low, key in lowered.items():
            if low.startswith(wanted + "-") or wanted.startswith(low + "-"):
                return {key: language_map[key]}
    key = next(iter(language_map))
    return {key: language_map[key]}


class CanonicalDefinitions:
    """The LRS's canonical Activity definitions (lrs.sql.activities), fetched once per activity per response."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, dict[str, Any] | None] = {}

    def for_statement(
        self, statement: dict[str, Any]
    ) -> dict[str, dict[str, Any] | None]:
        """The cache, filled with the definitions of every activity ``statement`` mentions."""
        from lrs.sql.activities import canonical_definitions

        missing = {
            activity for activity, _relation in activity_links(statement)
        } - self.known.keys()
        if missing:
            found = canonical_definitions(self.session, missing)
            self.known.update((activity, found.get(activity)) for activity in missing)
        return self.known


def render(
    statement: dict[str, Any],
    format: str,
    accept_language: str | None,
    canonical: CanonicalDefinitions | None = None,
) -> dict[str, Any]:
    """A statement in ``format`` ("ids" or "canonical"; "exact" returns it unchanged)."""
    if format == "ids":
        return _ids_body(statement)
    if format == "canonical":
        definitions = canonical.for_statement(statement) if canonical else {}
        return _canonical_body(
            statement, parse_accept_language(accept_language), definitions
        )
    return statement


# -- ids ----------------------------------------------------------------------


def _ids_actor(actor: Any) -> Any:
    if not isinstance(actor, dict):
        return actor
    out: dict[str, Any] = {"objectType": actor.get("objectType", "Agent")}
    identified = False
    for key in IFI_KEYS:
        if key in actor:
            out[key] = actor[key]
            identified = True
    if not identified and isinstance(actor.get("member"), list):
        out["member"] = [_ids_actor(m) for m in actor["member"]]
    return out


def _ids_activity(activity: Any) -> Any:
    if not isinstance(activity, dict):
        return activity
    return {
        "id": activity.get("id")
    }  # objectType Activity is the default, so the id alone identifies it


def _ids_body(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    for key in ("actor", "authority"):
        if key in out:
            out[key] = _ids_actor(out[key])
    if isinstance(out.get("verb"), dict):
        out["verb"] = {"id": out["verb"].get("id")}
    obj = out.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            out["object"] = _ids_activity(obj)
        elif object_type in ("Agent", "Group"):
            out["object"] = _ids_actor(obj)
        elif object_type == "SubStatement":
            out["object"] = _ids_body(obj)
    if isinstance(out.get("context"), dict):
        out["context"] = map_context(out["context"], _ids_actor, _ids_activity)
    return out


# -- canonical ----------------------------------------------------------------


def _canonical_activity(
    activity: Any, languages: list[str], definitions: Definitions
) -> Any:
    if not isinstance(activity, dict):
        return activity
    definition = definitions.get(activity.get("id", "")) or activity.get("definition")
    if not isinstance(definition, dict):
        return activity
    definition = dict(definition)
    for key in DEFINITION_MAPS:
        if key in definition:
            definition[key] = pick_language(definition[key], languages)
    for key in COMPONENT_LISTS:
        if isinstance(definition.get(key), list):
            definition[key] = [
                {**c, "description": pick_language(c["description"], languages)}
                if isinstance(c, dict) and "description" in c
                else c
                for c in definition[key]
            ]
    return {**activity, "definition": definition}


def _canonical_body(
    body: dict[str, Any], languages: list[str], definitions: Definitions
) -> dict[str, Any]:
    out = dict(body)
    verb = out.get("verb")
    if isinstance(verb, dict) and "display" in verb:
        out["verb"] = {**verb, "display": pick_language(verb["display"], languages)}
    obj = out.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            out["object"] = _canonical_activity(obj, languages, definitions)
        elif object_type == "SubStatement":
            out["object"] = _canonical_body(obj, languages, definitions)
    if isinstance(out.get("context"), dict):
        out["context"] = map_context(
            out["context"],
            lambda actor: actor,
            lambda a: _canonical_activity(a, languages, definitions),
        )
    return out
