"""Autocomplete and "did you mean", both from the index's own vocabulary.

A ``Vocabulary`` is read once per index version and cached per process (about
0.1 s per thousand documents; large indexes build it in a background thread so
no request waits) from the word fields (pyvi words with their
diacritics: ``thủ_tục``), the pair terms of the unit fields (``bảo_vệ``), the folded
syllable fields and the stored titles:

* did you mean: typed without diacritics, every syllable gets the most frequent
  form of the longest indexed word or pair it belongs to (``thu tuc dang ky ket hon``
  -> ``thủ tục đăng ký kết hôn``); a syllable the index never saw is replaced by the
  most frequent one a single edit away. A proposal must hold more of the index's
  syllables and pairs, as written, than what was typed: never lookalike words.
* autocomplete: frequent words and pairs completing the last word typed (only
  beside a word they stand next to in the index, never folded recombinations), then titles
  containing what was typed at a word start; accent-insensitive. Titles are
  searched in one joined string with ``str.find`` (C speed), fast enough for
  every keystroke on tens of thousands of documents.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from ..analysis import fold, has_diacritics, normalize_text
from ..document import link_url
from .understand import FOLDED_STOPWORDS, QUESTION_PHRASES, STOPWORDS

WORD_FIELDS = ("title", "content")
SYLLABLE_FIELDS = ("title_f", "content_f")
PAIR_FIELDS = ("title_x", "content_x")  # their pair terms ("bảo_vệ"): words as the index holds them
MIN_PAIR_DF = 2  # rarer pairs are mostly chance neighbours, and there are millions of them
SMALL_INDEX = 1000  # documents; below this every pair is kept (there are few, and each may be the word)


def min_pair_df(doc_count: int) -> int:
    return 1 if doc_count < SMALL_INDEX else MIN_PAIR_DF
MAX_NGRAM = 4  # syllables in the longest word looked up when restoring diacritics
MAX_QUERY_TOKENS = 16
MIN_PREFIX = 2  # characters before autocomplete answers ("a" would match everything)
_LETTERS = re.compile(r"^[^\W\d_]+$")
_TOKEN = re.compile(r"\S+")


@dataclass
class Vocabulary:
    """What the index knows, keyed by accent-folded text."""

    forms: dict[str, tuple[str, float]] = field(default_factory=dict)  # "thu tuc" -> ("thủ tục", df)
    # Every form of a key with several, as written, and its frequency ("duong ven" -> {"đường ven": 3, ...}).
    variants: dict[str, dict[str, float]] = field(default_factory=dict)
    syllables: dict[str, int] = field(default_factory=dict)  # folded syllable -> doc frequency
    known: set[str] = field(default_factory=set)  # syllables as indexed, with diacritics ("hiểm")
    keys: list[str] = field(default_factory=list)  # sorted keys of ``forms``, for prefix lookups
    titles: list[tuple[str, str, str]] = field(default_factory=list)  # (title, site, url)
    blob: str = ""  # "\n" + folded lower titles joined by "\n", for str.find
    starts: list[int] = field(default_factory=list)  # offset of each title in ``blob``


def vocabulary_from(word_terms, syllable_terms, titles, pair_terms=(), min_pair_documents: int = MIN_PAIR_DF) -> Vocabulary:
    """A Vocabulary from any engine: (pyvi word, doc frequency) of the word fields, (folded
    syllable, doc frequency) of the syllable fields, (title, site, url) of every document, and
    (exact pair "bảo_vệ", doc frequency) of the unit fields (other terms there are skipped), kept
    when in ``min_pair_documents`` documents (``min_pair_df``)."""
    voc = Vocabulary()
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pairs = ((t, df) for t, df in pair_terms if df >= min_pair_documents and t.count("_") == 1)
    for text, df in itertools.chain(word_terms, pairs):
        if not _LETTERS.match(text.replace("_", "")):
            continue
        form = text.replace("_", " ")
        if form.count(" ") >= MAX_NGRAM:
            continue
        counts[fold(form)][form] += df
        for part in form.split(" "):  # single syllables, for restoring unsegmented input
            voc.known.add(part)
            if " " in form:
                counts[fold(part)][part] += df / 1000  # a tie-breaker below real words
    best = {}
    for key, forms in counts.items():
        form = max(sorted(forms), key=lambda f: forms[f])
        best[key] = (form, sum(forms.values()))
        if len(forms) > 1:
            voc.variants[key] = {f: df for f, df in forms.items() if df >= 1}
    voc.forms = best
    voc.keys = sorted(best)
    for text, df in syllable_terms:
        if _LETTERS.match(text):
            voc.syllables[text] = voc.syllables.get(text, 0) + df
    folded_titles = []
    for title, site, url in titles:
        if not title:
            continue
        voc.titles.append((title, site, url))
        folded_titles.append(" ".join(fold(normalize_text(title).lower()).split()))
    offset = 1
    for text in folded_titles:
        voc.starts.append(offset)
        offset += len(text) + 1
    voc.blob = "\n" + "\n".join(folded_titles)
    return voc


SYNC_BUILD_DOCS = 5000  # up to this many documents the vocabulary is built in the request (<1 s)


class VocabularyCache:
    """The Vocabulary of an engine's live index version, built once per version and process.

    Small indexes build it at once; large ones (``SYNC_BUILD_DOCS``) in a background thread,
    so no search waits for it: until it is ready the previous version's vocabulary answers (None
    before the first). One build at a time per process: commits arriving every second (pushed
    writes) would otherwise start a build each, every one competing with searches for the CPU;
    the newest version is built when the running build ends. A build started before a server
    forked belongs to the parent: a worker builds its own.
    """

    def __init__(self):
        self.version = None
        self.voc: Vocabulary | None = None
        self.building = None  # (index version, pid) of the build running in a background thread
        self.lock = threading.Lock()

    def get(self, version, build, doc_count, wait: bool | None = None) -> Vocabulary | None:
        """The Vocabulary of ``version``: ``build()`` makes one, ``doc_count()`` sizes the index;
        ``wait`` builds it now whatever the size (a server's warm-up, before forking)."""
        with self.lock:
            if self.version == version and self.voc is not None:
                return self.voc
            if self.building is not None and self.building[1] == os.getpid() and not wait:
                return self.voc  # an older version's, or None: the running build comes first
        if wait is None:
            wait = doc_count() <= SYNC_BUILD_DOCS
        if wait:
            voc = build()
            self._keep(version, voc)
            return voc
        with self.lock:
            if self.building is not None and self.building[1] == os.getpid():
                return self.voc  # another thread started one meanwhile
            self.building = (version, os.getpid())

        def run():
            try:
                self._keep(version, build())
            except Exception:  # noqa: BLE001 - a failed build just means no suggestions yet
                pass
            finally:
                with self.lock:
                    self.building = None

        threading.Thread(target=run, name="tracuu-vocabulary", daemon=True).start()
        with self.lock:
            return self.voc

    def _keep(self, version, voc: Vocabulary) -> None:
        with self.lock:
            self.version, self.voc = version, voc


# -- did you mean ------------------------------------------------------------

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _ALPHABET]
    inserts = [a + c + b for a, b in splits for c in _ALPHABET]
    return set(deletes + transposes + replaces + inserts)


