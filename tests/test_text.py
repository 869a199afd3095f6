"""One way to speak two languages (kg.text): a Text is Dutch and English by keyword, a lookup with an
unknown key or language raises, and every table of texts in kg/ and web/ is complete in both
languages and declared as a Strings table; every key a template or module looks up literally exists."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from string import Formatter
from types import ModuleType

import pytest
from conftest import ROOT

from kg.text import LANGS, BilingualError, Strings, Text

TABLE = Strings({"hello": Text(nl="Hallo {name}", en="Hello {name}"), "bye": Text(nl="Dag", en="Bye")})


def test_a_text_is_dutch_and_english_by_keyword_only() -> None:
    text = Text(nl="Zoeken", en="Search")
    assert (text["nl"], text["en"]) == ("Zoeken", "Search") == (text.nl, text.en)
    assert text.both() == {"nl": "Zoeken", "en": "Search"}
    with pytest.raises(TypeError):
        Text("Zoeken", "Search")  # a pair by position could be swapped
    with pytest.raises(TypeError):
        Text(nl="Zoeken")  # never only one language


@pytest.mark.parametrize("lang", ["de", "NL", "", None, "nl-NL"])
def test_a_lookup_in_another_language_raises(lang) -> None:
    with pytest.raises(KeyError):
        Text(nl="Zoeken", en="Search")[lang]
    with pytest.raises(KeyError):
        TABLE("bye", lang)
    with pytest.raises(KeyError):
        TABLE.get("no such key", lang, "default")  # the default stands in for the key, never for the language


def test_a_lookup_of_an_unknown_key_raises() -> None:
    with pytest.raises(KeyError, match="goodbye"):
        TABLE("goodbye", "nl")
    with pytest.raises(KeyError):
        TABLE["goodbye"]
    with pytest.raises(KeyError):
        TABLE.text("goodbye")
    assert TABLE.get("goodbye", "en", "goodbye") == "goodbye"  # only where the caller says what to show


def test_format_fills_each_language_and_a_text_value_in_its_own_language() -> None:
    assert TABLE("hello", "nl", name="Ans") == "Hallo Ans"
    assert TABLE("hello", "en", name="Ans") == "Hello Ans"
    assert TABLE.text("hello", name=Text(nl="iedereen", en="everyone")) == Text(nl="Hallo iedereen",
                                                                                en="Hello everyone")
    assert TABLE("hello", "nl") == "Hallo {name}"  # without values a text is shown as written (web's t())


def test_a_table_refuses_a_key_twice_and_anything_but_a_text() -> None:
    table = Strings({"a": Text(nl="a", en="a")})
    with pytest.raises(KeyError):
        table.add({"a": Text(nl="b", en="b")})
    with pytest.raises(TypeError):
        table.add({"b": {"nl": "b", "en": "b"}})
    with pytest.raises(TypeError):
        table.add({"c": ("c", "c")})
    assert list(table) == ["a"] and table("a", "en") == "a"


def test_an_error_in_two_languages_needs_a_text() -> None:
    e = BilingualError(Text(nl="kapot", en="broken"))
    assert (str(e), e.nl, e.en, e.message("nl")) == ("broken", "kapot", "broken", "kapot")
    with pytest.raises(KeyError):
        e.message("de")
    with pytest.raises(TypeError):
        BilingualError("kapot", "broken")
    with pytest.raises(TypeError):
        BilingualError("broken")


# --- every table in the code ------------------------------------------------------------------

def _modules() -> Iterator[ModuleType]:
    for top in ("kg", "web"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":  # running it is what importing it does
                continue
            yield importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))


def _fields(text: str) -> set[str]:
    """The {names} of a text, a bilingual parameter's suffix left off ({why_nl} and {why_en} are one)."""
    names = {name for _, name, _, _ in Formatter().parse(text) if name}
    return {re.sub(r"_(nl|en)$", "", name) for name in names}


def _texts() -> Iterator[tuple[str, Text]]:
    seen: set[int] = set()
    for module in _modules():
        for attr, value in vars(module).items():
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, Text):
                yield f"{module.__name__}.{attr}", value
            elif isinstance(value, Strings):
                for key, text in value.items():
                    yield f"{module.__name__}.{attr}[{key!r}]", text


def test_every_text_reads_in_dutch_and_english_with_the_same_values() -> None:
    texts = list(_texts())
    assert len(texts) > 550  # the tables of kg/ and web/ (about 620 texts), not an empty search
    for where, text in texts:
        assert isinstance(text.nl, str) and text.nl.strip(), where
        assert isinstance(text.en, str) and text.en.strip(), where
        assert _fields(text.nl) == _fields(text.en), where


def test_tables_of_texts_are_strings_tables() -> None:
    """A dict of Texts would look up an unknown key without saying which table; declare it with Strings."""
    loose = [f"{module.__name__}.{attr}" for module in _modules() for attr, value in vars(module).items()
             if isinstance(value, dict) and value and all(isinstance(v, Text) for v in value.values())]
    assert not loose
    nested = [f"{module.__name__}.{attr}" for module in _modules() for attr, value in vars(module).items()
              if isinstance(value, dict) and value
              and all(isinstance(v, dict) and set(v) == set(LANGS) for v in value.values())]
    assert not nested, "a table of {'nl', 'en'} dicts: use Strings and Text"


def _literal_lookups(module: ModuleType) -> Iterator[tuple[str, Strings, object]]:
    """(where, table, key) for each lookup with a literal key: TABLE(key, ...), TABLE.text(key, ...),
    TABLE.get(key, ...), TABLE[key], and the web's t(key) / both(key)."""
    i18n = importlib.import_module("web.i18n")
    path = Path(module.__file__ or "")
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def resolve(node: ast.expr) -> object:
        if isinstance(node, ast.Name):
            return vars(module).get(node.id)
        if isinstance(node, ast.Attribute):
            owner = resolve(node.value)
            return getattr(owner, node.attr, None) if isinstance(owner, ModuleType) else None
        return None

    for node in ast.walk(tree):
        target, key = None, None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            key = node.args[0].value
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("text", "get"):
                func = func.value
            target = resolve(func)
            if target in (i18n.t, i18n.both):
                target = i18n.STRINGS
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            target, key = resolve(node.value), node.slice.value
        if isinstance(target, Strings):
            yield f"{path.relative_to(ROOT)}:{node.lineno}", target, key


def test_every_key_looked_up_literally_is_in_its_table() -> None:
    found = [(where, key) for module in _modules() for where, table, key in _literal_lookups(module)
             if key not in table]
    assert not found
    checked = sum(1 for module in _modules() for _ in _literal_lookups(module))
    assert checked > 80  # the reports, pictures, CLI and web look up about a hundred keys literally


def test_every_key_a_template_asks_for_is_a_web_string() -> None:
    strings = importlib.import_module("web").i18n.STRINGS  # with every blueprint's strings added
    asked = {(path.name, key) for path in (ROOT / "web" / "templates").glob("*.html")
             for key in re.findall(r"""\bt\(\s*['"]([\w-]+)['"]\s*\)""", path.read_text(encoding="utf-8"))}
    assert len(asked) > 250  # about 290 (template, key) pairs
    assert not sorted((name, key) for name, key in asked if key not in strings)
