"""The data of an actor page, a network page and a relation-node page, from named queries.

ANT: every actor (person, artefact, organisation, network) gets the same page
data; a network adds its growth, its core and periphery and its figures.
Everything is read with `kg.sparql.queries.run` in the caller's view, so in the
public view a person without public consent appears only under the anonymous
label the public graph gives them; nothing here looks names up elsewhere.

Values are plain Python (str, int, float, bool, None); an actor or concept is
`{"iri": ..., "label": ...}`. Nothing here knows about HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypedDict

import pyoxigraph as ox

from kg.model.namespaces import CKG, XSD, local_name
from kg.pipeline.public import INTERNAL_ONLY  # the one policy: never public, pages show it signed in only
from kg.sparql import queries
from kg.text import Strings, Text

Row = dict[str, Any]


class Ref(TypedDict):
    """An actor or concept in every answer: its IRI and its label in the answer's language."""

    iri: str
    label: str

KINDS = ("person", "artefact", "organisation", "network", "collective", "actor")
NETWORK_KINDS = ("network", "collective")

# How a relation of actor-neighbourhood.rq reads from the page's actor: (relation, direction) -> text.
RELATIONS: Strings[tuple[str, str]] = Strings({
    ("member of", "out"): Text(nl="lid van", en="member of"),
    ("member of", "in"): Text(nl="heeft als lid", en="has member"),
    ("tie", "out"): Text(nl="verbinding met", en="tie with"),
    ("tie", "in"): Text(nl="verbinding van", en="tie from"),
    ("creator of", "out"): Text(nl="maakte", en="made"),
    ("creator of", "in"): Text(nl="gemaakt door", en="made by"),
    ("made in", "out"): Text(nl="gemaakt in", en="made in"),
    ("made in", "in"): Text(nl="hier gemaakt", en="made here"),
    ("adopted", "out"): Text(nl="adopteerde", en="adopted"),
    ("adopted", "in"): Text(nl="geadopteerd door", en="adopted by"),
    ("adopted from", "out"): Text(nl="nam over van", en="adopted from"),
    ("adopted from", "in"): Text(nl="gaf door aan", en="passed on to"),
    ("brokered", "out"): Text(nl="bracht over", en="brokered"),
    ("brokered", "in"): Text(nl="overgebracht door", en="brokered by"),
    ("brokered for", "out"): Text(nl="makelaar voor", en="broker for"),
    ("brokered for", "in"): Text(nl="makelaar", en="broker"),
    ("adopted via", "out"): Text(nl="verspreid via", en="spread via"),
    ("adopted via", "in"): Text(nl="verspreidde", en="spread"),
    ("derived from", "out"): Text(nl="afgeleid van", en="derived from"),
    ("derived from", "in"): Text(nl="aangepaste kopie", en="adapted copy"),
    ("crossed from", "out"): Text(nl="grens over vanuit", en="crossed from"),
    ("crossed from", "in"): Text(nl="grens over vanuit hier", en="crossed from here"),
    ("crossed to", "out"): Text(nl="grens over naar", en="crossed to"),
    ("crossed to", "in"): Text(nl="grens over naar hier", en="crossed to here"),
    ("produced by crossing", "out"): Text(nl="leverde op", en="produced"),
    ("produced by crossing", "in"): Text(nl="opgeleverd door", en="produced by"),
    ("party", "out"): Text(nl="partij", en="party"),
    ("party", "in"): Text(nl="partij bij", en="party to"),
    ("establishes", "out"): Text(nl="stelt in", en="establishes"),
    ("establishes", "in"): Text(nl="ingesteld door", en="established by"),
    ("signatory", "out"): Text(nl="ondertekend door", en="signed by"),
    ("signatory", "in"): Text(nl="ondertekende", en="signed"),
    ("commits to", "out"): Text(nl="verbindt zich aan", en="commits to"),
    ("commits to", "in"): Text(nl="intentieverklaring", en="letter of intent"),
    ("under covenant", "out"): Text(nl="onder convenant", en="under covenant"),
    ("under covenant", "in"): Text(nl="intentieverklaring onder", en="letter of intent under"),
    ("affiliated with", "out"): Text(nl="werkt bij", en="works at"),
    ("affiliated with", "in"): Text(nl="medewerker", en="staff member"),
    ("sub-organisation of", "out"): Text(nl="onderdeel van", en="part of"),
    ("sub-organisation of", "in"): Text(nl="heeft onderdeel", en="has part"),
    ("funded by", "out"): Text(nl="gefinancierd door", en="funded by"),
    ("funded by", "in"): Text(nl="financiert", en="funds"),
    ("mediated tie with", "out"): Text(nl="bemiddelde verbinding van", en="mediated a tie of"),
    ("mediated tie with", "in"): Text(nl="verbinding via", en="tie mediated by"),
    ("attributed expertise to", "out"): Text(nl="noemde deskundig", en="named as expert"),
    ("attributed expertise to", "in"): Text(nl="genoemd als deskundig door", en="named as expert by"),
})

