"""Plan nodes (``indexer.search.plan``) to OpenSearch query DSL, node by node.

Field names are the same as Whoosh's (``mapping``). Or -> bool/should, And ->
bool/must, AndMaybe -> must + should, Require -> must + filter (matched, not scored),
AndNot -> must + must_not, Term/Prefix/Wildcard -> the same term-level queries, Phrase
-> match_phrase (the plan's slop 1, adjacent, is Lucene's slop 0), DateRange -> range,
Every -> match_all.
"""

from __future__ import annotations

from functools import singledispatch

from ...search import plan as P


def _boost(body: dict, boost: float) -> dict:
    if boost not in (None, 1, 1.0):
        body["boost"] = float(boost)
    return body


@singledispatch
def to_dsl(node) -> dict:
    """The OpenSearch query for plan ``node``."""
    raise TypeError(f"no OpenSearch translation for {type(node).__name__}")


@to_dsl.register
def _(node: P.Term) -> dict:
    return {"term": {node.field: _boost({"value": node.text}, node.boost)}}


@to_dsl.register
def _(node: P.Prefix) -> dict:
    return {"prefix": {node.field: _boost({"value": node.text}, node.boost)}}


@to_dsl.register
def _(node: P.Wildcard) -> dict:
    return {"wildcard": {node.field: _boost({"value": node.pattern}, node.boost)}}


@to_dsl.register
def _(node: P.Phrase) -> dict:
    return {"match_phrase": {node.field: _boost({"query": " ".join(node.words),
                                                 "slop": max(0, int(node.slop) - 1)}, node.boost)}}


@to_dsl.register
def _(node: P.DateRange) -> dict:
    return {"range": {node.field: {"gte": node.start.isoformat(), "lte": node.end.isoformat()}}}


@to_dsl.register
def _(node: P.Require) -> dict:
    return {"bool": {"must": [to_dsl(node.query)], "filter": [to_dsl(node.filter)]}}


@to_dsl.register
def _(node: P.AndMaybe) -> dict:
    return {"bool": {"must": [to_dsl(node.required)], "should": [to_dsl(node.optional)]}}


@to_dsl.register
def _(node: P.AndNot) -> dict:
    return {"bool": {"must": [to_dsl(node.query)], "must_not": [to_dsl(node.excluded)]}}


@to_dsl.register
def _(node: P.And) -> dict:
    return {"bool": {"must": [to_dsl(n) for n in node.items]}}


@to_dsl.register
def _(node: P.Or) -> dict:
    if not node.items:
        return {"match_none": {}}
    return {"bool": {"should": [to_dsl(n) for n in node.items], "minimum_should_match": 1}}


@to_dsl.register
def _(node: P.Every) -> dict:
    return {"match_all": {}}
