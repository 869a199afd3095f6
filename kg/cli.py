"""The `kg` command line: thin wrappers over plain functions in kg/.

Exit codes (for scripts):
  0  success; for build/validate: the data conforms (warnings allowed)
  1  the data does not conform (SHACL violations or OWL inconsistencies)
  2  usage or input error (bad option, unreadable file, unknown query or
     actor, ambiguous name)
  3  store error (busy, not a store, cannot be opened)
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

import click
import pyoxigraph as ox

from kg import analytics, settings
from kg.analytics import html as analytics_html
from kg.analytics import precompute as analytics_precompute
from kg.analytics import region as analytics_region
from kg.analytics import tables as analytics_tables
from kg.answers import expertise
from kg.answers.read_index import ReadIndex
from kg.federation import exchange
from kg.federation import federated as federation
from kg.federation import registry as regions
from kg.federation.registry import LOCAL_NAME
from kg.ingest import annotate, blank, edit, export, ownership
from kg.ingest import pipeline as ingest
from kg.ingest import report as ingest_report
from kg.ingest.mapping import REGION_GRAPH, region_name_problem
from kg.ingest.read import ReadError, read_path
from kg.model import resources
from kg.model.kinds import kind_label
from kg.model.namespaces import REGIONS_GRAPH, shorten
from kg.pipeline.build import EXIT_ERROR, build, check, no_progress
from kg.pipeline.reason import DEFAULT_REASONER, REASONERS
from kg.pipeline.report import TerminalProgress, render
from kg.shacl.validate import DEFAULT_ENGINE, ENGINES
from kg.sparql import queries
from kg.store import StoreChanged, StoreError, log, open_store
from kg.text import LANGS, Strings, Text

EXIT_STORE = 3

_store_option = click.option(
    "--store", "store_path", default=None, metavar="DIR|URL",
    help="Store folder, or a remote SPARQL 1.1 store as sparql+http://host:port/query (updates go to "
         ".../update, or $KG_STORE_UPDATE_URL). Default: $KG_STORE_URL, else $KG_STORE, else "
         "~/.local/share/connective-kg/store.",
)
_validator_option = click.option(
    "--validator", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
    help="SHACL engine: oxigraph (set-at-a-time SPARQL, fast) or pyshacl (the reference); same findings.",
)
_regions_option = click.option(
    "--regions", "regions_path", default=None, metavar="FILE", envvar="KG_REGIONS", show_envvar=True,
    help="The region registry (TOML; see data/regions.example.toml). Default: none, so no federation.",
)
_timeout_option = click.option(
    "--timeout", "timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
    envvar="KG_FEDERATION_TIMEOUT", show_envvar=True,
    help="Seconds to wait for the regions (all asked at once); a region still silent then is reported "
         "as a timeout and left out.",
)
_lang_option = click.option(
    "--lang", type=click.Choice(LANGS), envvar="KG_LANG", default="nl", show_default=True,
    show_envvar=True, help="Language of reports and labels.",
)

# What the commands print in the language of --lang (messages on stderr say it in both).
_T = Strings({
    "store_empty": Text(nl="De store is leeg.", en="The store is empty."),
    "total": Text(nl="totaal", en="total"),
    "graph": Text(nl="graaf", en="graph"),
    "actors": Text(nl="actoren", en="actors"),
    "no_one": Text(nl="Niemand heeft bewijs voor al deze thema's.", en="No one has evidence for all of these topics."),
    "page": Text(nl="{first}-{last} van {total}", en="{first}-{last} of {total}"),
    "next_page": Text(nl="; de volgende pagina: --offset {offset}", en="; the next page: --offset {offset}"),
    "evidence": Text(nl="bewijs", en="evidence"),
    "region": Text(nl="regio", en="region"),
    "regions": Text(nl="Regio's:", en="Regions:"),
    "count": Text(nl="aantal", en="count"),
    "error": Text(nl="fout", en="error"),
    "local": Text(nl=" (lokaal)", en=" (local)"),
    "no_answer": Text(nl="Geen antwoord van: {regions} (gedeeltelijk resultaat)",
                      en="No answer from: {regions} (partial result)"),
    "spread": Text(nl="{n} adopties door {s} scholen, {first} .. {last}; {c} aangepaste kopieën",
                   en="{n} adoptions by {s} schools, {first} .. {last}; {c} adapted copies"),
    "date": Text(nl="datum", en="date"),
    "adopter": Text(nl="school", en="adopter"),
    "from": Text(nl="van", en="from"),
    "broker": Text(nl="makelaar", en="broker"),
    "network": Text(nl="netwerk", en="network"),
    "adopted": Text(nl="geadopteerd", en="adopted"),
    "adapted_copy": Text(nl="aangepaste kopie", en="adapted copy"),
    "derivations": Text(nl="Afleidingsboom:", en="Derivation tree:"),
    "next_adopters": Text(nl="Mogelijke volgende scholen:", en="Likely next adopters:"),
    "continue": Text(nl="Doorgaan?", en="Continue?"),
    "annotated": Text(nl="Geannoteerde kopie: {path}", en="Annotated copy: {path}"),
    "no_changes": Text(nl="Geen wijzigingen gelogd.", en="No changes logged."),
    "change_line": Text(nl="#{number}  {at}  {who}  {region}  {source}  (+{added} / -{removed} quads)",
                        en="#{number}  {at}  {who}  {region}  {source}  (+{added} / -{removed} quads)"),
    "undone_by": Text(nl="ongedaan gemaakt door #{n}", en="undone by #{n}"),
    "undoes": Text(nl="maakt #{n} ongedaan", en="undoes #{n}"),
    "template_change": Text(nl="{template}: {before} -> {after}: {added} toegevoegd, {removed} verwijderd, "
                                "{changed} gewijzigd",
                            en="{template}: {before} -> {after}: {added} added, {removed} removed, {changed} changed"),
    "rows_change": Text(nl="{template}: {added} toegevoegd, {removed} verwijderd, {changed} gewijzigd",
                        en="{template}: {added} added, {removed} removed, {changed} changed"),
    "undo_done": Text(nl="Wijziging #{n} ongedaan gemaakt als wijziging #{m}.",
                      en="Change #{n} undone as change #{m}."),
    "undo_dry": Text(nl="Wijziging #{n} kan ongedaan gemaakt worden (niets opgeslagen: --dry-run).",
                     en="Change #{n} can be undone (nothing written: --dry-run)."),
    "undo_blocked": Text(nl="Ongedaan maken van #{n} zou de gegevens ongeldig maken; niets gewijzigd:",
                         en="Undoing #{n} would make the data invalid; nothing changed:"),
})


def _store(spec: str | None):
    """The store named by --store / $KG_STORE_URL / $KG_STORE: a GraphStore or a RemoteGraphStore."""
    try:
        return open_store(spec)
    except StoreError as e:
        _fail(str(e), EXIT_STORE)


def _fail(message: str | Text, code: int = EXIT_ERROR) -> NoReturn:
    """`kg: message` on stderr (a Text in Dutch, then in English), then exit with `code`."""
    click.echo(f"kg: {_both(message) if isinstance(message, Text) else message}", err=True)
    sys.exit(code)


def _both(text: Text) -> str:
    return f"{text.nl}\n    {text.en}"


class _Group(click.Group):
    """Store errors anywhere in a command (a remote store that stops answering) exit 3 with the message."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as e:
            _fail(str(e), EXIT_STORE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="connective-kg")
