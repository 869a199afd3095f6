"""The tables of an analysis (CSV exports, `kg analyse --format table|csv`), from its JSON.

`tables(result)` -> {name: (headers, rows)}; every actor cell is its label, with the IRI in a
column of its own where the row is about an actor. Names per kind are in TABLES. The headers are
machine-readable keys (`kg analyse --format csv`, `?header=keys`); `shown` gives a table as the
page shows it (titled, labelled in the page's language, IRIs folded into linked names, yes/no,
decimal commas in Dutch) and `to_labelled_csv` the same labels as CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kg.analytics.capital import DIMENSIONS
from kg.sheets import csv_text
from kg.text import Strings, Text

Table = tuple[list[str], list[list[Any]]]

TABLES = {
    "network": ("members", "members_by_year", "depth_distribution", "openness", "weak_groups",
                "shared_members", "expertise_access"),
    "school": ("members", "depth_distribution", "openness", "weak_groups", "expertise_access"),
    "person": ("reach", "reach_by_year", "ties", "depth_distribution", "networks", "capital", "expertise_access"),
    "artefact": ("adoptions", "adoption_curve", "intervals", "reach_by_board", "reach_by_sector",
                 "carriers", "next_adopters"),
}


def _label(ref: dict[str, str] | None) -> str:
    return ref["label"] if ref else ""


def _depth(result: dict[str, Any]) -> Table:
    rows = result["depth_distribution"]
    split = bool(rows) and "internal" in rows[0]
    headers = ["rank", "depth", "ties"] + (["internal", "external"] if split else [])
    return headers, [[r["rank"], r["depth"] or "", r["ties"]] + ([r["internal"], r["external"]] if split else [])
                     for r in rows]


def _members(result: dict[str, Any]) -> Table:
    iso = {r["actor"]["iri"]: r for r in result["isolation"]}
    core = {r["actor"]["iri"]: r for r in result["core_periphery"]["members"]}
    headers = ["iri", "label", "kind", "degree", "betweenness", "constraint", "effective_size", "brokered_pairs",
               "networks", "broker", "ties_in_group", "max_depth_in_group", "isolated", "k_core", "position",
               "declared_level"]
    rows = []
    for b in result["brokers"]:
        i, c = iso.get(b["actor"]["iri"], {}), core.get(b["actor"]["iri"], {})
        rows.append([b["actor"]["iri"], b["actor"]["label"], b["kind"], b["degree"], b["betweenness"],
                     b["constraint"], b["effective_size"], b["brokered_pairs"], len(b["networks"]), b["broker"],
                     i.get("ties"), i.get("max_depth"), i.get("isolated"), c.get("k_core"), c.get("position"),
                     c.get("declared")])
    return headers, rows


def _access(result: dict[str, Any]) -> Table:
    rows = result["expertise_access"]
    if result["kind"] == "person":
        return (["topic", "experts", "steps", "expert", "path"],
                [[_label(r["topic"]), r["experts"], r["steps"], _label(r["expert"]),
                  " > ".join(p["label"] for p in r["path"] or [])] for r in rows])
    return (["topic", "experts", "without_access", "people"],
            [[_label(r["topic"]), r["experts"], len(r["without_access"]),
              "; ".join(p["label"] for p in r["without_access"])] for r in rows])


def _counts(rows: list[dict[str, Any]]) -> Table:
    return ["iri", "label", "count"], [[r["group"]["iri"], r["group"]["label"], r["count"]] for r in rows]


def tables(result: dict[str, Any]) -> dict[str, Table]:
    kind = result["kind"]
    out: dict[str, Table] = {}
    if kind in ("network", "school"):
        out["members"] = _members(result)
        out["members_by_year"] = (["year", "school_year", "joined", "left", "members"],
                                  [[r["year"], r["school_year"], r["joined"], r["left"], r["members"]]
                                   for r in result["members_by_year"]])
        out["depth_distribution"] = _depth(result)
        o = result["openness"]
        out["openness"] = (list(o), [list(o.values())])
        out["weak_groups"] = (["size", "ties", "max_depth", "mean_per_month", "members"],
                              [[w["size"], w["ties"], w["max_depth"], w["mean_per_month"],
                                "; ".join(m["label"] for m in w["members"])] for w in result["weak_groups"]])
        out["shared_members"] = (["iri", "network", "count", "people"],
                                 [[s["network"]["iri"], s["network"]["label"], s["count"],
                                   "; ".join(p["label"] for p in s["people"])] for s in result["shared_members"]])
        out["expertise_access"] = _access(result)
    elif kind == "person":
        steps = result["reach"]["steps"]
        out["reach"] = (["steps", "actors", "networks", "organisations"],
                        [[k, v["actors"], v["networks"], v["organisations"]] for k, v in steps.items()])
        out["reach_by_year"] = (["year", "school_year", "actors_1", "networks_1", "organisations_1", "actors_2",
                                 "networks_2", "organisations_2"],
                                [[r["year"], r["school_year"], r["1"]["actors"], r["1"]["networks"],
                                  r["1"]["organisations"], r["2"]["actors"], r["2"]["networks"],
                                  r["2"]["organisations"]] for r in result["reach"]["by_year"]])
        out["ties"] = (["tie", "alter_iri", "alter", "year", "depth", "closeness", "per_month", "strength", "trust"],
                       [[t["tie"], t["alter"]["iri"], t["alter"]["label"], t["year"], t["depth_label"] or "",
                         t["closeness"], t["per_month"], t["strength"], t["trust"]] for t in result["ties"]])
        out["depth_distribution"] = _depth(result)
        out["networks"] = (["iri", "network", "level", "hours", "motivated", "begin", "end"],
                           [[m["network"]["iri"], m["network"]["label"], m["level"] or "", m["hours"], m["motivated"],
                             m["begin"] or "", m["end"] or ""] for m in result["networks"]])
        cap = result["capital"]
        dim_of = {k: d for d, keys in DIMENSIONS.items() for k in keys}
        out["capital"] = (["indicator", "dimension", "value", "percentile"],
                          [[k, dim_of.get(k, ""), v, cap["percentiles"][k]] for k, v in cap["indicators"].items()]
                          + [[f"score_{d}", d, "", s] for d, s in cap["scores"].items()])
        out["expertise_access"] = _access(result)
    else:
        out["adoptions"] = (["date", "adopter", "source", "brokers", "network", "adopted", "adapted_copy"],
                            [[a["date"] or "", _label(a["adopter"]), _label(a["source"]),
                              "; ".join(b["label"] for b in a["brokers"]), _label(a["network"]), _label(a["adopted"]),
                              _label(a["adapted_copy"])] for a in result["adoptions"]])
        out["adoption_curve"] = (["date", "adoptions", "schools"],
                                 [[p["date"], p["adoptions"], p["schools"]] for p in result["adoption_curve"]])
        iv = result["intervals"]
        out["intervals"] = (["n", "days"], [[i + 1, d] for i, d in enumerate(iv["days"])])
        out["reach_by_board"] = _counts(result["reach_by_board"])
        out["reach_by_sector"] = _counts(result["reach_by_sector"])
        out["carriers"] = (["role", "iri", "label", "adoptions"],
                           [["broker", r["group"]["iri"], r["group"]["label"], r["count"]]
                            for r in result["carriers"]["brokers"]]
                           + [["network", r["group"]["iri"], r["group"]["label"], r["count"]]
                              for r in result["carriers"]["networks"]])
        out["next_adopters"] = (["iri", "school", "score", "steps", "reasons"],
                                [[n["school"]["iri"], n["school"]["label"], n["score"], n["steps"],
                                  "; ".join(f'{r["reason_label"]} ({", ".join(v["label"] for v in r["via"])})'
                                            for r in n["reasons"])] for n in result["next_adopters"]])
    return out


def to_csv(table: Table) -> str:
    """The table as CSV for spreadsheets: labels that start like a formula are neutralised (kg.sheets)."""
    headers, rows = table
    return csv_text([headers, *rows])


# --- tables as a reader sees them (the analytics page, labelled CSV) ------------------------------

HEADERS = Strings({
    "label": Text(nl="naam", en="name"), "kind": Text(nl="soort", en="kind"),
    "degree": Text(nl="verbindingen", en="ties"), "betweenness": Text(nl="betweenness", en="betweenness"),
    "constraint": Text(nl="constraint", en="constraint"), "effective_size": Text(nl="effectieve omvang", en="effective size"),
    "brokered_pairs": Text(nl="gemakelde paren", en="brokered pairs"), "networks": Text(nl="netwerken", en="networks"),
    "broker": Text(nl="makelaar", en="broker"), "ties_in_group": Text(nl="banden in de groep", en="ties in the group"),
    "max_depth_in_group": Text(nl="diepste band in de groep", en="deepest tie in the group"),
    "isolated": Text(nl="geïsoleerd", en="isolated"), "k_core": Text(nl="k-core", en="k-core"),
    "position": Text(nl="positie", en="position"), "declared_level": Text(nl="opgegeven niveau", en="declared level"),
    "year": Text(nl="jaar", en="year"), "school_year": Text(nl="schooljaar", en="school year"),
    "joined": Text(nl="erbij", en="joined"), "left": Text(nl="vertrokken", en="left"),
    "members": Text(nl="leden", en="members"), "rank": Text(nl="niveau", en="rank"),
    "depth": Text(nl="diepte", en="depth"), "ties": Text(nl="banden", en="ties"),
    "internal": Text(nl="binnen", en="inside"), "external": Text(nl="naar buiten", en="outside"),
    "internal_pairs": Text(nl="paren binnen", en="pairs inside"),
    "external_pairs": Text(nl="paren naar buiten", en="pairs outside"),
    "ei_index": Text(nl="E-I-index", en="E-I index"), "external_share": Text(nl="aandeel naar buiten", en="share outside"),
    "density": Text(nl="dichtheid", en="density"), "clustering": Text(nl="clustering", en="clustering"),
    "organisations_reached": Text(nl="organisaties bereikt", en="organisations reached"),
    "size": Text(nl="omvang", en="size"), "max_depth": Text(nl="diepste band", en="deepest tie"),
    "mean_per_month": Text(nl="contacten per maand (gemiddeld)", en="contacts per month (mean)"),
    "network": Text(nl="netwerk", en="network"), "count": Text(nl="aantal", en="count"),
    "people": Text(nl="personen", en="people"), "topic": Text(nl="thema", en="topic"),
    "experts": Text(nl="deskundigen", en="experts"), "without_access": Text(nl="zonder toegang", en="without access"),
    "steps": Text(nl="stappen", en="steps"), "expert": Text(nl="deskundige", en="expert"),
    "path": Text(nl="pad", en="path"), "actors": Text(nl="actoren", en="actors"),
    "organisations": Text(nl="organisaties", en="organisations"),
    "actors_1": Text(nl="actoren (1 stap)", en="actors (1 step)"),
    "networks_1": Text(nl="netwerken (1 stap)", en="networks (1 step)"),
    "organisations_1": Text(nl="organisaties (1 stap)", en="organisations (1 step)"),
    "actors_2": Text(nl="actoren (2 stappen)", en="actors (2 steps)"),
    "networks_2": Text(nl="netwerken (2 stappen)", en="networks (2 steps)"),
    "organisations_2": Text(nl="organisaties (2 stappen)", en="organisations (2 steps)"),
    "alter": Text(nl="contact", en="contact"), "closeness": Text(nl="nabijheid", en="closeness"),
    "per_month": Text(nl="contacten per maand", en="contacts per month"), "strength": Text(nl="sterkte", en="strength"),
    "trust": Text(nl="vertrouwen", en="trust"), "level": Text(nl="niveau", en="level"),
    "hours": Text(nl="uren", en="hours"), "motivated": Text(nl="gemotiveerd", en="motivated"),
    "begin": Text(nl="begin", en="begin"), "end": Text(nl="einde", en="end"),
    "indicator": Text(nl="indicator", en="indicator"), "dimension": Text(nl="dimensie", en="dimension"),
    "value": Text(nl="waarde", en="value"), "percentile": Text(nl="percentiel", en="percentile"),
    "date": Text(nl="datum", en="date"), "adopter": Text(nl="school", en="school"),
    "source": Text(nl="overgenomen van", en="taken from"), "brokers": Text(nl="via", en="through"),
    "adopted": Text(nl="overgenomen artefact", en="artefact adopted"),
    "adapted_copy": Text(nl="aangepaste kopie", en="adapted copy"), "adoptions": Text(nl="adopties", en="adoptions"),
    "schools": Text(nl="scholen", en="schools"), "n": Text(nl="nr.", en="no."), "days": Text(nl="dagen", en="days"),
    "role": Text(nl="rol", en="role"), "school": Text(nl="school", en="school"), "score": Text(nl="score", en="score"),
    "reasons": Text(nl="waarom", en="why"), "boards": Text(nl="bestuur", en="board"),
    "schools_reached": Text(nl="andere scholen bereikt", en="other schools reached"),
    "networks_reached": Text(nl="netwerken bereikt", en="networks reached"),
    "component": Text(nl="deel", en="part"),
    "nodes": Text(nl="actoren", en="actors"), "edges": Text(nl="verbonden paren", en="tied pairs"),
    "artefacts": Text(nl="artefacten", en="artefacts"), "mean_degree": Text(nl="verbindingen (gemiddeld)", en="ties (mean)"),
    "components": Text(nl="losse delen", en="separate parts"), "largest": Text(nl="grootste deel", en="largest part"),
    "k_max": Text(nl="hoogste k-core", en="highest k-core"),
})

TIPS = Strings({
    "degree": Text(nl="Met hoeveel actoren iemand verbonden is.", en="How many actors someone is tied to."),
    "betweenness": Text(nl="Aandeel van de kortste paden tussen twee anderen dat via deze actor loopt (0 tot 1).",
                        en="Share of the shortest paths between two others that pass through this actor (0 to 1)."),
    "constraint": Text(nl="Burt: hoe sterk iemands contacten ook met elkaar verbonden zijn; laag = open netwerk.",
                       en="Burt: how much someone's contacts are tied to each other; low = an open network."),
    "effective_size": Text(nl="Burt: het aantal contacten min hun onderlinge overlap.",
                           en="Burt: the number of contacts minus their overlap."),
    "brokered_pairs": Text(nl="Paren contacten uit verschillende netwerken die alleen via deze actor verbonden zijn.",
                           en="Pairs of contacts from different networks tied only through this actor."),
    "k_core": Text(nl="De grootste k waarvoor iemand in een groep zit waarin ieder ten minste k banden heeft.",
                   en="The largest k for which someone is in a group where everyone has at least k ties."),
    "ei_index": Text(nl="(banden naar buiten - banden binnen) / alle banden: -1 gesloten, +1 open.",
                     en="(ties outside - ties inside) / all ties: -1 closed, +1 open."),
    "density": Text(nl="Aandeel van alle mogelijke paren binnen de groep dat verbonden is.",
                    en="Share of all possible pairs inside the group that are tied."),
    "clustering": Text(nl="Hoe vaak twee contacten van iemand ook elkaar kennen (gemiddeld).",
                       en="How often two of someone's contacts also know each other (mean)."),
    "strength": Text(nl="Nabijheid maal contacten per maand.", en="Closeness times contacts per month."),
    "percentile": Text(nl="Aandeel van de personen met een lagere waarde.", en="Share of people with a lower value."),
    "score": Text(nl="Hoe dicht de school bij een gebruiker staat (hoger = dichter).",
                  en="How close the school is to an adopter (higher = closer)."),
})

TITLES = Strings({
    "members": Text(nl="Leden: makelaars, isolatie en kern", en="Members: brokers, isolation and core"),
    "members_by_year": Text(nl="Leden per schooljaar", en="Members per school year"),
    "depth_distribution": Text(nl="Diepte van de banden", en="Depth of the ties"),
    "openness": Text(nl="Open of gesloten", en="Open or closed"),
    "weak_groups": Text(nl="Losse groepjes", en="Weak groups"),
    "shared_members": Text(nl="Gedeelde leden met andere netwerken", en="Members shared with other networks"),
    "expertise_access": Text(nl="Toegang tot expertise", en="Access to expertise"),
    "reach": Text(nl="Bereik", en="Reach"), "reach_by_year": Text(nl="Bereik per schooljaar", en="Reach per school year"),
    "ties": Text(nl="Banden", en="Ties"), "networks": Text(nl="Netwerken", en="Networks"),
    "capital": Text(nl="Professioneel kapitaal", en="Professional capital"),
    "adoptions": Text(nl="Adopties", en="Adoptions"), "adoption_curve": Text(nl="Adoptiecurve", en="Adoption curve"),
    "intervals": Text(nl="Tussenpozen", en="Intervals"),
    "reach_by_board": Text(nl="Bereik per bestuur", en="Reach per board"),
    "reach_by_sector": Text(nl="Bereik per sector", en="Reach per sector"),
    "carriers": Text(nl="Dragers", en="Carriers"), "next_adopters": Text(nl="Volgende scholen", en="Next schools"),
})

ABOUT = Strings({
    "members": Text(nl="Per lid: verbindingen, betweenness, constraint en effectieve omvang, of het een makelaar of "
                       "geïsoleerd is, en zijn k-core tegenover het opgegeven niveau.",
                    en="Per member: ties, betweenness, constraint and effective size, whether it is a broker or "
                       "isolated, and its k-core against the declared level."),
    "members_by_year": Text(nl="Hoeveel leden er per schooljaar bij kwamen, vertrokken en waren.",
                            en="How many members joined, left and took part per school year."),
    "depth_distribution": Text(nl="Hoeveel banden per diepte van interactie (verhalen vertellen tot samenwerken).",
                               en="How many ties per depth of interaction (storytelling to joint work)."),
    "openness": Text(nl="Banden binnen en naar buiten, de E-I-index, dichtheid en clustering van de groep.",
                     en="Ties inside and outside, the E-I index, density and clustering of the group."),
    "weak_groups": Text(nl="Groepjes die alleen onderling of nauwelijks verbonden zijn.",
                        en="Groups tied only among themselves or hardly at all."),
    "shared_members": Text(nl="Andere netwerken met dezelfde leden, en wie dat zijn.",
                           en="Other networks with the same members, and who they are."),
    "expertise_access": Text(nl="Per thema de deskundigen en wie hen niet via vertrouwde banden bereikt.",
                             en="Per topic the experts and who cannot reach them through trusted ties."),
    "reach": Text(nl="Hoeveel actoren, netwerken en organisaties iemand in één en twee stappen bereikt.",
                  en="How many actors, networks and organisations someone reaches in one and two steps."),
    "reach_by_year": Text(nl="Hetzelfde bereik per schooljaar.", en="The same reach per school year."),
    "ties": Text(nl="Iemands banden met diepte, nabijheid, frequentie, sterkte en vertrouwen.",
                 en="Someone's ties with depth, closeness, frequency, strength and trust."),
    "networks": Text(nl="De netwerken waarvan iemand lid is, met niveau, uren en motivatie.",
                     en="The networks someone is a member of, with level, hours and motivation."),
    "capital": Text(nl="Indicatoren van menselijk, sociaal en beslissingskapitaal, met percentielen.",
                    en="Indicators of human, social and decisional capital, with percentiles."),
    "adoptions": Text(nl="Elke adoptie met datum, school, bron en via wie.",
                      en="Every adoption with its date, school, source and through whom."),
    "adoption_curve": Text(nl="Het aantal adopties en scholen in de tijd.", en="Adoptions and schools over time."),
    "intervals": Text(nl="Dagen tussen opeenvolgende adopties.", en="Days between successive adoptions."),
    "reach_by_board": Text(nl="Adopties per schoolbestuur.", en="Adoptions per school board."),
    "reach_by_sector": Text(nl="Adopties per sector.", en="Adoptions per sector."),
    "carriers": Text(nl="Via welke personen en netwerken het artefact zich verspreidde.",
                     en="Through which people and networks the artefact spread."),
    "next_adopters": Text(nl="Scholen die het artefact nog niet gebruiken maar dicht bij een gebruiker staan, en waarom.",
                          en="Schools not yet using the artefact but close to one that does, and why."),
})

# the section of docs/analytics.md that defines each table's measures
FORMULA = {
    "members": "brokers", "members_by_year": "structure-reach-strength-depth",
    "depth_distribution": "structure-reach-strength-depth", "openness": "open-or-closed",
    "weak_groups": "isolates-and-weak-groups", "shared_members": "brokers", "expertise_access": "access-to-expertise",
    "reach": "structure-reach-strength-depth", "reach_by_year": "structure-reach-strength-depth",
    "ties": "structure-reach-strength-depth", "networks": "core-and-periphery", "capital": "professional-capital",
    "adoptions": "diffusion", "adoption_curve": "diffusion", "intervals": "diffusion", "reach_by_board": "diffusion",
    "reach_by_sector": "diffusion", "carriers": "diffusion", "next_adopters": "diffusion",
}

VALUES = Strings({  # coded cell values shown in the page's language
    "person": Text(nl="persoon", en="person"), "artefact": Text(nl="artefact", en="artefact"),
    "network": Text(nl="netwerk", en="network"), "organisation": Text(nl="organisatie", en="organisation"),
    "actor": Text(nl="actor", en="actor"), "core": Text(nl="kern", en="core"),
    "active": Text(nl="actief", en="active"), "periphery": Text(nl="periferie", en="periphery"),
    "peripheral": Text(nl="perifeer", en="peripheral"), "broker": Text(nl="makelaar", en="broker"),
    "human": Text(nl="menselijk", en="human"), "social": Text(nl="sociaal", en="social"),
    "decisional": Text(nl="beslissing", en="decisional"),
    "yes": Text(nl="ja", en="yes"), "no": Text(nl="nee", en="no"),
})
CODED = {"kind", "position", "declared_level", "level", "role", "dimension"}
HIDDEN = {"tie"}  # a tie's own IRI: no name to show (it stays in the CSV)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    tip: str | None


@dataclass(frozen=True)
class Cell:
    text: str
    iri: str | None = None          # a name links to its resource
    sort: str | float = ""          # what the column sorts by
    number: bool = False


@dataclass(frozen=True)
class Shown:
    """A table as the page shows it: title, one sentence, the formula's section, labelled columns
    (IRI columns folded into the names they belong to) and cells in the page's language."""

    name: str
    title: str
    about: str
    formula: str | None
    columns: list[Column]
    rows: list[list[Cell]]


