"""Connective KG: an actor-network knowledge graph of teacher learning networks."""

__version__ = "0.1.0"
