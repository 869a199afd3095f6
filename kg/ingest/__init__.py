"""Spreadsheet ingest: filled templates in, a validated region graph out (docs/ingest.md).

Modules: `templates` (the contract as data), `read` (CSV folder, XLSX, zip),
`mapping` (rows to RDF with provenance), `problems` (what is wrong, where,
nl/en), `findings` (SHACL results traced back to cells), `pipeline` (check
as a delta or in full, atomic commit, undo), `edit` (one row of a stored region), `report` (text and JSON), `annotate` (marked-up copies),
`blank` (empty templates), `export` (the store back into templates).
"""