# Parts an actor plays in an adoption or crossing (actor-adoptions.rq, actor-crossings.rq).
PARTS: Strings[str] = Strings({
    "adopter": Text(nl="adopterende school", en="adopter"),
    "source": Text(nl="bron", en="source"),
    "broker": Text(nl="makelaar", en="broker"),
    "network": Text(nl="netwerk", en="network"),
    "artefact": Text(nl="artefact", en="artefact"),
    "copy": Text(nl="aangepaste kopie", en="adapted copy"),
    "crosser": Text(nl="grensganger", en="crosser"),
    "from": Text(nl="vanuit dit netwerk", en="from this network"),
    "to": Text(nl="naar dit netwerk", en="to this network"),
    "produced": Text(nl="opgeleverd", en="produced"),
})

LEVELS = ("core", "active", "peripheral", "none")


# --- reading named queries ---------------------------------------------------

def py(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> Any:
    """An RDF term as plain Python: IRIs and dates as strings, numbers as int/float, booleans as bool."""
    if term is None or isinstance(term, ox.BlankNode):
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    dtype = term.datatype.value if term.datatype is not None else ""
    try:
        if dtype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(term.value)
        if dtype in (XSD + "decimal", XSD + "double", XSD + "float"):
            return float(term.value)
        if dtype == XSD + "boolean":
            return term.value in ("true", "1")
    except ValueError:
        return term.value
    return term.value


def rows(db: ox.Store, name: str, params: dict[str, str], view: str, lang: str) -> list[Row]:
    """The rows of a named query as dicts of plain values, one row per distinct non-label content.

    In the public view a hidden person has an anonymous label in Dutch and in English, so a query
    with `OPTIONAL { ?x rdfs:label ?xLabel }` returns each row twice; this keeps the row whose
    `...Label` columns are in `lang` (or have no language)."""
    results = queries.run(db, name, params, view=view)
    return best_rows([v.value for v in results.variables], results, lang)


def best_rows(columns: list[str], results: Iterable[ox.QuerySolution], lang: str) -> list[Row]:
    """`rows` of query results already run, with their `columns` (one row per distinct non-label
    content, labels in `lang`)."""
    labels = [c for c in columns if c.endswith("Label") or c == "label"]
    best: dict[tuple, tuple[int, Row]] = {}
    for r in results:
        key = tuple(str(r[c]) for c in columns if c not in labels)
        score = sum(1 for c in labels if isinstance(r[c], ox.Literal) and (r[c].language or lang) == lang)
        if key not in best or score > best[key][0]:
            best[key] = (score, {c: py(r[c]) for c in columns})
    return [row for _, row in best.values()]


def ref(iri: str | None, label: str | None) -> Ref | None:
    """An actor or concept as {"iri", "label"}; the label falls back to the IRI's last segment."""
    if not iri:
        return None
    return {"iri": iri, "label": label or local_name(iri)}


# --- what a resource is --------------------------------------------------------

def profile(db: ox.Store, iri: str, view: str, lang: str) -> Row | None:
    """Label, description, kind and types of a resource; None when the view knows nothing about it."""
    found = rows(db, "actor-profile", {"resource": iri, "lang": lang}, view, lang)
    if not found:
        return None
    first = found[0]
    types = [{"iri": r["type"], "label": r["typeLabelEn"] if lang == "en" else r["typeLabelNl"],
              "label_nl": r["typeLabelNl"], "label_en": r["typeLabelEn"]}
             for r in found if r["type"] and not r["role"]]
    roles = [{"iri": r["type"], "label": r["typeLabelEn"] if lang == "en" else r["typeLabelNl"],
              "label_nl": r["typeLabelNl"], "label_en": r["typeLabelEn"]}
             for r in found if r["type"] and r["role"]]
    return {"iri": iri, "label": first["label"] or local_name(iri), "comment": first["comment"],
            "kind": first["kind"], "types": types, "roles": roles,
            "is_actor": first["kind"] in KINDS}


def class_kinds(db: ox.Store, lang: str) -> dict[str, str]:
    """Class IRI -> kind (person, artefact, organisation, network, collective, actor)."""
    return {r["class"]: r["kind"] for r in rows(db, "class-kinds", {}, "public", lang)}


def facts(db: ox.Store, iri: str, view: str, lang: str, key_only: bool = False) -> list[Row]:
    """The statements about a resource grouped by property: [{"property", "label", "values": [...]}].

    A value is {"iri", "label"} for an IRI, {"text"} for a literal, {"begin", "end"} for a period.
    `key_only` keeps the key facts an actor page shows (description first)."""
    grouped: dict[str, Row] = {}
    for r in rows(db, "resource-facts", {"resource": iri, "lang": lang}, view, lang):
        if key_only and r["key"] is None:
            continue
        if view != "internal" and r["property"] in INTERNAL_ONLY:
            continue
        group = grouped.setdefault(r["property"], {"property": r["property"], "label": r["propertyLabel"],
                                                   "key": r["key"], "values": []})
        if r["begin"] is not None or r["end"] is not None:
            value: Row = {"begin": r["begin"], "end": r["end"]}
        elif r["value"] is None:
            continue
        elif r["valueIsIri"]:
            value = ref(r["value"], r["valueLabel"])
        else:
            value = {"text": r["value"]}
        if value not in group["values"]:
            group["values"].append(value)
    return list(grouped.values())


# --- the actor page ------------------------------------------------------------

def actor_page(db: ox.Store, iri: str, view: str, lang: str, today: str | None = None) -> Row | None:
    """Everything an actor page shows, or None when the view has no such resource.

    Keys: actor (profile), facts, memberships, ties, mediated (the ties an artefact mediates),
    artefacts, adoptions, crossings (and crossings_by_mechanism), agreements, neighbours (for the
    picture), and for networks also `network` (growth, levels, figures).
    A relation node or other resource gets only actor, facts and `generic: True`."""
    prof = profile(db, iri, view, lang)
    if prof is None:
        return None
    every_fact = facts(db, iri, view, lang) if not prof["is_actor"] or any(
        t["iri"] == _LETTER_OF_INTENT for t in prof["types"]) else []
    signatory = next((v["iri"] for f in every_fact if f["property"] == _SIGNATORY for v in f["values"] if "iri" in v),
                     None)
    if signatory:  # a letter of intent: named as its signatory's page names it
        prof["label"] = intent_names(db, signatory, view, lang).get(iri, prof["label"])
    if not prof["is_actor"]:
        return {"actor": prof, "facts": every_fact, "generic": True}
    names = intent_names(db, iri, view, lang)
    today = today or dt.date.today().isoformat()
    kinds = class_kinds(db, lang)
    neighbours = neighbourhood(db, iri, view, lang, kinds)
    for n in neighbours:
        n["label"] = names.get(n["iri"], n["label"])
    neighbours.sort(key=_neighbour_order)
    agreed = agreements(db, iri, view, lang)
    for a in agreed:
        if a["agreement"]:
            a["agreement"]["label"] = names.get(a["agreement"]["iri"], a["agreement"]["label"])
    crossed = crossings(db, iri, view, lang)
    page: Row = {
        "actor": prof,
        "generic": False,
        "facts": facts(db, iri, view, lang, key_only=True),
        "memberships": memberships(db, iri, view, lang),
        "ties": ties(db, iri, view, lang),
        "mediated": mediated_ties(db, iri, view, lang) if prof["kind"] == "artefact" else [],
        "artefacts": [n for n in neighbours if n["kind"] == "artefact"],
        "adoptions": adoptions(db, iri, view, lang),
        "crossings": crossed,
        "crossings_by_mechanism": by_mechanism(crossed),
        "agreements": agreed,
        "neighbours": neighbours,
        "trace": prof["kind"] == "artefact",
    }
    if prof["kind"] in NETWORK_KINDS:
        page["network"] = network_part(db, iri, view, lang, today)
    return page


def neighbourhood(db: ox.Store, iri: str, view: str, lang: str, kinds: dict[str, str]) -> list[Row]:
    """The actors directly related to this one, each with its kind and the relations read from here.

    Sorted by how many relations link them (most first), then by label."""
    by_other: dict[str, Row] = {}
    for r in rows(db, "actor-neighbourhood", {"actor": iri, "lang": lang}, view, lang):
        other = by_other.setdefault(r["other"], {
            "iri": r["other"], "label": r["otherLabel"] or local_name(r["other"]),
            "kind": kinds.get(r["otherType"] or "", "actor"), "type": r["otherTypeLabel"],
            "relations": [], "count": 0})
        label = RELATIONS.get((r["relation"], r["direction"]), lang, r["relation"])
        if label not in other["relations"]:
            other["relations"].append(label)
        other["count"] += int(r["count"] or 1)
    return sorted(by_other.values(), key=_neighbour_order)


def _neighbour_order(n: Row) -> tuple:
    return -n["count"], n["label"].casefold(), n["iri"]


def memberships(db: ox.Store, iri: str, view: str, lang: str) -> list[Row]:
    """Memberships of the actor: network, role, level, period, hours; motivation only internally."""
    out = []
    for r in rows(db, "actor-memberships", {"actor": iri, "lang": lang}, view, lang):
        out.append({
            "membership": r["membership"], "network": ref(r["network"], r["networkLabel"]),
            "role": r["role"], "level": ref(r["level"], r["levelLabel"]), "level_rank": r["levelRank"],
            "begin": r["begin"], "end": r["end"], "hours": r["hoursPerYear"],
            "motivation": r["motivation"] if view == "internal" else None,
        })
    return out


def ties(db: ox.Store, iri: str, view: str, lang: str) -> list[Row]:
    """Ties in either direction, strongest first; strength = closeness x per month."""
    return [{
        "tie": r["tie"], "alter": ref(r["alter"], r["alterLabel"]), "alter_type": r["alterTypeLabel"],
        "direction": r["direction"], "depth": ref(r["depth"], r["depthLabel"]), "depth_rank": r["depthRank"],
        "per_month": r["perMonth"], "closeness": r["closeness"], "strength": r["strength"],
        "trust": r["trust"], "topic": ref(r["topic"], r["topicLabel"]), "year": r["year"],
        "mediated_by": ref(r["mediatedBy"], r["mediatedByLabel"]),
    } for r in rows(db, "person-ties", {"person": iri, "lang": lang}, view, lang)]


def mediated_ties(db: ox.Store, iri: str, view: str, lang: str) -> list[Row]:
    """The ties an artefact mediates, strongest first: source, target, depth, strength, trust, year."""
    return [{
        "tie": r["tie"], "source": ref(r["source"], r["sourceLabel"]), "target": ref(r["target"], r["targetLabel"]),
        "depth": ref(r["depth"], r["depthLabel"]), "depth_rank": r["depthRank"], "per_month": r["perMonth"],
        "closeness": r["closeness"], "strength": r["strength"], "trust": r["trust"], "year": r["year"],
    } for r in rows(db, "mediated-ties", {"artefact": iri, "lang": lang}, view, lang)]


def adoptions(db: ox.Store, iri: str, view: str, lang: str) -> list[Row]:
    """Adoptions the actor takes part in, in date order, with the part it plays."""
    return [{
        "adoption": r["adoption"], "part": r["part"], "part_label": PARTS(r["part"], lang),
        "date": r["date"], "artefact": ref(r["artefact"], r["artefactLabel"]),
        "adopter": ref(r["adopter"], r["adopterLabel"]), "source": ref(r["source"], r["sourceLabel"]),
        "broker": ref(r["broker"], r["brokerLabel"]), "network": ref(r["network"], r["networkLabel"]),
        "adapted_copy": ref(r["adaptedCopy"], r["adaptedCopyLabel"]),
    } for r in rows(db, "actor-adoptions", {"actor": iri}, view, lang)]


def crossings(db: ox.Store, iri: str, view: str, lang: str) -> list[Row]:
    """Boundary crossings the actor takes part in, in date order; one entry per crossing with all
    its crossers and the parts this actor plays in it."""
    out: dict[str, Row] = {}
    for r in rows(db, "actor-crossings", {"actor": iri, "lang": lang}, view, lang):
        c = out.setdefault(r["crossing"], {
            "crossing": r["crossing"], "parts": [], "part_labels": [], "date": r["date"],
            "mechanism": ref(r["mechanism"], r["mechanismLabel"]), "crossers": [],
            "from": ref(r["fromNetwork"], r["fromNetworkLabel"]), "to": ref(r["toNetwork"], r["toNetworkLabel"]),
            "produced": ref(r["produced"], r["producedLabel"]), "description": r["description"]})
        if r["part"] not in c["parts"]:
            c["parts"].append(r["part"])
            c["part_labels"].append(PARTS(r["part"], lang))
        crosser = ref(r["crosser"], r["crosserLabel"])
        if crosser and crosser not in c["crossers"]:
            c["crossers"].append(crosser)
    return list(out.values())


def by_mechanism(crossed: list[Row]) -> list[Row]:
    """`crossings` grouped by learning mechanism: [{"mechanism": Ref | None, "crossings": [...]}],
    the mechanism with the most crossings first, then by label; crossings without one last."""
    groups: dict[str, Row] = {}
    for c in crossed:
        key = c["mechanism"]["iri"] if c["mechanism"] else ""
        groups.setdefault(key, {"mechanism": c["mechanism"], "crossings": []})["crossings"].append(c)
    return sorted(groups.values(), key=lambda g: (g["mechanism"] is None, -len(g["crossings"]),
                                                  g["mechanism"]["label"].casefold() if g["mechanism"] else ""))


AGREEMENT_KINDS = Strings({
    "covenant": Text(nl="convenant (via organisatie)", en="covenant (through organisation)"),
    "covenant-network": Text(nl="convenant (van het netwerk)", en="covenant (of the network)"),
    "letter-of-intent": Text(nl="intentieverklaring", en="letter of intent"),
    "partnership": Text(nl="partnerschap", en="partnership"),
})


_SIGNATORY, _LETTER_OF_INTENT = CKG + "signatory", CKG + "LetterOfIntent"
INTENT_NAME = Strings({
    "dated": Text(nl="Intentieverklaring van {signatory} ({group}, {years})",
                  en="Letter of intent of {signatory} ({group}, {years})"),
    "undated": Text(nl="Intentieverklaring van {signatory} ({group})", en="Letter of intent of {signatory} ({group})"),
})


def intent_names(db: ox.Store, iri: str, view: str, lang: str) -> dict[str, str]:
    """The letters of intent around `iri` (signed by it or committing to it) -> their name in
    the view: the signatory's label there (a name, or the anonymous role of someone not public), the
    group and the years. The stored label names the signatory by code, so it is composed when read."""
    out: dict[str, str] = {}
    for r in rows(db, "intent-names", {"actor": iri}, view, lang):
        if r["intent"] in out or not r["signatoryLabel"]:
            continue
        years = "-".join(d[:4] for d in (r["begin"], r["end"]) if d)
        group = r["groupLabel"] or (local_name(r["group"]) if r["group"] else "?")
        out[r["intent"]] = INTENT_NAME("dated" if years else "undated", lang,
                                       signatory=r["signatoryLabel"], group=group, years=years)
    return out


def agreements(db: ox.Store, iri: str, view: str, lang: str) -> list[Row]:
    """Covenants, letters of intent and partnerships that bind the actor."""
    return [{
        "kind": r["kind"], "kind_label": AGREEMENT_KINDS.get(r["kind"], lang, r["kind"]),
        "agreement": ref(r["agreement"], r["agreementLabel"]), "via": ref(r["via"], r["viaLabel"]),
        "role": r["role"], "begin": r["begin"], "end": r["end"],
    } for r in rows(db, "agreements-of", {"actor": iri, "lang": lang}, view, lang)]


# --- network pages -------------------------------------------------------------

def network_part(db: ox.Store, iri: str, view: str, lang: str, today: str) -> Row:
    """Growth per school year, members on `today` by level, and the network's figures."""
    growth = [{"year": r["year"], "school_year": r["schoolYear"], "joined": r["joined"], "left": r["left"],
               "active_at_end": r["activeAtEnd"], "active_on": r["activeOn"]}
              for r in rows(db, "network-growth", {"network": iri, "on": today}, view, lang)]
    kinds = class_kinds(db, lang)
    members = [{
        "member": ref(r["member"], r["memberLabel"]), "type": r["memberTypeLabel"],
        "kind": kinds.get(r["memberType"] or "", "actor"),
        "level": local_name(r["level"]) if r["level"] else "none", "level_label": r["levelLabel"],
        "role": r["role"], "hours": r["hoursPerYear"], "begin": r["begin"], "end": r["end"],
    } for r in rows(db, "network-members", {"network": iri, "on": today, "lang": lang}, view, lang)]
    levels = {level: [m for m in members if m["level"] == level] for level in LEVELS}
    levels = {k: v for k, v in levels.items() if v}
    openness = rows(db, "network-openness", {"network": iri}, view, lang)
    return {
        "on": today,
        "growth": growth,
        "members": members,
        "levels": levels,
        "member_count": len({m["member"]["iri"] for m in members}),
        "member_kinds": {k: len({m["member"]["iri"] for m in members if m["kind"] == k})
                         for k in KINDS if any(m["kind"] == k for m in members)},
        "hours_total": sum(m["hours"] or 0 for m in members),
        "openness": openness[0] if openness else None,
    }


# --- the home page -------------------------------------------------------------

def overview(db: ox.Store, view: str, lang: str, counted: dict[str, dict[str, int]] | None = None) -> Row:
    """Actors per type, relations per kind and triples per graph, for the home page. `counted` (the
    read index's counts: kg.answers.read_index) spares the three whole-store counts (a national store:
    seconds each); only the ontology's classes and labels are then asked."""
    if counted is None:
        actors = [{"type": r["type"], "label": r["label"], "count": r["actors"]}
                  for r in rows(db, "actor-types", {"lang": lang}, view, lang)]
        relations = [{"type": r["class"], "label": r["label"], "count": r["count"]}
                     for r in rows(db, "relation-counts", {"lang": lang}, view, lang)]
        graphs = [(r["graph"].value, int(r["triples"].value)) for r in queries.run(db, "graph-sizes", view=view)]
    else:
        sizes = counted["class"]
        classes = rows(db, "counted-classes", {"lang": lang}, view, lang)
        actors = [{"type": r["class"], "label": r["label"], "count": sizes[r["class"]]}
                  for r in classes if r["kind"] == "actor" and sizes.get(r["class"])]
        relations = [{"type": r["class"], "label": r["label"], "count": sizes.get(r["class"], 0)}
                     for r in classes if r["kind"] == "relation"]
        for found in (actors, relations):  # as the queries order them
            found.sort(key=lambda a: (-a["count"], a["label"]))
        graphs = sorted(counted["graph"].items())
    return {"actors": actors, "relations": relations, "graphs": graphs}
