"""Exchange with other regions: `kg export --out` and `kg import`, run as real processes on real stores."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.answers.void import quads as view_quads
from kg.model import resources
from kg.model.namespaces import CKG, PUBLIC_GRAPH, PUBLIC_GRAPHS, VOCAB
from kg.rdf.rdfio import rdflib_graph
from kg.store import GraphStore, digest, log

BIN = Path(sys.executable).parent
OURS = "https://w3id.org/connective-kg/"
IMPORT = OURS + "graph/import/"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
OWL = rdflib.OWL
TW = "https://knll-twente.example/id/"


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KG_LANG="en")
    env.pop("KG_STORE_URL", None)
    return subprocess.run([str(BIN / "kg"), *args], capture_output=True, text=True, env=env, timeout=300)


def build(store: Path) -> None:
    r = kg("build", str(resources.sample_dir()), "--store", str(store))
    assert r.returncode == 0, r.stdout + r.stderr


def graph(store: Path, name: str) -> list[ox.Quad]:
    return list(GraphStore(store).open().quads_for_pattern(None, None, None, ox.NamedNode(name)))


def store_digest(store: Path) -> str:
    return digest(GraphStore(store).open())


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the store built from the sample, the folder `kg export --out` wrote from it)."""
    root = tmp_path_factory.mktemp("exchange")
    store, out = root / "store", root / "out"
    build(store)
    r = kg("export", "--out", str(out), "--store", str(store))
    assert r.returncode == 0, r.stdout + r.stderr
    assert {Path(line).name for line in r.stdout.split()} == {"dump.nq", "dump.ttl", "void.ttl", "context.jsonld",
                                                              "ontology.ttl"}
    return store, out


