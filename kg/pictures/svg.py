"""SVG drawing helpers shared by every server-rendered picture (kg.pictures.actors and
kg.analytics.pictures): escaping, the `<svg>` frame with its text alternative, a mark per kind of
actor, value axes, bar labels and legend marks. Pictures are plain `str`; web/ marks them safe
for its templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape as _html_escape
from typing import Any

INK, MUTED, LINE = "#1d2433", "#4f586b", "#c9ced8"
# Pictures inline in a page use the page's fonts; stand-alone ones (downloads, PNG, the HTML
# report) name a font every renderer here has.
PAGE_FONT = "system-ui, -apple-system, Segoe UI, sans-serif"
STANDALONE_FONT = "DejaVu Sans, system-ui, sans-serif"
SVG_NS = "http://www.w3.org/2000/svg"


def escape(value: Any) -> str:
    """Text or an attribute value, escaped for SVG and HTML (None is empty)."""
    return _html_escape("" if value is None else str(value), quote=True)


def short(text: str | None, n: int) -> str:
    """`text` cut to `n` characters with an ellipsis (the full text belongs in a tooltip)."""
    text = text or ""
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def document(uid: str, width: float, height: float, title: str, desc: str, body: Iterable[str], cls: str,
             font: str = PAGE_FONT, links: bool = False, background: str | None = None) -> str:
    """A whole picture: `<title>` and `<desc>` (its text alternative, named by aria-labelledby),
    then `body`. A picture with links inside is a named group (its links stay reachable), else an
    image; `background` paints the whole picture first."""
    role = "group" if links else "img"
    fill = f'<rect width="100%" height="100%" fill="{background}"/>' if background else ""
    return (f'<svg xmlns="{SVG_NS}" class="picture {escape(cls)}" viewBox="0 0 {width:g} {height:g}" '
            f'width="{width:g}" height="{height:g}" role="{role}" aria-labelledby="{escape(uid)}-title {escape(uid)}-desc" '
            f'font-family="{font}">'
            f'<title id="{escape(uid)}-title">{escape(title)}</title><desc id="{escape(uid)}-desc">{escape(desc)}</desc>'
            + fill + "".join(body) + "</svg>")


def link(href: str | None, inner: str, label: str) -> str:
    """`inner` as a link to `href` named `label` (as it is without an href)."""
    if not href:
        return inner
    return f'<a href="{escape(href)}" aria-label="{escape(label)}">{inner}</a>'


def shape(kind: str, x: float, y: float, r: float, fill: str, attrs: str = "", corner: float = 0) -> str:
    """The mark of a kind of actor, about 2r wide, centred on (x, y): person circle, artefact square
    (corners rounded by `corner`), network diamond, anything else (organisation) hexagon. Kind is
    shown by shape as well as colour; `attrs` are further attributes (stroke, class)."""
    extra = f" {attrs}" if attrs else ""
    if kind == "person":
        return f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="{fill}"{extra}/>'
    if kind == "artefact":
        rounded = f' rx="{corner:g}"' if corner else ""
        return (f'<rect x="{x - r:g}" y="{y - r:g}" width="{2 * r:g}" height="{2 * r:g}"{rounded} '
                f'fill="{fill}"{extra}/>')
    if kind == "network":
        d = r * 1.25
        return f'<path d="M{x:g},{y - d:g} L{x + d:g},{y:g} L{x:g},{y + d:g} L{x - d:g},{y:g} z" fill="{fill}"{extra}/>'
    h = r * 0.87
    pts = points(((x - r, y), (x - r / 2, y - h), (x + r / 2, y - h), (x + r, y), (x + r / 2, y + h), (x - r / 2, y + h)))
    return f'<polygon points="{pts}" fill="{fill}"{extra}/>'


def points(pts: Iterable[tuple[float, float]]) -> str:
    """Coordinates for a polyline or polygon: `x,y x,y ...`."""
    return " ".join(f"{x:g},{y:g}" for x, y in pts)


def value_grid(plot: tuple[float, float, float, float], ticks: Iterable[tuple[float, int]]) -> list[str]:
    """Dashed lines across the plot at each value tick, the value left of the plot."""
    x0, _, x1, _ = plot
    return [f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="{LINE}" stroke-dasharray="2 3"/>'
            f'<text x="{x0 - 6}" y="{y + 4}" text-anchor="end" font-size="12" fill="{MUTED}">{v}</text>'
            for y, v in ticks]


def baseline(plot: tuple[float, float, float, float]) -> str:
    """The line under the plot."""
    x0, _, x1, y1 = plot
    return f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="{MUTED}"/>'


def bar_labels(x: float, y: float, w: float, bottom: float, value: Any, label: str) -> str:
    """A bar's value above it and its label under the plot."""
    mid = round(x + w / 2, 1)
    return (f'<text x="{mid}" y="{y - 4}" text-anchor="middle" font-size="11.5" fill="{INK}">{escape(value)}</text>'
            f'<text x="{mid}" y="{bottom + 16}" text-anchor="middle" font-size="11" fill="{MUTED}">{escape(label)}</text>')


def legend_mark(inner: str) -> str:
    """A small mark for a legend in the page's text (decorative: the legend's words say what it is)."""
    return (f'<svg xmlns="{SVG_NS}" class="swatch" width="18" height="18" viewBox="0 0 18 18" '
            f'aria-hidden="true" focusable="false">{inner}</svg>')
