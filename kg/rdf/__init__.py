"""RDF in and out: reading and writing RDF files, terms between pyoxigraph and rdflib, SPARQL
result serialisations, and SPARQL query text (the one tokenizer, and `bind()` for stores that take
text only)."""