@pytest.fixture(scope="module")
def imported(exported: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second, fresh store holding the export as the import `twente`."""
    _, out = exported
    store = tmp_path_factory.mktemp("other-region") / "store"
    r = kg("import", str(out), "--region", "twente", "--store", str(store))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Committed" in r.stdout and "dump.nq" in r.stdout
    return store


def sample_people() -> tuple[set[str], set[str]]:
    """(names of people without public consent, names of people with it) in the sample."""
    quads = list(ox.parse(path=str(resources.sample_dir() / "people.ttl"), format=ox.RdfFormat.TURTLE))
    persons = {q.subject for q in quads if q.predicate.value.endswith("#type") and q.object.value == CKG + "Person"}
    public = {q.subject for q in quads
              if q.predicate.value == CKG + "consent" and q.object.value == VOCAB + "consent/public"}

    def names(who: set) -> set[str]:
        return {q.object.value for q in quads if q.subject in who and q.predicate.value.endswith(("#label", "/name"))}

    return names(persons - public), names(persons & public)


def public_data(quads) -> rdflib.Graph:
    """The public graph without statements about our own terms (those a dump never hands over)."""
    return rdflib_graph(q for q in quads if not q.subject.value.startswith(OURS))


# --- export ---------------------------------------------------------------------

def test_export_is_the_public_view_and_parses(exported: tuple[Path, Path]) -> None:
    store, out = exported
    nq = list(ox.parse(path=str(out / "dump.nq"), format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in nq} == set(PUBLIC_GRAPHS)
    assert {str(q) for q in nq} == {str(q) for q in view_quads(GraphStore(store).open(), "public")}
    ttl = list(ox.parse(path=str(out / "dump.ttl"), format=ox.RdfFormat.TURTLE))
    assert {str(q.triple) for q in ttl} == {str(q.triple) for q in nq}
    assert (out / "context.jsonld").read_bytes() == (resources.ontology_dir() / "context.jsonld").read_bytes()
    assert (out / "ontology.ttl").read_bytes() == resources.ontology_file().read_bytes()


def test_no_name_without_public_consent_leaves(exported: tuple[Path, Path]) -> None:
    _, out = exported
    hidden, public = sample_people()
    assert hidden and public
    for name in ("dump.nq", "dump.ttl", "void.ttl"):
        text = (out / name).read_text(encoding="utf-8")
        leaked = sorted(n for n in hidden if n in text)
        assert not leaked, f"{name} names people without public consent: {leaked}"
    text = (out / "dump.nq").read_text(encoding="utf-8")
    assert all(n in text for n in public)  # the consented people are there by name


def test_void_describes_the_dumps_the_ontology_and_checksums(exported: tuple[Path, Path]) -> None:
    _, out = exported
    g = rdflib.Graph().parse(out / "void.ttl", format="turtle")  # relative IRIs resolve against the file
    ds = g.value(predicate=rdflib.RDF.type, object=VOID.Dataset)
    assert ds is not None and (ds, rdflib.RDF.type, DCAT.Dataset) in g
    dumps = set(g.objects(ds, VOID.dataDump))
    assert dumps == {rdflib.URIRef((out / n).resolve().as_uri()) for n in ("dump.nq", "dump.ttl")}
    assert not list(g.objects(ds, VOID.sparqlEndpoint))  # no endpoint in a folder

    onto = rdflib.Graph().parse(resources.ontology_file(), format="turtle")
    ns = rdflib.URIRef("https://w3id.org/connective-kg/ns")
    assert (ds, DCT.conformsTo, ns) in g
    assert g.value(ns, OWL.versionInfo) == onto.value(ns, OWL.versionInfo) is not None
    assert g.value(ns, OWL.versionIRI) == onto.value(ns, OWL.versionIRI) is not None

    for dist in g.objects(ds, DCAT.distribution):
        url = g.value(dist, DCAT.downloadURL)
        path = Path(url.removeprefix("file://"))
        checksum = g.value(dist, SPDX.checksum)
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(g.value(checksum, SPDX.checksumValue)) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert int(g.value(dist, DCAT.byteSize)) == path.stat().st_size
    ttl = {str(q.triple) for q in ox.parse(path=str(out / "dump.ttl"), format=ox.RdfFormat.TURTLE)}
    assert int(g.value(ds, VOID.triples)) == len(ttl)


def test_export_twice_is_identical(exported: tuple[Path, Path], tmp_path: Path) -> None:
    store, out = exported
    r = kg("export", "--out", str(tmp_path), "--store", str(store))
    assert r.returncode == 0, r.stderr
    for name in ("dump.nq", "dump.ttl", "void.ttl"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_export_usage_errors(exported: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = exported
    r = kg("export", "--store", str(store))
    assert r.returncode == 2 and "--templates" in r.stderr and "--out" in r.stderr
    r = kg("export", "--out", str(tmp_path / "x"), "--region", "twente", "--store", str(store))
    assert r.returncode == 2 and "--templates only" in r.stderr
    r = kg("export", "--out", str(tmp_path / "x"), "--store", str(tmp_path / "empty"))
    assert r.returncode == 2 and "no public graph" in r.stderr


# --- import ---------------------------------------------------------------------

def test_import_holds_the_exported_public_data(exported: tuple[Path, Path], imported: Path) -> None:
    store, _ = exported
    ours = GraphStore(store).open()
    exported_public = list(ours.quads_for_pattern(None, None, None, ox.NamedNode(PUBLIC_GRAPH)))
    assert isomorphic(rdflib_graph(graph(imported, IMPORT + "twente")), public_data(exported_public))
    # The importer's public view shows the imported people exactly as the exporter did: the
    # anonymous stay anonymous (same labels), nobody gains detail.
    assert isomorphic(rdflib_graph(graph(imported, PUBLIC_GRAPH)), rdflib_graph(exported_public))
    names = {g.value for g in GraphStore(imported).open().named_graphs()}
    assert IMPORT + "twente" in names and not any("/graph/source/" in g for g in names)


def test_turtle_dump_imports_the_same(exported: tuple[Path, Path], imported: Path, tmp_path: Path) -> None:
    _, out = exported
    r = kg("import", str(out / "dump.ttl"), "--region", "twente", "--store", str(tmp_path / "s"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert isomorphic(rdflib_graph(graph(tmp_path / "s", IMPORT + "twente")),
                      rdflib_graph(graph(imported, IMPORT + "twente")))


def test_reimport_replaces_that_import_and_nothing_else(exported: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = exported
    store = tmp_path / "store"
    assert kg("import", str(out), "--region", "twente", "--store", str(store)).returncode == 0
    extra = tmp_path / "extra.ttl"
    extra.write_text("@prefix ckg: <https://w3id.org/connective-kg/ns#> .\n"
                     "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                     '<https://elders.example/id/s-elders> a ckg:School ; rdfs:label "Basisschool Elders" .\n')
    r = kg("import", str(extra), "--region", "elders", "--store", str(store))
    assert r.returncode == 0, r.stdout + r.stderr
    elders = {str(q) for q in graph(store, IMPORT + "elders")}
    twente = graph(store, IMPORT + "twente")

    # The same dump again: the import graph is identical, nothing else changes.
    assert kg("import", str(out), "--region", "twente", "--store", str(store)).returncode == 0
    assert {str(q) for q in graph(store, IMPORT + "twente")} == {str(q) for q in twente}
    assert {str(q) for q in graph(store, IMPORT + "elders")} == elders

    # A smaller dump (no rdfs:comment) replaces the import.
    comment = "http://www.w3.org/2000/01/rdf-schema#comment"
    quads = [q for q in ox.parse(path=str(out / "dump.nq"), format=ox.RdfFormat.N_QUADS)
             if q.predicate.value != comment]
    smaller = tmp_path / "smaller.nq"
    ox.serialize(quads, str(smaller), format=ox.RdfFormat.N_QUADS)
    r = kg("import", str(smaller), "--region", "twente", "--store", str(store))
    assert r.returncode == 0, r.stdout + r.stderr
    now = graph(store, IMPORT + "twente")
    assert not any(q.predicate.value == comment for q in now)
    assert len(now) == len(twente) - sum(1 for q in twente if q.predicate.value == comment)
    assert {str(q) for q in graph(store, IMPORT + "elders")} == elders
    assert not any(q.predicate.value == comment and q.subject.value.startswith(TW) for q in graph(store, PUBLIC_GRAPH))
    # every import that changed something is in the change log, with the quads it removed (the comments)
    changes = log.history(GraphStore(store).open())
    assert [c.source.rsplit("/", 1)[-1] for c in changes] == ["smaller.nq", "extra.ttl", "out"]
    _, removed = log.delta(GraphStore(store).open(), changes[0].number)
    assert removed and all(q.predicate.value == comment for q in removed)


def _short_letter_of_intent(out: Path, target: Path) -> None:
    """The dump with one letter of intent ending five months after it begins (a violation)."""
    quads = list(ox.parse(path=str(out / "dump.nq"), format=ox.RdfFormat.N_QUADS))
    loi = ox.NamedNode(TW + "loi-p071-lezen-2021")
    during = next(q.object for q in quads if q.subject == loi and q.predicate.value == CKG + "validDuring")
    end = next(q.object for q in quads if q.subject == during and q.predicate.value.endswith("#hasEnd"))
    date = "http://www.w3.org/2006/time#inXSDDate"
    changed = [ox.Quad(q.subject, q.predicate, ox.Literal("2022-01-31", datatype=q.object.datatype), q.graph_name)
               if q.subject == end and q.predicate.value == date else q for q in quads]
    assert changed != quads
    ox.serialize(changed, str(target), format=ox.RdfFormat.N_QUADS)


def test_invalid_dump_is_refused_and_writes_nothing(exported: tuple[Path, Path], imported: Path,
                                                    tmp_path: Path) -> None:
    _, out = exported
    before = store_digest(imported)
    bad = tmp_path / "short-intent.nq"
    _short_letter_of_intent(out, bad)
    r = kg("import", str(bad), "--region", "twente", "--store", str(imported))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "short-intent.nq" in r.stdout and "tw:loi-p071-lezen-2021" in r.stdout
    assert "LetterOfIntentShape-one-year" in r.stdout and "Nothing written" in r.stdout
    assert store_digest(imported) == before

    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix tw: <https://knll-twente.example/id/> .\ntw:x a .\n")
    r = kg("import", str(broken), "--region", "twente", "--store", str(imported))
    assert r.returncode == 2 and "broken.ttl" in r.stdout and "line 2" in r.stdout
    assert store_digest(imported) == before


def test_folder_checksums_are_verified(exported: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = exported
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    with open(copy / "dump.nq", "ab") as fh:
        fh.write(b"# appended after the export\n")  # still valid N-Quads, but not the file void.ttl describes
    r = kg("import", str(copy), "--region", "twente", "--store", str(tmp_path / "s"))
    assert r.returncode == 2 and "dump.nq" in r.stdout and "SHA-256" in r.stdout
    assert GraphStore(tmp_path / "s").generation() is None


def test_dry_run_writes_nothing(exported: tuple[Path, Path], imported: Path, tmp_path: Path) -> None:
    _, out = exported
    r = kg("import", str(out), "--region", "fresh", "--store", str(tmp_path / "s"), "--dry-run")
    assert r.returncode == 0 and "Checked only" in r.stdout, r.stdout + r.stderr
    assert GraphStore(tmp_path / "s").generation() is None
    before = store_digest(imported)
    r = kg("import", str(out), "--region", "twente", "--store", str(imported), "--dry-run")
    assert r.returncode == 0 and "Checked only" in r.stdout, r.stdout + r.stderr
    assert store_digest(imported) == before


def test_the_same_data_twice_under_two_names_is_refused(exported: tuple[Path, Path], imported: Path) -> None:
    """Two copies of one region would give every letter of intent and covenant two terms."""
    _, out = exported
    before = store_digest(imported)
    r = kg("import", str(out), "--region", "twente-again", "--store", str(imported))
    assert r.returncode == 1 and "LetterOfIntentShape-period" in r.stdout, r.stdout + r.stderr
    assert store_digest(imported) == before


def test_import_cannot_expose_the_stores_own_people(exported: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = exported
    before = store_digest(store)
    hidden = f"<{TW}p029>"  # no consent recorded in the sample: private
    consent = f"<{CKG}consent> <{VOCAB}consent/public>"
    direct = tmp_path / "direct.ttl"
    direct.write_text(f"{hidden} {consent} .\n")
    r = kg("import", str(direct), "--region", "sneaky", "--store", str(store))
    assert r.returncode == 1 and "ImportConsentCheck" in r.stdout and "tw:p029" in r.stdout, r.stdout
    assert store_digest(store) == before

    # Through owl:sameAs: schema statements are never taken from a dump, so p029 stays private.
    other = tmp_path / "other"
    build(other)
    same = tmp_path / "same.ttl"
    same.write_text(f"<https://elders.example/id/x> <http://www.w3.org/2002/07/owl#sameAs> {hidden} ;\n"
                    f"    {consent} .\n")
    r = kg("import", str(same), "--region", "sneaky", "--store", str(other))
    assert r.returncode == 0 and "1 triples not taken" in r.stdout, r.stdout + r.stderr
    public = graph(other, PUBLIC_GRAPH)
    p029 = [q for q in public if q.subject.value == TW + "p029"]
    assert p029 and not any(q.predicate.value == CKG + "consent" and q.object.value.endswith("/public") for q in p029)
    hidden_names, _ = sample_people()
    assert not any(q.object.value in hidden_names for q in public if isinstance(q.object, ox.Literal))


def test_internal_dump_and_bad_usage_are_refused(tmp_path: Path) -> None:
    internal = tmp_path / "internal.nq"
    internal.write_text(f"<{TW}p001> <http://www.w3.org/2000/01/rdf-schema#label> \"Marieke Nijhuis\" "
                        f"<{OURS}graph/source/twente/people.ttl> .\n")
    r = kg("import", str(internal), "--region", "x", "--store", str(tmp_path / "s"))
    assert r.returncode == 2 and "internal graphs" in r.stdout
    remote = tmp_path / "remote.jsonld"
    remote.write_text('{"@context": "https://elders.example/context.jsonld", "@id": "https://elders.example/id/x"}')
    r = kg("import", str(remote), "--region", "x", "--store", str(tmp_path / "s"))
    assert r.returncode == 2 and "remote.jsonld" in r.stdout
    assert kg("import", str(internal), "--store", str(tmp_path / "s")).returncode == 2  # no --region
    r = kg("import", str(internal), "--region", "Not A Name", "--store", str(tmp_path / "s"))
    assert r.returncode == 2 and "region" in r.stderr
    r = kg("import", str(tmp_path / "missing.nq"), "--region", "x", "--store", str(tmp_path / "s"))
    assert r.returncode == 2 and "missing.nq" in r.stdout
    assert GraphStore(tmp_path / "s").generation() is None


def test_template_export_leaves_imports_out_unless_asked(exported: tuple[Path, Path], imported: Path,
                                                         tmp_path: Path) -> None:
    """`kg export --templates` of a store holding only another region's import: no rows by default
    (the store's own data is empty), the import's people with --imports; --imports with --region is
    a usage error."""
    import csv

    def people(folder: Path) -> list[dict[str, str]]:
        with open(folder / "people.csv", encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    r = kg("export", "--templates", str(tmp_path / "own"), "--store", str(imported))
    assert r.returncode == 0, r.stderr
    assert people(tmp_path / "own") == []
    r = kg("export", "--templates", str(tmp_path / "all"), "--imports", "--store", str(imported))
    assert r.returncode == 0, r.stderr
    persons = {q.subject.value for q in graph(imported, IMPORT + "twente")
               if q.predicate.value.endswith("#type") and q.object.value == CKG + "Person"}
    assert len(people(tmp_path / "all")) == len(persons) > 50
    r = kg("export", "--templates", str(tmp_path / "x"), "--imports", "--region", "twente", "--store", str(imported))
    assert r.returncode == 2 and "--imports" in r.stderr
