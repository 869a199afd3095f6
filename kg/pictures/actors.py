"""The pictures of one actor on its pages: the spread of an artefact, its adoption curve, an
actor's neighbourhood and a network's growth, as SVG text (web/ marks it safe for its templates).

Every text and attribute value is escaped; every picture has a <title> and a <desc> (its text
alternative, also referenced by aria-labelledby) and the page shows the same data as a table or
list. Layouts come from kg.pictures.layout (deterministic), the drawing helpers from kg.pictures.svg.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kg.pictures import layout
from kg.pictures.svg import (
    INK,
    LINE,
    MUTED,
    bar_labels,
    baseline,
    document,
    legend_mark,
    link,
    points,
    shape,
    short,
    value_grid,
)
from kg.pictures.svg import escape as _e
from kg.text import Strings, Text

KIND_COLOURS = {  # each >= 4.5:1 against white, so also usable for text
    "person": "#1d5fa8",
    "artefact": "#a34a00",
    "organisation": "#6b3fa0",
    "network": "#0b6e4f",
    "collective": "#4a5568",
    "actor": "#4a5568",
}
VARIANT_COLOURS = ("#0b6e4f", "#a34a00", "#6b3fa0", "#b4234a", "#1d5fa8", "#4a5568")

TEXTS = Strings({
    "spread_title": Text(nl="Verspreiding van {a}", en="Spread of {a}"),
    "spread_desc": Text(nl="{n} adopties door {s} scholen van {first} tot {last}. Elke rij is een school, "
                           "elke stip een adoptie op de tijdas; een pijl loopt van de school waar het vandaan kwam "
                           "naar de adopterende school, met de makelaar erbij. Vierkantjes zijn adopties van een "
                           "aangepaste kopie; een ruit om de stip betekent: hier is een aangepaste kopie gemaakt.",
                        en="{n} adoptions by {s} schools from {first} to {last}. Each row is a school, each dot an "
                           "adoption on the time axis; an arrow runs from the school it came from to the adopting "
                           "school, labelled with the broker. Squares are adoptions of an adapted copy; a diamond "
                           "around a dot means an adapted copy was made there."),
    "curve_title": Text(nl="Cumulatief aantal adopties van {a}", en="Cumulative adoptions of {a}"),
    "curve_desc": Text(nl="Van {f} adoptie op {first} tot {n} adopties door {s} scholen op {last}.",
                       en="From {f} adoption on {first} to {n} adoptions by {s} schools on {last}."),
    "adoptions": Text(nl="adopties", en="adoptions"),
    "schools": Text(nl="scholen", en="schools"),
    "nb_title": Text(nl="Netwerk rond {a}", en="Network around {a}"),
    "nb_desc": Text(nl="{a} in het midden met {n} direct verbonden actoren eromheen{more}, gekleurd naar soort: {kinds}.",
                    en="{a} in the middle with {n} directly related actors around it{more}, coloured by kind: {kinds}."),
    "nb_more": Text(nl=" (de {m} met de meeste relaties van {t})", en=" (the {m} with most relations out of {t})"),
    "growth_title": Text(nl="Leden van {a} per schooljaar", en="Members of {a} per school year"),
    "growth_desc": Text(nl="Aantal mensen dat aan het eind van elk schooljaar lid is: {values}.",
                        en="Number of people who are members at the end of each school year: {values}."),
    "from_to": Text(nl="{s} → {t}, makelaar {b}", en="{s} → {t}, broker {b}"),
    "no_broker": Text(nl="onbekend", en="unknown"),
    "broker_as": Text(nl="makelaar {b}", en="broker {b}"),
    "made_copy": Text(nl="maakte {c}", en="made {c}"),
})


# --- the spread of an artefact ---------------------------------------------------

def spread_svg(trace: dict[str, Any], lang: str, url: Callable[[str], str], uid: str = "spread") -> str:
    """Schools as rows on a time axis, adoptions as dots, arrows source -> adopter with the broker."""
    geo = layout.spread(trace["adoptions"], trace["derivations"], trace["artefact"])
    s = trace["summary"]
    title = TEXTS("spread_title", lang, a=trace["artefact"]["label"])
    desc = TEXTS("spread_desc", lang, n=s["adoptions"], s=s["schools"], first=s["first"] or "?", last=s["last"] or "?")
    x0, y0, x1, y1 = geo.plot
    body = [f'<defs><marker id="{_e(uid)}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker></defs>']
    for tick in geo.ticks:
        body.append(f'<line x1="{tick.x}" y1="{y0}" x2="{tick.x}" y2="{y1}" stroke="{LINE}" stroke-dasharray="2 3"/>'
                    f'<text x="{tick.x}" y="{y1 + 18}" text-anchor="middle" font-size="12" fill="{MUTED}">{_e(tick.label)}</text>')
    for y, label, iri in geo.lanes:
        text = (f'<text x="{x0 - 10}" y="{y + 4}" text-anchor="end" font-size="12" fill="{INK}">'
                f'<title>{_e(label)}</title>{_e(short(label, 30))}</text>')
        body.append(f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#eef0f4"/>' + link(url(iri), text, label))
    by_index = {n.index: n for n in geo.nodes}
    for edge in geo.edges:
        a, b = by_index[edge.source], by_index[edge.target]
        # leave the source vertically (its broker label sits to its right), enter the adopter from the left
        bend = round(a.x + (b.x - a.x) * 0.35, 1)
        tip = f'{b.x - 8:g},{b.y}' if b.x - a.x > 12 else f'{b.x},{b.y - 8 if b.y > a.y else b.y + 8}'
        tooltip = TEXTS("from_to", lang, s=a.adoption["adopter"]["label"], t=b.adoption["adopter"]["label"],
                        b=edge.broker or TEXTS("no_broker", lang))
        body.append(f'<path class="edge" d="M{a.x},{a.y} C{a.x},{b.y} {bend},{b.y} {tip}" fill="none" '
                    f'stroke="{MUTED}" stroke-opacity=".75" stroke-width="1.3" marker-end="url(#{_e(uid)}-arrow)"><title>{_e(tooltip)}</title></path>')
    for node in geo.nodes:
        body.append(_spread_node(node, lang, url))
    body.extend(_broker_labels(geo, x1))
    return document(uid, geo.width, geo.height, title, desc, body, "spread", links=True)


def _spread_node(node: layout.SpreadNode, lang: str, url: Callable[[str], str]) -> str:
    a = node.adoption
    colour = VARIANT_COLOURS[node.variant % len(VARIANT_COLOURS)]
    brokers = ", ".join(b["label"] for b in a.get("brokers") or []) or TEXTS("no_broker", lang)
    parts = [a["date"], a["adopter"]["label"], a["adopted"]["label"] if a.get("adopted") else "",
             (("via " + a["network"]["label"]) if a.get("network") else ""),
             TEXTS("broker_as", lang, b=brokers)]
    if a.get("adapted_copy"):
        parts.append(TEXTS("made_copy", lang, c=a["adapted_copy"]["label"]))
    tooltip = " · ".join(p for p in parts if p)
    x, y = node.x, node.y
    mark = shape("person" if node.variant == 0 else "artefact", x, y, 6 if node.variant == 0 else 5.5, colour,
                 'stroke="#fff" stroke-width="1.5"')
    ring = shape("network", x, y, 8.8, "none", f'class="copy-mark" stroke="{INK}" stroke-width="1.5"') if node.makes_copy else ""
    inner = f'<g class="adoption" data-date="{_e(a["date"])}"><title>{_e(tooltip)}</title>{ring}{mark}</g>'
    return link(url(a["adoption"]["iri"]) if a.get("adoption") else None, inner, tooltip)


def _broker_labels(geo: layout.Spread, x_max: float) -> list[str]:
    """One label per cluster of nearby adoptions in a row: the broker(s), right of the last dot."""
    out: list[str] = []
    by_lane: dict[int, list[layout.SpreadNode]] = {}
    for n in geo.nodes:
        by_lane.setdefault(n.lane, []).append(n)
    for lane_nodes in by_lane.values():
        cluster: list[layout.SpreadNode] = []
        for i, n in enumerate(lane_nodes):
            cluster.append(n)
            last = i == len(lane_nodes) - 1
            if last or lane_nodes[i + 1].x - n.x > 130:
                names: list[str] = []
                for c in cluster:
                    for b in c.adoption.get("brokers") or []:
                        if b["label"] not in names:
                            names.append(b["label"])
                if names:
                    text = ", ".join(names)
                    out.append(f'<text class="broker" x="{n.x + 14}" y="{n.y + 4}" font-size="11" font-style="italic" '
                               f'fill="{MUTED}" stroke="#fff" stroke-width="3" paint-order="stroke"><title>{_e(text)}</title>{_e(short(text, 24))}</text>')
                cluster = []
    return out


# --- the cumulative adoption curve -------------------------------------------------

def curve_svg(trace: dict[str, Any], lang: str, uid: str = "curve") -> str:
    geo = layout.curve(trace["curve"])
    s = trace["summary"]
    pts = trace["curve"]
    title = TEXTS("curve_title", lang, a=trace["artefact"]["label"])
    desc = TEXTS("curve_desc", lang, f=pts[0]["adoptions"] if pts else 0, first=s["first"] or "?",
                 n=s["adoptions"], s=s["schools"], last=s["last"] or "?")
    x0, y0, x1, y1 = geo.plot
    body = value_grid(geo.plot, geo.y_ticks)
    for tick in geo.ticks:
        body.append(f'<text x="{tick.x}" y="{y1 + 18}" text-anchor="middle" font-size="12" fill="{MUTED}">{_e(tick.label)}</text>'
                    f'<line x1="{tick.x}" y1="{y1}" x2="{tick.x}" y2="{y1 + 5}" stroke="{MUTED}"/>')
    body.append(baseline(geo.plot))
    if geo.points:
        body.append(f'<polyline class="schools-line" points="{points(geo.school_points)}" fill="none" '
                    f'stroke="{KIND_COLOURS["organisation"]}" stroke-width="2" stroke-dasharray="5 4"/>')
        body.append(f'<polyline class="adoptions-line" points="{points(geo.points)}" fill="none" '
                    f'stroke="{VARIANT_COLOURS[0]}" stroke-width="2.5"/>')
        lx, ly = geo.points[-1]
        sx, sy = geo.school_points[-1]
        body.append(f'<text x="{lx - 4}" y="{ly - 8}" text-anchor="end" font-size="12" fill="{VARIANT_COLOURS[0]}">'
                    f'{s["adoptions"]} {_e(TEXTS("adoptions", lang))}</text>')
        body.append(f'<text x="{sx - 4}" y="{sy + 16}" text-anchor="end" font-size="12" fill="{KIND_COLOURS["organisation"]}">'
                    f'{s["schools"]} {_e(TEXTS("schools", lang))}</text>')
        for p, (x, y) in zip(pts, _corners(geo.points)):
            body.append(f'<circle class="step" cx="{x}" cy="{y}" r="2.5" fill="{VARIANT_COLOURS[0]}">'
                        f'<title>{_e(p["date"])}: {p["adoptions"]} {_e(TEXTS("adoptions", lang))}, '
                        f'{p["schools"]} {_e(TEXTS("schools", lang))}</title></circle>')
    return document(uid, geo.width, geo.height, title, desc, body, "curve")


def _corners(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The upper corner of each step (every second point after the start)."""
    return [points[i] for i in range(2, len(points) - 1, 2)]


