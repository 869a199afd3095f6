"""The ingest report: readable text (nl or en) and JSON (the shape is in docs/ingest.md)."""

from __future__ import annotations

from collections import Counter
from typing import TypedDict

from kg.ingest.changes import Changes, ChangesJSON
from kg.ingest.pipeline import IngestResult
from kg.ingest.problems import ERROR, INFO, WARNING, Problem, ProblemJSON
from kg.text import Strings, Text

_T = Strings({
    "head": Text(nl="Regio {region} ({graph}), basis {base}; gelezen: {counts}.",
                 en="Region {region} ({graph}), base {base}; read: {counts}."),
    "clean": Text(nl="Klopt: {t} triples voor deze regio, samen met de rest van de store gecontroleerd.",
                  en="Conforms: {t} triples for this region, checked together with the rest of the store."),
    "summary": Text(nl="{e} fout(en), {w} waarschuwing(en), {i} melding(en).",
                    en="{e} error(s), {w} warning(s), {i} info(s)."),
    "table_first": Text(nl="Eerst deze fouten in de tabellen oplossen; daarna volgt de controle tegen het model.",
                        en="Fix these table errors first; the check against the model follows after that."),
    "elsewhere": Text(nl="Elders in de store ({n}, blokkeert deze upload niet):",
                      en="Elsewhere in the store ({n}, does not block this upload):"),
    "committed": Text(nl="Opgeslagen in {store}: de regio {region} is vervangen.",
                      en="Committed to {store}: region {region} replaced."),
    "committed_new": Text(nl="Opgeslagen in {store}: de regio {region} is toegevoegd.",
                          en="Committed to {store}: region {region} added."),
    "dry": Text(nl="Alleen gecontroleerd, niets opgeslagen.", en="Checked only, nothing written."),
    "not_committed": Text(nl="Niets opgeslagen: de store is ongewijzigd.", en="Nothing written: the store is unchanged."),
    "changes_new": Text(nl="Nieuwe regio; opslaan voegt toe:", en="New region; committing adds:"),
    "changes_head": Text(nl="Wat opslaan verandert aan de opgeslagen regio:",
                         en="What committing changes in the stored region:"),
    "changes_none": Text(nl="Niets: de upload is gelijk aan de opgeslagen regio.",
                         en="Nothing: the upload equals the stored region."),
    "change_line": Text(nl="{before} -> {after}: {added} toegevoegd, {removed} verwijderd, {changed} gewijzigd",
                        en="{before} -> {after}: {added} added, {removed} removed, {changed} changed"),
    "change_same": Text(nl="{before}, ongewijzigd", en="{before}, unchanged"),
    "added": Text(nl="toegevoegd", en="added"),
    "removed": Text(nl="verwijderd", en="removed"),
    "changed": Text(nl="gewijzigd", en="changed"),
    "more": Text(nl="en {n} meer", en="and {n} more"),
    "most_people": Text(nl="Let op: meer dan de helft van de mensen van deze regio wordt verwijderd ({removed} van "
                           "{before}).",
                        en="Note: more than half of this region's people would be removed ({removed} of {before})."),
    "row": Text(nl="rij", en="row"),
    "column": Text(nl="kolom", en="column"),
    "value": Text(nl="waarde", en="value"),
    ERROR: Text(nl="FOUT", en="ERROR"),
    WARNING: Text(nl="WAARSCHUWING", en="WARNING"),
    INFO: Text(nl="MELDING", en="INFO"),
})


def where(p: Problem, lang: str) -> str:
    """'people, rij 7, kolom organisation' (or the graph for problems elsewhere)."""
    parts = [p.template] if p.template else []
    if p.row:
        parts.append(f"{_T('row', lang)} {p.row}")
    if p.column:
        parts.append(f"{_T('column', lang)} {p.column}")
    if not parts and p.graph:
        parts.append(p.graph)
    if not parts and p.focus:
        parts.append(p.focus)
    return ", ".join(parts)


def summary(problems: list[Problem]) -> dict[str, int]:
    c = Counter(p.severity for p in problems)
    return {"errors": c[ERROR], "warnings": c[WARNING], "infos": c[INFO]}


