"""What the three client scripts share: the records they produce, the check that a partition
reads back exactly as produced, and the command line (SCRIPT SCENARIO BOOTSTRAP [ARG...]).

A scenario prints one line "OK <scenario>: <summary>" and exits 0, or prints
"FAIL <scenario>: <reason>" to stderr and exits 1. The TypeScript test asserts on both.
"""
import asyncio
import inspect
import random
import sys
import threading
import time
import traceback
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

Header = Tuple[str, Optional[bytes]]


class Rec(NamedTuple):
    key: Optional[bytes]
    value: Optional[bytes]
    headers: List[Header]
    timestamp: int


class Fail(Exception):
    """A check that did not hold; its message is the one-line reason."""


def check(cond: bool, message: str) -> None:
    if not cond:
        raise Fail(message)


def make_records(tag: str, n: int, base_ts: int, null_header_values: bool = True) -> List[Rec]:
    """Deterministic records covering what a byte-exact round trip must keep: null and empty keys
    and values, binary and compressible values, no headers, repeated and binary header values,
    null and empty header values, non-ASCII header keys, and explicit create timestamps.
    kafka-python accepts only bytes as header values, hence `null_header_values`."""
    rnd = random.Random(tag)
    out = []
    for i in range(n):
        key = None if i % 11 == 0 else (b'' if i % 37 == 1 else b'key-%d' % (i % 7))
        if i % 13 == 0 and key is not None:  # some clients refuse a record without key and value
            value = None
        elif i % 17 == 0:
            value = b''
        elif i % 5 == 0:
            value = rnd.randbytes(rnd.randrange(1, 400))
        else:
            value = f'{tag} #{i} '.encode() + b'compressible text ' * (1 + i % 9)
        headers: List[Header] = []
        if i % 4:
            headers += [('seq', str(i).encode()), ('tag', tag.encode())]
        if i % 6 == 0:
            headers += [('dup', b'one'), ('dup', b'two')]
        if i % 9 == 0:
            headers.append(('bin\u00e4r', rnd.randbytes(16)))
        if i % 10 == 0 and null_header_values:
            headers.append(('null', None))
        if i % 8 == 0:
            headers.append(('empty', b''))
        out.append(Rec(key, value, headers, base_ts + i * 3))
    return out


def now_ms() -> int:
    # Recent timestamps, so that no retention rule can take the records while the test runs.
    return int(time.time() * 1000) - 60_000


def check_log(what: str, produced: Dict[int, List[Rec]], consumed: Dict[int, List[Tuple[int, Rec]]],
              offsets: Optional[Dict[int, List[int]]] = None) -> int:
    """Each partition must hold exactly the records produced to it, in order, at offsets 0, 1, 2...
    `offsets` are the offsets the producer was told (absent with acks=0). Returns the count."""
    stray = sorted(p for p, recs in consumed.items() if recs and p not in produced)
    check(not stray, f'{what}: records read from partitions {stray}, never produced to')
    total = 0
    for p, want in sorted(produced.items()):
        got = consumed.get(p, [])
        check(len(got) == len(want), f'{what} partition {p}: {len(got)} records read back, {len(want)} produced')
        for n, ((offset, rec), exp) in enumerate(zip(got, want)):
            check(offset == n, f'{what} partition {p}: record #{n} at offset {offset}')
            check(rec == exp, f'{what} partition {p} offset {offset}: read {rec!r}, produced {exp!r}')
        if offsets is not None:
            check(offsets.get(p) == list(range(len(want))),
                  f'{what} partition {p}: producer was told offsets {offsets.get(p)}')
        total += len(got)
    return total


# The transactions scenario: five transactions over TXN_PARTITIONS partitions of one topic, their
# records sent round-robin (record i to partition i % TXN_PARTITIONS), in this order:
TXN_PARTITIONS = 4
TXNS = [
    ('first', 40, 'commit'),
    ('aborted', 24, 'abort'),        # every record acknowledged before the abort
    ('second', 20, 'commit'),        # then consumed, transformed and produced, offsets in the transaction
    ('zombie', 12, 'fenced'),        # the first producer's, aborted when a second one takes its id
    ('successor', 16, 'commit'),     # the second producer's
]


