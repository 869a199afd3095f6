"""SVG pictures of an analysis: the sociogram, the depth distribution, the adoption tree and the
adoption curve. Self-contained `<svg>` strings (no external resources, no scripts), usable inline
in a page, in the HTML report and as downloads.

Every text and attribute value is escaped; every picture has a <title> and a <desc> (its text
alternative; the pages and the report show the same data as tables). Geometry comes from
kg.pictures.layout (deterministic), the drawing helpers (frame, escaping, shapes, axes) from
kg.pictures.svg, as for the actor pictures.

Sociogram: node shape by kind (person circle, artefact square, network diamond, organisation
hexagon), fill by group (the school, or the role inside a school), area by degree, a thick dark
ring for a broker, a dashed red ring for an isolated member; line width by depth of interaction,
dashed lines for artefact relations (mediation, authorship); a legend inside the picture.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg.pictures import layout
from kg.pictures.svg import (
    INK,
    MUTED,
    STANDALONE_FONT,
    bar_labels,
    baseline,
    document,
    points,
    shape,
    short,
    value_grid,
)
from kg.pictures.svg import escape as _e
from kg.text import Strings, Text

# colour-blind-safe, each >= 3:1 against white (Okabe-Ito and Tol, darkened where needed)
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56589e", "#b4234a", "#117733",
           "#6b3fa0", "#4a5568")
OTHER = "#8a93a3"            # groups beyond the palette and actors without a group
BROKER_RING, ISOLATE_RING = "#1d2433", "#c0392b"
MIN_RADIUS, RADIUS_PER_DEGREE = 5.0, 2.2    # r = MIN + PER * sqrt(degree): area grows with degree
MAX_LABEL = 22                              # characters of a node label shown (the full one is the tooltip)

TEXTS = Strings({
    "socio_title": Text(nl="Sociogram van {a}", en="Sociogram of {a}"),
    "socio_desc": Text(nl="{n} actoren en {m} relaties. Kleur: {by}. Grootte: aantal relaties. "
                          "Makelaars ({b}): {brokers}. Geïsoleerd ({i}): {isolates}.",
                       en="{n} actors and {m} relations. Colour: {by}. Size: number of relations. "
                          "Brokers ({b}): {brokers}. Isolated ({i}): {isolates}."),
    "by_school": Text(nl="school of organisatie", en="school or organisation"),
    "by_role": Text(nl="rol", en="role"),
    "by_board": Text(nl="bestuur", en="board"),
    "broker": Text(nl="makelaar", en="broker"),
    "isolated": Text(nl="geïsoleerd", en="isolated"),
    "none": Text(nl="geen", en="none"),
    "other": Text(nl="overig", en="other"),
    "depth_title": Text(nl="Diepte van de interactie: {a}", en="Depth of interaction: {a}"),
    "depth_desc": Text(nl="Aantal verbindingen per diepte: {values}.", en="Ties per depth: {values}."),
    "internal": Text(nl="binnen", en="inside"),
    "external": Text(nl="naar buiten", en="leaving"),
    "tree_title": Text(nl="Adoptieboom van {a}", en="Adoption tree of {a}"),
    "tree_desc": Text(nl="Wie nam het over van wie: {n} adopties; een lijn loopt van de school waar het vandaan kwam "
                         "naar de school die het overnam, met de makelaar. Scholen zonder bron staan links.",
                      en="Who took it from whom: {n} adoptions; a line runs from the school it came from to the "
                         "school that took it, with the broker. Schools without a source are on the left."),
    "curve_title": Text(nl="Adoptiecurve van {a}", en="Adoption curve of {a}"),
    "curve_desc": Text(nl="Cumulatief {n} adopties door {s} scholen van {first} tot {last}; mediaan {m} dagen "
                          "tussen twee adopties.",
                       en="Cumulative {n} adoptions by {s} schools from {first} to {last}; median {m} days "
                          "between two adoptions."),
    "adoptions": Text(nl="adopties", en="adoptions"),
    "schools": Text(nl="scholen", en="schools"),
})


def svg(uid: str, width: float, height: float, title: str, desc: str, body: list[str], cls: str) -> str:
    """A stand-alone picture (downloads, PNG, the HTML report): a named font, a white background."""
    return document(uid, width, height, title, desc, body, cls, font=STANDALONE_FONT, background="#fff")


def group_colours(nodes: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Group IRI -> colour: the largest groups get the palette (ties by label), the rest OTHER."""
    sizes: dict[str, tuple[int, str]] = {}
    for n in nodes:
        if n["group"]:
            size, label = sizes.get(n["group"]["iri"], (0, n["group"]["label"]))
            sizes[n["group"]["iri"]] = (size + 1, label)
    order = sorted(sizes, key=lambda g: (-sizes[g][0], sizes[g][1].casefold(), g))
    return {g: PALETTE[i] if i < len(PALETTE) else OTHER for i, g in enumerate(order)}