def render(result: IngestResult, lang: str = "nl", store: str | None = None, dry_run: bool = False) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items() if k != "triples")
    out = [_T("head", lang, region=result.region, graph=result.graph, base=result.base, counts=counts or "-")]
    s = summary(result.problems)
    if result.ok:
        out.append(_T("clean", lang, t=result.counts()["triples"]))
    out.append(_T("summary", lang, e=s["errors"], w=s["warnings"], i=s["infos"]))
    if result.changes is not None and not result.errors:
        out.extend(render_changes(result.changes, lang))
    if result.errors and not result.checked_model:
        out.append(_T("table_first", lang))
    for p in result.problems:
        out.append(_line(p, lang))
    if result.elsewhere:
        out.append("")
        out.append(_T("elsewhere", lang, n=len(result.elsewhere)))
        out.extend("  " + _line(p, lang) for p in result.elsewhere)
    out.append("")
    if result.committed:
        new = result.changes is not None and result.changes.new_region
        out.append(_T("committed_new" if new else "committed", lang, store=store or "", region=result.region))
    elif dry_run and result.ok:
        out.append(_T("dry", lang))
    else:
        out.append(_T("not_committed", lang))
    return "\n".join(out)


def render_changes(changes: Changes, lang: str, listed: int = 10) -> list[str]:
    """Per template: counts before and after, and the first ids added, removed and changed."""
    if changes.unchanged and not changes.new_region:
        return [_T("changes_head", lang), "  " + _T("changes_none", lang)]
    out = [_T("changes_new" if changes.new_region else "changes_head", lang)]
    for name, c in changes.templates.items():
        if not c.before and not c.after:
            continue
        if changes.new_region:
            out.append(f"  {name:<14} {c.after}")
            continue
        key = "change_same" if c.unchanged else "change_line"
        out.append(f"  {name:<14} " + _T(key, lang, before=c.before, after=c.after, added=len(c.added),
                                        removed=len(c.removed), changed=len(c.changed)))
        for kind in ("removed", "changed", "added"):
            ids = getattr(c, kind)
            if not ids:
                continue
            shown = [f"{i} ({c.labels[i]})" if c.labels.get(i) else i for i in ids[:listed]]
            more = f", {_T('more', lang, n=len(ids) - listed)}" if len(ids) > listed else ""
            out.append(f"  {'':<14}   {_T(kind, lang)}: {', '.join(shown)}{more}")
    if changes.removes_most_people():
        p = changes.templates["people"]
        out.append(_T("most_people", lang, removed=len(p.removed), before=p.before))
    return out


def _line(p: Problem, lang: str) -> str:
    value = f" [{_T('value', lang)}: {p.value}]" if p.value else ""
    return f"{_T(p.severity, lang)}  {where(p, lang)}{value}: {p.message(lang)}"


class InputJSON(TypedDict):
    name: str
    kind: str


class ReportJSON(TypedDict):
    """The ingest report of `kg ingest --format json` and the upload's report.json: the region and
    its graph, whether it passed and was committed, counts, what changes per template, and every
    problem (in this upload, and elsewhere in the store when it would break another region's data)."""

    region: str
    graph: str
    base: str
    input: InputJSON
    ok: bool
    checked_model: bool
    committed: bool
    dry_run: bool
    counts: dict[str, int]
    changes: ChangesJSON | None
    summary: dict[str, int]  # errors, warnings, notes, elsewhere
    problems: list[ProblemJSON]
    elsewhere: list[ProblemJSON]
    timings: dict[str, float]  # seconds per step


def to_json(result: IngestResult, dry_run: bool = False) -> ReportJSON:
    return {
        "region": result.region,
        "graph": result.graph,
        "base": result.base,
        "input": {"name": result.workbook.name, "kind": result.workbook.kind},
        "ok": result.ok,
        "checked_model": result.checked_model,
        "committed": result.committed,
        "dry_run": dry_run,
        "counts": result.counts(),
        "changes": result.changes.to_json() if result.changes is not None else None,
        "summary": {**summary(result.problems), "elsewhere": len(result.elsewhere)},
        "problems": [p.to_json() for p in result.problems],
        "elsewhere": [p.to_json() for p in result.elsewhere],
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }
