"""The model: namespaces and graph names, the kinds of actor, and where the packaged ontology,
vocabularies, shapes, named queries and sample live."""