def main() -> None:
    """Connective KG: the actor-network knowledge graph of teacher learning networks.

    \b
    Typical use:
      kg build data/twente          load, reason, validate and store the sample
      kg stats                      what the store holds
      kg query                      list the named queries
      kg query network-growth --param network=n-plg-wt

    \b
    Exit codes: 0 success / conforms, 1 data does not conform,
    2 usage or input error, 3 store error.
    """


@main.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_store_option
@click.option("--reasoner", type=click.Choice(REASONERS), default=DEFAULT_REASONER, show_default=True,
              help="OWL 2 RL engine: reasonable (fast, Rust) or owlrl (the reference, slow).")
@_validator_option
@_lang_option
@click.option("--timings", is_flag=True, help="Also print how long each step took.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr (there is none when stderr is not a "
                                                    "terminal either).")
def build_cmd(paths: tuple[Path, ...], store_path: str | None, reasoner: str, validator: str, lang: str,
              timings: bool, quiet: bool) -> None:
    """Load, reason, validate PATHS and, if they conform, store the result.

    PATHS are RDF files (.ttl, .nt, .jsonld, .trig, .nq) or folders of them;
    without PATHS the bundled Twente sample is built. The ontology and
    vocabularies are always included. Each file becomes its own named graph;
    inferred triples go to a graph of their own.

    The store then holds exactly this build, switched in atomically: if
    anything fails (unreadable file, inconsistency, SHACL violation) nothing
    is written and the store stays as it was. Warnings are reported and do
    not block.
    """
    store = _store(store_path)
    try:
        progress = TerminalProgress(sys.stderr, lang) if not quiet and sys.stderr.isatty() else no_progress
        result = build(paths or [resources.sample_dir()], store, reasoner, validator, progress)
    except StoreError as e:
        _fail(str(e), EXIT_STORE)
    click.echo(render(result, lang, store=str(store), timings=timings))
    sys.exit(result.exit_code)


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--reasoner", type=click.Choice(REASONERS), default=DEFAULT_REASONER, show_default=True,
              help="OWL 2 RL engine used before validation.")
@_validator_option
@_lang_option
def validate_cmd(paths: tuple[Path, ...], reasoner: str, validator: str, lang: str) -> None:
    """Check PATHS exactly as `kg build` does, and write nothing.

    Same report and exit codes as `kg build`.
    """
    result, _ = check(paths, reasoner, validator)
    click.echo(render(result, lang, dry_run=True))
    sys.exit(result.exit_code)


@main.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A query parameter; repeat for several. Actors and topics by IRI, id or label.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table for people; json (SPARQL 1.1 JSON results) and csv for programs.")
@_store_option
@_lang_option
def query_cmd(name: str | None, params: tuple[str, ...], fmt: str, store_path: str | None, lang: str) -> None:
    """Run the named query NAME; without NAME, list the named queries.

    Parameters are bound as RDF terms, never pasted into the query text. A query
    that takes a `lang` parameter gets --lang unless `-p lang=...` is given.
    """
    if not name:
        _list_queries(lang)
        return
    raw: dict[str, str] = {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep:
            _fail(f"--param {p!r}: expected KEY=VALUE")
        raw[key.strip()] = value
    store = _open(store_path)
    try:
        if "lang" not in raw and any(p.name == "lang" for p in queries.get(name).params):
            raw["lang"] = lang
        results = queries.run(store, name, raw)
    except queries.QueryError as e:
        _fail(str(e))
    except SyntaxError as e:
        _fail(f"the query {name} does not parse: {e}")
    _print_results(results, fmt)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every "
                                                                    "interface; behind a proxy keep 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Server processes (each with its own store snapshot and KG_QUERY_WORKERS query workers).")
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True, help="Threads per process.")
@_store_option
@click.option("--check-port", is_flag=True, help="Only check that the server can listen on host and port "
                                                 "(exit 0), else exit 2.")
def serve_cmd(host: str, port: int, workers: int, threads: int, store_path: str | None, check_port: bool) -> None:
    """Serve the web front end on gunicorn, the production WSGI server.

    Every KG_* setting applies (kg settings). Without KG_SECRET_KEY one random
    key is shared by the processes (sign-ins end on restart). Behind a reverse
    proxy with TLS set KG_BASE_URL=https://... and KG_TRUSTED_PROXIES=1 (see
    docs/deploy.md). `python -m web` is the development server.
    """
    env = dict(os.environ)
    if store_path:
        env["KG_STORE_URL" if store_path.startswith("sparql+") else "KG_STORE"] = store_path
    argv = [sys.executable, "-m", "web.serve", "--host", host, "--port", str(port), "--workers", str(workers),
            "--threads", str(threads)] + (["--check-port"] if check_port else [])
    # The server is the web package's (kg never imports Flask): this process becomes it.
    sys.stdout.flush()
    os.execve(sys.executable, argv, env)


@main.command("settings")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="table: each KG_* setting and its value in effect here; json; markdown: "
                                      "the README's table of all settings and their defaults.")
def settings_cmd(fmt: str) -> None:
    """Show every KG_* setting (kg/settings.py declares them) with the value in effect.

    The web app reads all of them (or takes them from create_app(config)); the
    command line reads those with an option (the option wins). Secrets (KG_TOKEN,
    KG_SECRET_KEY) are shown as set or unset only.
    """
    if fmt == "markdown":
        click.echo(settings.markdown_table())
        return
    shown = {}
    for s in settings.SETTINGS:
        v = settings.value(s.name)
        if s.name in ("KG_TOKEN", "KG_SECRET_KEY"):
            v = "(set)" if v else "(unset)"
        shown[s.name] = None if v is None else str(v)
    if fmt == "json":
        click.echo(json.dumps(shown, indent=2))
    else:
        click.echo(_table(["setting", "value"], [[k, "" if v is None else v] for k, v in shown.items()]))


