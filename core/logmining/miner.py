"""A streaming, Drain-like template miner with stable template ids and bounded memory.

Each message is masked and cut into tokens (``core.logmining.masking``), then routed by its token count
and leading token to a small bucket of clusters. It joins the most specific cluster whose every literal
token it shares (``<*>``, and a partly masked token such as ``rhost=<*>.example.org`` against another
variable-looking one, count as values of one variable); a position
where such a cluster already has ``<*>`` takes anything. Otherwise it starts a new cluster, and clusters
that differ at one word position only are merged, with ``<*>`` there, once that position has shown
``min_values`` distinct words: user names become a variable, ``ee0``/``alt0`` or ``password``/``none`` stay
two patterns. A position where every word seen is capitalised or upper case letters only (``Started`` /
``Paused`` / ``Stopped``, ``GET`` / ``POST``) never becomes a variable: that is how states, methods and
event names are written. Deciding on words this way, rather than on a share of equal tokens (Drain's similarity
threshold), lets one configuration serve every kind of log.

Ids are stable: a cluster's id is the hash of its first template and is kept when the template
generalises; merged clusters keep the oldest id and the others become aliases of it. Memory is bounded:
past ``max_clusters`` the least recently used cluster is evicted. Every public method takes a lock, so
the scheduler thread and the analysis threads can share one miner.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.logmining.masking import WILDCARD, clean, tokens

DEFAULT_MIN_VALUES = 4  # distinct words seen at one position before it becomes a variable
DEFAULT_MAX_CLUSTERS = 20_000
MAX_BUCKET = 200  # clusters compared per (length, leading token) bucket; older ones are evicted first
EXACT_CACHE = 50_000  # masked token tuples remembered for the fast path
_EDGE_PUNCTUATION = "\"'()[]{}<>,.;:!?"


def template_id(template: str) -> str:
    """Stable id of a template text: the first 12 hex digits of its SHA-1."""
    return hashlib.sha1(template.encode("utf-8", "replace"), usedforsecurity=False).hexdigest()[:12]


@dataclass(slots=True)
class Cluster:
    """One template: its id, tokens, how many lines joined it and when it was first and last seen."""

    id: str
    tokens: list[str]
    count: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0

    @property
    def template(self) -> str:
        """The template text, variable positions as ``<*>``."""
        return " ".join(self.tokens)


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    """A persisted template: what ``Store.save_templates`` saves and ``load_templates`` gives back."""

    template_id: str
    template: str
    first_seen: float
    last_seen: float
    count: int


def _key(toks: list[str]) -> tuple[int, str]:
    first = toks[0] if toks else ""
    if any(ch.isdigit() for ch in first):
        first = WILDCARD
    return len(toks), first


def _same_variable(a: str, b: str) -> bool:
    """Whether two different tokens at one position can be values of one variable: either is ``<*>``, or
    one is partly masked (``rhost=<*>``) and the other partly masked too, holds a digit (``host-7``) or is
    the same key with another value (``rhost=<*>`` / ``rhost=gw.example.org``)."""
    if a == WILDCARD or b == WILDCARD:
        return True
    if WILDCARD not in a:
        a, b = b, a
    if WILDCARD not in a:
        return False
    if WILDCARD in b or any(ch.isdigit() for ch in b):
        return True
    key, eq, value = a.partition("=")
    return bool(eq) and WILDCARD in value and b.startswith(key + "=")


def _names_an_event(word: str) -> bool:
    """Whether a word is shaped like a name of what happened: letters only, capitalised or upper case
    (``Started``, ``GET``, ``RUNNING``), as states, methods and event names are written."""
    core = word.strip(_EDGE_PUNCTUATION)
    return len(core) >= 2 and core.isalpha() and core[0].isupper()


def _subsumes(general: list[str], specific: list[str]) -> bool:
    """Whether every line of template ``specific`` also fits template ``general``."""
    return all(a in (b, WILDCARD) for a, b in zip(general, specific, strict=True))


class TemplateMiner:
    """Groups log messages into templates as they stream in; thread-safe."""

    def __init__(self, min_values: int = DEFAULT_MIN_VALUES, max_clusters: int = DEFAULT_MAX_CLUSTERS) -> None:
        if min_values < 2:
            raise ValueError(f"min_values must be at least 2, got {min_values}")
        if max_clusters < 1:
            raise ValueError(f"max_clusters must be at least 1, got {max_clusters}")
        self.min_values = min_values
        self.max_clusters = max_clusters
        self._lock = threading.RLock()
        self._clusters: OrderedDict[str, Cluster] = OrderedDict()  # least recently used first
        self._buckets: dict[tuple[int, str], list[Cluster]] = {}
        self._exact: dict[tuple[str, ...], Cluster] = {}
        self._aliases: dict[str, str] = {}  # folded id -> the id it was folded into
        self._new_aliases: dict[str, str] = {}
        self._dirty: set[str] = set()

    def __len__(self) -> int:
        with self._lock:
            return len(self._clusters)

    def add(self, message: str, ts: float = 0.0, *, count: bool = True) -> Cluster:
        """Mine one message seen at ``ts`` (epoch seconds) and return the cluster it joined. ``count=False``
        places a line already counted once (an analysis re-reading stored lines) without counting it again."""
        toks = tokens(clean(message))
        with self._lock:
            cluster = self._exact.get(tuple(toks))
            if cluster is None or cluster.id not in self._clusters:
                cluster = self._place(toks, ts)
            if count:
                cluster.count += 1
                self._dirty.add(cluster.id)
            if ts < cluster.first_seen or ts > cluster.last_seen:
                cluster.first_seen, cluster.last_seen = min(cluster.first_seen, ts), max(cluster.last_seen, ts)
                self._dirty.add(cluster.id)
            self._clusters.move_to_end(cluster.id)
            return cluster

    def match(self, message: str) -> Cluster | None:
        """The cluster ``message`` would join, without changing anything; None when it would start one."""
        toks = tokens(clean(message))
        with self._lock:
            cluster = self._exact.get(tuple(toks))
            if cluster is not None and cluster.id in self._clusters:
                return cluster
            return self._best(toks)

    def resolve(self, cluster_id: str) -> str:
        """The current id of a cluster that may have been folded into another one."""
        with self._lock:
            seen = set()
            while cluster_id in self._aliases and cluster_id not in seen:
                seen.add(cluster_id)
                cluster_id = self._aliases[cluster_id]
            return cluster_id

    def get(self, cluster_id: str) -> Cluster | None:
        """The live cluster with this id (after resolving folded ids), or None when evicted or unknown."""
        with self._lock:
            return self._clusters.get(self.resolve(cluster_id))

    def clusters(self) -> list[Cluster]:
        """Every live cluster, least recently used first."""
        with self._lock:
            return list(self._clusters.values())

    def load(self, records: Iterable[TemplateRecord], aliases: Mapping[str, str] | None = None) -> None:
        """Restore persisted templates and aliases (ids survive restarts); live clusters are kept. The most
        recently seen ``max_clusters`` records are enough: older ones would be evicted at once."""
        with self._lock:
            for alias, target in (aliases or {}).items():
                self._aliases.setdefault(alias, target)
            for record in sorted(records, key=lambda r: r.last_seen)[-self.max_clusters :]:
                if record.template_id in self._clusters or not record.template.split():
                    continue
                toks = record.template.split()
                self._insert(Cluster(record.template_id, toks, record.count, record.first_seen, record.last_seen))
                self._exact[tuple(toks)] = self._clusters[record.template_id]

    def take_changes(self) -> tuple[list[TemplateRecord], dict[str, str]]:
        """Templates created or changed, and ids folded into others, since the last call (what a store must
        save to keep ids across restarts)."""
        with self._lock:
            changed = [self._clusters[cid] for cid in sorted(self._dirty) if cid in self._clusters]
            self._dirty.clear()
            aliases, self._new_aliases = self._new_aliases, {}
            return [TemplateRecord(c.id, c.template, c.first_seen, c.last_seen, c.count) for c in changed], aliases

    # --- internals (lock held) ------------------------------------------------------------------

    def _best(self, toks: list[str]) -> Cluster | None:
        """The most specific cluster whose every literal token equals the message's at that position."""
        best: Cluster | None = None
        best_literals = -1
        for cluster in self._buckets.get(_key(toks), ()):
            literals = 0
            for a, b in zip(cluster.tokens, toks, strict=True):
                if a == b:
                    literals += a != WILDCARD
                elif not _same_variable(a, b):
                    break
            else:
                if literals > best_literals:
                    best, best_literals = cluster, literals
        return best

    def _place(self, toks: list[str], ts: float) -> Cluster:
        cluster = self._best(toks)
        if cluster is not None and cluster.tokens != toks:
            merged = [a if a == b else WILDCARD for a, b in zip(cluster.tokens, toks, strict=True)]
            if merged != cluster.tokens:
                cluster.tokens = merged
                self._dirty.add(cluster.id)
                cluster = self._generalise(cluster)
        if cluster is None:
            template = " ".join(toks)
            cid = template_id(template)
            existing = self._clusters.get(self.resolve(cid))
            if existing is not None and existing.tokens == toks:
                cluster = existing
            else:
                cluster = Cluster(
                    cid if existing is None else template_id(f"{template}\x00{ts}"), list(toks), 0, ts, ts
                )
                self._insert(cluster)
                cluster = self._generalise(cluster)
        if len(self._exact) >= EXACT_CACHE:
            self._exact.clear()
        self._exact[tuple(toks)] = cluster
        return cluster

    def _generalise(self, cluster: Cluster) -> Cluster:
        """Fold into ``cluster`` the clusters its template covers, then merge it with its siblings (clusters
        differing from it at one literal position only) once that position has shown ``min_values``
        distinct words; returns the surviving cluster."""
        bucket = self._buckets.get(_key(cluster.tokens), [])
        subsumed = [o for o in bucket if o is not cluster and _subsumes(cluster.tokens, o.tokens)]
        if subsumed:  # a more general template absorbs the specific ones it now covers
            cluster = self._merge([cluster, *subsumed])
        siblings: dict[int, list[Cluster]] = {}
        for other in self._buckets.get(_key(cluster.tokens), ()):
            if other is cluster:
                continue
            differ = -1
            for p, (a, b) in enumerate(zip(cluster.tokens, other.tokens, strict=True)):
                if a != b and a != WILDCARD and b != WILDCARD:
                    if differ >= 0:
                        break
                    differ = p
            else:
                if differ >= 0:
                    siblings.setdefault(differ, []).append(other)
        for position, group in siblings.items():
            words = {c.tokens[position] for c in group} | {cluster.tokens[position]}
            if len(words) >= self.min_values and not all(_names_an_event(w) for w in words):
                return self._merge([cluster, *group])
        return cluster

    def _merge(self, group: list[Cluster]) -> Cluster:
        """Fold ``group`` into its oldest member, whose template becomes their token-wise agreement."""
        keep = min(group, key=lambda c: (c.first_seen, c.id))
        merged = list(keep.tokens)
        for other in group:
            merged = [a if a == b else WILDCARD for a, b in zip(merged, other.tokens, strict=True)]
        for other in group:
            if other is keep:
                continue
            keep.count += other.count
            keep.first_seen = min(keep.first_seen, other.first_seen)
            keep.last_seen = max(keep.last_seen, other.last_seen)
            self._evict(other)
            self._aliases[other.id] = self._new_aliases[other.id] = keep.id
            if len(self._aliases) > self.max_clusters:  # bounded: forget the oldest aliases
                del self._aliases[next(iter(self._aliases))]
        keep.tokens = merged
        self._dirty.add(keep.id)
        return keep

    def _insert(self, cluster: Cluster) -> None:
        self._clusters[cluster.id] = cluster
        bucket = self._buckets.setdefault(_key(cluster.tokens), [])
        bucket.append(cluster)
        if len(bucket) > MAX_BUCKET:  # the least recently seen other cluster of the bucket goes
            self._evict(min((c for c in bucket if c is not cluster), key=lambda c: c.last_seen))
        while len(self._clusters) > self.max_clusters:
            self._evict(next(iter(self._clusters.values())))

    def _evict(self, cluster: Cluster) -> None:
        self._clusters.pop(cluster.id, None)
        bucket = self._buckets.get(_key(cluster.tokens), [])
        if cluster in bucket:
            bucket.remove(cluster)
        self._dirty.discard(cluster.id)