def _correct(voc: Vocabulary, syllable: str, before: str = "", after: str = "") -> str | None:
    """The indexed syllable one edit from ``syllable`` (folded) that forms a word with its
    neighbours (``phe duyt`` -> duyet, as in "phê duyệt"), else the most frequent; or None."""
    candidates = [c for c in _edits1(syllable) if c in voc.syllables and c != syllable]
    if not candidates:
        return None

    def score(c):
        in_word = (before and f"{before} {c}" in voc.forms) or (after and f"{c} {after}" in voc.forms)
        return (bool(in_word), voc.syllables[c])

    return max(sorted(candidates), key=score)


MAX_PAIR_FIXES = 2
TYPO_RATIO = 3
RARE_SHARE = 0.02  # only a syllable in fewer than 2 % of the documents may be a slip for another
SAME_ONSET = 2.0


def _fix_pairs(voc: Vocabulary, tokens: list[str], meant: set[int] = frozenset()) -> list[str]:
    """Fix real syllables that are typos in context: a syllable that forms a known pair with
    neither neighbour, when one edit makes it a known pair with one of them and a syllable
    TYPO_RATIO times as common ("kết hông" -> "kết hôn", "tài sảm" -> "tài sản"). The
    most word-like fix first (``_association``), at most MAX_PAIR_FIXES."""
    out = list(tokens)
    for _ in range(MAX_PAIR_FIXES):
        folded = [fold(t.lower()) for t in out]

        def known(a, b):
            return f"{a} {b}" in voc.forms

        best = None
        for i, token in enumerate(folded):
            if i in meant or not _LETTERS.match(token) or len(token) < 2:
                continue
            if voc.syllables.get(token, 0) > RARE_SHARE * max(1, len(voc.titles)):
                continue  # a common syllable ("cần", "máy") is what was meant, not a slip
            left = folded[i - 1] if i > 0 and _LETTERS.match(folded[i - 1]) else None
            right = folded[i + 1] if i + 1 < len(folded) and _LETTERS.match(folded[i + 1]) else None
            if (left is None and right is None) or (left and known(left, token)) or (right and known(token, right)):
                continue
            for candidate in _edits1(token):
                # Only a syllable far rarer than its fix is a typo ("đường" is not "dụng" mistyped).
                if candidate == token or voc.syllables.get(candidate, 0) < TYPO_RATIO * voc.syllables.get(token, 0):
                    continue
                score = max(_association(voc, left, candidate) if left else 0.0,
                            _association(voc, candidate, right) if right else 0.0)
                if candidate[0] == token[0]:
                    score *= SAME_ONSET  # slips are likelier in a syllable's rhyme than in its first letter
                if score and (best is None or score > best[0]):
                    best = (score, i, candidate)
        if best is None:
            break
        _, i, candidate = best
        out[i] = candidate
    return out


