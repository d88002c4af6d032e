"""Plan nodes (``indexer.search.plan``) to Whoosh queries, node by node."""

from __future__ import annotations

from functools import singledispatch

from whoosh import query as Q

from ...search import plan as P


@singledispatch
def to_whoosh(node) -> Q.Query:
    """The Whoosh query for plan ``node``."""
    raise TypeError(f"no Whoosh translation for {type(node).__name__}")


@to_whoosh.register
def _(node: P.Term) -> Q.Query:
    return Q.Term(node.field, node.text, boost=node.boost)


@to_whoosh.register
def _(node: P.Prefix) -> Q.Query:
    return Q.Prefix(node.field, node.text, boost=node.boost)


@to_whoosh.register
def _(node: P.Wildcard) -> Q.Query:
    return Q.Wildcard(node.field, node.pattern, boost=node.boost)


@to_whoosh.register
def _(node: P.Phrase) -> Q.Query:
    return Q.Phrase(node.field, list(node.words), slop=node.slop, boost=node.boost)


@to_whoosh.register
def _(node: P.DateRange) -> Q.Query:
    return Q.DateRange(node.field, node.start, node.end)


@to_whoosh.register
def _(node: P.And) -> Q.Query:
    return Q.And([to_whoosh(n) for n in node.items])


@to_whoosh.register
def _(node: P.Or) -> Q.Query:
    return Q.Or([to_whoosh(n) for n in node.items])


@to_whoosh.register
def _(node: P.AndMaybe) -> Q.Query:
    return Q.AndMaybe(to_whoosh(node.required), to_whoosh(node.optional))


@to_whoosh.register
def _(node: P.Require) -> Q.Query:
    return Q.Require(to_whoosh(node.query), to_whoosh(node.filter))


@to_whoosh.register
def _(node: P.AndNot) -> Q.Query:
    return Q.AndNot(to_whoosh(node.query), to_whoosh(node.excluded))


@to_whoosh.register
def _(node: P.Every) -> Q.Query:
    return Q.Every()
