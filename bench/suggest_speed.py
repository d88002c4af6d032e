"""Autocomplete, did-you-mean and facet costs on an existing index.

    python bench/suggest_speed.py --index-dir DIR

Prints: the vocabulary build time (done once per index version, in the background for
large indexes), autocomplete time per keystroke over a few typed queries (every prefix,
as a visitor types), did-you-mean time and its answers, and a search with and without
facet counts (the result cache off, so each search really runs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer import IndexStore, SearchRequest, WhooshBackend
from indexer.search import suggest  # noqa: E402

TYPED = ["thu tuc dang ky ket hon", "nghị định xử phạt vi phạm hành chính", "bao hiem xa hoi",
         "quyết định phê duyệt", "thong tu huong dan", "giáo dục nghề nghiệp", "luat dat dai"]
MISSPELT = ["thu tuc dang ky ket hon", "nghi dinh xu phat", "bảo hiễm xã hội", "quyet dinh phe duyt", "luat dat dai"]
SEARCHES = ["nghị định", "thong tu huong dan", "quyết định phê duyệt", "luat dat dai", "bảo hiểm xã hội"]


def ms(seconds: float) -> float:
    return seconds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    service = WhooshBackend(IndexStore(args.index_dir), cache_size=0)
    started = time.perf_counter()
    voc = service.vocabulary(wait=True)
    print(f"index: {service.doc_count()} documents; vocabulary: {len(voc.forms)} words, "
          f"{len(voc.syllables)} folded syllables, {len(voc.titles)} titles, built in "
          f"{ms(time.perf_counter() - started):.0f} ms")

    times = []
    for text in TYPED:
        for end in range(2, len(text) + 1):
            t = time.perf_counter()
            suggest.complete(voc, text[:end])
            times.append(ms(time.perf_counter() - t))
    times.sort()
    print(f"autocomplete: {len(times)} keystrokes, median {statistics.median(times):.2f} ms, "
          f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms")

    dym = []
    for text in MISSPELT:
        t = time.perf_counter()
        answer = suggest.did_you_mean(voc, text)
        dym.append(ms(time.perf_counter() - t))
        print(f"  did you mean {text!r:28} -> {answer!r}")
    print(f"did-you-mean: median {statistics.median(dym):.2f} ms, max {max(dym):.2f} ms")

    print(f"{'search (web scope)':28} {'total':>6} {'with facets ms':>15} {'without ms':>11}")
    for text in SEARCHES:
        row = []
        for facets in (True, False):
            runs = [service.search(SearchRequest(q=text, scope="web", facets=facets)).took_ms
                    for _ in range(args.repeat)]
            row.append(statistics.median(runs))
        total = service.search(SearchRequest(q=text, scope="web")).total
        print(f"{text:28} {total:>6} {row[0]:>15.1f} {row[1]:>11.1f}")


if __name__ == "__main__":
    main()
