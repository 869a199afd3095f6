"""Validation with the project's SHACL shapes: findings with Dutch and English messages, the choice
of engine (pySHACL, the reference, or the shapes compiled to set-at-a-time SPARQL on Oxigraph)."""