def radius(degree: int) -> float:
    return round(MIN_RADIUS + RADIUS_PER_DEGREE * math.sqrt(degree), 1)


def edge_width(depth: int | None) -> float:
    """A tie's line width: thicker for a deeper interaction."""
    return 1 + (depth or 0) * 0.6


@dataclass(frozen=True)
class Mark:
    """Where and how a node is drawn: centre (y pointing down, as in SVG), radius, fill colour."""
    x: float
    y: float
    r: float
    fill: str


@dataclass(frozen=True)
class Geometry:
    """The sociogram's plot (without the legend): its size, the group colours and every node's mark."""
    width: float
    height: float
    colours: dict[str, str]
    marks: dict[str, Mark]


def sociogram_geometry(graph: dict[str, Any]) -> Geometry:
    """The node geometry of the sociogram, shared by the SVG picture and the GEXF export (so Gephi
    shows what the page draws): the force layout, the radius by degree and the fill by group."""
    nodes, edges = graph["nodes"], graph["edges"]
    colours = group_colours(nodes)
    groups = {n["group"]["iri"] for n in nodes if n["group"]}
    width = 720 if len(nodes) > 12 else 520
    height = max(460, 150 + 22 * min(len(groups), len(PALETTE) + 1))
    order = sorted(nodes, key=lambda n: ((n["group"] or {}).get("label", "~"), n["label"].casefold(), n["iri"]))
    pos = layout.force([n["iri"] for n in order], [(e["source"], e["target"]) for e in edges],
                       width, height, margin=40)
    marks = {n["iri"]: Mark(*pos[n["iri"]], radius(n["degree"]), colours.get((n["group"] or {}).get("iri", ""), OTHER))
             for n in nodes}
    return Geometry(width, height, colours, marks)