@main.command("stats")
@_store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_lang_option
def stats_cmd(store_path: str | None, fmt: str, lang: str) -> None:
    """Triples per named graph and actors per type in the store."""
    store = _open(store_path)
    graphs = {r["graph"].value: int(r["triples"].value) for r in queries.run(store, "graph-sizes", view="all")}
    actors = [(r["type"].value, r["label"].value, int(r["actors"].value))
              for r in queries.run(store, "actor-types", {"lang": lang})]
    if fmt == "json":
        click.echo(json.dumps({
            "store": str(_store(store_path)),
            "graphs": [{"graph": g, "triples": n} for g, n in graphs.items()],
            "actors": [{"type": t, "label": label, "count": n} for t, label, n in actors],
        }, indent=2, ensure_ascii=False))
        return
    if not graphs:
        click.echo(_T("store_empty", lang))
        return
    rows = [(shorten(g), str(n)) for g, n in graphs.items()]
    rows.append((_T("total", lang), str(sum(graphs.values()))))
    click.echo(_table([_T("graph", lang), "triples"], rows))
    click.echo()
    click.echo(_table(["type", "label", _T("actors", lang)],
                      [(shorten(t), label, str(n)) for t, label, n in actors]))


@main.command("index")
@_store_option
@click.option("--rebuild", is_flag=True, help="Start again from scratch instead of following the changes.")
def index_cmd(store_path: str | None, rebuild: bool) -> None:
    """Bring the read index up to the store's current generation: the who-knows
    ranking and the actors' names (kg/answers/read_index.py, `read-index.sqlite`
    in $KG_STATE_DIR, default <store>-state/). It follows the changes since it
    was last brought up to date, or is built anew (15 s at 10,000 people,
    15 minutes for a national store of 250,000). `kg who-knows`, `kg trace` and
    the web app do this themselves when they need it; run it after `kg build` or
    a large import so that nobody waits. Deleting the file loses nothing.

    Exit 0 up to date, 3 store error (a remote store has no read index).
    """
    graphs = _store(store_path)
    index = ReadIndex.of(graphs, settings.value("KG_STATE_DIR"))
    if index is None:
        _fail(Text(nl=f"{graphs} heeft geen leesindex (alleen een store-map heeft er een)",
                   en=f"{graphs} has no read index (only a store folder has one)"), EXIT_STORE)
    db, pin = graphs.open_pinned()
    if pin is None:
        click.echo(f"{graphs}: empty store, nothing to index")
        return
    if rebuild:
        index.remove()
    before, started = index.generation(), time.perf_counter()
    index.follow(graphs, db, pin.generation)
    pin.release()
    click.echo(f"{index.path}: {before or 'none'} -> {pin.generation} in {time.perf_counter() - started:.1f} s")


@main.command("who-knows")
@click.argument("topics", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table for people; json for programs (the shape in docs/expertise-finder.md).")
@click.option("--type", "types", multiple=True, type=click.Choice(["person", "artefact", "network", "organisation"]),
              help="Only actors of this kind; repeat for several. Default: all kinds.")
@click.option("--public", is_flag=True,
              help="Answer from the public view: people without public consent appear as an anonymous role.")
@click.option("--federated", is_flag=True,
              help="Also ask every region of the registry (--regions), in parallel, public data only: results "
                   "carry their region; regions that did not answer are listed. Implies the public view.")
@click.option("--organisation", default=None, metavar="ORG",
              help="Only people of this organisation or one under it (and those organisations); IRI, id or name.")
@click.option("--network", default=None, metavar="NETWORK",
              help="Only members of this network (and networks under it); IRI, id or name.")
@click.option("--limit", type=click.IntRange(1, expertise.MAX_LIMIT), default=expertise.DEFAULT_LIMIT,
              show_default=True, help="Results per page.")
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True,
              help="Skip this many results (the next page: --offset 20).")
@_regions_option
@_timeout_option
@_store_option
@_lang_option
def who_knows_cmd(topics: tuple[str, ...], fmt: str, types: tuple[str, ...], public: bool, federated: bool,
                  organisation: str | None, network: str | None, limit: int, offset: int,
                  regions_path: str | None, timeout: float, store_path: str | None, lang: str) -> None:
    """Who knows about ALL of TOPICS: actors ranked by evidence, with the evidence.

    TOPICS by IRI, id or label in Dutch or English (any case); quote labels
    with spaces. Narrower topics count. The score adds a weight per piece of
    evidence (docs/expertise-finder.md). An unknown topic prints suggestions
    and exits 2.

    \b
    Example:
      kg who-knows "W&T" "digitale geletterdheid"
      kg who-knows "W&T" --federated --regions regions.toml --timeout 3
      kg who-knows "W&T" --type person --organisation s-de-esch --limit 20 --offset 20

    One page of --limit results from --offset, with the total; the ranking is that of the whole answer.

    With --federated the answer is partial when a region is down or slow (exit 0; the regions
    that did not answer are listed); people appear only with public consent.
    """

    registry = _registry(regions_path) if federated else None
    store, index, generation = _indexed(store_path)
    try:
        answer = federation.who_knows(store, registry, list(topics), lang, types or None, timeout,
                                      view="public" if public else "internal", organisation=organisation,
                                      network=network, limit=limit, offset=offset,
                                      ranker=index.ranker(generation) if index else None,
                                      names=index.namer(generation) if index else None)
    except expertise.FinderError as e:
        _fail(e.text)
    if fmt == "json":
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    if not answer["results"]:
        click.echo(_T("no_one", lang))
    else:
        headers = ["#", "label", "type", "score", _T("evidence", lang)]
        rows = [[str(i), r["label"], kind_label(r["type"], lang), f"{r['score']:g}",
                 expertise.summary(r, answer["topics"], lang)]
                for i, r in enumerate(answer["results"], answer["offset"] + 1)]
        if registry is not None:
            headers.insert(2, _T("region", lang))
            for row, r in zip(rows, answer["results"]):
                row.insert(2, r["region"]["label"])
        click.echo(_table(headers, rows))
        shown = len(answer["results"])
        click.echo(_T("page", lang, first=answer["offset"] + 1 if shown else 0, last=answer["offset"] + shown,
                      total=answer["total"])
                   + (_T("next_page", lang, offset=answer["next"]) if answer["next"] is not None else ""))
    if registry is not None:
        _print_regions(answer["regions"], "results", lang)


def _registry(path: str | None):
    """The region registry (--regions / $KG_REGIONS), checked; exit 2 when missing or bad."""

    where = regions.registry_path(path)
    if where is None:
        _fail(Text(nl="geen regioregister: geef --regions FILE of zet KG_REGIONS",
                   en="no region registry: give --regions FILE or set KG_REGIONS"))
    try:
        return regions.load(where)
    except regions.RegistryError as e:
        _fail(e.text)


