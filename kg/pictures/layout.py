"""Deterministic layouts for the server-rendered pictures (pure geometry, no drawing).

Same input, same coordinates: nothing random. Coordinates are SVG user units;
kg.pictures.actors and kg.analytics.pictures draw them.

- `spread`, `curve`, `ring`, `bars`: time lanes, step lines, a ring of neighbours and value
  bars, direct and non-iterative.
- `force`: a Fruchterman-Reingold spring layout in pure Python with a fixed start (nodes on a
  circle in the order given, so groups start side by side) and a fixed number of rounds: the
  same graph always gets the same picture. Unconnected nodes (isolates) are pulled towards the
  centre only by `GRAVITY`, so they settle on the rim where a reader looks for them.
- `tree`: a tidy tree (generations left to right, leaves top to bottom), for the adoption tree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class SpreadNode:
    """One adoption: a school at a date."""

    index: int
    x: float
    y: float
    lane: int
    adoption: dict[str, Any]
    variant: int          # 0 = the artefact itself, 1.. = its adapted copies in derivation order
    makes_copy: bool      # this adoption produced an adapted copy


@dataclass
class SpreadEdge:
    source: int           # index of the source school's latest earlier adoption node
    target: int
    broker: str


@dataclass
class Spread:
    width: float
    height: float
    plot: tuple[float, float, float, float]      # x0, y0, x1, y1
    lanes: list[tuple[float, str, str]]           # y, school label, school IRI
    nodes: list[SpreadNode]
    edges: list[SpreadEdge]
    ticks: list[Tick]
    variants: list[dict[str, str]] = field(default_factory=list)   # {"iri", "label"} per variant


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def year_ticks(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date, list[dt.date]]:
    """The axis from 1 January of the first year to 1 January after the last, and its year starts."""
    start = dt.date(first.year, 1, 1)
    end = dt.date(last.year + 1, 1, 1)
    return start, end, [dt.date(y, 1, 1) for y in range(start.year, end.year + 1)]


def time_x(day: dt.date, start: dt.date, end: dt.date, x0: float, x1: float) -> float:
    span = max((end - start).days, 1)
    return round(x0 + (day - start).days / span * (x1 - x0), 1)


def spread(adoptions: list[dict[str, Any]], derivations: list[dict[str, Any]], artefact: dict[str, str],
           label_width: float = 200, plot_width: float = 640, right: float = 150,
           lane_height: float = 28, top: float = 16, bottom: float = 36) -> Spread:
    """Schools as lanes (in order of first adoption), each adoption a node at its date on a time
    axis, an edge from the source school's latest adoption on or before that date."""
    dated = [a for a in adoptions if a.get("date") and a.get("adopter")]
    variants = [artefact] + [d["copy"] for d in derivations]
    variant_of = {v["iri"]: i for i, v in enumerate(variants)}
    lanes_order: list[str] = []
    lane_label: dict[str, str] = {}
    for a in dated:
        iri = a["adopter"]["iri"]
        if iri not in lane_label:
            lanes_order.append(iri)
            lane_label[iri] = a["adopter"]["label"]
    x0, x1 = label_width, label_width + plot_width
    y0 = top
    height = top + max(len(lanes_order), 1) * lane_height + bottom
    y1 = height - bottom
    if not dated:
        return Spread(x1 + right, height, (x0, y0, x1, y1), [], [], [], [], variants)
    start, end, years = year_ticks(_date(dated[0]["date"]), _date(max(a["date"] for a in dated)))
    lane_y = {iri: round(top + (i + 0.5) * lane_height, 1) for i, iri in enumerate(lanes_order)}
    nodes: list[SpreadNode] = []
    for i, a in enumerate(dated):
        iri = a["adopter"]["iri"]
        nodes.append(SpreadNode(
            index=i, x=time_x(_date(a["date"]), start, end, x0, x1), y=lane_y[iri],
            lane=lanes_order.index(iri), adoption=a,
            variant=variant_of.get((a.get("adopted") or {}).get("iri", ""), 0),
            makes_copy=bool(a.get("adapted_copy"))))
    edges: list[SpreadEdge] = []
    for node in nodes:
        source = node.adoption.get("source")
        if not source:
            continue
        earlier = [n for n in nodes if n.adoption["adopter"]["iri"] == source["iri"]
                   and n.adoption["date"] <= node.adoption["date"] and n.index != node.index]
        if earlier:
            broker = node.adoption.get("broker")
            edges.append(SpreadEdge(earlier[-1].index, node.index, broker["label"] if broker else ""))
    ticks = [Tick(time_x(d, start, end, x0, x1), str(d.year)) for d in years]
    lanes = [(lane_y[iri], lane_label[iri], iri) for iri in lanes_order]
    return Spread(x1 + right, height, (x0, y0, x1, y1), lanes, nodes, edges, ticks, variants)