def number(value: float, lang: str) -> str:
    """A number as the page writes it: integers as they are, others with 3 decimals (a decimal comma in Dutch)."""
    if isinstance(value, float):
        text = f"{value:.0f}" if value.is_integer() else f"{value:.3f}"
    else:
        text = str(value)
    return text.replace(".", ",") if lang == "nl" else text


def header(key: str, lang: str) -> str:
    return HEADERS.get(key, lang, key.replace("_", " "))


def _folded(headers: list[str]) -> dict[int, int]:
    """Index of an IRI column -> index of the name column it belongs to (`iri` before it, `x_iri` to `x`)."""
    out = {}
    for i, h in enumerate(headers):
        if h == "iri" and i + 1 < len(headers):
            out[i] = i + 1
        elif h.endswith("_iri") and h[:-4] in headers:
            out[i] = headers.index(h[:-4])
    return out


def cell(key: str, value: Any, lang: str, iri: str | None = None) -> Cell:
    if isinstance(value, bool):
        return Cell(VALUES("yes" if value else "no", lang), sort=int(value))
    if isinstance(value, (int, float)):
        return Cell(number(value, lang), sort=float(value), number=True)
    if value is None or value == "":
        return Cell("–" if value is None else "", sort="")
    text = str(value)
    if key in CODED:
        text = VALUES.get(text, lang, text)
    return Cell(text, iri=iri, sort=text.casefold())