def _print_regions(report: list[dict], count_key: str, lang: str) -> None:
    """Per region: status, how many results, how long; the ones that did not answer say why."""
    click.echo()
    click.echo(_T("regions", lang))
    headers = [_T("region", lang), "status", _T("count", lang), "ms", _T("error", lang)]
    click.echo(_table(headers, [[r["label"] + (_T("local", lang) if r["local"] else ""),
                                 r["status"], str(r[count_key]), str(r["ms"]), r["error"] or ""] for r in report]))
    missing = [r["label"] for r in report if r["status"] in ("timeout", "error")]
    if missing:
        click.echo(_T("no_answer", lang, regions=", ".join(missing)))


@main.command("trace")
@click.argument("artefact")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table for people; json in the shape of /api/trace (docs/web.md).")
@click.option("--next-adopters", "with_next", is_flag=True, help="Also list schools near an adopter (slower).")
@click.option("--public", is_flag=True, help="Use the public view (anonymous roles for people without consent).")
@click.option("--federated", is_flag=True,
              help="Follow the artefact into every region of the registry (--regions) by its IRI and "
                   "owl:sameAs / schema:sameAs links, in parallel, public data only; each adoption carries "
                   "its region; links stated in any region are followed. Implies the public view; "
                   "--next-adopters over the merged trace.")
@_regions_option
@_timeout_option
@_store_option
@_lang_option
def trace_cmd(artefact: str, fmt: str, with_next: bool, public: bool, federated: bool, regions_path: str | None,
              timeout: float, store_path: str | None, lang: str) -> None:
    """How ARTEFACT spread: every adoption of it or an adapted copy in date order (adopter,
    source, broker, network, adapted copy), the derivation tree of the copies and the curve.

    ARTEFACT is an IRI, a local id (a-kijkwijzer-ol) or a title (any case); an unknown or
    ambiguous name exits 2 and lists the candidates. With --federated an artefact this store
    does not hold can be given by IRI.
    """

    registry = _registry(regions_path) if federated else None
    db, index, generation = _indexed(store_path)
    try:
        result = federation.trace(db, registry, artefact, lang, timeout, view="public" if public else "internal",
                                  next_adopters=with_next, names=index.namer(generation) if index else None)
    except queries.AmbiguousName as e:
        click.echo(f"kg: {artefact!r} matches {len(e.candidates)} actors; give the IRI or the id:", err=True)
        for iri, label in e.candidates:
            click.echo(f"  {label}  <{iri}>", err=True)
        sys.exit(EXIT_ERROR)
    except queries.QueryError as e:
        _fail(str(e))
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    name = lambda a: a["label"] if a else ""  # noqa: E731
    art = result["artefact"]
    click.echo(f"{art['label']}  <{art['iri']}>")
    s = result["summary"]
    click.echo(_T("spread", lang, n=s["adoptions"], s=s["schools"], first=s["first"], last=s["last"], c=s["copies"]))
    click.echo()
    headers = [_T(k, lang) for k in ("date", "adopter", "from", "broker", "network", "adopted", "adapted_copy")]
    table = [[a["date"] or "", name(a["adopter"]), name(a["source"]), ", ".join(b["label"] for b in a["brokers"]),
              name(a["network"]), "" if a["adopted"] == art else name(a["adopted"]), name(a["adapted_copy"])]
             for a in result["adoptions"]]
    if registry is not None:
        headers.insert(1, _T("region", lang))
        for row, a in zip(table, result["adoptions"]):
            row.insert(1, a["region"]["label"])
    click.echo(_table(headers, table))
    if result["derivations"]:
        click.echo()
        click.echo(_T("derivations", lang))
        click.echo(f"  {art['label']}")
        _print_tree(result["derivations"], art["iri"], 2)
    if result["next_adopters"] is not None:
        click.echo()
        click.echo(_T("next_adopters", lang))
        for n in result["next_adopters"]:
            click.echo(f"  {n['score']}  {n['school']['label']}  ({', '.join(r['reason_label'] for r in n['reasons'])})")
    if registry is not None:
        _print_regions(result["regions"], "adoptions", lang)


@main.command("regions")
@_regions_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table for people; json: {\"registry\", \"local\", \"regions\": [...]} (docs/federation.md).")
@_timeout_option
@click.option("--store", "store_path", default=None, metavar="DIR|URL",
              help="Our store, to compare ontology versions with (optional; default: $KG_STORE_URL / $KG_STORE "
                   "when it can be opened).")
def regions_cmd(regions_path: str | None, fmt: str, timeout: float, store_path: str | None) -> None:
    """List the regions of the registry and check each one, all at once: reachable, speaks
    SPARQL 1.1 (VALUES, BIND and aggregates give the known answer), uses the ontology (our
    ontology and ckg:Actor data in its public graphs).

    \b
    Exit codes: 0 every region passed, 1 some region failed a check,
    2 no or bad registry file (the message names the file, region and field).
    """

    registry = _registry(regions_path)
    version = None
    try:
        version = regions.our_version(open_store(store_path, timeout=timeout).open())
    except (StoreError, OSError, queries.QueryError):
        pass  # no local store: checks run without the version comparison
    report = regions.probe_regions(registry, timeout, version)
    if fmt == "json":
        click.echo(json.dumps({"registry": registry.path, "local": registry.local.ref, "ontology_version": version,
                               "regions": report}, indent=2, ensure_ascii=False))
    else:
        click.echo(f"{registry.path}: {len(report)} region" + ("" if len(report) == 1 else "s"))
        if report:
            click.echo(_table(["region", "status", "reachable", "sparql 1.1", "ontology", "version", "ms", "endpoint"],
                              [[r["name"], r["status"], _yes(r["reachable"]), _yes(r["sparql11"]), _yes(r["ontology"]),
                                (r["version"] or "") + (" (differs)" if r["same_version"] is False else ""),
                                str(r["ms"]), r["endpoint"]] for r in report]))
        for r in report:
            if r["error"]:
                click.echo(f"  {r['name']}: {r['error']} (contact: {r['contact']})")
    sys.exit(0 if all(r["status"] == "ok" for r in report) else 1)


def _who() -> str:
    """Who makes a change from the command line, for the change log: $KG_USER, else the login name."""
    return settings.value("KG_USER") or getpass.getuser()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _print_tree(derivations: list[dict], parent: str, indent: int) -> None:
    for d in derivations:
        if d["parent"]["iri"] == parent:
            by = f" ({d['adapted_by']['label']}, {d['created']})" if d["adapted_by"] else ""
            click.echo(" " * indent + f"└─ {d['copy']['label']}{by}")
            _print_tree(derivations, d["copy"]["iri"], indent + 3)


