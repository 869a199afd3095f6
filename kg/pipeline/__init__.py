"""The write path: load RDF, reason (OWL 2 RL), validate (SHACL), make the public view, commit; and
the report of a build."""
