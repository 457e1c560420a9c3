"""The streaming template miner: grouping, stable ids through generalisation, bounds, persistence, threads."""

from __future__ import annotations

import threading

import pytest

from core.logmining.miner import MAX_BUCKET, TemplateMiner, TemplateRecord, template_id
from core.store import Store

USERS = ["root", "admin", "guest", "oracle", "test", "ubuntu"]


def test_a_word_becomes_a_variable_only_after_enough_distinct_values() -> None:
    miner = TemplateMiner(min_values=4)
    first = miner.add("Invalid user root from 10.0.0.1", ts=1.0)
    for ts, user in enumerate(USERS[1:3], start=2):
        miner.add(f"Invalid user {user} from 10.0.0.{ts}", ts=float(ts))
    assert len(miner) == 3  # three users so far: could still be three different messages
    merged = miner.add("Invalid user oracle from 10.0.0.9", ts=9.0)
    assert merged.template == "Invalid user <*> from <*>" and len(miner) == 1
    assert merged.id == first.id and merged.first_seen == 1.0  # the oldest id survives
    assert miner.add("Invalid user nobody from 10.0.0.10", ts=10.0) is merged


def test_two_values_of_a_word_stay_two_patterns() -> None:
    miner = TemplateMiner()
    a = miner.add("network connection on network 10.1.0.0 via interface ee0")
    b = miner.add("network connection on network 10.2.0.0 via interface alt0")
    assert a.id != b.id and len(miner) == 2


def test_a_general_template_absorbs_the_specific_one_that_came_first() -> None:
    miner = TemplateMiner()
    first = miner.add("reverse mapping for ns.example.com [10.0.0.1] failed", ts=1.0)
    for i in range(2, 6):
        miner.add(f"reverse mapping for 10-0-0-{i}.isp{i}.net [10.0.0.{i}] failed", ts=float(i))
    assert [c.template for c in miner.clusters()] == ["reverse mapping for <*> <*> failed"]
    assert miner.clusters()[0].id == first.id and miner.clusters()[0].count == 5


@pytest.mark.parametrize(
    ("first", "second", "together"),
    [
        ("auth failure rhost=10.0.0.1", "auth failure rhost=10.0.0.2.dsl.example.net", True),
        ("Resolved host-<*>.corp to rack", "Resolved MININT-F5.corp to rack", True),
        ("12 double-hummer alignment exceptions", "r24=0x1 r25=0x2 r26=0x3 r27=0x4", False),
        ("via interface ee0", "via interface alt0", False),
    ],
    ids=["both-partly-masked", "partly-masked-and-digits", "word-against-masked", "two-words-with-digits"],
)
def test_which_different_tokens_count_as_one_variable(first: str, second: str, together: bool) -> None:
    miner = TemplateMiner()
    assert (miner.add(first) is miner.add(second)) is together


def test_ids_are_stable_and_come_from_the_first_template() -> None:
    miner = TemplateMiner()
    cluster = miner.add("Cache warmed in 120 ms")
    assert cluster.id == template_id("Cache warmed in <*>")
    assert TemplateMiner().add("Cache warmed in 9 ms").id == cluster.id  # same text, same id in a new process


def test_folded_ids_resolve_to_the_survivor() -> None:
    miner = TemplateMiner(min_values=3)
    ids = [miner.add(f"Job {name} finished", ts=float(i)).id for i, name in enumerate(["build", "test", "deploy"])]
    assert len({miner.resolve(i) for i in ids}) == 1 and miner.resolve(ids[1]) == ids[0]


def test_memory_is_bounded_least_recently_used_first() -> None:
    miner = TemplateMiner(max_clusters=10)
    keep = miner.add("the one we keep using")
    for i in range(50):
        miner.add(f"distinct message {chr(97 + i % 26)}{chr(97 + i // 26)} alpha beta gamma delta {'x' * (i % 7)}")
        miner.add("the one we keep using")
    assert len(miner) == 10
    assert keep.id in {c.id for c in miner.clusters()}


def test_match_does_not_learn_and_count_false_does_not_count() -> None:
    miner = TemplateMiner()
    assert miner.match("Disk full on sda") is None and len(miner) == 0
    cluster = miner.add("Disk full on sda", ts=5.0, count=False)
    assert cluster.count == 0 and miner.match("Disk full on sda") is cluster


def test_changes_round_trip_through_the_store_and_keep_ids_across_restarts(tmp_path) -> None:
    miner = TemplateMiner(min_values=3)
    first = miner.add("Job build finished in 3 s", ts=100.0)
    for ts, name in [(101.0, "test"), (102.0, "deploy")]:
        miner.add(f"Job {name} finished in 4 s", ts=ts)
    store = Store(tmp_path / "a.duckdb")
    store.save_templates(*miner.take_changes())
    assert miner.take_changes() == ([], {})  # nothing changed since
    store.close()

    reopened = Store(tmp_path / "a.duckdb")
    records, aliases = reopened.load_templates(100)
    assert [(r.template_id, r.template, r.first_seen, r.count) for r in records] == [
        (first.id, "Job <*> finished in <*>", 100.0, 3)
    ]
    restarted = TemplateMiner(min_values=3)
    restarted.load(records, aliases)
    assert restarted.add("Job lint finished in 1 s", ts=200.0).id == first.id
    assert all(restarted.resolve(alias) == first.id for alias in aliases)
    reopened.purge_templates_before(150.0)
    assert reopened.load_templates(100) == ([], {})
    reopened.close()


def test_load_keeps_the_most_recent_records_only() -> None:
    records = [TemplateRecord(f"id{i}", f"pattern number {chr(97 + i)}", i, i, 1) for i in range(10)]
    miner = TemplateMiner(max_clusters=3)
    miner.load(records)
    assert sorted(c.id for c in miner.clusters()) == ["id7", "id8", "id9"]


def test_threads_can_share_a_miner() -> None:
    miner = TemplateMiner()
    errors: list[BaseException] = []

    def feed(offset: int) -> None:
        try:
            for i in range(2_000):
                miner.add(f"Request {offset + i} for user{(offset + i) % 9} took {i} ms", ts=float(i))
                miner.match(f"Request {i} for user1 took 3 ms")
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=feed, args=(n * 10_000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(c.count for c in miner.clusters()) == 8_000
    assert [c.template for c in miner.clusters()] == ["Request <*> for <*> took <*>"]


@pytest.mark.parametrize("settings", [{"min_values": 1}, {"max_clusters": 0}], ids=["min-values", "max-clusters"])
def test_bad_settings_are_refused(settings: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be at least"):
        TemplateMiner(**settings)


def test_a_full_bucket_evicts_its_least_recently_seen_cluster_not_the_new_one() -> None:
    miner = TemplateMiner()
    for i in range(MAX_BUCKET):
        word = f"{chr(97 + i % 26)}{chr(97 + i // 26)}"
        miner.add(f"alpha {word} beta {word} omega", ts=1_000.0 + i)  # two words differ: never merged
    late = miner.add("alpha late beta comer omega", ts=5.0)  # an older line re-read by an analysis
    assert late.id in {c.id for c in miner.clusters()}
    assert len(miner) == MAX_BUCKET
