"""SPARQL as users and pages ask it: the named queries (`.rq` files in `named/`) with bound
parameters, the guard that refuses dangerous queries, the worker processes that enforce a real
deadline, and the endpoint's service description."""
