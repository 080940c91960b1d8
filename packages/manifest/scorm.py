"""imsmanifest.xml: SCORM 1.2 (CAM 1.2 §2.3) and SCORM 2004 2nd-4th edition (CAM 2004 §3.4).

Elements are matched by local name within namespace families (see ``xml.family``),
so default vs prefixed namespaces and imsproject/imsglobal URI variants read alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from packages.manifest import lom
from packages.manifest.paths import FileIndex, check_launch, classify, join_base
from packages.manifest.sequencing import Reader, merge, parse_sequencing
from packages.manifest.xml import attr, child, children, lineno, local, parse_xml, raw_text, text, xml_base
from packages.model import (
    CompletionThreshold,
    CourseModel,
    Item,
    Launch,
    Organization,
    Resource,
    Sequencing,
    SharedDataMap,
)
from packages.report import Report

TIME_LIMIT_ACTIONS = ("exit,message", "exit,no message", "continue,message", "continue,no message")
HIDE_LMS_UI = ("previous", "continue", "exit", "exitAll", "abandon", "abandonAll", "suspendAll")
MAX_DEPTH = 64
_EDITION = re.compile(r"2004\s*(2nd|3rd|4th)", re.I)


@dataclass
class _Scorm:
    """Parsing state of one manifest."""

    name: str
    report: Report
    files: FileIndex
    kind: str
    rd: Reader
    resources: dict[str, Resource] = field(default_factory=dict)
    submanifests: dict[str, etree._Element] = field(default_factory=dict)
    collection: dict[str, Sequencing] = field(default_factory=dict)
    grafted: set[str] = field(default_factory=set)


def parse(
    data: bytes, name: str, report: Report, files: FileIndex, read: Callable[[str], bytes]
) -> CourseModel | None:
    """Read imsmanifest.xml into a CourseModel (kind scorm12 or scorm2004 with its edition)."""
    root = parse_xml(data, name, report)
    if root is None:
        return None
    if local(root) != "manifest":
        report.error("schema", f"the root element is <{local(root)}>, not <manifest>", name, lineno(root))
        return None
    detected = detect_edition(root, name, report)
    if detected is None:
        return None
    kind, edition = detected
    st = _Scorm(name, report, files, kind, Reader(name, report))
    _check_ids(root, st)
    _collect_resources(root, xml_base(root), st)
    _collect_collection(root, st)
    orgs_el = child(root, "organizations")
    organizations = [] if orgs_el is None else [_organization(o, st) for o in children(orgs_el, "organization")]
    default = attr(orgs_el, "default") if orgs_el is not None else None
    if default and default not in {o.identifier for o in organizations}:
        report.error("broken-reference", f"organizations default={default!r} names no organization",
                     name, lineno(orgs_el) if orgs_el is not None else None)
    model = CourseModel(
        kind=kind,  # type: ignore[arg-type]
        edition=edition,
        title="",
        identifier=attr(root, "identifier"),
        default_organization=default or (organizations[0].identifier if organizations else None),
        organizations=organizations,
        resources=list(st.resources.values()),
    )
    org = model.organization()
    if org is None or not any(True for _ in org.walk()):
        report.error("no-launch", "the manifest has no organization with items, so nothing can be launched",
                     name, lineno(orgs_el if orgs_el is not None else root))
        return None
    model.title = org.title
    model.launches = _launches(org, st)
    if not model.launches and report.ok:
        report.error("no-launch", "no item of the default organization launches a resource", name, None)
    metadata = lom.find_lom(child(root, "metadata"), files.root, name, report, files, read)
    model.description = lom.description(metadata)
    model.typical_learning_time = lom.typical_learning_time(metadata)
    return model


def detect_edition(root: etree._Element, name: str, report: Report) -> tuple[str, str] | None:
    """SCORM 1.2 or 2004 and the edition, from <schemaversion> then namespaces; refuse others by name."""
    metadata = child(root, "metadata")
    version = text(child(metadata, "schemaversion")) if metadata is not None else ""
    schema = text(child(metadata, "schema")) if metadata is not None else ""
    spaces = {u.strip().lower() for el in root.iter() if isinstance(el.tag, str) for u in el.nsmap.values() if u}
    where = lineno(root)
    if "cartridge" in schema.lower() or any("imscc" in u for u in spaces):
        report.error("unsupported-format", "this is an IMS Common Cartridge, not a SCORM package", name, where)
        return None
    if version in ("1.1", "1.0") or any(u.endswith(("cp_rootv1p1", "adl_cp_rootv1p1", "adlcp_rootv1p1"))
                                        for u in spaces):
        report.error("unsupported-format-scorm11",
                     "this is a SCORM 1.1 package; Rollcall plays SCORM 1.2 and SCORM 2004", name, where)
        return None
    if version == "1.2":
        return "scorm12", "1.2"
    if version in ("CAM 1.3", "1.3"):
        return "scorm2004", "2004 2nd"
    match = _EDITION.search(version)
    if match:
        return "scorm2004", f"2004 {match[1].lower()}"
    adl12 = any("adlcp_rootv1p2" in u for u in spaces)
    adl2004 = any("adlcp_v1p3" in u or "imsss" in u for u in spaces)
    if not (adl12 or adl2004):
        report.error("unsupported-format",
                     "imsmanifest.xml is neither SCORM 1.2 nor SCORM 2004 (no schemaversion, no ADL namespaces)",
                     name, where)
        return None
    guess = ("scorm12", "1.2") if adl12 and not adl2004 else ("scorm2004", _guess_2004(root))
    said = f"<schemaversion>{version}</schemaversion>" if version else "no <schemaversion>"
    report.warning("schemaversion", f"the manifest has {said}; read as SCORM {guess[1]} from its namespaces",
                   name, where)
    return guess


def _guess_2004(root: etree._Element) -> str:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = local(el)
        if name in ("data", "map") or (name == "objectives" and "adlseq" in (etree.QName(el).namespace or "")):
            return "2004 4th"
        if name == "completionThreshold" and (el.get("minProgressMeasure") or el.get("completedByMeasure")):
            return "2004 4th"
    return "2004 3rd"


def _check_ids(root: etree._Element, st: _Scorm) -> None:
    """identifier attributes are xs:ID: unique across the whole manifest (CAM 2004 §3.4.1)."""
    seen: dict[str, int] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or local(el) not in ("manifest", "organization", "item", "resource"):
            continue
        identifier = attr(el, "identifier")
        if identifier is None:
            st.report.error("schema", f"<{local(el)}> has no identifier attribute", st.name, lineno(el))
        elif identifier in seen:
            st.report.error("duplicate-id", f"the identifier {identifier!r} is used again (first at line "
                            f"{seen[identifier]}); identifiers must be unique", st.name, lineno(el))
        else:
            seen[identifier] = lineno(el) or 0


def _collect_resources(manifest: etree._Element, base: str, st: _Scorm) -> None:
    """Resources of the manifest and its sub-manifests, xml:base applied (CAM 2004 §3.4.1.20-22)."""
    holder = child(manifest, "resources")
    if holder is not None:
        holder_base = join_base(base, xml_base(holder))
        for el in children(holder, "resource"):
            resource = _resource(el, holder_base, st)
            st.resources.setdefault(resource.identifier, resource)
    for sub in children(manifest, "manifest"):
        identifier = attr(sub, "identifier") or ""
        st.submanifests[identifier] = sub
        _collect_resources(sub, join_base(base, xml_base(sub)), st)


def _resource(el: etree._Element, base: str, st: _Scorm) -> Resource:
    own_base = join_base(base, xml_base(el))
    scorm_type = attr(el, "scormType", "adlcp")
    resource = Resource(
        identifier=attr(el, "identifier") or "",
        type=attr(el, "type") or "webcontent",
        scorm_type=scorm_type.lower() if scorm_type else None,
    )
    if resource.scorm_type not in (None, "sco", "asset"):
        st.report.error("schema", f"resource {resource.identifier!r}: scormType={scorm_type!r} is not sco or asset",
                        st.name, lineno(el))
    href = attr(el, "href")
    if href:
        resource.href = join_base(own_base, href)
        resource.external = classify(resource.href).external
    for file_el in children(el, "file"):
        file_href = attr(file_el, "href")
        if not file_href:
            st.report.error("schema", "<file> has no href", st.name, lineno(file_el))
            continue
        found = classify(join_base(own_base, file_href))
        if found.path:
            resource.files.append(found.path)
            st.files.check(found.path, st.report, st.name, lineno(file_el), "the file")
        elif found.invalid:
            st.report.warning("invalid-href", f"<file href={file_href!r}> is ignored: {found.invalid}",
                              st.name, lineno(file_el))
    resource.dependencies = [attr(d, "identifierref") or "" for d in children(el, "dependency")]
    return resource


def _collect_collection(root: etree._Element, st: _Scorm) -> None:
    """<imsss:sequencingCollection>: shared definitions items point at with IDRef (CAM 2004 §5.1)."""
    for holder in children(root, "sequencingCollection", "imsss"):
        for el in children(holder, "sequencing", "imsss"):
            seq = parse_sequencing(el, st.rd)
            if not seq.id:
                st.rd.bad(el, "a sequencing collection entry needs an ID")
                continue
            st.collection[seq.id] = seq


def _sequencing(el: etree._Element, st: _Scorm) -> Sequencing | None:
    node = child(el, "sequencing", "imsss")
    if node is None:
        return None
    seq = parse_sequencing(node, st.rd)
    if seq.id_ref:
        shared = st.collection.get(seq.id_ref)
        if shared is None:
            st.report.error("broken-reference", f"sequencing IDRef={seq.id_ref!r} names no entry of the "
                            "sequencingCollection", st.name, lineno(node))
        else:
            seq = merge(seq, shared)
    return seq


def _organization(el: etree._Element, st: _Scorm) -> Organization:
    """One <organization> (CAM 1.2 §2.3.3, CAM 2004 §3.4.1.9)."""
    identifier = attr(el, "identifier") or ""
    title = text(child(el, "title"))
    if not title:
        st.report.warning("schema", f"organization {identifier!r} has no <title>", st.name, lineno(el))
    return Organization(
        identifier=identifier,
        title=title or identifier,
        items=[_item(i, st, 1) for i in children(el, "item")],
        sequencing=_sequencing(el, st),
        objectives_global_to_system=st.rd.boolean(el, "objectivesGlobalToSystem", True, "adlseq"),
        shared_data_global_to_system=st.rd.boolean(el, "sharedDataGlobalToSystem", True, "adlcp"),
    )


def _item(el: etree._Element, st: _Scorm, depth: int) -> Item:
    """One <item> and its subtree (CAM 1.2 §2.3.4, CAM 2004 §3.4.1.12-19)."""
    identifier = attr(el, "identifier") or ""
    title = text(child(el, "title"))
    if not title:
        st.report.warning("schema", f"item {identifier!r} has no <title>", st.name, lineno(el))
    item = Item(identifier=identifier, title=title or identifier,
                isvisible=st.rd.boolean(el, "isvisible", True), parameters=attr(el, "parameters") or None)
    if depth > MAX_DEPTH:
        st.report.error("schema", f"items are nested more than {MAX_DEPTH} deep", st.name, lineno(el))
        return item
    _item_data(el, item, st)
    item.children = [_item(c, st, depth + 1) for c in children(el, "item")]
    ref = attr(el, "identifierref")
    if ref in st.submanifests and ref not in st.grafted:
        st.grafted.add(ref)
        st.report.warning("sub-manifest", f"item {identifier!r} includes the sub-manifest {ref!r}; its default "
                          "organization's items are placed under the item", st.name, lineno(el))
        sub_orgs = child(st.submanifests[ref], "organizations")
        for org_el in children(sub_orgs, "organization")[:1] if sub_orgs is not None else []:
            item.children.extend(_item(c, st, depth + 1) for c in children(org_el, "item"))
    elif ref:
        _bind_resource(el, item, ref, st)
    elif not item.children:
        (st.report.error if st.kind == "scorm2004" else st.report.warning)(
            "schema", f"item {identifier!r} has neither children nor a resource to launch", st.name, lineno(el))
    return item


def _bind_resource(el: etree._Element, item: Item, ref: str, st: _Scorm) -> None:
    resource = st.resources.get(ref)
    if resource is None:
        st.report.error("broken-reference", f"item {item.identifier!r} refers to {ref!r}, which is no resource",
                        st.name, lineno(el))
        return
    if item.children and st.kind == "scorm2004":
        st.report.warning("schema", f"item {item.identifier!r} has children and a resource; SCORM 2004 launches "
                          "only leaf items, so the resource is ignored", st.name, lineno(el))
        return
    item.resource = resource.identifier
    item.scorm_type = resource.scorm_type or "sco"
    if resource.scorm_type is None:
        st.report.warning("schema", f"resource {ref!r} has no adlcp:scormType; it is treated as a SCO",
                          st.name, lineno(el))
    if not resource.href:
        st.report.error("schema", f"item {item.identifier!r} launches resource {ref!r}, which has no href",
                        st.name, lineno(el))
        return
    checked = check_launch(resource.href, st.report, st.name, lineno(el), st.files,
                           f"the launch file of item {item.identifier!r}")
    if checked is not None:
        item.href = with_parameters(resource.href, item.parameters)


def with_parameters(href: str, parameters: str | None) -> str:
    """Append item parameters to a launch href (CAM 2004 §3.4.1.13; the IMS CP rules for '?' and '#')."""
    if not parameters:
        return href
    params = parameters.strip()
    if params.startswith("#"):
        return href if "#" in href else href + params
    params = params.lstrip("?&")
    if not params:
        return href
    return f"{href}{'&' if '?' in href else '?'}{params}"


def _item_data(el: etree._Element, item: Item, st: _Scorm) -> None:
    """The ADL extensions of an item: 1.2 adlcp:* and 2004 adlcp/imsss/adlnav elements."""
    prerequisites = child(el, "prerequisites", "adlcp")
    if prerequisites is not None:
        item.prerequisites = text(prerequisites) or None
        item.prerequisites_type = attr(prerequisites, "type")
    item.max_time_allowed = text(child(el, "maxTimeAllowed", "adlcp")) or None
    item.data_from_lms = _raw(child(el, "dataFromLMS", "adlcp"))
    action = text(child(el, "timeLimitAction", "adlcp")) or None
    if action and action not in TIME_LIMIT_ACTIONS:
        st.report.warning("schema", f"timeLimitAction {action!r} is not one of {', '.join(TIME_LIMIT_ACTIONS)}",
                          st.name, lineno(el))
    item.time_limit_action = action
    mastery = text(child(el, "masteryScore", "adlcp"))
    if mastery:
        try:
            item.mastery_score = float(mastery)
        except ValueError:
            st.report.warning("schema", f"masteryscore {mastery!r} is not a number; it is ignored",
                              st.name, lineno(el))
    threshold = child(el, "completionThreshold", "adlcp")
    if threshold is not None:
        item.completion_threshold = _threshold(threshold, st)
    data = child(el, "data", "adlcp")
    for map_el in children(data, "map", "adlcp") if data is not None else []:
        item.shared_data.append(SharedDataMap(
            target_id=attr(map_el, "targetID") or "",
            read_shared_data=st.rd.boolean(map_el, "readSharedData", True),
            write_shared_data=st.rd.boolean(map_el, "writeSharedData", True),
        ))
    item.sequencing = _sequencing(el, st)
    limits = item.sequencing.limit_conditions if item.sequencing else None
    if limits and limits.attempt_absolute_duration_limit:
        item.max_time_allowed = limits.attempt_absolute_duration_limit
    presentation = child(el, "presentation", "adlnav")
    interface = child(presentation, "navigationInterface", "adlnav") if presentation is not None else None
    for hide in children(interface, "hideLMSUI", "adlnav") if interface is not None else []:
        if text(hide) not in HIDE_LMS_UI:
            st.rd.bad(hide, f"{text(hide)!r} is not one of {', '.join(HIDE_LMS_UI)}")
        else:
            item.hide_lms_ui.append(text(hide))
    metadata = child(el, "metadata")
    if metadata is not None:
        item.typical_learning_time = lom.typical_learning_time(
            next((m for m in metadata.iter() if isinstance(m.tag, str) and local(m).lower() == "lom"), None))


def _raw(el: etree._Element | None) -> str | None:
    """Launch data is passed through as written (whitespace kept)."""
    if el is None:
        return None
    return raw_text(el) or None


def _threshold(el: etree._Element, st: _Scorm) -> CompletionThreshold:
    """3rd edition: the value as text; 4th edition: attributes (CAM 2004 §3.4.1.18)."""
    value = text(el)
    if value:
        try:
            return CompletionThreshold(completed_by_measure=True, min_progress_measure=float(value))
        except ValueError:
            st.rd.bad(el, f"{value!r} is not a number from 0 to 1")
    return CompletionThreshold(
        completed_by_measure=st.rd.boolean(el, "completedByMeasure", False),
        min_progress_measure=st.rd.number(el, "minProgressMeasure", 1.0, 0.0, 1.0),
        progress_weight=st.rd.number(el, "progressWeight", 1.0, 0.0, 1.0),
    )


def _launches(org: Organization, st: _Scorm) -> list[Launch]:
    return [
        Launch(item.identifier, item.title, item.href, scorm_type=item.scorm_type,
               external=classify(item.href).external)
        for item in org.walk()
        if item.href
    ]

