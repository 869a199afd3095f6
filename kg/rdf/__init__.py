"""RDF in and out: reading and writing RDF files, terms between pyoxigraph and rdflib, and SPARQL
result serialisations."""
