"""The local OpenSearch cluster (opensearch/launcher + scripts/opensearch-cluster.sh) is a real one.

- The session node (``opensearch_url``) speaks HTTP, has the analysis tracuu's mapping relies on
  (whitespace tokenizer, lowercase, ASCII folding that keeps the original), and indexes and finds.
- A 3-node cluster with an index of 3 shards and 1 replica answers every query of a client that
  keeps querying while one node is killed with SIGKILL, and is green again once the node is back.

No timed assertions: the waits are generous bounds for a loaded 2-core machine, not measurements.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import pytest
from conftest import start_opensearch_cluster, stop_opensearch_cluster

opensearchpy = pytest.importorskip("opensearchpy")
from opensearchpy import OpenSearch  # noqa: E402
from opensearchpy import helpers as os_helpers  # noqa: E402

pytestmark = pytest.mark.opensearch

ANALYSIS = {
    "filter": {"fold": {"type": "asciifolding", "preserve_original": True}},
    "analyzer": {"vi": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase", "fold"]}},
}

# Pre-segmented Vietnamese text, as the Python side sends it (pyvi joins the syllables of a word).
TOPICS = ["bảo_vệ trẻ_em", "bảo_hiểm xã_hội", "việc_làm thanh_niên", "giảm nghèo bền_vững", "an_toàn lao_động"]


def client_for(*urls: str, **kwargs) -> OpenSearch:
    return OpenSearch(hosts=list(urls), **kwargs)


def documents(count: int):
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        yield {"_id": f"doc-{i}", "title": f"Tin {i} về {topic}", "body": f"Sở triển_khai {topic} năm {2000 + i % 25}",
               "topic": topic, "n": i}


# --- the session node ---------------------------------------------------------------------------


def test_session_node_analyzes_indexes_and_finds(opensearch_url):
    client = client_for(opensearch_url)
    index = f"tracuu-test-{uuid.uuid4().hex[:8]}"
    try:
        client.indices.create(index=index, body={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0, "analysis": ANALYSIS},
            "mappings": {"properties": {"title": {"type": "text", "analyzer": "vi"},
                                        "body": {"type": "text", "analyzer": "vi"},
                                        "topic": {"type": "keyword"}, "n": {"type": "integer"}}},
        })
        tokens = [t["token"] for t in client.indices.analyze(
            index=index, body={"analyzer": "vi", "text": "Bảo_vệ TRẺ_EM"})["tokens"]]
        assert tokens == ["bao_ve", "bảo_vệ", "tre_em", "trẻ_em"]

        ok, errors = os_helpers.bulk(client, ({"_index": index, **d} for d in documents(50)), refresh=True)
        assert (ok, errors) == (50, [])
        # Folded and accented queries both find the 10 child-protection documents.
        for query in ("trẻ_em", "tre_em"):
            hits = client.search(index=index, body={"query": {"match": {"body": query}}, "size": 50})["hits"]
            assert hits["total"]["value"] == 10
            assert {h["_source"]["topic"] for h in hits["hits"]} == {"bảo_vệ trẻ_em"}
        facets = client.search(index=index, body={"size": 0, "aggs": {"t": {"terms": {"field": "topic"}}}})
        assert {b["key"]: b["doc_count"] for b in facets["aggregations"]["t"]["buckets"]} == {t: 10 for t in TOPICS}
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