def sociogram_svg(graph: dict[str, Any], subject: dict[str, str], lang: str, uid: str = "sociogram") -> str:
    nodes, edges = graph["nodes"], graph["edges"]
    geo = sociogram_geometry(graph)
    groups = {n["group"]["iri"]: n["group"]["label"] for n in nodes if n["group"]}
    legend_width = 250
    body: list[str] = []
    for e in edges:
        a, b = geo.marks[e["source"]], geo.marks[e["target"]]
        x1, y1, x2, y2 = a.x, a.y, b.x, b.y
        width = edge_width(e["depth"])
        dash = '' if "tie" in e["relations"] else ' stroke-dasharray="4 3"'
        tip = f'{_label_of(nodes, e["source"])} – {_label_of(nodes, e["target"])}: {", ".join(e["relations"])}'
        if e["strength"] is not None:
            tip += f'; strength {e["strength"]:g}'
        body.append(f'<line class="edge" x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{MUTED}" '
                    f'stroke-opacity=".55" stroke-width="{width:g}"{dash}><title>{_e(tip)}</title></line>')
    for n in nodes:
        m = geo.marks[n["iri"]]
        x, y, r, fill = m.x, m.y, m.r, m.fill
        rings = ""
        if n["broker"]:
            rings += shape(n["kind"], x, y, r + 4, "none", f'stroke="{BROKER_RING}" stroke-width="3" class="broker-mark"')
        if n["isolated"]:
            rings += shape(n["kind"], x, y, r + 4, "none",
                           f'stroke="{ISOLATE_RING}" stroke-width="2.5" stroke-dasharray="3 2" class="isolate-mark"')
        bold = ' font-weight="700"' if n.get("centre") else ""
        flags = [f for f, on in (("broker", n["broker"]), ("isolated", n["isolated"])) if on]
        tip = n["label"] + (f' ({(n["group"] or {}).get("label", "")})' if n["group"] else "") + \
            "".join(f", {TEXTS(f, lang)}" for f in flags) + f", {n['degree']}"
        body.append(f'<g class="node" data-iri="{_e(n["iri"])}" data-kind="{_e(n["kind"])}" '
                    f'data-broker="{str(n["broker"]).lower()}" data-isolated="{str(n["isolated"]).lower()}">'
                    f'<title>{_e(tip)}</title>{rings}'
                    + shape(n["kind"], x, y, r, fill, 'stroke="#fff" stroke-width="1.2"')
                    + f'<text x="{x:g}" y="{y + r + 11:g}" text-anchor="middle" font-size="10" fill="{INK}" '
                      f'stroke="#fff" stroke-width="3" paint-order="stroke"{bold}>{_e(short(n["label"], MAX_LABEL))}</text></g>')
    body.extend(_legend(graph, geo.colours, groups, geo.width + 10, lang))
    brokers = [n["label"] for n in nodes if n["broker"]]
    isolates = [n["label"] for n in nodes if n["isolated"]]
    desc = TEXTS("socio_desc", lang, n=len(nodes), m=len(edges),
                 by=TEXTS("by_" + graph["colour_by"], lang),
                 b=len(brokers), brokers=", ".join(brokers) or TEXTS("none", lang),
                 i=len(isolates), isolates=", ".join(isolates) or TEXTS("none", lang))
    return svg(uid, geo.width + legend_width, geo.height, TEXTS("socio_title", lang, a=subject["label"]), desc, body, "sociogram")


def _label_of(nodes: list[dict[str, Any]], iri: str) -> str:
    return next((n["label"] for n in nodes if n["iri"] == iri), iri)


def _legend(graph: dict[str, Any], colours: dict[str, str], groups: dict[str, str], x: float, lang: str) -> list[str]:
    out = [f'<g class="legend" font-size="11" fill="{INK}">']
    y = 24
    out.append(f'<text x="{x:g}" y="{y}" font-weight="700">'
               f'{_e(TEXTS("by_" + graph["colour_by"], lang).capitalize())}</text>')
    shown = [g for g in colours if colours[g] != OTHER]
    for g in shown:
        y += 20
        out.append(f'<rect x="{x:g}" y="{y - 9}" width="12" height="12" fill="{colours[g]}"/>'
                   f'<text x="{x + 18:g}" y="{y + 1}">{_e(short(groups[g], 34))}</text>')
    if len(shown) < len(colours) or any(not n["group"] for n in graph["nodes"]):
        y += 20
        out.append(f'<rect x="{x:g}" y="{y - 9}" width="12" height="12" fill="{OTHER}"/>'
                   f'<text x="{x + 18:g}" y="{y + 1}">{_e(TEXTS("other", lang))}</text>')
    y += 30
    out.append(shape("person", x + 6, y - 3, 7, "#fff", f'stroke="{BROKER_RING}" stroke-width="3"')
               + f'<text x="{x + 18:g}" y="{y + 1}">{_e(TEXTS("broker", lang))}</text>')
    y += 22
    out.append(shape("person", x + 6, y - 3, 7, "#fff",
                     f'stroke="{ISOLATE_RING}" stroke-width="2.5" stroke-dasharray="3 2"')
               + f'<text x="{x + 18:g}" y="{y + 1}">{_e(TEXTS("isolated", lang))}</text>')
    out.append("</g>")
    return out