def _association(voc: Vocabulary, a: str, b: str) -> float:
    """How much two folded syllables are one word: the pair's documents over the rarer syllable's
    ("ket hon" is a word; "ket cong", from "tổng kết công tác", is not)."""
    found = voc.forms.get(f"{a} {b}")
    if found is None:
        return 0.0
    return found[1] / max(1, min(voc.syllables.get(a, 0), voc.syllables.get(b, 0)))


def _ambiguous(voc: Vocabulary, key: str) -> bool:
    """Whether a folded key's commonest form is less than twice as common as the next."""
    ranked = sorted(voc.variants.get(key, {}).values(), reverse=True)
    return len(ranked) > 1 and ranked[0] < 2 * ranked[1]


def _fix_marks(voc: Vocabulary, tokens: list[str], meant: set[int] = frozenset()) -> list[str]:
    """Fix wrong diacritics on real syllables: one typed with marks that forms no indexed pair, as
    written, with either neighbour, while the same letters form an indexed word with a neighbour
    that agrees ("tiếp cân" -> "tiếp cận", "thôi viêc" -> "thôi việc")."""
    out = list(tokens)
    lower = [normalize_text(t.lower()) for t in tokens]
    for i, token in enumerate(lower):
        if i in meant or not (has_diacritics(token) and _LETTERS.match(token)):
            continue
        held, proposal = False, None
        for a, b in ((i - 1, i), (i, i + 1)):
            if a < 0 or b >= len(lower) or not _LETTERS.match(lower[a]) or not _LETTERS.match(lower[b]):
                continue
            key = fold(f"{lower[a]} {lower[b]}")
            found = voc.forms.get(key)
            if found is None or found[0].count(" ") != 1:
                continue
            variants = voc.variants.get(key, {found[0]: found[1]})
            if f"{lower[a]} {lower[b]}" in variants:
                held = True
                break
            if _ambiguous(voc, key):
                continue  # "đướng ven": "đường ven" or "dương ven"? not a slip one can tell
            first, second = found[0].split(" ")
            neighbour, theirs, mine = (lower[a], first, second) if b == i else (lower[b], second, first)
            if neighbour == theirs or not has_diacritics(neighbour):
                proposal = mine
        if not held and proposal and proposal not in STOPWORDS:
            out[i] = proposal
    return out


def _kept(voc: Vocabulary, token: str) -> bool:
    """A syllable typed with diacritics the index knows is the visitor's choice; others get fixed."""
    return has_diacritics(token) and token.lower() in voc.known


def _restore(voc: Vocabulary, tokens: list[str], meant: set[int] = frozenset()) -> list[str]:
    """Diacritics for the tokens typed without them, from the longest indexed word they form;
    those at ``meant`` positions typed with diacritics are kept as typed."""
    out = list(tokens)
    folded = [fold(t.lower()) for t in tokens]
    i = 0
    while i < len(tokens):
        for n in range(min(MAX_NGRAM, len(tokens) - i), 0, -1):
            if not all(_LETTERS.match(t) for t in tokens[i:i + n]):
                continue
            key = " ".join(folded[i:i + n])
            found = voc.forms.get(key)
            if found is None or _ambiguous(voc, key):
                continue
            parts = found[0].split(" ")
            # Keep what the visitor typed with diacritics; a word only fits if it agrees with it.
            def kept(j):
                return j in meant or _kept(voc, tokens[j])

            if any(kept(i + j) and tokens[i + j].lower() != p for j, p in enumerate(parts)):
                continue
            for j, part in enumerate(parts):
                if not kept(i + j):
                    out[i + j] = part
            i += n
            break
        else:
            i += 1
    return out


