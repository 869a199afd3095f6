"""The named queries, one `.rq` file each with a `#+ summary:` / `#+ params:` header (kg.sparql.queries)."""
