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
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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
