"""Deterministic geometry for the analytics pictures (no drawing here; kg.analytics.pictures draws).

- `force`: a Fruchterman-Reingold spring layout in pure Python with a fixed start (nodes on a
  circle in the order given, so groups start side by side) and a fixed number of rounds: the
  same graph always gets the same picture. Unconnected nodes (isolates) are pulled towards the
  centre only by `GRAVITY`, so they settle on the rim where a reader looks for them.
- `tree`: a tidy tree (generations left to right, leaves top to bottom) for the adoption tree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