@main.command("ingest")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--region", help="Region name (lower-case letters, digits, '-'); its data goes to the named graph "
                               "graph/region/NAME. Required, unless the registry's [local] table names it.")
@click.option("--base", help="Namespace of the region's IRIs (an id p017 becomes BASE + p017). Required for a new "
                             "region (or the registry's [local] base) and then fixed: later ingests reuse it.")
@_store_option
@_regions_option
@click.option("--dry-run", is_flag=True, help="Check everything and show what would change; write nothing.")
@click.option("--fresh", is_flag=True,
              help="Ignore what the store holds: afterwards it holds the ontology, the vocabularies and this "
                   "region only. Refused without --yes when the store holds other data.")
@click.option("--yes", is_flag=True,
              help="Confirm beforehand what would otherwise be asked: removing more than half of the region's "
                   "people, or --fresh dropping other data.")
@click.option("--if-missing", is_flag=True,
              help="Only when the store does not hold this region yet; otherwise change nothing, say so on "
                   "stderr and exit 0 (what `make serve` does with the sample).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people; json for programs (the shape is in docs/ingest.md).")
@click.option("--annotate", "annotate_out", type=click.Path(path_type=Path),
              help="Also write a copy of the input with the problems marked: an .xlsx with cell comments, "
                   "colours and a problems sheet, or a folder of CSV files with a problems column.")
@click.option("--reasoner", type=click.Choice(REASONERS), default=DEFAULT_REASONER, show_default=True,
              help="OWL 2 RL engine (of the full path; a change is reasoned by the compiled rules).")
@click.option("--full", is_flag=True,
              help="Recompute the inferred and public graphs over all data instead of applying the change as a "
                   "delta (the reference path; the result is the same).")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr (there is none when stderr is not a "
                                                    "terminal either).")
@_lang_option
def ingest_cmd(path: Path, region: str | None, base: str | None, store_path: str | None, regions_path: str | None,
               dry_run: bool, fresh: bool, yes: bool, if_missing: bool, fmt: str, annotate_out: Path | None,
               reasoner: str, full: bool, quiet: bool, lang: str) -> None:
    """Check filled spreadsheet templates and store them as one region.

    PATH is a folder of CSV files, an .xlsx workbook (one sheet per template)
    or a .zip of CSV files; the templates are in docs/ingest.md (`kg templates`
    writes empty ones). The region is checked together with what the store
    already holds, and committed in one atomic switch only when nothing is
    wrong: a re-ingest of the region replaces its graph and nothing else.
    On a store folder the change is applied as a delta (what was added and
    removed against the stored region) and logged (`kg history`, `kg undo`).

    A region owns its IRIs: its base is given at the first ingest (--base) and
    then fixed; rows that would describe another region's IRIs are refused.
    The report says what committing changes per template (added, removed,
    changed rows) before it commits; removing more than half of the region's
    people needs --yes (on a terminal you are asked).

    Every problem is reported with template, row (the header is row 1),
    column, the value and a message. Exit codes: 0 stored (or clean with
    --dry-run), 1 problems in the data (nothing written), 2 unreadable input,
    bad option or a confirmation not given, 3 store error.
    """

    progress = TerminalProgress(sys.stderr, lang) if not quiet and sys.stderr.isatty() else no_progress
    local = _registry(regions_path).local if regions_path else None
    region = region or (local.name if local and local.name != LOCAL_NAME else None)
    if not region:
        raise click.UsageError("give --region NAME (or name the local region in the registry's [local] table)")
    problem = region_name_problem(region)
    if problem:
        _fail(f"--region {region!r}: {problem}")
    if if_missing and _open(store_path).contains_named_graph(ox.NamedNode(REGION_GRAPH + region)):
        where = _store(store_path)
        already = Text(nl=f"de opslag {where} bevat de regio {region} al; niets gewijzigd (--if-missing)",
                       en=f"the store {where} already holds the region {region}; nothing changed")
        click.echo(f"kg: {_both(already)}", err=True)
        sys.exit(0)
    progress("read")
    try:
        wb = read_path(path)
    except ReadError as e:
        _fail(e.text)
    store = _store(store_path)
    try:
        base = ingest.base_for(region, base, None if fresh else store, local.name if local else None,
                        local.base if local else None)
        if fresh and store.generation():
            others = sorted({ownership.graph_owner(g.value) for g in store.open().named_graphs()
                             if g.value not in ingest.DERIVED_GRAPHS and g.value != REGION_GRAPH + region}
                            - {ownership.graph_owner(REGIONS_GRAPH)})
            if others and not yes:
                _fail(Text(nl=f"--fresh verwijdert ook: {', '.join(others)}; bevestig met --yes",
                           en=f"--fresh also removes: {', '.join(others)}; confirm with --yes"))
        result = ingest.check(wb, region, base, None if fresh else store, reasoner, progress, full=full,
                              who=_who(), source=path.name)
        confirmed = True
        if result.ok and not dry_run and result.changes and result.changes.removes_most_people() and not yes:
            confirmed = sys.stdin.isatty() and click.confirm(
                ingest_report.render_changes(result.changes, lang)[-1] + " " + _T("continue", lang),
                err=True)
        if result.ok and not dry_run and confirmed:
            if fresh:
                result.generation = store.generation()
            ingest.commit(result, store, progress)
        else:
            ingest.discard(result)
    except ownership.OwnershipError as e:
        _fail(e.text)
    except (StoreError, StoreChanged, OSError) as e:
        _fail(str(e), EXIT_STORE)
    if annotate_out:
        written = annotate.write_annotated(result, annotate_out, lang)
        click.echo(_T("annotated", lang, path=written), err=True)
    if fmt == "json":
        click.echo(json.dumps(ingest_report.to_json(result, dry_run), indent=2, ensure_ascii=False))
    else:
        click.echo(ingest_report.render(result, lang, store=str(store), dry_run=dry_run))
    if not confirmed:
        _fail(Text(nl="niet opgeslagen: meer dan de helft van de mensen zou verdwijnen; bevestig met --yes",
                   en="not committed: more than half of the people would be removed; confirm with --yes"))
    sys.exit(result.exit_code)


