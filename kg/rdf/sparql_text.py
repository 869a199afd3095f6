"""SPARQL query text: one tokenizer for every reader of it, and `bind()` for stores that take text only.

- `tokens(text)`: the significant tokens (no blanks or comments) by the SPARQL 1.1 grammar's
  terminals: strings (all four quotings), IRIs (with `\\u` escapes), variables, blank node
  labels, prefixed names (with `\\#`-style escapes), numbers, language tags, words and single
  characters. `<` is read as an IRI unless an operand has just ended inside parentheses (then
  it is "less than": `FILTER(?a<?b)`). Used by the endpoint's guard (kg.sparql.guard), the SHACL
  compiler (kg.shacl.compiled) and `bind()`.
- `bind(text, bindings)`: the query with values bound as `VALUES` blocks in every group graph
  pattern where a variable is in scope, as pyoxigraph's `substitutions` bind it. The SPARQL
  protocol has no parameter binding and pasting values into query text is how injection happens;
  the values are RDF terms serialised by pyoxigraph and never become query syntax
  (tests/test_remote_bind.py runs every named query both ways).
- `inline(text, bindings)`: the query with bound values written where the outermost WHERE reads
  them, for Oxigraph's optimiser, which plans `substitutions` as unbound variables (the caller
  still passes the substitutions; tests/test_inline.py runs every named query both ways).
- `with_values(text, bindings)`: both, for a query that must travel as text alone (the SPARQL
  worker of the web app).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

# --- the grammar's terminals ------------------------------------------------------------------
_PN_CHARS_BASE = (
    "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_IRI = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_TOKEN = re.compile(
    rf"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:''|')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:\"\"|\")?(?:[^"\\]|\\.))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)
  | (?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# A character that may continue a variable name (VARNAME).
VARNAME_CHAR = re.compile(f"[{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]")
# After these, an operand is expected, so `<` can only start an IRI.
_EXPECTS_OPERAND = set("(,{}.;=!<>&|+-*/^[")


@dataclass(frozen=True)
class Token:
    """A significant token: its kind (iri, string, var, bnode, pname, number, langtag, word,
    other), its text as written and where it starts in the query."""

    kind: str
    text: str
    pos: int


def tokens(text: str) -> list[Token]:
    """Significant tokens (no blanks or comments). `<` is read as an IRI unless an
    operand has just ended inside parentheses (then it is "less than")."""
    out: list[Token] = []
    brackets: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "<":
            m = _IRI.match(text, pos)
            prev = out[-1] if out else None
            operator = prev is not None and brackets[-1:] == ["("] and not (
                prev.kind == "other" and prev.text in _EXPECTS_OPERAND
            ) and not (prev.kind == "word" and prev.text.upper() in ("FROM", "NAMED", "PREFIX", "BASE"))
            if m and not operator:
                out.append(Token("iri", m.group(), pos))
                pos = m.end()
                continue
            out.append(Token("other", "<", pos))
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), pos))
            if kind == "other" and m.group() in "({[":
                brackets.append(m.group())
            elif kind == "other" and m.group() in ")}]" and brackets:
                brackets.pop()
        pos = m.end()
    return out


def is_word(tok: Token | None, *words: str) -> bool:
    """Whether `tok` is one of the keywords `words` (upper case; SPARQL keywords ignore case)."""
    return tok is not None and tok.kind == "word" and tok.text.upper() in words


# --- bound parameters as VALUES in every group ------------------------------------------

Term = ox.NamedNode | ox.Literal
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def bind(text: str, bindings: Mapping[str, Term | Sequence[Term]] | None, update: bool = False) -> str:
    """`text` with each variable of `bindings` bound to its value in every group graph
    pattern where that variable is in scope, as pyoxigraph's `substitutions` bind it: a
    subquery that does not project a variable has its own variable of that name. A list of
    values binds the variable to each in turn (one solution per value; none for an empty
    list). Works on SPARQL Update text too: INSERT/DELETE templates are left alone, and with
    `update` single values are bound by BIND (Virtuoso 7.2 fails on a template variable bound
    by VALUES: "string_output_string needs a string output"). Raises
    ValueError for values VALUES cannot hold (blank nodes) and for query shapes it cannot
    bind (CONSTRUCT WHERE short form)."""
    if not bindings:
        return text
    for name, value in bindings.items():
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if not isinstance(v, (ox.NamedNode, ox.Literal)):
                raise ValueError(f"?{name}: only IRIs and literals can be bound, not {v!r}")

    def block(names: set[str]) -> str:
        one = sorted(n for n in names if not isinstance(bindings[n], (list, tuple)))
        if update:
            out = " " + "".join("BIND(" + str(bindings[n]) + " AS ?" + n + ") " for n in one)
        else:
            out = (" VALUES (" + " ".join(f"?{n}" for n in one) + ") { ("
                   + " ".join(str(bindings[n]) for n in one) + ") } ") if one else " "
        for n in sorted(set(names) - set(one)):
            out += "VALUES ?" + n + " { " + " ".join(str(v) for v in bindings[n]) + " } "
        return out

    toks = tokens(text)
    edits: list[tuple[int, str]] = []  # (position, text to insert there)
    scopes: list[set[str] | None] = []  # per open brace: names in scope (None: not a group)
    pending: set[str] | None = None  # projection of a subquery whose WHERE brace comes next
    for i, t in enumerate(toks):
        if t.kind == "word" and t.text.upper() == "SELECT" and any(s is not None for s in scopes):
            pending = _projection(toks, i, set(bindings))
        if t.kind != "other" or t.text not in "{}":
            continue
        if t.text == "}":
            if scopes:
                scopes.pop()
            continue
        if (scopes and scopes[-1] is None) or not _opens_group(toks, i):
            scopes.append(None)  # a template or a VALUES block, or a brace inside one
            continue
        outer = next((s for s in reversed(scopes) if s is not None), set(bindings))
        names = outer & pending if pending is not None else outer
        pending = None
        scopes.append(names)
        if not names:
            continue
        if is_word(toks[i + 1] if i + 1 < len(toks) else None, "SELECT"):
            # `{ SELECT ... }` may hold nothing but the subquery: wrap it as
            # `{ VALUES ... { SELECT ... } }` so the values are bound at this level too.
            edits.append((t.pos + 1, block(names) + "{ "))
            edits.append((toks[_closing(toks, i)].pos, " } "))
        else:
            edits.append((t.pos + 1, block(names)))
    out, last = [], 0
    for pos, insert in sorted(edits, key=lambda e: e[0]):
        out.append(text[last:pos])
        out.append(insert)
        last = pos
    out.append(text[last:])
    return "".join(out)


def _projection(toks: list[Token], i: int, names: set[str]) -> set[str]:
    """Which of `names` the SELECT at toks[i] projects (all for SELECT *)."""
    found: set[str] = set()
    depth = 0
    for j in range(i + 1, len(toks)):
        t = toks[j]
        if t.kind == "other" and t.text == "{" or is_word(t, "WHERE", "FROM"):
            break
        if t.kind == "other" and t.text == "*" and depth == 0:
            return set(names)
        if t.kind == "other" and t.text == "(":
            depth += 1
        elif t.kind == "other" and t.text == ")":
            depth -= 1
        elif t.kind == "var" and (depth == 0 or is_word(toks[j - 1], "AS")):
            found.add(t.text[1:])
    return found & names


def _closing(toks: list[Token], i: int) -> int:
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].kind == "other" and toks[j].text in "{}":
            depth += 1 if toks[j].text == "{" else -1
            if depth == 0:
                return j
    raise ValueError("unbalanced braces in the query")


def _opens_group(toks: list[Token], i: int) -> bool:
    """Whether the `{` at toks[i] opens a group graph pattern (not a CONSTRUCT, INSERT or
    DELETE template or a VALUES data block)."""
    prev = toks[i - 1] if i > 0 else None
    if is_word(prev, "CONSTRUCT", "INSERT", "DELETE", "DATA"):
        return False
    if is_word(prev, "WHERE") and i > 1 and is_word(toks[i - 2], "CONSTRUCT"):
        raise ValueError("parameters cannot be bound in the CONSTRUCT WHERE { } short form")
    if prev is not None and prev.kind == "var" and i > 1 and is_word(toks[i - 2], "VALUES"):
        return False
    if prev is not None and prev.kind == "other" and prev.text == ")":
        depth = 0
        for j in range(i - 1, -1, -1):
            if toks[j].kind == "other" and toks[j].text == ")":
                depth += 1
            elif toks[j].kind == "other" and toks[j].text == "(":
                depth -= 1
                if depth == 0:
                    if j > 0 and is_word(toks[j - 1], "VALUES"):
                        return False
                    break
    return True


# --- bound values written where the outermost query reads them ------------------------------

def inline(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None,
           strings: bool = True) -> str:
    """`text` with each variable of `bindings` written as its value in the triple patterns of
    the outermost query's WHERE clause, so that Oxigraph plans with the constant: its
    optimiser plans `substitutions` as if the variable were unbound, and may start a join
    from a store-wide pattern (`agreements-of` for one person nationally: 531 ms, 32 ms
    inlined).

    An IRI or a string is also written into the expressions and MINUS there (`FILTER(?other !=
    ?actor)`, `BIND(?actor AS ?node)`, `LANG(?label) = ?lang`); another literal is not (Oxigraph
    folds constant date arithmetic differently: `expiring-intents` lost rows), and then neither
    are its patterns. `strings=False` leaves strings out of expressions as well: Virtuoso 7.2's
    compiler overflowed its stack on `LANG(?label) = "nl"` in nested OPTIONALs. See
    `_inline_spans` for what is never written. The caller still passes the same values as
    `substitutions` (`still_read` says which the text still reads; pyoxigraph refuses one it
    does not): they keep binding the variable in the projection, GROUP BY / ORDER BY and
    CONSTRUCT templates. Blank nodes are not written (in a query they are variables).
    The values are RDF terms serialised by pyoxigraph (an IRI cannot hold `>`, a literal's
    quotes are escaped), so no value becomes query syntax."""
    # "written into expressions too": IRIs and strings; other literals only into patterns
    iris = frozenset(n for n, v in (bindings or {}).items() if isinstance(v, ox.NamedNode) or (
        strings and isinstance(v, ox.Literal) and (v.language or v.datatype.value == _XSD_STRING)))
    literals = frozenset(n for n, v in (bindings or {}).items() if isinstance(v, ox.Literal)) - iris
    if not iris and not literals:
        return text
    out, last = [], 0
    for start, end, name in _inline_spans(text, iris, literals):
        out.append(text[last:start])
        out.append(str(bindings[name]))  # type: ignore[index]
        last = end
    out.append(text[last:])
    return "".join(out)


def with_values(text: str, bindings: Mapping[str, Term], strings: bool = True) -> str:
    """`text` holding its bound values: written by `inline` where that plans better; bound by
    `bind` (VALUES in every group) where the WHERE clause still reads the variable (a date's
    expression); and by one VALUES at the top of the WHERE clause where only the projection or
    ORDER BY does (VALUES in every group made Oxigraph evaluate each OPTIONAL on its own, over
    the whole store). `strings`: as for `inline`."""
    written = inline(text, bindings, strings)
    kept = still_read(written, bindings)
    toks = list(_tokens(written))
    try:
        where = _outer_group(toks)
    except ValueError:  # the CONSTRUCT WHERE short form: bind() says why it cannot
        where = None
    if where is None:
        return bind(written, {k: v for k, v in bindings.items() if k in kept})
    end = _closing(toks, where)
    inside = {t.text[1:] for t in toks[where:end] if t.kind == "var"} & kept
    top = sorted(kept - inside)
    written = bind(written, {k: bindings[k] for k in inside})
    if not top:
        return written
    at = written.index("{", toks[where].pos)  # bind() inserts after braces, never before this one
    block = " VALUES (" + " ".join("?" + k for k in top) + ") { (" + " ".join(str(bindings[k]) for k in top) + ") } "
    return written[:at + 1] + block + written[at + 1:]


def _outer_group(toks: list[Token]) -> int | None:
    """The index of the brace that opens the outermost WHERE clause (a CONSTRUCT template's is skipped)."""
    depth = 0
    for i, t in enumerate(toks):
        if t.kind == "other" and t.text == "{":
            if depth == 0 and _opens_group(toks, i):
                return i
            depth += 1
        elif t.kind == "other" and t.text == "}":
            depth -= 1
    return None


def still_read(text: str, names: Iterable[str]) -> set[str]:
    """Which of `names` the query `text` still reads as variables."""
    return {t.text[1:] for t in _tokens(text) if t.kind == "var"} & set(names)


@functools.lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(tokens(text))


@dataclass
class _Frame:
    """An open brace while `inline` reads a query: the names written in its triple patterns,
    the names that are another variable here (a subquery that does not project them), the
    names a subquery projects (`header`: between `{ SELECT` and its WHERE's brace) and the
    parentheses open in it."""

    written: frozenset[str]
    shadowed: frozenset[str]
    header: frozenset[str] | None = None
    parens: int = 0


@functools.lru_cache(maxsize=256)
def _inline_spans(text: str, iris: frozenset[str], literals: frozenset[str]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, name) of each variable `inline` writes: a name of `iris` (IRIs, and strings
    unless `inline(strings=False)`) or `literals` (the other literals) in a triple pattern of the
    outermost WHERE clause or of a subquery that projects it, and a name of `iris` in an
    expression or a MINUS there. A name read anywhere else inside the WHERE
    clause (`BOUND`, a `BIND` target, VALUES, a subquery's aggregate, a literal's expression)
    is not written at all: the substitution's value joins at the top, so a pattern that no
    longer binds the variable would change what such a place sees. Memoised: named queries
    are few and run often."""
    names = iris | literals
    toks = list(_tokens(text))
    spans: list[tuple[int, int, str]] = []
    blocked: set[str] = set()
    frames: list[_Frame] = []
    for i, t in enumerate(toks):
        top = frames[-1] if frames else None
        if t.kind == "other" and t.text in "()" and top is not None:
            top.parens += 1 if t.text == "(" else -1
        elif t.kind == "other" and t.text == "}":
            if frames:
                frames.pop()
        elif t.kind == "other" and t.text == "{":
            try:
                group = _opens_group(toks, i)
            except ValueError:  # the CONSTRUCT WHERE short form: leave the query as it is
                return ()
            prev = toks[i - 1] if i else None
            if top is None:
                frames.append(_Frame(names if group else frozenset(), frozenset() if group else names))
            elif is_word(toks[i + 1] if i + 1 < len(toks) else None, "SELECT"):
                projected = _projection(toks, i + 1, set(names)) - top.shadowed
                frames.append(_Frame(frozenset(), top.shadowed, header=frozenset(projected)))
            elif top.header is not None:  # the subquery's WHERE
                outer = frames[-2] if len(frames) > 1 else top
                frames.append(_Frame(outer.written & top.header, top.shadowed | (names - top.header)))
            elif not group:
                frames.append(_Frame(frozenset(), top.shadowed))
            elif is_word(prev, "MINUS"):
                frames.append(_Frame(top.written & iris, top.shadowed))
            else:
                frames.append(_Frame(top.written, top.shadowed))
        elif t.kind == "var" and t.text[1:] in names and top is not None:
            name = t.text[1:]
            if top.header is not None:
                if name in top.header and top.parens:
                    blocked.add(name)  # read by the subquery's own expressions
            elif name in top.shadowed:
                continue
            elif (name in top.written and (not top.parens or name in iris)
                  and not is_word(toks[i - 1], "AS", "VALUES")
                  and not (toks[i - 1].text == "(" and is_word(toks[i - 2], "BOUND"))):
                spans.append((t.pos, t.pos + len(t.text), name))
            else:
                blocked.add(name)
    return tuple(s for s in spans if s[2] not in blocked)
