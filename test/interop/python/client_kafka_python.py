"""kafka-python scenarios against a Spindle broker.

  produce BOOTSTRAP          every codec x acks 0/1/all, plus idempotence with every codec; read back byte-exact
  groups BOOTSTRAP ASSIGNOR  (range|roundrobin|sticky) two members, one leaving mid-stream; commits;
                             assign, seek, committed, position, offsets_for_times
  admin BOOTSTRAP            KafkaAdminClient: topics, configs, partitions, groups, group offsets
  admin-cluster BOOTSTRAP    KafkaAdminClient calls that read cluster metadata: describe_cluster,
                             list_topics, describe_topics, delete_records
  transactions BOOTSTRAP     commit, abort, consume-transform-produce (send_offsets_to_transaction), a fenced
                             zombie; read back read_committed and read_uncommitted
"""
import threading
import time
from collections import defaultdict
from typing import Dict, List, Set, Tuple

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from kafka.errors import CommitFailedError, NoError, NonEmptyGroupError, RebalanceInProgressError
from kafka.structs import OffsetAndMetadata

from common import (TXN_PARTITIONS, TXNS, Fail, Rec, bounded, check, check_log, check_txn_log, expect_error, main, make_records,
                    members_healthy, now_ms, open_txn_offsets, share_between, txn_expected, txn_records, wait_until, check_txn_readback)

CODECS = [None, 'gzip', 'snappy', 'lz4', 'zstd']
ASSIGNORS = {'range': RangePartitionAssignor, 'roundrobin': RoundRobinPartitionAssignor, 'sticky': StickyPartitionAssignor}
TIMEOUT_MS = 15_000


def rec_of(r) -> Rec:
    return Rec(r.key, r.value, list(r.headers), r.timestamp)