@main.command("edit")
@click.argument("template")
@click.argument("cells", nargs=-1, metavar="[COLUMN=VALUE]...")
@click.option("--region", required=True, help="The region whose row changes (its base is the stored one).")
@click.option("--add", "action", flag_value="add", help="Add a row with the given cells.")
@click.option("--change", "key_change", metavar="ID", help="Change the row ID: the given cells replace its own.")
@click.option("--remove", "key_remove", metavar="ID", help="Remove the row ID.")
@_store_option
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_lang_option
def edit_cmd(template: str, cells: tuple[str, ...], region: str, action: str | None, key_change: str | None,
             key_remove: str | None, store_path: str | None, dry_run: bool, fmt: str, lang: str) -> None:
    """Add, change or remove one row of a stored region, as if its templates were exported,
    edited and ingested again (the same result), but checked only where the change reaches.

    \b
    Examples:
      kg edit people --region twente --change p017 organisation=s-de-esch
      kg edit ties --region twente --add source=p001 target=p017 depth=samenwerken year=2024
      kg edit memberships --region twente --remove m-p017-n-plg-wt

    Rows with a code (people, organisations, ...) are named by it; relation rows
    (memberships, ties, adoptions) by their id as `kg history --format json` and
    the ingest report list them. Problems are reported at the template, row and
    column as for `kg ingest`; the change is logged (`kg history`, `kg undo`).
    Exit codes as `kg ingest`: 0 stored, 1 problems (nothing written), 2 usage
    (no such row, column or template), 3 store error.
    """
    chosen = [a for a in (action, key_change and "change", key_remove and "remove") if a]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --add, --change ID, --remove ID")
    values: dict[str, str] = {}
    for cell in cells:
        column, sep, value = cell.partition("=")
        if not sep:
            raise click.UsageError(f"{cell!r}: write cells as COLUMN=VALUE")
        values[column.strip()] = value
    store = _store(store_path)
    if not store.incremental:
        _fail(Text(nl="deze opslag neemt geen wijziging als delta; exporteer de sjablonen en gebruik kg ingest",
                   en="this store takes no change as a delta; export the templates and use kg ingest"))
    try:
        result = ingest.check_edit(store, region, template, chosen[0], key_change or key_remove, values, who=_who())
        if result.ok and not dry_run:
            ingest.commit(result, store)
        else:
            ingest.discard(result)
    except edit.EditError as e:
        _fail(e.text)
    except (StoreError, StoreChanged, OSError) as e:
        _fail(str(e), EXIT_STORE)
    if fmt == "json":
        click.echo(json.dumps(ingest_report.to_json(result, dry_run), indent=2, ensure_ascii=False))
    else:
        click.echo(ingest_report.render(result, lang, store=str(store), dry_run=dry_run))
    sys.exit(result.exit_code)


def _change_lines(change: log.Change, lang: str) -> list[str]:
    lines = [_T("change_line", lang, number=change.number, at=change.at, who=change.who or "?",
                region=change.region or "-", source=change.source, added=change.counts.get("added", 0),
                removed=change.counts.get("removed", 0))]
    if change.undoes is not None:
        lines.append("    " + _T("undoes", lang, n=change.undoes))
    if change.undone_by is not None:
        lines.append("    " + _T("undone_by", lang, n=change.undone_by))
    for template, c in change.summary.items():
        if {"before", "after"} <= set(c):
            lines.append("    " + _T("template_change", lang, template=template, **c))
        elif {"added", "removed", "changed"} <= set(c):
            lines.append("    " + _T("rows_change", lang, template=template, **c))
    return lines


