"""Refuse dangerous SPARQL before anything runs.

The endpoint is read-only and must never make the server fetch anything:
pyoxigraph executes `SERVICE` over HTTP and cannot switch it off from Python
(pyoxigraph 0.5). Every query text is checked here first, and the text
that runs is exactly the text the client sent: the guard never rewrites it.

How the checks are made, and why they are built this way:

- **Codepoint escapes.** SPARQL 1.1 (section 19.2) undoes `\\uXXXX` /
  `\\UXXXXXXXX` in the whole query before parsing, so `\\u0053ERVICE` is
  `SERVICE`. The checks read the text both as sent and with them undone, and
  the text *as sent* runs (Oxigraph reads `'\\\\u0041'` as a string holding a
  backslash, which an unescaped copy would turn into a syntax error).
- **SERVICE is found without trusting a tokenizer.** Oxigraph's parser is a
  PEG parser: keywords need no word boundary (`SERVICESILENT<x>{}` and
  `trueSERVICE<x>{}` parse), and whether `<` starts an IRI or means
  "less than" depends on the context (`FILTER(?a<'x>') SERVICE ... #'` hides
  the SERVICE from a tokenizer that reads `<'x>` as an IRI). So the
  executable shape is searched in the raw text at every position: the letters
  SERVICE (any case), optional SILENT, a variable, IRI or prefixed name, and
  a `{`, with only whitespace or comments in between. That is a superset of
  what Oxigraph's grammar accepts as a SERVICE pattern, so nothing it would
  run can pass; the price is a rare refusal of a comment or string that
  spells out such a pattern. Letters inside a prefixed name's local part
  (`ex:service1`, `:myService`) are not the keyword: a local name is read
  greedily from its colon, so Oxigraph never splits a keyword off it (tested
  against Oxigraph, which runs `service:x {...}` as SERVICE but not
  `ex:SERVICE <x> {...}`).
- **Updates and LOAD** cannot run at all (the endpoint calls
  `Store.query`, which parses queries only); they are refused here so the
  client gets a clear message instead of a syntax error.
- **FROM / FROM NAMED** must name graphs of the caller's view. The dataset is
  read with the tokenizer that follows the SPARQL grammar (kg.rdf.sparql_text:
  comments, strings, IRIs with `\\u` escapes, prefixed names with `\\#`-style escapes); the
  caller then passes the resulting graph lists to the store explicitly, which
  overrides whatever the query names, so a misread FROM can change a result
  but never widen what is visible. Keywords glued to FROM (`ASKFROM<g>`) are
  refused because Oxigraph would read them as FROM.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from kg.rdf.sparql_text import VARNAME_CHAR, Token, tokens
from kg.text import BilingualError, Text

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# Oxigraph's whitespace rule `_`: ASCII blanks and `#` comments (possessive: no backtracking).
_WS = r"(?:[ \t\r\n]++|\#[^\r\n]*+)*+"
# A variable or prefixed name: no blanks, braces, comment start, IRI brackets, quotes,
# parentheses or separators, except as `\x` escapes (PN_LOCAL_ESC). IRIs: `<` anything `>`.
_NAME = r"(?:<[^>]*+>|(?:[^ \t\r\n{}#<>\\\"'(),;]|\\.)++)"
_SERVICE_SHAPE = re.compile(r"SERVICE" + _WS + r"(?:SILENT" + _WS + r")?" + _NAME + _WS + r"\{", re.IGNORECASE)

FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
UPDATE_KEYWORDS = ("INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")


class QueryRefused(BilingualError):
    """The query is not allowed here; `code` names the reason, `text` says it to people."""

    def __init__(self, code: str, text: Text):
        super().__init__(text)
        self.code = code


@dataclass(frozen=True)
class CheckedQuery:
    """A query that may run: the text to run and what the guard read from it."""

    text: str
    form: str | None  # "select", "ask", "graph" (CONSTRUCT/DESCRIBE) or None if unclear
    default_graphs: tuple[str, ...] | None  # FROM graphs; None when the query names no dataset
    named_graphs: tuple[str, ...] | None  # FROM NAMED graphs; None when the query names no dataset


def unescape(text: str) -> str:
    """Undo SPARQL codepoint escapes (SPARQL 1.1, section 19.2); QueryRefused if one is invalid."""
    return _ESCAPE.sub(_safe_chr, text)


def _safe_chr(m: re.Match) -> str:
    code = int(m.group(1) or m.group(2), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise QueryRefused("escape", Text(nl=f"ongeldige codepoint-escape {m.group(0)!r}",
                                          en=f"invalid codepoint escape {m.group(0)!r}"))
    return chr(code)


def check_query(text: str, allowed_graphs: Iterable[str]) -> CheckedQuery:
    """The query as sent, with what the guard read from it, if it may run; QueryRefused otherwise.
    Every check reads the unescaped text (SPARQL 1.1, section 19.2); SERVICE is also looked for in
    the text as sent."""
    sent = text
    text = unescape(text)
    if has_service(text) or has_service(sent):
        raise QueryRefused("service", Text(nl="SERVICE (gefedereerde queries) is op dit endpoint niet toegestaan",
                                           en="SERVICE (federated queries) is not allowed on this endpoint"))
    allowed = set(allowed_graphs)
    toks = tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    form: str | None = None
    default: list[str] = []
    named: list[str] = []
    dataset = False
    i = 0
    while i < len(toks):
        t = toks[i]
        word = t.text.upper() if t.kind == "word" else ""
        if t.kind == "pname":
            _check_glued(t.text.partition(":")[0].upper(), t.text, pname=True)
        if not word:
            i += 1
            continue
        _check_glued(word, t.text)
        if word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text[:-1]] = _iri_value(toks[i + 2].text, base)
            i += 3
            continue
        if word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = _iri_value(toks[i + 1].text, base)
            i += 2
            continue
        if form is None:
            form = next((f for kw, f in FORMS.items() if word.startswith(kw)), "")
            if not form and any(word.startswith(kw) for kw in UPDATE_KEYWORDS + ("LOAD",)):
                _refuse_update(word)
        if word == "LOAD" or word in UPDATE_KEYWORDS:
            _refuse_update(word)
        if word == "FROM":
            dataset = True
            j = i + 1
            target = default
            if j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "NAMED":
                target = named
                j += 1
            tok = toks[j] if j < len(toks) else None
            if tok is not None and tok.kind == "pname":
                _check_glued(tok.text.partition(":")[0].upper(), tok.text, pname=True)
            graph = _graph_iri(tok, prefixes, base)
            if graph is None or graph not in allowed:
                shown = f"<{graph}>" if graph else (tok.text if tok else "")
                listed = ", ".join(f"<{g}>" for g in sorted(allowed)) or "-"
                raise QueryRefused(
                    "from",
                    Text(nl=f"FROM {shown} is geen graaf van deze dataset; toegestaan: {listed}",
                         en=f"FROM {shown} is not a graph of this dataset; allowed: {listed}"),
                )
            target.append(graph)
            i = j + 1
            continue
        i += 1
    return CheckedQuery(
        text=sent,
        form=form or None,
        default_graphs=tuple(default) if dataset else None,
        named_graphs=tuple(named) if dataset else None,
    )


def has_service(text: str) -> bool:
    """True if Oxigraph could read a SERVICE pattern anywhere in `text`. Letters that end a
    variable name (`?service`) or the local part of a prefixed name (`ex:service1`) are
    skipped: both are read greedily, so they never hold a keyword. Matches are tried at every
    position, so one cannot hide another."""
    pos = 0
    while m := _SERVICE_SHAPE.search(text, pos):
        start = m.start()
        while start > 0 and VARNAME_CHAR.match(text[start - 1]):
            start -= 1
        in_variable = start > 0 and text[start - 1] in "?$" and start < m.start() + 1
        if not (in_variable or _in_local_name(text, m.start())):
            return True
        pos = m.start() + 1
    return False


def _in_local_name(text: str, at: int) -> bool:
    """True if position `at` continues a prefixed name's local part (or a blank node label): only
    name characters (no `.`, which cannot end a local name) back to a colon."""
    i = at
    while i > 0 and (VARNAME_CHAR.match(text[i - 1]) or text[i - 1] == "-"):
        i -= 1
    return i > 0 and text[i - 1] == ":"


def _check_glued(word: str, shown: str, pname: bool = False) -> None:
    """Refuse words (or prefixes of prefixed names) that Oxigraph could split into a
    guarded keyword plus something: it needs no word boundary after a keyword."""
    if "SERVICE" in word and not pname:
        raise QueryRefused("service", Text(nl=f"SERVICE is op dit endpoint niet toegestaan (gevonden: {shown!r})",
                                           en=f"SERVICE is not allowed on this endpoint (found {shown!r})"))
    for kw in ("FROM", "NAMED"):
        if kw in word and (word != kw or pname):
            raise QueryRefused("glued", Text(nl=f"zet een spatie rond {kw} (gevonden: {shown!r})",
                                             en=f"write a space around {kw} (found {shown!r})"))


def _refuse_update(word: str) -> None:
    kw = next((k for k in ("LOAD",) + UPDATE_KEYWORDS if word.startswith(k)), word)
    if kw == "LOAD":
        raise QueryRefused("update", Text(nl="LOAD is niet toegestaan: het endpoint is alleen-lezen",
                                          en="LOAD is not allowed: the endpoint is read-only"))
    raise QueryRefused("update", Text(
        nl=f"{kw} is een wijziging: dit endpoint is alleen-lezen (SPARQL Update wordt niet aangeboden)",
        en=f"{kw} is an update: this endpoint is read-only (SPARQL Update is not offered)"))


def _iri_value(token: str, base: str) -> str:
    iri = unescape(token[1:-1])
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri) or not base:
        return iri
    return urljoin(base, iri)


def _graph_iri(tok: Token | None, prefixes: dict[str, str], base: str) -> str | None:
    if tok is None:
        return None
    if tok.kind == "iri":
        return _iri_value(tok.text, base)
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        ns = prefixes.get(prefix)
        return ns + re.sub(r"\\(.)", r"\1", local) if ns is not None else None
    return None