_EDGES = re.compile(r"^([\"'(\-+]*)(.*?)([\"'),.;:!?]*)$")  # quotes, -exclusion, brackets around a word


def _meant(cores: list[str], synonyms) -> tuple[set[int], dict[int, str]]:
    """Words that are not slips, and the spelling the synonyms file gives some of them.

    Function and question words ("để", "mấy") are meant. So is a term of the synonyms file
    ("nghỉ đẻ", a citizen's word the documents may never use) typed as the file writes it or
    without diacritics (then it gets the file's: "nghi de" -> "nghỉ đẻ"); typed with other
    diacritics ("bảo hiễm xã hội") it is a slip like any other."""
    lower = [normalize_text(c.lower()) for c in cores]
    meant = {i for i, t in enumerate(lower)
             if (t in STOPWORDS and has_diacritics(t)) or (not has_diacritics(t) and t in FOLDED_STOPWORDS)}
    folded = [fold(t) for t in lower]
    for phrase in QUESTION_PHRASES:  # "bao nhieu", "o dau": never "báo nhiều", "ô đâu"
        for i in range(len(folded) - len(phrase) + 1):
            if tuple(folded[i:i + len(phrase)]) == phrase:
                meant.update(range(i, i + len(phrase)))
    spelled: dict[int, str] = {}
    if synonyms is not None:
        pieces = [(fold(t), t) for t in lower]
        i = 0
        while i < len(pieces):
            match = synonyms.match(pieces, i)
            if not match:
                i += 1
                continue
            length, term = match[0], match[1]
            written = normalize_text(term.text.lower()).split()
            typed = lower[i:i + length]
            if typed == written:
                meant.update(range(i, i + length))
            elif not any(has_diacritics(t) for t in typed) and len(written) == length:
                meant.update(range(i, i + length))
                spelled.update({i + j: w for j, w in enumerate(written) if has_diacritics(w)})
            i += length
    return meant, spelled


def did_you_mean(voc: Vocabulary, q: str, synonyms=None) -> str | None:
    """A better spelling of ``q`` from the index's vocabulary, or None when it looks right.

    Query syntax around words survives: ``"thu tuc" -ket`` -> ``"thủ tục" -kết``. ``synonyms``
    (``indexer.synonyms.Synonyms``): their terms are never "corrected".
    """
    text = normalize_text(q or "").strip()
    tokens = _TOKEN.findall(text)
    if not tokens or len(tokens) > MAX_QUERY_TOKENS:
        return None
    if voc is None or not voc.syllables:
        return None
    edges = [_EDGES.match(t).groups() for t in tokens]
    cores = [core for _, core, _ in edges]
    fixed = []
    folded_cores = [fold(c.lower()) for c in cores]
    meant, spelled = _meant(cores, synonyms)
    for i, core in enumerate(cores):
        folded = folded_cores[i]
        if i not in meant and _LETTERS.match(core) and len(folded) >= 3 and folded not in voc.syllables:
            before = fixed[-1] if fixed else ""
            after = folded_cores[i + 1] if i + 1 < len(cores) else ""
            replacement = _correct(voc, folded, fold(before.lower()), after)
            if replacement is not None:
                fixed.append(replacement)
                continue
        fixed.append(core)
    fixed = _fix_marks(voc, _fix_pairs(voc, fixed, meant), meant)
    restored = [spelled.get(i, word) for i, word in enumerate(_restore(voc, fixed, meant))]
    if has_diacritics(text):
        # Typed with diacritics, a capitalised word without any is a name ("Phan Chu Trinh"): kept.
        restored = [core if core[:1].isupper() and not has_diacritics(core) else word
                    for core, word in zip(cores, restored)]
    suggestion = " ".join(lead + word + trail for (lead, _, trail), word in zip(edges, restored))
    if suggestion.lower() == text.lower():
        return None
    if _support(voc, restored) <= _support(voc, cores):
        return None  # never a query the index holds less than what was typed
    return suggestion


