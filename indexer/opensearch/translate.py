"""Whoosh queries to OpenSearch query DSL.

``indexer.query.build`` turns what the visitor typed (units, phrases, exclusions, OR,
``loai:``/``nam:``/``so:``/``site:``, synonyms, document numbers) into a Whoosh query;
this module translates that very query, so both engines search with the same
understanding and every change to the query builder reaches both. Field names are the
same (``indexer.opensearch.mapping``); the translation is node by node:

Or -> bool/should, And -> bool/must, AndMaybe -> must + should, Require -> must +
filter (matched, not scored), AndNot -> must + must_not, Term/Prefix/Wildcard -> the same
term-level queries, Phrase -> match_phrase (Whoosh's slop 1 is Lucene's slop 0),
DateRange -> range, Every -> match_all.
"""

from __future__ import annotations

from datetime import datetime

from whoosh import query as Q


def _boost(body: dict, q) -> dict:
    boost = getattr(q, "boost", 1.0)
    if boost not in (None, 1, 1.0):
        body["boost"] = float(boost)
    return body


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def to_dsl(q) -> dict:
    """The OpenSearch query for Whoosh query ``q``."""
    if q is None or q is Q.NullQuery or isinstance(q, type(Q.NullQuery)):
        return {"match_none": {}}
    if isinstance(q, Q.Every):
        return {"match_all": {}}
    if isinstance(q, Q.Term):
        return {"term": {q.fieldname: _boost({"value": q.text}, q)}}
    if isinstance(q, Q.Prefix):
        return {"prefix": {q.fieldname: _boost({"value": q.text}, q)}}
    if isinstance(q, Q.Wildcard):
        return {"wildcard": {q.fieldname: _boost({"value": q.text}, q)}}
    if isinstance(q, Q.Phrase):
        return {"match_phrase": {q.fieldname: _boost({"query": " ".join(q.words),
                                                      "slop": max(0, int(q.slop) - 1)}, q)}}
    if isinstance(q, Q.DateRange):
        bounds = {}
        if q.startdate is not None:
            bounds["gt" if q.startexcl else "gte"] = _iso(q.startdate)
        if q.enddate is not None:
            bounds["lt" if q.endexcl else "lte"] = _iso(q.enddate)
        return {"range": {q.fieldname: bounds}}
    if isinstance(q, Q.Require):
        return {"bool": _boost({"must": [to_dsl(q.a)], "filter": [to_dsl(q.b)]}, q)}
    if isinstance(q, Q.AndMaybe):
        return {"bool": _boost({"must": [to_dsl(q.a)], "should": [to_dsl(q.b)]}, q)}
    if isinstance(q, Q.AndNot):
        return {"bool": _boost({"must": [to_dsl(q.a)], "must_not": [to_dsl(q.b)]}, q)}
    if isinstance(q, Q.And):
        return {"bool": _boost({"must": [to_dsl(s) for s in q.subqueries]}, q)}
    if isinstance(q, Q.Or):
        subs = [to_dsl(s) for s in q.subqueries]
        if not subs:
            return {"match_none": {}}
        return {"bool": _boost({"should": subs, "minimum_should_match": 1}, q)}
    raise TypeError(f"no OpenSearch translation for {type(q).__name__}")