def shown(name: str, table: Table, lang: str) -> Shown:
    headers, rows = table
    fold = _folded(headers)
    keep = [i for i, h in enumerate(headers) if i not in fold and h not in HIDDEN]
    iri_of = {target: source for source, target in fold.items()}
    columns = [Column(headers[i], header(headers[i], lang), TIPS(headers[i], lang) if headers[i] in TIPS else None) for i in keep]
    out = [[cell(headers[i], r[i], lang, (r[iri_of[i]] or None) if i in iri_of else None) for i in keep] for r in rows]
    return Shown(name, TITLES.get(name, lang, name.replace("_", " ")), ABOUT.get(name, lang, ""),
                 FORMULA.get(name), columns, out)


def to_labelled_csv(table: Table, lang: str) -> str:
    """The table as CSV with the page's column labels and yes/no in its language (the IRIs stay,
    labelled "... (IRI)"); numbers as numbers; formulas neutralised as in `to_csv`."""
    headers, rows = table
    fold = _folded(headers)
    labels = [f"{header(headers[fold[i]], lang)} (IRI)" if i in fold else
              ("IRI" if h in HIDDEN else header(h, lang)) for i, h in enumerate(headers)]
    body = [[VALUES("yes" if v else "no", lang) if isinstance(v, bool) else
             VALUES.get(v, lang, v) if headers[j] in CODED and isinstance(v, str) else v
             for j, v in enumerate(r)] for r in rows]
    return csv_text([labels, *body])