@main.command("history")
@click.option("--region", help="Only the changes of this region.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_store_option
@_lang_option
def history_cmd(region: str | None, fmt: str, store_path: str | None, lang: str) -> None:
    """List the logged changes, newest first: number, when, who, region, source,
    and per template the rows added, removed and changed. Exit 0."""
    changes = log.history(_open(store_path), region)
    if fmt == "json":
        click.echo(json.dumps([c.to_json() for c in changes], indent=2, ensure_ascii=False))
        return
    if not changes:
        click.echo(_T("no_changes", lang))
    for c in changes:
        click.echo("\n".join(_change_lines(c, lang)))


@main.command("show-change")
@click.argument("number", type=int)
@click.option("--quads", is_flag=True, help="Also print the quads the change added and removed (N-Quads, "
                                            "removed first, each line prefixed with - or +).")
@_store_option
@_lang_option
def show_change_cmd(number: int, quads: bool, store_path: str | None, lang: str) -> None:
    """Show one logged change: its summary and, with --quads, its delta. Exit 2 if there is no such change."""
    db = _open(store_path)
    change = log.get(db, number)
    if change is None:
        _fail(Text(nl=f"wijziging {number} bestaat niet", en=f"there is no change {number}"))
    click.echo("\n".join(_change_lines(change, lang)))
    if quads:
        added, removed = log.delta(db, number)
        for sign, qs in (("-", removed), ("+", added)):
            for q in qs:
                click.echo(f"{sign} {q} .")


@main.command("undo")
@click.argument("number", type=int)
@click.option("--dry-run", is_flag=True, help="Check that the change can be undone; write nothing.")
@_store_option
@_lang_option
def undo_cmd(number: int, dry_run: bool, store_path: str | None, lang: str) -> None:
    """Undo logged change NUMBER: its inverse goes through the same reasoning and
    checks as any change, and is logged as a change of its own (which can be
    undone in turn). Refused, with the reason, when a later change still in
    effect touched the same records (undo that one first), when it was undone
    already, or when the result would not validate. Exit 0 undone, 1 refused by
    the checks, 2 refused (no such change, later changes depend on it), 3 store error.
    """
    store = _store(store_path)
    try:
        result = ingest.undo(store, number, who=_who(), dry_run=dry_run)
    except log.UndoRefused as e:
        _fail(e.text)
    except (StoreError, StoreChanged) as e:
        _fail(str(e), EXIT_STORE)
    if not result.ok:
        click.echo(_T("undo_blocked", lang, n=number), err=True)
        plan = result.plan
        for f in (plan.violations if plan else []):
            click.echo(f"  {f.focus}: {f.message(lang)}", err=True)
        for inc in (plan.inconsistencies if plan else []):
            click.echo(f"  {inc.node}: {inc.message[lang]}", err=True)
        sys.exit(1)
    click.echo(_T("undo_dry" if dry_run else "undo_done", lang, n=number, m=result.change.number))


@main.command("templates")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def templates_cmd(folder: Path) -> None:
    """Write empty templates to FOLDER: one CSV file per template (header row only)
    and an XLSX workbook with the headers, an explanation sheet (nl/en) and the
    allowed values as drop-down lists."""

    for p in blank.write_templates(folder):
        click.echo(str(p))


@main.command("export")
@click.option("--templates", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Write the data back into the spreadsheet templates in this folder (CSV).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Write the public view into this folder as a dump for other regions: dump.nq, dump.ttl, "
                   "void.ttl (VoID/DCAT, ontology version, SHA-256 of the dumps), context.jsonld, ontology.ttl.")
@click.option("--region", help="With --templates: only this region's graph (default: the store's own data "
              "graphs, without other regions' imports).")
@click.option("--imports", is_flag=True, help="With --templates and no --region: also the graphs imported from "
              "other regions with `kg import`.")
@click.option("--base", help="Namespace of the data IRIs: stripped to get ids (--templates), the dataset's "
                             "void:uriSpace (--out). Default: inferred from the data.")
@click.option("--xlsx", is_flag=True, help="With --templates: also write an XLSX workbook with drop-down lists.")
@click.option("--license", "license_iri", envvar="KG_DATA_LICENSE",
              default=settings.BY_NAME["KG_DATA_LICENSE"].default, show_default=True, show_envvar=True,
              help="With --out: the data licence stated in void.ttl.")
@_store_option
def export_cmd(folder: Path | None, out: Path | None, region: str | None, imports: bool, base: str | None,
               xlsx: bool, license_iri: str, store_path: str | None) -> None:
    """Export the store: --templates DIR, --out DIR, or both.

    --templates writes the store's data of a region back into the templates, so
    that templates -> kg ingest -> kg export gives the same rows (docs/ingest.md
    says what "same" means). Without --region: the store's own data, not what
    `kg import` brought from other regions (--imports adds that). What the
    templates cannot express (e.g. expertise attributions, comments) is counted
    on stderr. Exit 2 for an unknown region.

    --out writes only the public view (people without public consent as
    anonymous roles; never an internal graph) as a dump that another region
    loads with `kg import DIR --region NAME` (docs/linked-data.md).
    """

    if folder is None and out is None:
        raise click.UsageError("give --templates DIR, --out DIR or both")
    if folder is None and (region or xlsx or imports):
        raise click.UsageError("--region, --imports and --xlsx apply to --templates only")
    if region and imports:
        raise click.UsageError("--imports adds other regions' imports to an export without --region")
    db = _open(store_path)
    if folder is not None:
        if region and not db.contains_named_graph(ox.NamedNode(REGION_GRAPH + region)):
            _fail(f"the store has no region {region!r}")
        result = export.export(db, region, base, imports)
        for p in export.write_csv(result, folder):
            click.echo(str(p))
        if xlsx:
            click.echo(str(blank.write_xlsx(folder / "templates.xlsx", result.rows)))
        for what, n in sorted(result.skipped.items()):
            click.echo(f"not expressible in the templates: {n} x {what}", err=True)
    if out is not None:

        try:
            written = exchange.export_dump(db, out, base, license_iri)
        except exchange.ExchangeError as e:
            _fail(str(e))
        except OSError as e:
            _fail(f"cannot write {out}: {e}")
        for p in written.files:
            click.echo(str(p))


@main.command("import")
@click.argument("dump", type=click.Path(path_type=Path))
@click.option("--region", "name", required=True,
              help="Name of the import (lower-case letters, digits, '-'): the data goes to the named graph "
                   "graph/import/NAME, which a later import of NAME replaces.")
@_store_option
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
@click.option("--reasoner", type=click.Choice(REASONERS), default=DEFAULT_REASONER, show_default=True,
              help="OWL 2 RL engine.")
@_lang_option
def import_cmd(dump: Path, name: str, store_path: str | None, dry_run: bool, reasoner: str, lang: str) -> None:
    """Load another region's public dump into its own named graph, after checking it.

    DUMP is a folder written by `kg export --out` (the SHA-256 checksums in its
    void.ttl are verified) or one RDF file (.nq, .trig, .ttl, .nt, .jsonld; a
    remote JSON-LD context is refused). Its copy of the ontology and
    vocabularies is dropped (this store uses its own); its data goes to the
    named graph graph/import/NAME and is reasoned over and validated together
    with what the store holds, as `kg ingest` does. Only clean data is
    committed, in one atomic switch that replaces a previous import of NAME
    and nothing else.

    Exit codes: 0 stored (or clean with --dry-run), 1 violations (nothing
    written), 2 unreadable dump or bad option, 3 store error.
    """

    problem = region_name_problem(name)
    if problem:
        _fail(f"--region {name!r}: {problem}")
    store = _store(store_path)
    try:
        result = exchange.import_dump(dump, name, store, dry_run=dry_run, reasoner=reasoner, who=_who())
    except (StoreError, StoreChanged, OSError) as e:
        _fail(str(e), EXIT_STORE)
    click.echo(exchange.render(result, lang, store=str(store), dry_run=dry_run))
    sys.exit(result.exit_code)


_analytics_options = [
    click.option("--people-only", is_flag=True, help="Only people as nodes (default: humans and artefacts alike)."),
    click.option("--public", is_flag=True, help="Use the public view (anonymous roles for people without consent)."),
    click.option("--topic", "topics", multiple=True, help="A topic for access to expertise; repeat for several. "
                 "Default: the themes of the network (or of the person's networks)."),
    click.option("--today", help="The reference date for a network's members per year (YYYY-MM-DD). Default: today."),
]


def _with_analytics_options(fn):
    for option in reversed(_analytics_options):
        fn = option(fn)
    return fn


def _analysis(store_path: str | None, ident: str, kind: str | None, people_only: bool, public: bool,
              topics: tuple[str, ...], today: str | None, lang: str) -> dict:
    """The analysis of IDENT (kg.analytics), or exit 2 (unknown, ambiguous, other kind) / 3 (store)."""

    store = _store(store_path)
    db = _open(store_path)
    try:
        return analytics.analyse(db, ident, kind, "public" if public else "internal", lang, people_only, topics,
                                 today, store.generation())
    except queries.AmbiguousName as e:
        click.echo(f"kg: {ident!r} matches {len(e.candidates)} actors; give the IRI or the id:", err=True)
        for iri, label in e.candidates:
            click.echo(f"  {label}  <{iri}>", err=True)
        sys.exit(EXIT_ERROR)
    except queries.QueryError as e:
        _fail(str(e))


def _region_analysis(store_path: str | None, name: str | None, people_only: bool, public: bool, lang: str) -> dict:
    """The region analysis (kg.analytics.analyse_region), or exit 2 (unknown region) / 3 (store)."""
    store = _store(store_path)
    db = _open(store_path)
    try:
        return analytics.analyse_region(db, name, "public" if public else "internal", lang, people_only,
                                        store.generation())
    except analytics.UnknownRegion as e:
        _fail(str(e))


@main.command("analyse")
@click.argument("kind", type=click.Choice(["network", "person", "artefact", "school", "region"]), required=False)
@click.argument("ident", metavar="ID", required=False)
@click.option("--precompute", is_flag=True, help="Instead of one analysis: compute and store the analyses of "
              "the current store generation that the web pages read (the whole region, every network and "
              "artefact; both views and languages) in $KG_STATE_DIR/analytics (default: <store>-state/analytics); "
              "waits for a run already at work, does nothing when they are there.")
@click.option("--quiet", "-q", is_flag=True, help="With --precompute: no progress on stderr.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table for people; json (the shape in docs/analytics.md); csv: one table, see --table.")
@click.option("--table", "table_name", help="With --format csv: which table (default: the first; "
              "network/school: members, ...; person: reach, ...; artefact: adoptions, ...).")
@_with_analytics_options
@_store_option
@_lang_option
def analyse_cmd(kind: str | None, ident: str | None, precompute: bool, quiet: bool, fmt: str, table_name: str | None,
                people_only: bool, public: bool, topics: tuple[str, ...], today: str | None, store_path: str | None,
                lang: str) -> None:
    """Network analytics of a network, person, artefact or school: reach and depth, openness
    (density, clustering, E-I index), brokers (betweenness, constraint, effective size),
    isolates and weak groups, k-core against declared level, trusted access to expertise,
    diffusion and professional capital (docs/analytics.md).

    ID is an IRI, a local id (n-team-de-esch) or a label (any case); an unknown, ambiguous or
    other kind of actor exits 2. `region NAME` analyses an ingested region as a whole
    (components, isolated people and schools, brokers, E-I between schools and boards, reach
    per school; tables schools, brokers, components, isolated, networks); without NAME, every
    actor of the store. An unknown region exits 2 and lists the store's regions.

    \b
    Examples:
      kg analyse network n-team-de-esch
      kg analyse region twente --format csv --table schools
      kg analyse person p101 --topic rekenen --format json
      kg analyse artefact a-kijkwijzer-ol --format csv --table next_adopters
      kg analyse --precompute        after a change: what the /analytics pages read
    """

    if precompute:
        if kind or ident:
            _fail("--precompute takes no KIND or ID")
        store = _store(store_path)
        folder = analytics_precompute.folder_of(store, settings.value("KG_STATE_DIR"))
        say = (lambda text: click.echo(f"kg: {text}", err=True)) if not quiet else None
        done = analytics_precompute.run(store, folder, today, progress=say)
        if not quiet:
            click.echo(f"{folder}: {', '.join(done) or 'up to date'}")
        return
    if kind == "region":
        if topics:
            _fail("--topic is for a network, person or school, not a region")
        result = _region_analysis(store_path, ident, people_only, public, lang)
        found = analytics_region.tables(result)
    else:
        if not kind or not ident:
            _fail("give KIND and ID (or --precompute)")
        result = _analysis(store_path, ident, kind, people_only, public, topics, today, lang)
        found = analytics_tables.tables(result)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        name = table_name or next(iter(found))
        if name not in found:
            _fail(f"no table {name!r} for a {result['kind']}; choose one of: {', '.join(found)}")
        click.echo(analytics_tables.to_csv(found[name]), nl=False)
        return
    subject = result["subject"]
    click.echo(f"{subject['label'] or '-'}  <{subject['iri']}>  ({result['kind']}, {result['view']})")
    if kind == "region":
        click.echo(_table(["measure", "value"], [[k, _short_cell(v)] for k, v in analytics_region.figures(result)]))
    for name, (headers, rows) in found.items():
        click.echo()
        click.echo(f"== {name}")
        click.echo(_table(headers, [[_short_cell(c) for c in r] for r in rows]))


def _short_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:.0f}"
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return shorten(value)
    return str(value)


