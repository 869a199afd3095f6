"""A SHACL validation result as both engines report it (kg.shacl.validate, kg.shacl.compiled)."""

from __future__ import annotations

from dataclasses import dataclass, field

import rdflib

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result."""

    focus: rdflib.term.Node
    shape: rdflib.term.Node
    severity: str  # Violation | Warning | Info
    component: str  # e.g. MinCountConstraintComponent
    path: str | None = None
    value: rdflib.term.Node | None = None
    messages: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages.get("en") or next(iter(self.messages.values()), self.component)

    @property
    def key(self) -> tuple[str, str, str]:
        """(focus node, shape, severity): what the shape tests compare."""
        return (str(self.focus), str(self.shape), self.severity)