def read_all(bootstrap: str, topics: List[str]) -> Dict[str, Dict[int, List[Tuple[int, Rec]]]]:
    """Every record of every partition of `topics`, from offset 0 to the high watermark."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100,
                      auto_offset_reset='earliest')
    try:
        tps = [TopicPartition(t, p) for t in topics for p in sorted(c.partitions_for_topic(t) or [])]
        check({tp.topic for tp in tps} == set(topics), f'topics missing from metadata: {set(topics) - {tp.topic for tp in tps}}')
        c.assign(tps)
        check(all(v == 0 for v in c.beginning_offsets(tps).values()), 'a log does not start at offset 0')
        ends = c.end_offsets(tps)
        c.seek_to_beginning()
        out: Dict[str, Dict[int, List[Tuple[int, Rec]]]] = {t: defaultdict(list) for t in topics}
        left = sum(ends.values())
        deadline = time.monotonic() + 60
        while left > 0:
            check(time.monotonic() < deadline, f'reading back: {left} records never arrived')
            for tp, records in c.poll(timeout_ms=200, max_records=1000).items():
                for r in records:
                    check(r.timestamp_type == 0, f'{tp}@{r.offset}: timestamp type {r.timestamp_type}, not CreateTime')
                    if r.offset < ends[tp]:
                        out[tp.topic][tp.partition].append((r.offset, rec_of(r)))
                        left -= 1
        return out
    finally:
        c.close()


def produce(bootstrap: str, count: str = '150') -> str:
    n = int(count)
    base = now_ms()
    plans = [(codec, acks, False) for codec in CODECS for acks in (0, 1, 'all')]
    plans += [(codec, 'all', True) for codec in CODECS]
    produced: Dict[str, Dict[int, List[Rec]]] = {}
    told: Dict[str, Dict[int, List[int]]] = {}
    # acks=0 has no delivery guarantee, so its topics exist before the first send; the others
    # are created by the producer's Metadata request (auto.create.topics.enable, num.partitions=3).
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    acks0 = [f'kp-{codec or "none"}-acks0' for codec in CODECS]
    admin.create_topics([NewTopic(t, 3, 1) for t in acks0])
    admin.close()
    watcher = KafkaConsumer(bootstrap_servers=bootstrap)
    # Ready means every partition answers ListOffsets (Kafka may take a moment after CreateTopics);
    # end_offsets retries until then.
    watcher.end_offsets([TopicPartition(t, p) for t in acks0 for p in range(3)])
    for codec, acks, idempotent in plans:
        topic = f'kp-{codec or "none"}-' + ('idempotent' if idempotent else f'acks{acks}')
        # kafka-python 2.x queues an acks=0 Produce request without waking its network loop, so
        # the bytes leave only with the next request on that connection (Apache Kafka loses them
        # the same way): frequent metadata refreshes provide those requests.
        extra = {'metadata_max_age_ms': 100} if acks == 0 else {}
        p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, acks=acks,
                          enable_idempotence=idempotent, linger_ms=10, **extra)
        recs = make_records(topic, n, base, null_header_values=False)
        futures = [p.send(topic, key=r.key, value=r.value, headers=r.headers, timestamp_ms=r.timestamp) for r in recs]
        p.flush(timeout=TIMEOUT_MS / 1000)
        if acks == 0:
            tps = [TopicPartition(topic, i) for i in range(3)]
            wait_until(f'{topic}: {n} records to arrive', lambda: sum(watcher.end_offsets(tps).values()) >= n, step_s=0.1)
        parts: Dict[int, List[Rec]] = defaultdict(list)
        offsets: Dict[int, List[int]] = defaultdict(list)
        for r, f in zip(recs, futures):
            meta = f.get(timeout=TIMEOUT_MS / 1000)
            parts[meta.partition].append(r)
            offsets[meta.partition].append(meta.offset)
        p.close()
        check(len(parts) == 3, f'{topic}: records went to partitions {sorted(parts)}, expected 0, 1 and 2')
        produced[topic] = parts
        if acks != 0:  # acks=0 never learns offsets
            told[topic] = offsets
    watcher.close()
    got = read_all(bootstrap, list(produced))
    total = sum(check_log(t, produced[t], got[t], told.get(t)) for t in produced)
    return f'{len(produced)} topics, {total} records byte-exact'


class Member(threading.Thread):
    """A group member on its own thread: polls, commits after every batch, and records what it saw
    and every assignment. With `leave_after_batch` set it leaves after its next committed batch."""

    def __init__(self, name: str, bootstrap: str, group: str, topic: str, assignor: str,
                 seen: List[Tuple[str, int, int]], lock: threading.Lock):
        super().__init__(daemon=True)
        self.name_, self.topic, self.seen, self.lock = name, topic, seen, lock
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, client_id=name,
            partition_assignment_strategy=[ASSIGNORS[assignor]], enable_auto_commit=False,
            auto_offset_reset='earliest', session_timeout_ms=6000, heartbeat_interval_ms=500,
            fetch_max_wait_ms=100)
        self.assigned: Set[int] = set()
        self.leave_after_batch = threading.Event()
        self.stop = threading.Event()
        self.left = threading.Event()
        self.error = None
        self.commit_failures = 0

    def run(self):
        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                member.assigned = set()

            def on_partitions_assigned(self, assigned):
                member.assigned = {tp.partition for tp in assigned}

        try:
            self.consumer.subscribe([self.topic], listener=Listener())
            while not self.stop.is_set():
                batch = self.consumer.poll(timeout_ms=100, max_records=20)
                pending = {}
                for tp, records in batch.items():
                    with self.lock:
                        self.seen.extend((self.name_, tp.partition, r.offset) for r in records)
                    pending[tp] = OffsetAndMetadata(records[-1].offset + 1, '', -1)
                if pending:
                    try:
                        self.consumer.commit(pending)
                    except (CommitFailedError, RebalanceInProgressError):
                        # A commit racing a rebalance is refused, as with Kafka; the records come again.
                        self.commit_failures += 1
                        continue
                if pending and self.leave_after_batch.is_set():
                    break
        except Exception as e:  # reported by the main thread
            self.error = e
        finally:
            self.consumer.close(autocommit=False)  # LeaveGroup
            self.left.set()


def produce_keyed(bootstrap: str, topic: str, start: int, n: int) -> None:
    p = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    futures = [p.send(topic, key=b'%d' % i, value=b'record %d' % i) for i in range(start, start + n)]
    p.flush(timeout=TIMEOUT_MS / 1000)
    for f in futures:
        f.get(timeout=TIMEOUT_MS / 1000)
    p.close()


def groups(bootstrap: str, assignor: str) -> str:
    topic = group = f'kp-group-{assignor}'
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 6, 1)])
    admin.close()
    produce_keyed(bootstrap, topic, 0, 600)

    seen: List[Tuple[str, int, int]] = []
    lock = threading.Lock()
    m1 = Member('m1', bootstrap, group, topic, assignor, seen, lock)
    m2 = Member('m2', bootstrap, group, topic, assignor, seen, lock)
    members = [m1, m2]

    def healthy():
        return members_healthy(members)

    try:
        shared = share_between(m1, m2, assignor)
        m2.leave_after_batch.set()
        produce_keyed(bootstrap, topic, 600, 600)
        wait_until('m2 to consume a batch and leave', lambda: healthy() and m2.left.is_set())
        check(m2.error is None, f'm2: {m2.error!r}')
        wait_until('m1 to take over every partition', lambda: healthy() and len(m1.assigned) == 6)
        if assignor == 'sticky':
            # Sticky: m1 keeps the partitions it had and gains m2's.
            check(set(shared[0]) <= m1.assigned, f'sticky: m1 lost some of {shared[0]}')
        produce_keyed(bootstrap, topic, 1200, 300)
        total = 1500
        wait_until('every record to be consumed',
                   lambda: healthy() and len({(p, o) for _, p, o in seen}) >= total, timeout_s=30)
        m1.stop.set()
        m1.join(TIMEOUT_MS / 1000)
        check(m1.error is None, f'm1: {m1.error!r}')
    finally:
        for m in members:
            m.stop.set()

    check(any(name == 'm2' for name, _, _ in seen), 'm2 consumed nothing before leaving')
    taken_over = [(p, o) for name, p, o in seen if name == 'm1' and p in shared[1] and o < 1200]
    check(taken_over, "m1 read none of m2's unconsumed records after it left")
    positions = {(p, o) for _, p, o in seen}
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(topic, p) for p in range(6)]
        ends = {tp.partition: o for tp, o in c.end_offsets(tps).items()}
        check(sum(ends.values()) == total, f'log ends {ends} hold {sum(ends.values())} records, {total} produced')
        lost = [(p, o) for p in range(6) for o in range(ends[p]) if (p, o) not in positions]
        check(not lost, f'records never consumed: {lost[:10]}')
        committed = {tp.partition: c.committed(tp) for tp in tps}
        check(committed == ends, f'committed offsets {committed}, log ends {ends}')

        # Manual assignment outside the group protocol: seek, position, offsets_for_times.
        tp0 = tps[0]
        c.assign([tp0])
        c.seek(tp0, 5)
        first = poll_one(c)
        check(first.offset == 5, f'seek to 5 gave offset {first.offset}')
        c.seek(tp0, 2)
        second = poll_one(c)
        check(second.offset == 2, f'seek to 2 gave offset {second.offset}')
        c.seek(tp0, 3)
        check(c.position(tp0) == 3, f'position after seek to 3: {c.position(tp0)}')
        found = c.offsets_for_times({tp0: second.timestamp})[tp0]
        check(found is not None and found.offset <= 2, f'offsets_for_times({second.timestamp}) = {found}')
    finally:
        c.close(autocommit=False)
    dupes = len(seen) - len(positions)
    return (f'{assignor}: {total} records, none lost ({dupes} read twice, {m1.commit_failures + m2.commit_failures} '
            f'commits refused mid-rebalance), shared {shared[0]}/{shared[1]}, committed = log end')


def poll_one(c: KafkaConsumer):
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        for records in c.poll(timeout_ms=200, max_records=1).values():
            if records:
                return records[0]
    raise Fail('no record arrived')


def errors_of(response, field='topic_errors') -> Dict[str, int]:
    return {e[0]: e[1] for e in getattr(response, field)}


def configs_of(responses) -> Dict[str, Tuple[str, int]]:
    """{name: (value, source)} of one DescribeConfigs resource."""
    (resp,) = responses
    (res,) = resp.resources
    check(res[0] == 0, f'describe_configs {res[3]}: error {res[0]} {res[1]}')
    return {e[0]: (e[1], e[3]) for e in res[4]}


def admin(bootstrap: str) -> str:
    a = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_MS)
    topic, other = 'kp-admin', 'kp-admin-plain'
    r = a.create_topics([NewTopic(topic, 2, 1, topic_configs={'retention.ms': '86400000', 'max.message.bytes': '200000'}),
                         NewTopic(other, 1, 1)])
    check(errors_of(r) == {topic: 0, other: 0}, f'create_topics: {r}')
    e = expect_error('creating an existing topic', lambda: a.create_topics([NewTopic(topic, 2, 1)]), TIMEOUT_MS / 1000)
    check('TopicAlreadyExists' in e, f'creating an existing topic: {e}')

    # Config sources: 1 DYNAMIC_TOPIC_CONFIG, 2 DYNAMIC_BROKER_CONFIG, 4 STATIC_BROKER_CONFIG, 5 DEFAULT_CONFIG.
    def expect_configs(what: str, kind, name: str, want: Dict[str, Tuple[str, int]]) -> None:
        """Describes the resource until the configs in `want` have those (value, source): Kafka
        applies altered configs asynchronously, so they may show a moment after the answer."""
        got = {}

        def matches():
            nonlocal got
            cfg = configs_of(a.describe_configs([ConfigResource(kind, name, {k: None for k in want})]))
            got = {k: cfg.get(k) for k in want}
            return got == want

        try:
            wait_until(what, matches, timeout_s=10, step_s=0.1)
        except Fail:
            raise Fail(f'{what}: {name} configs {got}, expected {want}')

    TOPIC, BROKER = ConfigResourceType.TOPIC, ConfigResourceType.BROKER
    expect_configs('created topic', TOPIC, topic, {'retention.ms': ('86400000', 1), 'segment.bytes': ('1073741824', 5)})
    # The test's brokers run with num.partitions=3 (see python.test.ts).
    expect_configs('broker', BROKER, '1', {'num.partitions': ('3', 4)})

    # AlterConfigs replaces the whole set of a topic's overrides: max.message.bytes goes back to its default.
    r = a.alter_configs([ConfigResource(TOPIC, topic, {'retention.ms': '7200000'})])
    check([res[0] for res in r.resources] == [0], f'alter_configs topic: {r}')
    expect_configs('alter_configs', TOPIC, topic, {'retention.ms': ('7200000', 1), 'max.message.bytes': ('1048588', 5)})
    r = a.alter_configs([ConfigResource(TOPIC, topic, {'retention.ms': 'soon'})])
    check([res[0] for res in r.resources] == [40], f'alter_configs with a bad value: {r}')  # 40 = INVALID_CONFIG

    r = a.alter_configs([ConfigResource(BROKER, '1', {'log.retention.ms': '123456789'})])
    check([res[0] for res in r.resources] == [0], f'alter_configs broker: {r}')
    expect_configs('broker alter_configs', BROKER, '1', {'log.retention.ms': ('123456789', 2)})
    expect_configs('topic under a broker value', TOPIC, other, {'retention.ms': ('123456789', 2)})
    a.alter_configs([ConfigResource(BROKER, '1', {})])
    expect_configs('topic after the broker value went', TOPIC, other, {'retention.ms': ('604800000', 5)})

    r = a.create_partitions({topic: NewPartitions(4)})
    check(errors_of(r) == {topic: 0}, f'create_partitions: {r}')
    e = expect_error('shrinking partitions', lambda: a.create_partitions({topic: NewPartitions(2)}), TIMEOUT_MS / 1000)
    check('InvalidPartitions' in e, f'shrinking partitions: {e}')

    # Groups: one with a live member (Stable), one holding only committed offsets (Empty).
    live, idle = 'kp-admin-live', 'kp-admin-idle'
    c_idle = KafkaConsumer(bootstrap_servers=bootstrap, group_id=idle, enable_auto_commit=False)
    c_idle.commit({TopicPartition(topic, 0): OffsetAndMetadata(0, 'meta', -1), TopicPartition(topic, 3): OffsetAndMetadata(0, '', -1)})
    c_idle.close(autocommit=False)
    c_live = KafkaConsumer(bootstrap_servers=bootstrap, group_id=live, client_id='live-member', enable_auto_commit=False,
                           session_timeout_ms=6000, heartbeat_interval_ms=500)
    c_live.subscribe([topic])
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not c_live.assignment():
        check(time.monotonic() < deadline, 'live group member never got an assignment')
        c_live.poll(timeout_ms=100)
    try:
        listed = {g[0]: g[1] for g in a.list_consumer_groups()}
        check(listed.get(live) == 'consumer' and listed.get(idle) == '', f'list_consumer_groups: {listed}')  # protocol types
        dl, di = a.describe_consumer_groups([live, idle])
        check(dl.state == 'Stable' and dl.protocol_type == 'consumer' and dl.protocol == 'range' and len(dl.members) == 1,
              f'describe {live}: {dl}')
        check(dl.members[0].client_id == 'live-member', f'describe {live} member: {dl.members[0]}')
        assignment = dl.members[0].member_assignment
        check(sorted(p for _, ps in assignment.assignment for p in ps) == [0, 1, 2, 3], f'describe {live} assignment: {assignment}')
        check(di.state == 'Empty' and not di.members, f'describe {idle}: {di}')
        offsets = a.list_consumer_group_offsets(idle)
        got = {(tp.topic, tp.partition): (om.offset, om.metadata) for tp, om in offsets.items()}
        check(got == {(topic, 0): (0, 'meta'), (topic, 3): (0, '')}, f'list_consumer_group_offsets {idle}: {got}')
        only = a.list_consumer_group_offsets(idle, partitions=[TopicPartition(topic, 3)])
        check({tp.partition: om.offset for tp, om in only.items()} == {3: 0}, f'list_consumer_group_offsets one partition: {only}')
        r = a.delete_consumer_groups([live, idle])
        check(dict(r) == {live: NonEmptyGroupError, idle: NoError}, f'delete_consumer_groups: {r}')
    finally:
        c_live.close(autocommit=False)
    left = {g[0] for g in a.list_consumer_groups()}
    check(idle not in left and live in left, f'groups after delete_consumer_groups: {left}')

    r = a.delete_topics([topic, other])
    check(errors_of(r, 'topic_error_codes') == {topic: 0, other: 0}, f'delete_topics: {r}')
    e = expect_error('deleting a missing topic', lambda: a.delete_topics([topic]), TIMEOUT_MS / 1000)
    check('UnknownTopicOrPartition' in e, f'deleting a missing topic: {e}')
    a.close()
    return 'create/delete topics, describe/alter configs (topic and broker), create_partitions, groups, group offsets'


def call(what: str, fn, *args):
    """fn(*args), with any error the client raises reported as the failure of `what`."""
    try:
        return fn(*args)
    except Exception as e:
        raise Fail(f'{what}: {type(e).__name__}: {e}') from e


def admin_cluster(bootstrap: str) -> str:
    """These calls send Metadata v8 asking for the cluster's and topics' authorized operations."""
    a = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_MS)
    topic = 'kp-cluster'
    a.create_topics([NewTopic(topic, 2, 1)])
    cluster = call('describe_cluster', a.describe_cluster)
    host, port = bootstrap.rsplit(':', 1)
    check(cluster['controller_id'] == 1 and cluster['cluster_id'], f'describe_cluster: {cluster}')
    check([(b['node_id'], b['host'], b['port']) for b in cluster['brokers']] == [(1, host, int(port))],
          f"describe_cluster brokers: {cluster['brokers']}")
    topics = call('list_topics', a.list_topics)
    check(topic in topics, f'list_topics: {topics}')
    (desc,) = call('describe_topics', a.describe_topics, [topic])
    check(desc['error_code'] == 0 and [(p['partition'], p['leader'], p['replicas'], p['isr']) for p in
                                        sorted(desc['partitions'], key=lambda p: p['partition'])]
          == [(0, 1, [1], [1]), (1, 1, [1], [1])], f'describe_topics: {desc}')

    p = KafkaProducer(bootstrap_servers=bootstrap)
    for i in range(50):
        p.send(topic, value=b'%d' % i, partition=0)
    p.flush()
    p.close()
    low = call('delete_records', a.delete_records, {TopicPartition(topic, 0): 20})
    check(low[TopicPartition(topic, 0)]['low_watermark'] == 20, f'delete_records: {low}')
    c = KafkaConsumer(bootstrap_servers=bootstrap)
    start = c.beginning_offsets([TopicPartition(topic, 0)])[TopicPartition(topic, 0)]
    c.close()
    check(start == 20, f'log start after delete_records: {start}')
    a.delete_topics([topic])
    a.close()
    return 'describe_cluster, list_topics, describe_topics, delete_records'


def read_txn(bootstrap: str, topic: str, isolation: str, ends: Dict[int, int]) -> Dict[int, List[Tuple[int, Rec]]]:
    """Every record a consumer at `isolation` is given from offset 0 until its position reaches
    `ends`, which it must not pass: the log end after the last transaction (a read_committed
    position passes the last marker once that is written), or the last stable offset while a
    transaction is open."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100,
                      auto_offset_reset='earliest', isolation_level=isolation)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(ends)]
        c.assign(tps)
        c.seek_to_beginning()
        out: Dict[int, List[Tuple[int, Rec]]] = defaultdict(list)
        deadline = time.monotonic() + 30
        while True:
            for tp, records in c.poll(timeout_ms=200, max_records=1000).items():
                out[tp.partition].extend((r.offset, rec_of(r)) for r in records)
            positions = {tp.partition: c.position(tp) for tp in tps}
            if all(positions[p] >= end for p, end in ends.items()):
                check(positions == ends, f'{isolation} reading {topic}: positions {positions} beyond {ends}')
                return out
            check(time.monotonic() < deadline, f'{isolation} reading {topic}: positions {positions}, log ends {ends}')
    finally:
        c.close(autocommit=False)