def _support(voc: Vocabulary, tokens: list[str]) -> int:
    """How much of ``tokens`` the index holds as written: its adjacent pairs that are indexed
    words or pairs with these very diacritics (a name like "Phan Chu Trinh" is no better read
    as "phần chủ trình"); for a single token, whether it is a known syllable."""
    lower = [normalize_text(t.lower()) for t in tokens]
    if len(lower) == 1:
        return int(lower[0] in voc.known)
    held = 0
    for a, b in zip(lower, lower[1:]):
        form = voc.forms.get(fold(f"{a} {b}"))
        if form is not None and form[0] == f"{a} {b}":
            held += 1
    return held


# -- autocomplete ------------------------------------------------------------

def _titles(voc: Vocabulary, needle: str, site: str | None, limit: int) -> list[dict]:
    """Titles containing ``needle`` at a word start; those starting with it first."""
    first, rest = [], []
    seen = set()
    pos = voc.blob.find(needle)
    scanned = 0
    while pos != -1 and scanned < 2000 and len(first) < limit:
        scanned += 1
        before = voc.blob[pos - 1] if pos > 0 else "\n"
        if before in " \n":
            index = bisect.bisect_right(voc.starts, pos) - 1
            title, title_site, url = voc.titles[index]
            if index not in seen and (site is None or title_site == site):
                seen.add(index)
                (first if before == "\n" else rest).append({"text": title, "type": "title", "url": link_url(url),
                                                            "site": title_site})
        pos = voc.blob.find(needle, pos + 1)
    return (first + rest)[:limit]


def _words(voc: Vocabulary, prefix_tokens: list[str], partial: str, limit: int) -> list[dict]:
    """The query with its last word completed by frequent indexed words."""
    candidates = []
    for n in (2, 1):  # "tre e" -> "trẻ em"; "ket h" -> "kết hôn"; "hon nh" -> "hôn nhân"
        if (n == 2 and not prefix_tokens) or (n == 1 and len(partial) < MIN_PREFIX):
            continue
        start_tokens = prefix_tokens[:-1] if n == 2 else prefix_tokens
        stem = " ".join(([fold(prefix_tokens[-1].lower())] if n == 2 else []) + [partial])
        lo = bisect.bisect_left(voc.keys, stem)
        for key in voc.keys[lo:lo + 400]:
            if not key.startswith(stem):
                break
            form, df = voc.forms[key]
            if df < 1 or (form.count(" ") >= 2 and df < 2):
                continue  # only seen inside longer words, or a rare long pyvi word: noise
            candidates.append((n, df, start_tokens, form))
    candidates.sort(key=lambda c: (-c[0], -c[1]))  # completing the last two words first
    out, seen = [], set()
    for n, _, start_tokens, form in candidates:
        restored = _restore(voc, start_tokens)
        if n == 1 and restored:
            # The completion must stand beside the word before it somewhere in the index
            # ("bảo vệ sinh" is "bảo" + "vệ sinh" only if "bảo vệ" is a pair): no folded recombinations.
            joined = voc.forms.get(f"{fold(restored[-1].lower())} {fold(form.split(' ')[0])}")
            if joined is None or joined[0].split(" ")[1] != form.split(" ")[0]:
                continue
            restored[-1] = joined[0].split(" ")[0] if not _kept(voc, restored[-1]) else restored[-1]
            if joined[0].split(" ")[0] != restored[-1].lower():
                continue
        text = " ".join(restored + [form])
        if text not in seen:
            seen.add(text)
            out.append({"text": text, "type": "query"})
        if len(out) >= limit:
            break
    return out


def complete(voc: Vocabulary, q: str, limit: int = 8, site: str | None = None) -> list[dict]:
    """Completions for what the visitor has typed so far: ``[{"text", "type", ...}]``."""
    text = normalize_text(q or "").strip()
    if len(text) < MIN_PREFIX:
        return []
    if voc is None:
        return []
    tokens = _TOKEN.findall(text)[-MAX_QUERY_TOKENS:]
    needle = " ".join(fold(text.lower()).split())
    words: list[dict] = []
    partial = fold(tokens[-1].lower())
    if _LETTERS.match(partial) and not q.endswith(" "):
        words = _words(voc, tokens[:-1], partial, max(1, limit // 2))
    titles = _titles(voc, needle, site, limit)
    out, seen = [], set()
    for item in words + titles:
        key = item["text"].lower()
        if key not in seen and key != text.lower():
            seen.add(key)
            out.append(item)
    return out[:limit]