def txn_records(prefix: str, base_ts: int, null_header_values: bool = True) -> Dict[str, List[Tuple[int, Rec]]]:
    """{transaction: [(partition, record)]} for TXNS, each transaction's records distinct."""
    out = {}
    for name, n, _ in TXNS:
        recs = make_records(f'{prefix}-{name}', n, base_ts, null_header_values)
        out[name] = [(i % TXN_PARTITIONS, r) for i, r in enumerate(recs)]
    return out


def txn_expected(batches: Dict[str, List[Tuple[int, Rec]]], names: List[str]) -> Dict[int, List[Rec]]:
    """What a partition must hold of the transactions `names`, in the order TXNS ran them."""
    out: Dict[int, List[Rec]] = {p: [] for p in range(TXN_PARTITIONS)}
    for name, _, _ in TXNS:
        if name in names:
            for p, r in batches[name]:
                out[p].append(r)
    return out


def open_txn_offsets(batches: Dict[str, List[Tuple[int, Rec]]]) -> Tuple[Dict[int, int], Dict[int, int]]:
    """(last stable offset, log end) of each partition while the zombie's transaction is open:
    the three transactions before it and their markers are stable, the zombie's records not."""
    names = [name for name, _, _ in TXNS]
    done = names[:names.index('zombie')]
    before = txn_expected(batches, done)
    zombie = txn_expected(batches, ['zombie'])
    lso = {p: len(before[p]) + len(done) for p in range(TXN_PARTITIONS)}
    return lso, {p: lso[p] + len(zombie[p]) for p in range(TXN_PARTITIONS)}


def check_txn_log(what: str, want: Dict[int, List[Rec]], consumed: Dict[int, List[Tuple[int, Rec]]]) -> int:
    """Each partition must yield exactly the records in `want`, in order, each once, at rising
    offsets (transaction markers take offsets too, so there are gaps). Returns the count."""
    stray = sorted(p for p, recs in consumed.items() if recs and p not in want)
    check(not stray, f'{what}: records read from partitions {stray}, never produced to')
    total = 0
    for p, exp in sorted(want.items()):
        got = consumed.get(p, [])
        offsets = [o for o, _ in got]
        check(all(a < b for a, b in zip(offsets, offsets[1:])), f'{what} partition {p}: offsets not rising: {offsets}')
        recs = [r for _, r in got]
        if recs != exp:
            i = next((i for i, (a, b) in enumerate(zip(recs, exp)) if a != b), min(len(recs), len(exp)))
            raise Fail(f'{what} partition {p}: {len(recs)} records read, {len(exp)} expected; first difference at '
                       f'#{i} (offset {offsets[i] if i < len(offsets) else None}): read '
                       f'{recs[i] if i < len(recs) else None!r}, expected {exp[i] if i < len(exp) else None!r}')
        total += len(recs)
    return total


def check_txn_readback(topic: str, out_topic: str, ends: Dict[int, int], out_ends: Dict[int, int],
                       batches: Dict[str, List[Tuple[int, Rec]]], consumed: List[Tuple[int, int, Rec]],
                       committed: Dict[int, List[Tuple[int, Rec]]], everything_read: Dict[int, List[Tuple[int, Rec]]],
                       out_read: Dict[int, List[Tuple[int, Rec]]], fenced: str) -> str:
    """The transactions scenario's read-back, the same for every client: the log ends (one
    marker per transaction per partition), what read_committed and read_uncommitted read of
    `topic`, and what read_committed reads of the transformed records in `out_topic` (one
    transaction, so one marker per partition). Returns the scenario's summary."""
    everything = txn_expected(batches, [name for name, _, _ in TXNS])
    for p in range(TXN_PARTITIONS):
        check(ends[p] == len(everything[p]) + len(TXNS), f'{topic}-{p}: log end {ends[p]}, {len(everything[p])} records and {len(TXNS)} markers written')
    committed_recs = txn_expected(batches, [name for name, _, end in TXNS if end == 'commit'])
    n_committed = check_txn_log('read_committed', committed_recs, committed)
    n_all = check_txn_log('read_uncommitted', everything, everything_read)
    transformed: Dict[int, List[Rec]] = {p: [] for p in range(TXN_PARTITIONS)}
    for part, offset, r in consumed:
        transformed[part].append(Rec(r.key, b'%d@%d' % (part, offset), [], 0))
    for p in range(TXN_PARTITIONS):
        check(out_ends[p] == len(transformed[p]) + 1, f'{out_topic}-{p}: log end {out_ends[p]}, {len(transformed[p])} records and a marker written')
    check_txn_log(f'{out_topic} read_committed', transformed,
                  {p: [(o, Rec(r.key, r.value, [], 0)) for o, r in recs] for p, recs in out_read.items()})
    return (f'{n_committed} committed and {n_all - n_committed} aborted records in {TXN_PARTITIONS} partitions: '
            f'read_committed reads the {n_committed} exactly once (and stops at the last stable offset while a '
            f'transaction is open), read_uncommitted all {n_all}; '
            f'consume-transform-produce of {len(consumed)} records, group offsets committed in the transaction; '
            f'zombie fenced ({fenced})')