def transactions(bootstrap: str) -> str:
    """Commit, abort, consume-transform-produce with the offsets in the transaction, a fenced
    zombie; read back read_committed (each committed record once, no aborted one) and
    read_uncommitted (all of them)."""
    topic, out_topic, group, txn_id = 'kp-txn', 'kp-txn-out', 'kp-txn-ctp', 'kp-txn'
    bound = TIMEOUT_MS / 1000  # commit_transaction and friends wait without a bound of their own
    a = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_MS)
    r = a.create_topics([NewTopic(t, TXN_PARTITIONS, 1) for t in (topic, out_topic)])
    check(errors_of(r) == {topic: 0, out_topic: 0}, f'create_topics: {r}')
    batches = txn_records(topic, now_ms(), null_header_values=False)

    def txn_call(what: str, fn, *args):
        try:
            return bounded(what, lambda: fn(*args), bound)
        except Fail:
            raise
        except Exception as e:
            raise Fail(f'{what}: {type(e).__name__}: {e}') from e

    def send_all(p: KafkaProducer, name: str) -> None:
        """Produces a transaction's records and waits for every acknowledgement."""
        futures = [p.send(topic, key=r.key, value=r.value, headers=r.headers, timestamp_ms=r.timestamp, partition=part)
                   for part, r in batches[name]]
        p.flush(timeout=bound)
        for f in futures:
            txn_call(f'{name}: delivery', f.get, bound)

    p1 = KafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, linger_ms=5, max_block_ms=TIMEOUT_MS)
    txn_call('init_transactions', p1.init_transactions)
    for name, _, end in TXNS[:3]:  # first, aborted, second
        txn_call(f'{name}: begin_transaction', p1.begin_transaction)
        send_all(p1, name)
        if end == 'commit':
            txn_call(f'{name}: commit_transaction', p1.commit_transaction)
        else:
            txn_call(f'{name}: abort_transaction', p1.abort_transaction)

    # Consume-transform-produce: a group member reads the committed records read_committed and
    # the same producer writes one record per record read, with the consumer's positions
    # committed to its group in that transaction.
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, isolation_level='read_committed',
                      enable_auto_commit=False, auto_offset_reset='earliest', session_timeout_ms=6000,
                      heartbeat_interval_ms=500, fetch_max_wait_ms=100)
    try:
        c.subscribe([topic])
        want = sum(len(v) for v in txn_expected(batches, ['first', 'second']).values())
        consumed: List[Tuple[int, int, Rec]] = []
        deadline = time.monotonic() + 30
        while len(consumed) < want:
            check(time.monotonic() < deadline, f'consume-transform-produce: {len(consumed)} of {want} committed records read')
            for tp, records in c.poll(timeout_ms=200).items():
                consumed.extend((tp.partition, r.offset, rec_of(r)) for r in records)
        check(len(consumed) == want, f'consume-transform-produce: {len(consumed)} records read, {want} committed')
        assignment = sorted(c.assignment())
        check([tp.partition for tp in assignment] == list(range(TXN_PARTITIONS)), f'assignment {assignment}')
        txn_call('consume-transform-produce: begin_transaction', p1.begin_transaction)
        futures = [p1.send(out_topic, key=r.key, value=b'%d@%d' % (part, offset), partition=part) for part, offset, r in consumed]
        sent = {tp.partition: c.position(tp) for tp in assignment}
        txn_call('send_offsets_to_transaction', p1.send_offsets_to_transaction,
                 {TopicPartition(topic, p): OffsetAndMetadata(o, '', -1) for p, o in sent.items()}, group)
        pending = a.list_consumer_group_offsets(group)
        check(not pending, f'offsets pending in the transaction, listed before its commit: {pending}')
        txn_call('consume-transform-produce: commit_transaction', p1.commit_transaction)
        for f in futures:
            txn_call('consume-transform-produce: delivery', f.get, bound)
        for part, offset, _ in consumed:
            check(sent[part] > offset, f'position {sent[part]} of partition {part} is not past offset {offset} read')
        # kafka-python's OffsetFetch does not ask for stable offsets (requireStable), so Kafka may
        # answer the previous ones until the commit marker reaches the group's offsets partition.
        committed = {}

        def offsets_committed():
            committed.update({tp.partition: c.committed(tp) for tp in assignment})
            return committed == sent

        try:
            wait_until('the transaction\'s offsets to show', offsets_committed, timeout_s=10, step_s=0.1)
        except Fail:
            raise Fail(f'committed offsets {committed}, sent to the transaction {sent}')
    finally:
        c.close(autocommit=False)
    listed = {tp.partition: om.offset for tp, om in a.list_consumer_group_offsets(group).items() if tp.topic == topic}
    check(listed == sent, f'list_consumer_group_offsets {group}: {listed}, sent to the transaction {sent}')

    # Zombie fencing: a second producer with the same transactional id takes over while the
    # first has a transaction open (with acknowledged records); the first one's commit fails.
    txn_call('zombie: begin_transaction', p1.begin_transaction)
    send_all(p1, 'zombie')
    # While it is open, the last stable offset holds at its first record: ListOffsets
    # read_committed answers it, and a read_committed consumer stops there.
    lso, hw = open_txn_offsets(batches)
    latest = {}
    for iso in ('read_committed', 'read_uncommitted'):
        probe = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level=iso)
        latest[iso] = {tp.partition: o for tp, o in probe.end_offsets([TopicPartition(topic, p) for p in range(TXN_PARTITIONS)]).items()}
        probe.close()
    check(latest['read_committed'] == lso and latest['read_uncommitted'] == hw,
          f"with a transaction open, end_offsets: read_committed {latest['read_committed']}, "
          f"read_uncommitted {latest['read_uncommitted']}; expected {lso} and {hw}")
    check_txn_log('read_committed with a transaction open', txn_expected(batches, ['first', 'second']),
                  read_txn(bootstrap, topic, 'read_committed', lso))
    p2 = KafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, linger_ms=5, max_block_ms=TIMEOUT_MS)
    txn_call('second producer: init_transactions', p2.init_transactions)
    # EndTxn before v2 (kafka-python sends v1 to a broker it takes for 2.4) answers a fenced
    # producer INVALID_PRODUCER_EPOCH; v2 answers PRODUCER_FENCED.
    e = expect_error('the fenced producer\'s commit_transaction', lambda: bounded('fenced commit', p1.commit_transaction, bound), bound)
    check('InvalidProducerEpoch' in e or 'ProducerFenced' in e, f'fenced commit: {e}')
    fenced = e.split(':')[0]
    p1.close(timeout=1)
    txn_call('successor: begin_transaction', p2.begin_transaction)
    send_all(p2, 'successor')
    txn_call('successor: commit_transaction', p2.commit_transaction)
    p2.close(timeout=5)

    # Read back. The log end counts one marker per transaction per partition.
    probe = KafkaConsumer(bootstrap_servers=bootstrap)
    ends = {tp.partition: o for tp, o in probe.end_offsets([TopicPartition(topic, p) for p in range(TXN_PARTITIONS)]).items()}
    out_ends = {tp.partition: o for tp, o in probe.end_offsets([TopicPartition(out_topic, p) for p in range(TXN_PARTITIONS)]).items()}
    probe.close()
    reads = (read_txn(bootstrap, topic, 'read_committed', ends), read_txn(bootstrap, topic, 'read_uncommitted', ends),
             read_txn(bootstrap, out_topic, 'read_committed', out_ends))
    a.close()
    return check_txn_readback(topic, out_topic, ends, out_ends, batches, consumed, *reads, fenced)


if __name__ == '__main__':
    main({'produce': produce, 'groups': groups, 'admin': admin, 'admin-cluster': admin_cluster, 'transactions': transactions})