def depth_svg(rows: list[dict[str, Any]], subject: dict[str, str], lang: str, uid: str = "depth") -> str:
    """Bars per depth rank; a group's bars split into ties inside it and ties leaving it."""
    ranked = [r for r in rows if r["rank"] is not None]
    geo = layout.bars(ranked, "ties", height=240)
    x0, y0, x1, y1 = geo.plot
    split = bool(ranked) and "internal" in ranked[0]
    body = value_grid(geo.plot, geo.y_ticks)
    for x, y, w, h, r in geo.bars:
        inner = round(h * r["internal"] / r["ties"], 1) if split and r["ties"] else h
        label = f'{r["depth"]}: {r["ties"]}' + (f' ({TEXTS("internal", lang)} {r["internal"]}, '
                                                 f'{TEXTS("external", lang)} {r["external"]})' if split else "")
        bar = f'<rect x="{x}" y="{round(y1 - inner, 1)}" width="{w}" height="{inner}" fill="{PALETTE[0]}"/>'
        if split and h > inner:
            bar += f'<rect x="{x}" y="{y}" width="{w}" height="{round(h - inner, 1)}" fill="{PALETTE[1]}"/>'
        body.append(f'<g class="bar" data-rank="{r["rank"]}" data-ties="{r["ties"]}"><title>{_e(label)}</title>{bar}'
                    + bar_labels(x, y, w, y1, r["ties"], short(r["depth"] or "", 26)) + '</g>')
    body.append(baseline(geo.plot))
    if split:
        body.append(f'<g font-size="11" fill="{INK}"><rect x="{x1 - 170}" y="{y0}" width="11" height="11" '
                    f'fill="{PALETTE[0]}"/><text x="{x1 - 154}" y="{y0 + 10}">{_e(TEXTS("internal", lang))}</text>'
                    f'<rect x="{x1 - 90}" y="{y0}" width="11" height="11" fill="{PALETTE[1]}"/>'
                    f'<text x="{x1 - 74}" y="{y0 + 10}">{_e(TEXTS("external", lang))}</text></g>')
    values = ", ".join(f'{r["depth"]} {r["ties"]}' for r in ranked)
    return svg(uid, geo.width, geo.height, TEXTS("depth_title", lang, a=subject["label"]),
               TEXTS("depth_desc", lang, values=values), body, "depth")


def tree_svg(result: dict[str, Any], subject: dict[str, str], lang: str, uid: str = "tree") -> str:
    """The adoption tree: each adopting school under the school it took the artefact from."""
    first: dict[str, dict[str, Any]] = {}
    for a in result["adoptions"]:
        if a.get("adopter") and a["adopter"]["iri"] not in first:
            first[a["adopter"]["iri"]] = a
    children: dict[str | None, list[str]] = {None: []}
    for iri, a in first.items():
        parent = a["source"]["iri"] if a.get("source") and a["source"]["iri"] in first else None
        children.setdefault(parent, []).append(iri)
    x_step, y_step, left, top = 190, 30, 16, 30
    pos = layout.tree(children, x_step, y_step, left, top)
    depth = max((x for x, _ in pos.values()), default=left)
    width = depth + x_step + 40
    height = max((y for _, y in pos.values()), default=top) + 30
    body = []
    for iri, a in first.items():
        if a.get("source") and a["source"]["iri"] in pos and iri in pos:
            (sx, sy), (tx, ty) = pos[a["source"]["iri"]], pos[iri]
            broker = ", ".join(b["label"] for b in a.get("brokers") or [])
            body.append(f'<path class="edge" d="M{sx + 8:g},{sy:g} C{sx + 60:g},{sy:g} {tx - 60:g},{ty:g} {tx - 8:g},{ty:g}" '
                        f'fill="none" stroke="{MUTED}" stroke-width="1.3"><title>{_e(broker)}</title></path>')
    for iri, (x, y) in pos.items():
        a = first[iri]
        fill = PALETTE[1] if a.get("adapted_copy") else PALETTE[2]
        tip = f'{a["adopter"]["label"]} {a["date"] or ""}' + (f' · {a["adapted_copy"]["label"]}' if a.get("adapted_copy") else "")
        body.append(f'<g class="adoption" data-iri="{_e(iri)}"><title>{_e(tip)}</title>'
                    f'<circle cx="{x:g}" cy="{y:g}" r="6" fill="{fill}"/>'
                    f'<text x="{x + 10:g}" y="{y - 4:g}" font-size="11" fill="{INK}">{_e(short(a["adopter"]["label"], 26))}</text>'
                    f'<text x="{x + 10:g}" y="{y + 9:g}" font-size="9.5" fill="{MUTED}">{_e(a["date"] or "")}</text></g>')
    return svg(uid, width, height, TEXTS("tree_title", lang, a=subject["label"]),
               TEXTS("tree_desc", lang, n=len(result["adoptions"])), body, "adoption-tree")


