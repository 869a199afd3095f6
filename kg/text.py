"""Text in Dutch and English: `Text` holds one text in both, `Strings` is a table of them.

Everything the project says to people (command line, reports, pictures, web pages, error
messages) is a `Text(nl=..., en=...)`: keyword-only, so the two languages cannot be swapped, and
complete by construction. Looking up a language other than "nl" or "en", or a key a table does
not hold, raises: there is no silent fallback. Where a name comes from data and a table may not
know it (a kind, a step), the caller gives the default itself (`Strings.get`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

LANGS: tuple[str, ...] = ("nl", "en")

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, kw_only=True, slots=True)
class Text:
    """One text in Dutch and English; `text[lang]` is the one in "nl" or "en"."""

    nl: str
    en: str

    def __getitem__(self, lang: str) -> str:
        if lang == "nl":
            return self.nl
        if lang == "en":
            return self.en
        raise KeyError(f"no language {lang!r}: a Text is in {' and '.join(LANGS)}")

    def format(self, **values: object) -> Text:
        """Both languages with their {name}s filled in; a Text value gives each language its own."""
        return Text(nl=self.nl.format(**_in(values, "nl")), en=self.en.format(**_in(values, "en")))

    def both(self) -> dict[str, str]:
        """{"nl": ..., "en": ...}: how a message reads in JSON."""
        return {"nl": self.nl, "en": self.en}


def _in(values: Mapping[str, object], lang: str) -> dict[str, object]:
    return {k: v[lang] if isinstance(v, Text) else v for k, v in values.items()}


class Strings(Generic[K]):
    """A table of texts by key. `table(key, lang, **values)` is the string, `table.text(key, **values)`
    the Text (with values, their {name}s filled in). An unknown key or language raises."""

    def __init__(self, texts: Mapping[K, Text]) -> None:
        self._texts: dict[K, Text] = {}
        self.add(texts)

    def add(self, texts: Mapping[K, Text]) -> None:
        """More texts (a web module adds its own to the web's table); a key already there raises."""
        for key, text in texts.items():
            if not isinstance(text, Text):
                raise TypeError(f"{key!r}: {text!r} is not a Text")
            if key in self._texts:
                raise KeyError(f"{key!r} is already in the table")
            self._texts[key] = text

    def __getitem__(self, key: K) -> Text:
        try:
            return self._texts[key]
        except KeyError:
            raise KeyError(f"no text {key!r} in the table") from None

    def __call__(self, key: K, lang: str, **values: object) -> str:
        return self.text(key, **values)[lang]

    def text(self, key: K, **values: object) -> Text:
        text = self[key]
        return text.format(**values) if values else text

    def get(self, key: K, lang: str, default: str) -> str:
        """The key's text in `lang`, or `default` when the table has no such key (a name from data);
        an unknown language raises either way."""
        return self._texts.get(key, Text(nl=default, en=default))[lang]

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def __iter__(self) -> Iterator[K]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def items(self) -> Iterator[tuple[K, Text]]:
        return iter(self._texts.items())


class BilingualError(Exception):
    """An error that says why in Dutch and English (`text`); `str(error)` is the English."""

    def __init__(self, text: Text) -> None:
        if not isinstance(text, Text):
            raise TypeError(f"{type(self).__name__} needs a Text, not {text!r}")
        super().__init__(text.en)
        self.text = text

    @property
    def nl(self) -> str:
        return self.text.nl

    @property
    def en(self) -> str:
        return self.text.en

    def message(self, lang: str) -> str:
        return self.text[lang]
