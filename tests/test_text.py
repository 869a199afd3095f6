"""One way to speak two languages (kg.text): a Text is Dutch and English by keyword, a lookup with an
unknown key or language raises."""

from __future__ import annotations

import pytest

from kg.text import BilingualError, Strings, Text

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