def curve_svg(result: dict[str, Any], subject: dict[str, str], lang: str, uid: str = "adoption-curve") -> str:
    """Cumulative adoptions and schools as step lines over the years."""
    geo = layout.curve(result["adoption_curve"])
    x0, y0, x1, y1 = geo.plot
    body = value_grid(geo.plot, geo.y_ticks)
    for tick in geo.ticks:
        body.append(f'<text x="{tick.x}" y="{y1 + 18}" text-anchor="middle" font-size="12" fill="{MUTED}">{_e(tick.label)}</text>')
    body.append(baseline(geo.plot))
    if geo.points:
        body.append(f'<polyline class="schools-line" points="{points(geo.school_points)}" fill="none" stroke="{PALETTE[5]}" '
                    f'stroke-width="2" stroke-dasharray="5 4"/>')
        body.append(f'<polyline class="adoptions-line" points="{points(geo.points)}" fill="none" stroke="{PALETTE[2]}" '
                    f'stroke-width="2.5"/>')
    s = result["summary"]
    body.append(f'<g font-size="11" fill="{INK}"><line x1="{x0 + 10}" y1="{y0 + 6}" x2="{x0 + 30}" y2="{y0 + 6}" '
                f'stroke="{PALETTE[2]}" stroke-width="2.5"/><text x="{x0 + 36}" y="{y0 + 10}">{_e(TEXTS("adoptions", lang))}</text>'
                f'<line x1="{x0 + 130}" y1="{y0 + 6}" x2="{x0 + 150}" y2="{y0 + 6}" stroke="{PALETTE[5]}" stroke-width="2" '
                f'stroke-dasharray="5 4"/><text x="{x0 + 156}" y="{y0 + 10}">{_e(TEXTS("schools", lang))}</text></g>')
    median = result["intervals"]["median_days"]
    desc = TEXTS("curve_desc", lang, n=s["adoptions"], s=s["schools"], first=s["first"] or "?", last=s["last"] or "?",
                 m="?" if median is None else f"{median:g}")
    return svg(uid, geo.width, geo.height, TEXTS("curve_title", lang, a=subject["label"]), desc, body, "adoption-curve")


def pictures(result: dict[str, Any], lang: str) -> dict[str, str]:
    """The pictures of an analysis by name: sociogram, depth, and for an artefact tree and curve."""
    subject = result["subject"]
    out = {"sociogram": sociogram_svg(result["graph"], subject, lang)}
    if result.get("depth_distribution"):
        out["depth"] = depth_svg(result["depth_distribution"], subject, lang)
    if result["kind"] == "artefact":
        out["tree"] = tree_svg(result, subject, lang)
        out["curve"] = curve_svg(result, subject, lang)
    return out


def png(picture: str) -> bytes:
    """The picture rasterised to PNG by resvg (a Rust renderer shipped inside the resvg-py wheel: no
    browser, no system library, no network; text in the system's fonts)."""
    import resvg_py  # a Rust renderer, loaded only when a PNG is asked for

    return bytes(resvg_py.svg_to_bytes(svg_string=picture, background="#ffffff"))