@dataclass
class Curve:
    width: float
    height: float
    plot: tuple[float, float, float, float]
    points: list[tuple[float, float]]          # the step line, left to right
    school_points: list[tuple[float, float]]
    ticks: list[Tick]
    y_ticks: list[tuple[float, int]]
    total: int


def curve(points: list[dict[str, Any]], width: float = 640, height: float = 260,
          left: float = 48, right: float = 16, top: float = 16, bottom: float = 36) -> Curve:
    """A step line of cumulative adoptions (and schools) over a year axis."""
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    if not points:
        return Curve(width, height, (x0, y0, x1, y1), [], [], [], [], 0)
    start, end, years = year_ticks(_date(points[0]["date"]), _date(points[-1]["date"]))
    total = max(p["adoptions"] for p in points)
    step = nice_step(total)
    top_value = max(step, math.ceil(total / step) * step)

    def y(v: float) -> float:
        return round(y1 - v / top_value * (y1 - y0), 1)

    def line(key: str) -> list[tuple[float, float]]:
        out = [(x0, y(0))]
        for p in points:
            x = time_x(_date(p["date"]), start, end, x0, x1)
            out.append((x, out[-1][1]))
            out.append((x, y(p[key])))
        out.append((x1, out[-1][1]))
        return out

    ticks = [Tick(time_x(d, start, end, x0, x1), str(d.year)) for d in years]
    y_ticks = [(y(v), v) for v in range(0, top_value + 1, step)]
    return Curve(width, height, (x0, y0, x1, y1), line("adoptions"), line("schools"), ticks, y_ticks, total)


def nice_step(total: int) -> int:
    """A round tick step giving at most about 6 ticks."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if total / step <= 6:
            return step
    return 10 ** max(1, len(str(total)) - 1)


@dataclass
class Ring:
    width: float
    height: float
    centre: tuple[float, float]
    positions: list[tuple[float, float]]
    radius: float


EM = 0.6          # a character's width in ems: an upper estimate for the page's sans-serif
RING_STEP = 8.0   # how far a label that collides moves outward at a time
LABEL_TOP, LABEL_BOTTOM = 12.0, 40.0   # a neighbour's mark and two label lines, around its point


def text_width(text: str, size: float) -> float:
    """An upper estimate of `text`'s width at font size `size` (no font metrics on the server)."""
    return len(text) * size * EM


