"""Human-readable build and validation reports, in Dutch or English, grouped by focus node."""

from __future__ import annotations

import time
from collections import defaultdict

import rdflib

from kg.model.namespaces import shorten
from kg.pipeline.build import BuildResult
from kg.text import LANGS, Strings, Text

_T = Strings({
    "ok": Text(nl="Klopt: {n} bestand(en), {t} triples, {i} afgeleid.", en="Conforms: {n} file(s), {t} triples, {i} inferred."),
    "committed": Text(nl="Opgeslagen in {store}.", en="Committed to {store}."),
    "not_committed": Text(nl="Niets opgeslagen: de store is ongewijzigd.", en="Nothing written: the store is unchanged."),
    "dry": Text(nl="Alleen gecontroleerd, niets opgeslagen.", en="Checked only, nothing written."),
    "load_errors": Text(nl="Kan {n} bestand(en) niet lezen:", en="Cannot read {n} file(s):"),
    "line": Text(nl="regel {line}, kolom {col}", en="line {line}, column {col}"),
    "inconsistent": Text(nl="Tegenstrijdig volgens de ontologie ({n}):", en="Inconsistent with the ontology ({n}):"),
    "summary": Text(nl="{v} overtreding(en), {w} waarschuwing(en), {i} melding(en) bij {n} knoop/knopen:",
                    en="{v} violation(s), {w} warning(s), {i} info(s) on {n} node(s):"),
    "Violation": Text(nl="OVERTREDING", en="VIOLATION"),
    "Warning": Text(nl="WAARSCHUWING", en="WARNING"),
    "Info": Text(nl="MELDING", en="INFO"),
    "value": Text(nl="waarde", en="value"),
    "in": Text(nl="in", en="in"),
    "timings": Text(nl="Tijd", en="Time"),
})

# The steps of a build or an ingest (kg.pipeline.build.Progress), as staff read them.
STEPS = Strings({
    "read": Text(nl="bestand lezen", en="reading the file"),
    "load": Text(nl="bestanden lezen", en="reading the files"),
    "map": Text(nl="rijen omzetten en controleren", en="mapping and checking the rows"),
    "read store": Text(nl="de kennisgraaf lezen en vergelijken", en="reading and comparing the knowledge graph"),
    "convert": Text(nl="gegevens klaarzetten", en="preparing the data"),
    "reason": Text(nl="afleiden (OWL 2 RL)", en="reasoning (OWL 2 RL)"),
    "validate": Text(nl="controleren tegen het model (SHACL)", en="checking against the model (SHACL)"),
    "public": Text(nl="openbare weergave maken", en="making the public view"),
    "trace": Text(nl="problemen terugvoeren naar cellen", en="tracing problems back to cells"),
    "commit": Text(nl="opslaan", en="committing"),
})


def step_label(step: str, lang: str) -> str:
    """How staff read a step; a step without a text is shown as named."""
    return STEPS.get(step, lang, step)


class TerminalProgress:
    """Prints each step as it starts, with the time since the start, to a stream (stderr)."""

    def __init__(self, stream, lang: str = "nl"):
        self.stream, self.lang = stream, lang
        self.start = time.perf_counter()

    def __call__(self, step: str) -> None:
        self.stream.write(f"{time.perf_counter() - self.start:7.1f} s  {step_label(step, self.lang)} …\n")
        self.stream.flush()


def term(node: rdflib.term.Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.URIRef):
        return shorten(str(node))
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return repr(str(node)) if not node.datatype else f"{str(node)!r}^^{shorten(str(node.datatype))}"


def render(result: BuildResult, lang: str = "nl", store: str | None = None, dry_run: bool = False,
           timings: bool = False) -> str:
    """The report printed by `kg build` and `kg validate`."""
    lang = lang if lang in LANGS else "nl"
    out: list[str] = []
    if result.errors:
        out.append(_T("load_errors", lang, n=len(result.errors)))
        for e in result.errors:
            where = e.path
            if e.line:
                where += " (" + _T("line", lang, line=e.line, col=e.column or "?") + ")"
            out.append(f"  {where}: {e.message}")
    if result.inconsistencies:
        out.append(_T("inconsistent", lang, n=len(result.inconsistencies)))
        for inc in result.inconsistencies:
            msg = inc.message[lang]
            out.append(f"  {term(inc.node)} {msg}{_files(result, inc.node, lang)}")
    if result.findings:
        by_node: dict[str, list] = defaultdict(list)
        for f in result.findings:
            by_node[str(f.focus)].append(f)
        counts = {s: sum(1 for f in result.findings if f.severity == s) for s in ("Violation", "Warning", "Info")}
        out.append(_T("summary", lang, v=counts["Violation"], w=counts["Warning"], i=counts["Info"], n=len(by_node)))
        for findings in by_node.values():
            focus = findings[0].focus
            out.append("")
            out.append(f"{term(focus)}{_files(result, focus, lang)}")
            for f in findings:
                head = f"  {_T(f.severity, lang)}  {term(f.shape)}"
                if f.path:
                    head += f"  {shorten(f.path)}"
                out.append(head)
                out.append(f"    {f.message(lang)}")
                if f.value is not None:
                    out.append(f"    {_T('value', lang)}: {term(f.value)}")
    if not result.errors:
        if result.conforms:
            out.insert(0, _T("ok", lang, n=len(result.sources), t=sum(result.triples.values()), i=result.inferred))
        if result.committed and store:
            out.append(_T("committed", lang, store=store))
        elif dry_run:
            out.append(_T("dry", lang))
    if not result.committed and not dry_run:
        out.append(_T("not_committed", lang))
    if timings and result.timings:
        out.append(_T("timings", lang) + ": " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    return "\n".join(out)


def _files(result: BuildResult, node: rdflib.term.Node, lang: str) -> str:
    files = result.node_files.get(str(node))
    return f"  ({_T('in', lang)} {', '.join(files)})" if files else ""