def expect_error(what: str, fn: Callable[[], object], within_s: float) -> str:
    """Runs fn, which must raise within `within_s` seconds; returns the error's text."""
    start = time.monotonic()
    try:
        result = fn()
    except Fail:
        raise
    except Exception as e:  # the client's own error type is the point here, whatever it is
        took = time.monotonic() - start
        check(took <= within_s, f'{what}: failed only after {took:.1f}s (bound {within_s}s): {e}')
        return f'{type(e).__name__}: {e}'
    raise Fail(f'{what}: succeeded ({result!r}) where an error was expected')


def bounded(what: str, fn: Callable[[], object], within_s: float) -> object:
    """fn() on a daemon thread: its result or its error, or Fail if it has neither after
    `within_s` seconds (for client calls that wait without a bound of their own)."""
    box: Dict[str, object] = {}

    def run():
        try:
            box['result'] = fn()
        except BaseException as e:  # re-raised on the caller's thread
            box['error'] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(within_s)
    if t.is_alive():
        raise Fail(f'{what}: no answer within {within_s}s')
    if 'error' in box:
        raise box['error']  # type: ignore[misc]
    return box.get('result')


def wait_until(what: str, cond: Callable[[], bool], timeout_s: float = 20.0, step_s: float = 0.05) -> None:
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            raise Fail(f'timed out after {timeout_s}s waiting for {what}')
        time.sleep(step_s)


def members_healthy(members) -> bool:
    """True, or Fail with the first error one of the thread-backed members recorded."""
    for m in members:
        if m.error:
            raise Fail(f'{m.name_}: {m.error!r}')
    return True


def share_between(m1, m2, strategy: str) -> Tuple[List[int], List[int]]:
    """Starts two thread-backed group members on a six-partition topic: the first takes every
    partition, then the second joins and they share it three and three (contiguous ranges under
    range, alternate partitions under roundrobin). Each member has .start(), .assigned (a set of
    partitions), .error and .name_. Returns both shares."""
    def healthy() -> bool:
        return members_healthy([m1, m2])

    m1.start()
    wait_until('m1 to own all 6 partitions', lambda: healthy() and len(m1.assigned) == 6)
    m2.start()
    wait_until('the two members to share the partitions',
               lambda: healthy() and len(m1.assigned) == 3 and len(m2.assigned) == 3
               and m1.assigned | m2.assigned == set(range(6)))
    shared = (sorted(m1.assigned), sorted(m2.assigned))
    if strategy == 'range':
        check(all(s[-1] - s[0] == 2 for s in shared), f'range gave non-contiguous ranges {shared}')
    if strategy == 'roundrobin':
        check({tuple(s) for s in shared} == {(0, 2, 4), (1, 3, 5)}, f'roundrobin gave {shared}')
    return shared


def main(scenarios: Dict[str, Callable[..., str]]) -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in scenarios:
        sys.exit(f'usage: {sys.argv[0]} {{{"|".join(scenarios)}}} BOOTSTRAP [ARG...]')
    name, args = sys.argv[1], sys.argv[2:]
    started = time.monotonic()
    try:
        summary = scenarios[name](*args)
        if inspect.iscoroutine(summary):
            summary = asyncio.run(summary)
    except BaseException as e:  # also asyncio's CancelledError, which a client's cleanup may raise
        # A failed check may have been masked by an error while cleaning up after it.
        cause = e
        while cause is not None and not isinstance(cause, Fail):
            cause = cause.__context__
        if cause is not None:
            print(f'FAIL {name}: {cause}', file=sys.stderr, flush=True)
        else:
            print(f'FAIL {name}: unexpected {type(e).__name__}: {e}', file=sys.stderr)
            traceback.print_exc()
            sys.stderr.flush()
        sys.exit(1)
    print(f'OK {name}: {summary} ({time.monotonic() - started:.1f}s)', flush=True)
