"""The write path: load RDF, reason (OWL 2 RL), validate (SHACL), make the public view, commit (`build`,
the full path); a change as a delta maintained for what it touches (`write`, with the compiled rules
in `incremental`); and the report of a build."""