def ring(label_widths: Sequence[float], width: float = 640, height: float = 440, inner: float = 150,
         outer: float = 195, centre_label: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> Ring:
    """Positions for neighbours (one per label width) around a centre: one ring up to 12, else
    alternating two radii; the first at the top, then clockwise. A neighbour whose label box (its
    width, LABEL_TOP above and LABEL_BOTTOM below its point) would overlap an earlier one or the
    centre's label (width, top and bottom offset from the centre) moves outward until it is
    free, and the picture grows to hold every label."""
    n = len(label_widths)
    cx, cy = width / 2, height / 2
    cw, ctop, cbottom = centre_label
    placed = [(cx - cw / 2, cy + ctop, cx + cw / 2, cy + cbottom)] if cw else []
    positions = []
    for i, w in enumerate(label_widths):
        angle = -math.pi / 2 + 2 * math.pi * i / max(n, 1)
        r = inner if n <= 12 or i % 2 == 0 else outer
        while True:
            x, y = round(cx + r * 1.35 * math.cos(angle), 1), round(cy + r * math.sin(angle), 1)  # wider than high
            box = (x - w / 2, y - LABEL_TOP, x + w / 2, y + LABEL_BOTTOM)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
            r += RING_STEP
        placed.append(box)
        positions.append((x, y))
    # grow symmetrically around the centre so that every label is inside, with a margin
    half_w = max([width / 2] + [max(cx - b[0], b[2] - cx) + 6 for b in placed])
    half_h = max([height / 2] + [max(cy - b[1], b[3] - cy) + 6 for b in placed])
    dx, dy = half_w - cx, half_h - cy
    return Ring(round(2 * half_w, 1), round(2 * half_h, 1), (half_w, half_h),
                [(round(x + dx, 1), round(y + dy, 1)) for x, y in positions], inner)


@dataclass
class Bars:
    width: float
    height: float
    plot: tuple[float, float, float, float]
    bars: list[tuple[float, float, float, float, dict[str, Any]]]   # x, y, w, h, row
    y_ticks: list[tuple[float, int]]


def bars(rows: list[dict[str, Any]], key: str, width: float = 640, height: float = 220,
         left: float = 40, right: float = 12, top: float = 14, bottom: float = 44) -> Bars:
    """Vertical bars of `key` per row, left to right, with a round value axis."""
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    if not rows:
        return Bars(width, height, (x0, y0, x1, y1), [], [])
    peak = max(int(r.get(key) or 0) for r in rows)
    step = nice_step(max(peak, 1))
    top_value = max(step, math.ceil(peak / step) * step)
    slot = (x1 - x0) / len(rows)
    w = round(slot * 0.7, 1)
    out = []
    for i, r in enumerate(rows):
        v = int(r.get(key) or 0)
        h = round(v / top_value * (y1 - y0), 1)
        out.append((round(x0 + i * slot + (slot - w) / 2, 1), round(y1 - h, 1), w, h, r))
    y_ticks = [(round(y1 - v / top_value * (y1 - y0), 1), v) for v in range(0, top_value + 1, step)]
    return Bars(width, height, (x0, y0, x1, y1), out, y_ticks)


# --- graphs ----------------------------------------------------------------------------------

ROUNDS = 150        # enough for the layouts here (<= a few hundred nodes) to stop moving visibly
GRAVITY = 0.5       # pull towards the centre, relative to the ideal distance: keeps separate components in view
START_TEMPERATURE = 0.1   # the largest step in the first round, as a share of the picture's width


def force(nodes: Sequence[str], edges: Sequence[tuple[str, str]], width: float, height: float,
          margin: float) -> dict[str, tuple[float, float]]:
    """Positions inside [margin, width - margin] x [margin, height - margin]."""
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (round(width / 2, 1), round(height / 2, 1))}
    index = {v: i for i, v in enumerate(nodes)}
    pos = [[math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)] for i in range(n)]
    links = [(index[u], index[v]) for u, v in edges if u in index and v in index and u != v]
    k = math.sqrt(4.0 / n)                     # ideal distance in a 2 x 2 box
    temp = START_TEMPERATURE * 2
    cool = temp / (ROUNDS + 1)
    for _ in range(ROUNDS):
        disp = [[0.0, 0.0] for _ in range(n)]
        for i in range(n):
            xi, yi = pos[i]
            for j in range(i + 1, n):
                dx, dy = xi - pos[j][0], yi - pos[j][1]
                d2 = dx * dx + dy * dy or 1e-9
                f = k * k / d2                   # repulsion k^2 / d, along (dx, dy) / d
                disp[i][0] += dx * f
                disp[i][1] += dy * f
                disp[j][0] -= dx * f
                disp[j][1] -= dy * f
        for i, j in links:
            dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
            d = math.hypot(dx, dy) or 1e-9
            f = d / k                            # attraction d^2 / k, along (dx, dy) / d
            disp[i][0] -= dx * f
            disp[i][1] -= dy * f
            disp[j][0] += dx * f
            disp[j][1] += dy * f
        for i in range(n):
            disp[i][0] -= GRAVITY * pos[i][0] / k
            disp[i][1] -= GRAVITY * pos[i][1] / k
            d = math.hypot(*disp[i]) or 1e-9
            step = min(d, temp)
            pos[i][0] += disp[i][0] / d * step
            pos[i][1] += disp[i][1] / d * step
        temp -= cool
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx = (width - 2 * margin) / ((x1 - x0) or 1)
    sy = (height - 2 * margin) / ((y1 - y0) or 1)
    return {v: (round(margin + (pos[i][0] - x0) * sx, 1), round(margin + (pos[i][1] - y0) * sy, 1))
            for v, i in index.items()}


def tree(children: dict[str | None, list[str]], x_step: float, y_step: float, left: float,
         top: float) -> dict[str, tuple[float, float]]:
    """Positions of a forest given as parent -> children (roots under None): x by generation,
    y by leaf order, a parent centred on its children."""
    pos: dict[str, tuple[float, float]] = {}
    next_leaf = [0]

    def place(node: str, depth: int, seen: frozenset[str]) -> float:
        kids = [c for c in children.get(node, []) if c not in seen and c not in pos]
        if kids:
            ys = [place(c, depth + 1, seen | {node}) for c in kids]
            y = (ys[0] + ys[-1]) / 2
        else:
            y = top + next_leaf[0] * y_step
            next_leaf[0] += 1
        pos[node] = (round(left + depth * x_step, 1), round(y, 1))
        return y

    for root in children.get(None, []):
        if root not in pos:
            place(root, 0, frozenset())
    return pos
