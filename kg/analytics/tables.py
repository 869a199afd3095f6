"""The tables of an analysis (CSV exports, `kg analyse --format table|csv`), from its JSON.

`tables(result)` -> {name: (headers, rows)}; every actor cell is its label, with the IRI in a
column of its own where the row is about an actor. Names per kind are in TABLES.
"""

from __future__ import annotations

from typing import Any

from kg.analytics.capital import DIMENSIONS
from kg.sheets import csv_text

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
