"""A small stand-in for the Tweede Kamer OData service on 127.0.0.1, faithful to its documentation.

No machine of ours reaches the real service, so the tests and `vraagbaak bench --sections sync` run the
sync against this one: the documented paging, the subset of `$filter`/`$orderby`/`$expand` our client
sends, deleted placeholders, `Document(<id>)/resource`, and injectable faults. Never used by `sync` itself.
"""