@main.command("report")
@click.argument("ident", metavar="ID")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write (self-contained: pictures inline as SVG, no external resources).")
@_with_analytics_options
@_store_option
@_lang_option
def report_cmd(ident: str, out: Path, people_only: bool, public: bool, topics: tuple[str, ...], today: str | None,
               store_path: str | None, lang: str) -> None:
    """Write a self-contained HTML report of the analytics of ID (a network, school, person or
    artefact; by IRI, local id or label): the sociogram, depth distribution, adoption tree and
    curve inline as SVG, and every table.

    \b
    Example:
      kg report n-team-de-esch --out de-esch.html
    """

    result = _analysis(store_path, ident, None, people_only, public, topics, today, lang)
    try:
        out.write_text(analytics_html.render(result, lang), encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {out}: {e}")
    click.echo(str(out))


def _indexed(store_path: str | None) -> tuple[ox.Store, ReadIndex | None, str | None]:
    """The store's current generation read-only, its read index brought up to date (built the first
    time: 15 s at 10,000 people; None for a remote store) and the generation's name."""
    graphs = _store(store_path)
    index = ReadIndex.of(graphs, settings.value("KG_STATE_DIR"))
    if index is None or graphs.generation() is None:
        return _open(store_path), None, graphs.generation()
    db, pin = graphs.open_pinned()  # kept until the command ends: no writer removes what it reads
    if pin is None:
        return db, None, None
    click.get_current_context().call_on_close(pin.release)
    return db, index if index.follow(graphs, db, pin.generation) else None, pin.generation


def _open(store_path: str | None) -> ox.Store:
    store = _store(store_path)
    try:
        return store.open()
    except OSError as e:
        _fail(f"cannot open the store at {store}: {e}", EXIT_STORE)


def _list_queries(lang: str) -> None:
    for q in queries.catalogue().values():
        click.echo(f"{q.name}")
        click.echo(f"    {q.summary_in(lang)}")
        for p in q.params:
            req = "required" if p.required else f"default {p.default}"
            click.echo(f"    --param {p.name}=<{p.type}>  ({req}) {p.description}")


def _print_results(results: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str) -> None:
    if isinstance(results, ox.QueryBoolean):
        click.echo(json.dumps({"head": {}, "boolean": bool(results)}) if fmt == "json" else str(bool(results)).lower())
        return
    if isinstance(results, ox.QueryTriples):
        click.echo(results.serialize(format=ox.RdfFormat.TURTLE).decode())
        return
    if fmt == "json":
        click.echo(results.serialize(format=ox.QueryResultsFormat.JSON).decode())
        return
    columns = [v.value for v in results.variables]
    rows = [[_cell(row[c]) for c in columns] for row in results]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
    else:
        click.echo(_table(columns, [[shorten(c) if c.startswith(("http://", "https://")) else c for c in r]
                                    for r in rows]))


def _cell(term: object) -> str:
    return "" if term is None else term.value


def _table(headers: list[str], rows: list) -> str:
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)


if __name__ == "__main__":
    main()
