"""The local OpenSearch cluster (tools/opensearch-launcher + scripts/opensearch-cluster.sh) is a real one.

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

from helpers.opensearch_cluster import OPENSEARCH_SCRIPT, start_opensearch_cluster, stop_opensearch_cluster

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


# --- 3 nodes, one killed --------------------------------------------------------------------------

DOCS = 300
PER_TOPIC = DOCS // len(TOPICS)
QUERY_LIMIT = 20000  # the client loop's bounds: a count and a time, whichever comes first
QUERY_SECONDS = 1200


@pytest.fixture(scope="module")
def three_nodes(tmp_path_factory):
    """A 3-node cluster of its own (own ports, own folder), stopped at the end of the module."""
    directory = tmp_path_factory.mktemp("opensearch3")
    try:
        url = start_opensearch_cluster(directory, nodes=3, heap="512m", timeout=600)
        env = dict(line.split("=", 1) for line in (directory / "cluster.env").read_text().split())
        base = int(env["CLUSTER_HTTP_PORT"])
        yield directory, [f"http://127.0.0.1:{base + i}" for i in range(3)]
        assert url == f"http://127.0.0.1:{base}"
    finally:
        stop_opensearch_cluster(directory)


def _node_just_lost(exc) -> bool:
    """A search that failed because a node holding its shards was killed a moment ago."""
    return exc.status_code == 500 and "node_not_connected_exception" in str(exc.info)


class Querier(threading.Thread):
    """Keeps querying through a client that knows all three nodes and retries on another one.

    opensearch-py moves to the next host when a connection fails. OpenSearch itself retries a
    shard's query phase on its other copy, but not the fetch phase: a node killed between the two
    phases gives a response with failed shards (fewer hits, no error), or, when every shard of the
    request was on it, a 500 whose cause is that node being no longer connected. Either is asked
    again, up to ATTEMPTS times, as a client must; it is counted in ``partial_retries``. A complete
    answer with wrong hits is never retried: it is a failure.
    """

    ATTEMPTS = 5

    def __init__(self, urls):
        super().__init__(daemon=True)
        self.client = client_for(*urls, max_retries=6, retry_on_timeout=True, timeout=60)
        self.stop = threading.Event()
        self.answered = 0
        self.partial_retries = 0
        self.wrong: list[str] = []
        self.errors: list[str] = []

    def ask(self, topic: str):
        """The first complete response (all shards answered), or the last partial one."""
        for attempt in range(self.ATTEMPTS):
            try:
                result = self.client.search(index="failover", body={
                    "query": {"term": {"topic": topic}}, "size": PER_TOPIC, "track_total_hits": True})
            except opensearchpy.TransportError as exc:
                if not (_node_just_lost(exc) and attempt + 1 < self.ATTEMPTS):
                    raise
                self.partial_retries += 1
                time.sleep(0.5)
                continue
            if not result["_shards"]["failed"]:
                return result
            if attempt + 1 < self.ATTEMPTS:
                self.partial_retries += 1
                time.sleep(0.5)
        return result

    def run(self):
        deadline = time.monotonic() + QUERY_SECONDS
        i = 0
        while not self.stop.is_set() and i < QUERY_LIMIT and time.monotonic() < deadline:
            topic = TOPICS[i % len(TOPICS)]
            i += 1
            try:
                result = self.ask(topic)
            except Exception as exc:  # every failure is a finding, whatever its type
                self.errors.append(f"query {i}: {exc!r}")
                continue
            hits = result["hits"]
            if (result["_shards"]["failed"] or hits["total"]["value"] != PER_TOPIC
                    or len(hits["hits"]) != PER_TOPIC
                    or any(h["_source"]["topic"] != topic for h in hits["hits"])):
                self.wrong.append(f"query {i} ({topic}): shards {result['_shards']}, total {hits['total']}")
            else:
                self.answered += 1
            time.sleep(0.02)

    def wait_for(self, count: int, limit: float = 300):
        """Until ``count`` queries were answered in all (a bound, not a timing assertion)."""
        deadline = time.monotonic() + limit
        while self.answered < count and self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)


# opensearch-py takes a bare ``timeout=`` as the HTTP request timeout unless ``request_timeout`` is
# given too; hence both below (``timeout`` then goes to OpenSearch as the wait bound).


def test_three_nodes_answer_every_query_while_one_is_killed_and_return_to_green(three_nodes):
    directory, urls = three_nodes
    admin = client_for(*urls, max_retries=6, timeout=60)
    admin.indices.create(index="failover", body={
        "settings": {"number_of_shards": 3, "number_of_replicas": 1, "analysis": ANALYSIS},
        "mappings": {"properties": {"title": {"type": "text", "analyzer": "vi"},
                                    "body": {"type": "text", "analyzer": "vi"},
                                    "topic": {"type": "keyword"}, "n": {"type": "integer"}}},
    })
    ok, errors = os_helpers.bulk(admin, ({"_index": "failover", **d} for d in documents(DOCS)), refresh=True)
    assert (ok, errors) == (DOCS, [])
    health = admin.cluster.health(index="failover", wait_for_status="green", timeout="120s", request_timeout=150)
    assert health["status"] == "green" and health["number_of_nodes"] == 3
    shards = admin.cat.shards(index="failover", format="json")
    assert len(shards) == 6 and len({s["node"] for s in shards}) == 3  # every node holds shards

    # Kill the elected cluster manager: the hardest node to lose.
    manager = admin.cat.cluster_manager(format="json")[0]["node"]
    victim_pid = int((directory / f"{manager}.pid").read_text())
    victim_url = urls[int(manager.rsplit("-", 1)[1]) - 1]
    survivor = client_for(*[u for u in urls if u != victim_url], max_retries=6, timeout=60)

    querier = Querier(urls)
    querier.start()
    try:
        querier.wait_for(50)
        before_kill = querier.answered
        os.kill(victim_pid, signal.SIGKILL)

        # The survivors notice, elect a new cluster manager, and the index stays searchable.
        health = survivor.cluster.health(wait_for_nodes="2", timeout="120s", request_timeout=150)
        assert health["number_of_nodes"] == 2, health
        querier.wait_for(querier.answered + 100)
        during_outage = querier.answered - before_kill

        # The killed node comes back with its data and its ports (start restarts missing nodes only).
        restart = start_opensearch_cluster_again(directory)
        assert restart.returncode == 0, restart.stderr[-3000:]
        health = admin.cluster.health(index="failover", wait_for_status="green", wait_for_nodes="3",
                                      timeout="300s", request_timeout=330)
        assert health["status"] == "green" and health["number_of_nodes"] == 3, health
        querier.wait_for(querier.answered + 50)
    finally:
        querier.stop.set()
        querier.join(timeout=120)

    print(f"{querier.answered} queries answered; {querier.partial_retries} partial answers asked again")
    assert not querier.errors, querier.errors[:5]
    assert not querier.wrong, querier.wrong[:5]
    assert before_kill >= 50 and during_outage >= 100 and querier.answered >= before_kill + during_outage + 50
    names = {n["name"] for n in admin.cat.nodes(format="json")}
    assert names == {"node-1", "node-2", "node-3"}
    assert admin.count(index="failover")["count"] == DOCS


def start_opensearch_cluster_again(directory):
    """The script's own restart: `start` on a cluster folder starts only the nodes that are down."""
    import subprocess

    return subprocess.run([str(OPENSEARCH_SCRIPT), "start", "--dir", str(directory), "--timeout", "600"],
                          capture_output=True, text=True, timeout=1500)