# --- an actor's neighbourhood ------------------------------------------------------

def pick_neighbours(neighbours: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Up to `limit` neighbours, taking kinds in turn (ANT: people, things and collectives all show)."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for n in neighbours:
        by_kind.setdefault(n["kind"], []).append(n)
    picked: list[dict[str, Any]] = []
    queues = [by_kind[k] for k in sorted(by_kind, key=lambda k: (-len(by_kind[k]), k))]
    i = 0
    while len(picked) < limit and any(queues):
        q = queues[i % len(queues)]
        if q:
            picked.append(q.pop(0))
        i += 1
    order = {n["iri"]: k for k, n in enumerate(neighbours)}
    return sorted(picked, key=lambda n: (n["kind"], order[n["iri"]]))


def neighbourhood_svg(actor: dict[str, Any], neighbours: list[dict[str, Any]], lang: str,
                      url: Callable[[str], str], kind_labels: dict[str, str], limit: int = 16,
                      uid: str = "nb") -> str:
    """The actor in the middle, related actors around it coloured (and shaped) by kind, links labelled."""
    shown = pick_neighbours(neighbours, limit)
    names = [short(n["label"], 24) for n in shown]
    relations = [short(", ".join(n["relations"]), 30) for n in shown]
    centre = short(actor["label"], 34)
    geo = layout.ring([max(layout.text_width(a, 12), layout.text_width(b, 10.5)) for a, b in zip(names, relations)],
                      width=720, height=460, centre_label=(layout.text_width(centre, 13), 18.0, 36.0))
    cx, cy = geo.centre
    kinds = sorted({n["kind"] for n in shown} | {actor["kind"]})
    more = TEXTS("nb_more", lang, m=len(shown), t=len(neighbours)) if len(shown) < len(neighbours) else ""
    desc = TEXTS("nb_desc", lang, a=actor["label"], n=len(shown), more=more,
                 kinds=", ".join(kind_labels.get(k, k) for k in kinds))
    body = []
    for _n, (x, y) in zip(shown, geo.positions):
        body.append(f'<line x1="{cx}" y1="{cy}" x2="{x}" y2="{y}" stroke="{LINE}" stroke-width="1.5"/>')
    body.append(_shape(actor["kind"], cx, cy, 16, center=True)
                + f'<text x="{cx}" y="{cy + 32}" text-anchor="middle" font-size="13" font-weight="700" fill="{INK}" '
                  f'stroke="#fff" stroke-width="4" paint-order="stroke">{_e(centre)}</text>')
    for n, name, relation, (x, y) in zip(shown, names, relations, geo.positions):
        label = f'{n["label"]} ({kind_labels.get(n["kind"], n["kind"])}: {", ".join(n["relations"])})'
        inner = (f'<g class="neighbour" data-kind="{_e(n["kind"])}"><title>{_e(label)}</title>'
                 + _shape(n["kind"], x, y, 9)
                 + f'<text x="{x}" y="{y + 22}" text-anchor="middle" font-size="12" fill="{INK}" stroke="#fff" '
                   f'stroke-width="3" paint-order="stroke">{_e(name)}</text>'
                 + f'<text class="relation" x="{x}" y="{y + 36}" text-anchor="middle" font-size="10.5" fill="{MUTED}" '
                   f'stroke="#fff" stroke-width="3" paint-order="stroke">{_e(relation)}</text></g>')
        body.append(link(url(n["iri"]), inner, label))
    return document(uid, geo.width, geo.height, TEXTS("nb_title", lang, a=actor["label"]), desc, body, "neighbourhood",
                links=True)


def _shape(kind: str, x: float, y: float, r: float, center: bool = False) -> str:
    """Kind is shown by colour AND shape: person circle, artefact square, organisation hexagon,
    network diamond."""
    colour = KIND_COLOURS.get(kind, KIND_COLOURS["actor"])
    stroke = f'stroke="{INK}" stroke-width="3"' if center else 'stroke="#fff" stroke-width="1.5"'
    return shape(kind, x, y, r, colour, f'class="shape {_e(kind)}" {stroke}', corner=2)


def swatch(kind: str) -> str:
    """A small legend mark for a kind (decorative; the legend text says the kind)."""
    return legend_mark(_shape(kind, 9, 9, 6))


def variant_swatch(index: int, made_copy: bool = False) -> str:
    colour = VARIANT_COLOURS[index % len(VARIANT_COLOURS)]
    if made_copy:
        inner = shape("network", 9, 9, 6.4, "none", f'stroke="{INK}" stroke-width="1.5"') + shape("person", 9, 9, 4, colour)
    elif index == 0:
        inner = shape("person", 9, 9, 6, colour)
    else:
        inner = shape("artefact", 9, 9, 5.5, colour)
    return legend_mark(inner)


# --- a network's growth ---------------------------------------------------------------

def growth_svg(network: dict[str, Any], growth: list[dict[str, Any]], lang: str, uid: str = "growth") -> str:
    """Bars of the members at the end of each school year."""
    geo = layout.bars(growth, "active_at_end", height=230)
    values = ", ".join(f'{g["school_year"]}: {g["active_at_end"]}' for g in growth)
    x0, y0, x1, y1 = geo.plot
    body = value_grid(geo.plot, geo.y_ticks)
    for x, y, w, h, g in geo.bars:
        label = f'{g["school_year"]}: {g["active_at_end"]} (+{g["joined"]}, -{g["left"]})'
        body.append(f'<g class="bar"><title>{_e(label)}</title>'
                    f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{KIND_COLOURS["network"]}"/>'
                    + bar_labels(x, y, w, y1, g["active_at_end"], _short_year(g["school_year"])) + '</g>')
    body.append(baseline(geo.plot))
    return document(uid, geo.width, geo.height, TEXTS("growth_title", lang, a=network["label"]),
                TEXTS("growth_desc", lang, values=values), body, "growth")


def _short_year(school_year: str) -> str:
    """2017-2018 -> '17-'18."""
    parts = str(school_year).split("-")
    return "-".join("’" + p[-2:] for p in parts) if len(parts) == 2 else str(school_year)
