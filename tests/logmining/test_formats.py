"""Held-out-style checks: public log formats the miner was not developed on, one configuration for all.

Each case streams lines of a few known events with varying values and asserts that the miner finds
exactly those events: no two events merged (a method inside a quoted request line, a state word) and no
event split because its values vary in shape (a quoted command of one or several words, a host written
as an address or a name, a duration in different units).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable

import pytest

from core.logmining.masking import mask
from core.logmining.miner import TemplateMiner

Line = tuple[str, str]  # (true event, line)


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _api_request(rng: random.Random) -> Line:
    method = rng.choice(["GET", "POST", "DELETE", "PUT"])
    path = f"/v2/{uuid.UUID(int=rng.getrandbits(128)).hex}/servers/{rng.choice(['detail', 'action'])}"
    status, size, seconds = rng.choice([200, 202, 204, 404]), rng.randint(100, 3000), rng.random()
    return method, f'{_ip(rng)} "{method} {path} HTTP/1.1" status: {status} len: {size} time: {seconds:.7f}'


def _access_log(rng: random.Random) -> Line:
    method = rng.choice(["GET", "POST", "HEAD", "DELETE"])
    user = rng.choice(["-", "frank", "alice", "bob", "carol", "dave"])
    stamp = f"[{rng.randint(10, 28)}/Oct/2000:13:{rng.randint(10, 59)}:36 -0700]"
    target = rng.choice(["/", "/index.html", "/img/logo.gif", "/api/v1/items?id=7"])
    return (
        method,
        f'{_ip(rng)} - {user} {stamp} "{method} {target} HTTP/1.0" {rng.choice([200, 304])} {rng.randint(1, 9999)}',
    )


def _vm_lifecycle(rng: random.Random) -> Line:
    event = rng.choice(["Started", "Paused", "Resumed", "Stopped"])
    return event, f"[instance: {uuid.UUID(int=rng.getrandbits(128))}] VM {event} (Lifecycle Event)"


def _job_states(rng: random.Random) -> Line:
    old, new = rng.choice([("NEW", "RUNNING"), ("RUNNING", "SUCCEEDED"), ("RUNNING", "FAILED"), ("NEW", "KILLED")])
    return (
        f"{old}-{new}",
        f"job_{rng.randint(10**9, 10**10)}_{rng.randint(1, 99):04d} Job Transitioned from {old} to {new}",
    )


def _sessions(rng: random.Random) -> Line:
    user = rng.choice(["root", "test", "guest", "admin", "oracle", "nobody", "cyrus", "news"])
    if rng.random() < 0.5:
        return "opened", f"session opened for user {user} by (uid={rng.choice([0, 500])})"
    return "closed", f"session closed for user {user}"


def _connections(rng: random.Random) -> Line:
    host = rng.choice([_ip(rng), f"host{rng.randint(1, 99)}.example.net", "unknown", "mail.isp.org"])
    day, month = rng.choice(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]), rng.choice(["Jun", "Jul"])
    when = f"{day} {month} {rng.randint(1, 28):2d} {rng.randint(10, 23)}:{rng.randint(10, 59)}:05 2005"
    return "connection", f"connection from {_ip(rng)} ({host}) at {when}"


def _auth_failures(rng: random.Random) -> Line:
    logname = rng.choice(["", "bob", "alice", ""])
    rhost = rng.choice([_ip(rng), "gw.example.org", f"dsl-{rng.randint(1, 99)}.isp.net"])
    line = f"authentication failure; logname={logname} uid=0 euid=0 tty=NODEVssh ruser= rhost={rhost}"
    return "auth-failure", line


def _commands(rng: random.Random) -> Line:
    command = rng.choice(["ls", "rm -rf /tmp/x", "cp a b", "sync", "tar czf out.tgz dir"])
    return "command", f"Executing command '{command}' for job {rng.randint(1, 99)}"


def _durations(rng: random.Random) -> Line:
    took = rng.choice(["3 ms", "1.2 s", "15 sec", "250ms", "2.5s"])
    return "slow", f"request {rng.randint(1, 999)} took {took}"


FORMATS: dict[str, list[Callable[[random.Random], Line]]] = {
    "api-requests": [_api_request],
    "access-log": [_access_log],
    "vm-lifecycle": [_vm_lifecycle],
    "state-transitions": [_job_states],
    "sessions": [_sessions],
    "empty-or-named-values": [_auth_failures],
    "written-dates": [_connections],
    "quoted-values": [_commands],
    "duration-shapes": [_durations],
    "all-at-once": [_api_request, _access_log, _vm_lifecycle, _sessions, _connections, _commands, _auth_failures],
}


@pytest.mark.parametrize("kind", list(FORMATS), ids=list(FORMATS))
def test_each_event_is_one_pattern_and_each_pattern_one_event(kind: str) -> None:
    rng = random.Random(3)
    miner = TemplateMiner()
    placed = []
    for i in range(600):
        make = FORMATS[kind][i % len(FORMATS[kind])]
        event, line = make(rng)
        placed.append((f"{make.__name__}:{event}", miner.add(line, ts=float(i)).id))
    events_of: dict[str, set[str]] = defaultdict(set)
    patterns_of: dict[str, set[str]] = defaultdict(set)
    for event, cid in placed:
        final = miner.resolve(cid)
        events_of[final].add(event)
        patterns_of[event].add(final)
    assert all(len(e) == 1 for e in events_of.values()), (
        f"merged events: {[e for e in events_of.values() if len(e) > 1]}"
    )
    assert all(len(p) == 1 for p in patterns_of.values()), (
        f"split events: {[e for e, p in patterns_of.items() if len(p) > 1]}"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('1.2.3.4 "GET /x/7 HTTP/1.1" status: 200', '<*> "GET <*>" status: <*>'),
        ("run 'rm -rf /tmp/x' now", "run <*> now"),
        ('user said "Hello world"', "user said <*>"),
        ("at Fri Jul  1 04:44:20 2005 from x", "at <*> from x"),
        (
            "[instance: 3edec1e4-9678-4a3a-a21b-a145a4ee5e61] VM Paused (Lifecycle Event)",
            "[instance: <*> VM Paused (Lifecycle Event)",
        ),
    ],
    ids=[
        "request-line-keeps-its-method",
        "quoted-command-is-a-value",
        "quoted-phrase-is-a-value",
        "written-date",
        "bracketed-id-state-kept",
    ],
)
def test_masking_keeps_the_words_that_say_what_happened(line: str, expected: str) -> None:
    assert mask(line) == expected
