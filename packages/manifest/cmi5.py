"""cmi5.xml: the cmi5 course structure (cmi5 §13 Course Structure, CourseStructure.xsd).

The XSD cannot be fetched at run time, so its rules are checked here by hand: element
order and cardinality, required attributes, enumerations, value ranges, unique ids,
objective references and AU urls (cmi5 §13.1.1-§13.1.4, §13.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from packages.manifest.paths import FileIndex, check_launch
from packages.manifest.xml import elements, lineno, local, parse_xml, raw_text, text
from packages.model import AU, Block, Cmi5Course, Cmi5Objective, CourseModel, Launch
from packages.report import Report

NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
MOVE_ON = ("NotApplicable", "Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed")
LAUNCH_METHODS = ("AnyWindow", "OwnWindow")
RESERVED_PARAMETERS = {"endpoint", "fetch", "actor", "registration", "activityid"}
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# RFC 3986 characters; anything else (spaces above all) makes "a URL that is not a URL".
_URL_CHARS = re.compile(r"^([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$")

# (names, min, max) slots of xs:sequence content models; None = unbounded.
Slot = tuple[frozenset[str], int, int | None]
_NODES = frozenset({"au", "block"})
COURSE_STRUCTURE: list[Slot] = [
    (frozenset({"course"}), 1, 1), (frozenset({"objectives"}), 0, 1), (_NODES, 1, None)]
COURSE: list[Slot] = [(frozenset({"title"}), 1, 1), (frozenset({"description"}), 1, 1)]
BLOCK: list[Slot] = COURSE + [(frozenset({"objectives"}), 0, 1), (_NODES, 1, None)]
AU_CONTENT: list[Slot] = COURSE + [
    (frozenset({"objectives"}), 0, 1),
    (frozenset({"url"}), 1, 1),
    (frozenset({"launchParameters"}), 0, 1),
    (frozenset({"entitlementKey"}), 0, 1),
]
OBJECTIVE: list[Slot] = COURSE


@dataclass
class _Context:
    name: str
    report: Report
    files: FileIndex | None
    ids: dict[str, int]
    objective_ids: set[str]


def parse(data: bytes, name: str, report: Report, files: FileIndex | None) -> CourseModel | None:
    """Read a course structure; ``files`` is None for a bare cmi5.xml (cmi5 §14.1)."""
    root = parse_xml(data, name, report)
    if root is None:
        return None
    if local(root) != "courseStructure":
        report.error("schema", f"the root element is <{local(root)}>, not <courseStructure> (cmi5 §13)",
                     name, lineno(root))
        return None
    namespace = etree.QName(root).namespace
    if namespace != NS:
        report.warning("namespace", f"<courseStructure> should be in the namespace {NS}, not {namespace!r}",
                       name, lineno(root))
    ctx = _Context(name, report, files, {}, set())
    own = _own(root, namespace)
    if not _check_order(root, own, COURSE_STRUCTURE, ctx):
        return None
    course_el = own[0]
    course = Cmi5Course(id=_iri(course_el, "id", ctx) or "", title="")
    _register(course.id, course_el, ctx)
    _check_order(course_el, _own(course_el, namespace), COURSE, ctx)
    course.title, course.description = _texts(course_el, namespace, ctx)
    for holder in (c for c in own if local(c) == "objectives"):
        course.objectives = _objectives(holder, namespace, ctx)
    course.children = _nodes(own, namespace, ctx)
    if not report.ok:
        return None
    launches = [Launch(au.id, au.title, au.url, external=au.external) for au in course.aus()]
    return CourseModel(
        kind="cmi5", title=course.title, description=course.description, identifier=course.id,
        cmi5=course, launches=launches,
    )


def _own(el: etree._Element, namespace: str | None) -> list[etree._Element]:
    """Children in the course-structure namespace (others are extensions, allowed by the XSD)."""
    return [c for c in elements(el) if etree.QName(c).namespace == namespace]


def _check_order(el: etree._Element, own: list[etree._Element], spec: list[Slot], ctx: _Context) -> bool:
    """Check an xs:sequence by hand; report the first violation with the expected order."""
    slot, count, problem = 0, 0, ""
    for c in own:
        name = local(c)
        while slot < len(spec) and name not in spec[slot][0]:
            if count < spec[slot][1]:
                problem = f"<{'|'.join(sorted(spec[slot][0]))}> is missing before <{name}>"
                break
            slot, count = slot + 1, 0
        if problem:
            break
        if slot == len(spec):
            problem = f"<{name}> is not allowed here"
            break
        count += 1
        most = spec[slot][2]
        if most is not None and count > most:
            problem = f"<{name}> appears more than {most} time(s)"
            break
    else:
        missing = [s for i, s in enumerate(spec) if i >= slot and (count if i == slot else 0) < s[1]]
        if missing:
            problem = f"<{'|'.join(sorted(missing[0][0]))}> is missing"
    if not problem:
        return True
    order = ", ".join("|".join(sorted(n)) + ("" if lo else "?") + ("+" if hi is None else "") for n, lo, hi in spec)
    found = ", ".join(local(c) for c in own) or "nothing"
    ctx.report.error(
        "schema",
        f"<{local(el)}> breaks the cmi5 course structure schema (cmi5 §13): {problem}; "
        f"expected {order} in that order, found {found}",
        ctx.name,
        lineno(el),
    )
    return False


def _texts(el: etree._Element, namespace: str | None, ctx: _Context) -> tuple[str, str]:
    """Title and description langstrings (cmi5 §13.1.1 textType); the English one or the first."""
    own = _own(el, namespace)
    found = {local(c): c for c in own if local(c) in ("title", "description")}
    return _langstring(found.get("title"), namespace, ctx), _langstring(found.get("description"), namespace, ctx)


def _langstring(el: etree._Element | None, namespace: str | None, ctx: _Context) -> str:
    if el is None:
        return ""
    strings = [c for c in _own(el, namespace) if local(c) == "langstring"]
    if not strings:
        ctx.report.error("schema", f"<{local(el)}> needs at least one <langstring> (cmi5 §13)",
                         ctx.name, lineno(el))
        return ""
    english = next((s for s in strings if (s.get("lang") or "").lower().startswith("en")), strings[0])
    return text(english)


def _register(node_id: str, el: etree._Element, ctx: _Context) -> None:
    if not node_id:
        return
    if node_id in ctx.ids:
        ctx.report.error(
            "duplicate-id",
            f"the id {node_id!r} is used again (first at line {ctx.ids[node_id]}); course, block and AU ids "
            f"must be unique (cmi5 §13.1.3, §13.1.4)",
            ctx.name,
            lineno(el),
        )
    else:
        ctx.ids[node_id] = lineno(el) or 0


def _iri(el: etree._Element, attribute: str, ctx: _Context, required: bool = True) -> str | None:
    value = el.get(attribute)
    if value is None:
        if required:
            ctx.report.error("schema", f"<{local(el)}> needs the {attribute} attribute (cmi5 §13)",
                             ctx.name, lineno(el))
        return None
    value = value.strip()
    parts = urlsplit(value)
    if not parts.scheme or not _URL_CHARS.match(value):
        ctx.report.error("invalid-id", f"<{local(el)}> {attribute}={value!r} is not an absolute IRI (cmi5 §13)",
                         ctx.name, lineno(el))
    return value


def _objectives(holder: etree._Element, namespace: str | None, ctx: _Context) -> list[Cmi5Objective]:
    """Course-level objectives (cmi5 §13.1.2)."""
    found: list[Cmi5Objective] = []
    own = _own(holder, namespace)
    _check_order(holder, own, [(frozenset({"objective"}), 1, None)], ctx)
    for el in own:
        objective_id = _iri(el, "id", ctx) or ""
        if objective_id in ctx.objective_ids:
            ctx.report.error("duplicate-id", f"the objective id {objective_id!r} is used again",
                             ctx.name, lineno(el))
        ctx.objective_ids.add(objective_id)
        _check_order(el, _own(el, namespace), OBJECTIVE, ctx)
        title, description = _texts(el, namespace, ctx)
        found.append(Cmi5Objective(objective_id, title, description))
    return found


def _references(el: etree._Element, namespace: str | None, ctx: _Context) -> list[str]:
    """Objective references of a block or AU: each idref names a course objective (cmi5 §13.1.3)."""
    refs: list[str] = []
    for holder in (c for c in _own(el, namespace) if local(c) == "objectives"):
        for ref in _own(holder, namespace):
            idref = (ref.get("idref") or "").strip()
            if idref not in ctx.objective_ids:
                ctx.report.error("broken-reference", f"objective idref {idref!r} names no course objective",
                                 ctx.name, lineno(ref))
            refs.append(idref)
    return refs


def _nodes(own: list[etree._Element], namespace: str | None, ctx: _Context) -> list[AU | Block]:
    nodes: list[AU | Block] = []
    for el in own:
        if local(el) == "au":
            nodes.append(_au(el, namespace, ctx))
        elif local(el) == "block":
            nodes.append(_block(el, namespace, ctx))
    return nodes


def _block(el: etree._Element, namespace: str | None, ctx: _Context) -> Block:
    """A block (cmi5 §13.1.3)."""
    own = _own(el, namespace)
    _check_order(el, own, BLOCK, ctx)
    block = Block(id=_iri(el, "id", ctx) or "", title="")
    _register(block.id, el, ctx)
    block.title, block.description = _texts(el, namespace, ctx)
    block.objectives = _references(el, namespace, ctx)
    block.children = _nodes(own, namespace, ctx)
    return block


def _au(el: etree._Element, namespace: str | None, ctx: _Context) -> AU:
    """An AU and its attributes (cmi5 §13.1.4)."""
    own = _own(el, namespace)
    ordered = _check_order(el, own, AU_CONTENT, ctx)
    au = AU(id=_iri(el, "id", ctx) or "", title="")
    _register(au.id, el, ctx)
    if ordered:
        au.title, au.description = _texts(el, namespace, ctx)
    au.objectives = _references(el, namespace, ctx)
    au.move_on = _enum(el, "moveOn", MOVE_ON, ctx) or "NotApplicable"
    au.launch_method = _enum(el, "launchMethod", LAUNCH_METHODS, ctx) or "AnyWindow"  # type: ignore[assignment]
    au.mastery_score = _mastery(el, ctx)
    if el.get("activityType") is not None:
        au.activity_type = _iri(el, "activityType", ctx)
    values = {local(c): c for c in own}
    if "launchParameters" in values:
        au.launch_parameters = raw_text(values["launchParameters"])
    if "entitlementKey" in values:
        au.entitlement_key = text(values["entitlementKey"])
    url_el = values.get("url")
    if url_el is not None:
        au.url, au.external = _url(url_el, ctx)
    return au


def _enum(el: etree._Element, attribute: str, allowed: tuple[str, ...], ctx: _Context) -> str | None:
    value = el.get(attribute)
    if value is None:
        return None
    if value.strip() not in allowed:
        ctx.report.error("schema", f"{attribute}={value!r} is not one of {', '.join(allowed)} (cmi5 §13.1.4)",
                         ctx.name, lineno(el))
        return None
    return value.strip()


def _mastery(el: etree._Element, ctx: _Context) -> float | None:
    value = el.get("masteryScore")
    if value is None:
        return None
    if not _DECIMAL.match(value.strip()) or not 0 <= float(value) <= 1:
        ctx.report.error("schema", f"masteryScore={value!r} must be a decimal from 0 to 1 (cmi5 §13.1.4)",
                         ctx.name, lineno(el))
        return None
    return float(value)


def _url(el: etree._Element, ctx: _Context) -> tuple[str, bool]:
    """The AU url: a valid URL, relative to the package or absolute (cmi5 §13.1.4 url)."""
    url = (el.text or "").strip()
    line = lineno(el)
    if not url or not _URL_CHARS.match(url):
        ctx.report.error("invalid-au-url", f"the AU url {url!r} is not a valid URL (cmi5 §13.1.4)", ctx.name, line)
        return url, False
    parts = urlsplit(url)
    if not parts.scheme and ctx.files is None:
        ctx.report.error(
            "invalid-au-url",
            f"the AU url {url!r} is relative, but this cmi5.xml came without a package; it must be absolute",
            ctx.name,
            line,
        )
        return url, False
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        ctx.report.error("invalid-au-url", f"the AU url {url!r} must be an http(s) URL or a package path",
                         ctx.name, line)
        return url, False
    reserved = sorted({key for key, _ in parse_qsl(parts.query) if key.lower() in RESERVED_PARAMETERS})
    if reserved:
        ctx.report.warning("reserved-launch-parameter",
                           f"the AU url carries {', '.join(reserved)}, which the LMS sets at launch (cmi5 §8.1)",
                           ctx.name, line)
    checked = check_launch(url, ctx.report, ctx.name, line, ctx.files, "the AU url")
    return url, bool(checked and checked.external)
