"""confluent-kafka (librdkafka) scenarios against a Spindle broker.

  produce BOOTSTRAP      every codec x acks 0/1/all, plus idempotence with every codec; read back byte-exact
  groups BOOTSTRAP STRATEGY   two members, one leaving mid-stream; commits; assign, seek, committed, position
  admin BOOTSTRAP        the AdminClient calls Spindle serves
  operations BOOTSTRAP   describe_* with include_authorized_operations
  transactions BOOTSTRAP commit, abort, consume-transform-produce, a fenced zombie; read_committed and read_uncommitted
  unsupported BOOTSTRAP  calls Spindle does not serve fail with an error, promptly
"""
import threading
import time
from collections import defaultdict
from typing import Dict, List, Set, Tuple

from confluent_kafka import (OFFSET_BEGINNING, OFFSET_INVALID, Consumer, ConsumerGroupState, ConsumerGroupTopicPartitions, ConsumerGroupType,
                             ElectionType, IsolationLevel, KafkaError, KafkaException, Producer, TopicCollection, TopicPartition)
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType, AdminClient,
                                   AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource, NewPartitions, NewTopic,
                                   OffsetSpec, ResourcePatternType, ResourceType, ScramCredentialInfo,
                                   ScramMechanism, UserScramCredentialUpsertion)

from common import (TXN_PARTITIONS, TXNS, Fail, Rec, check, check_log, check_txn_log, expect_error, main, make_records, members_healthy,
                    now_ms, open_txn_offsets, share_between, txn_expected, txn_records, wait_until, check_txn_readback)

CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
TIMEOUT = 15  # seconds, for any single client call


def rec_of(m) -> Rec:
    return Rec(m.key(), m.value(), list(m.headers() or []), m.timestamp()[1])


def read_all(bootstrap: str, topics: List[str]) -> Dict[str, Dict[int, List[Tuple[int, Rec]]]]:
    """Every record of every partition of `topics`, from offset 0 to the high watermark."""
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader', 'enable.auto.commit': False})
    try:
        meta = c.list_topics(timeout=TIMEOUT)
        ends = {}
        for t in topics:
            check(t in meta.topics and meta.topics[t].error is None, f'topic {t} missing from metadata')
            for p in meta.topics[t].partitions:
                low, high = c.get_watermark_offsets(TopicPartition(t, p), timeout=TIMEOUT)
                check(low == 0, f'{t}-{p}: log start offset {low}')
                ends[(t, p)] = high
        out: Dict[str, Dict[int, List[Tuple[int, Rec]]]] = {t: defaultdict(list) for t in topics}
        c.assign([TopicPartition(t, p, OFFSET_BEGINNING) for (t, p) in ends])
        left = sum(ends.values())
        deadline = time.monotonic() + 60
        while left > 0:
            check(time.monotonic() < deadline, f'reading back: {left} records never arrived')
            for m in c.consume(500, 0.2):
                check(not m.error(), f'consume: {m.error()}')
                check(m.timestamp()[0] == 1, f'{m.topic()}-{m.partition()}@{m.offset()}: timestamp type {m.timestamp()[0]}, not CreateTime')
                if m.offset() < ends[(m.topic(), m.partition())]:
                    out[m.topic()][m.partition()].append((m.offset(), rec_of(m)))
                    left -= 1
        return out
    finally:
        c.close()


def produce(bootstrap: str, count: str = '150') -> str:
    n = int(count)
    base = now_ms()
    plans = [(codec, acks, False) for codec in CODECS for acks in ('0', '1', 'all')]
    plans += [(codec, 'all', True) for codec in CODECS]
    produced: Dict[str, Dict[int, List[Rec]]] = {}
    told: Dict[str, Dict[int, List[int]]] = {}
    # acks=0 has no delivery guarantee, so its topics exist before the first send; the others
    # are created by the producer's Metadata request (auto.create.topics.enable, num.partitions=3).
    acks0 = [f'ck-{codec}-acks0' for codec in CODECS]
    admin = AdminClient({'bootstrap.servers': bootstrap})
    for f in admin.create_topics([NewTopic(t, 3, 1) for t in acks0]).values():
        f.result(TIMEOUT)
    # Ready means every partition answers ListOffsets (Kafka may take a moment after CreateTopics).
    probe = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'probe'})

    def ready(t, p):
        try:
            return probe.get_watermark_offsets(TopicPartition(t, p), timeout=1) == (0, 0)
        except KafkaException:
            return False

    for t in acks0:
        for p in range(3):
            wait_until(f'{t}-{p} to be ready', lambda: ready(t, p))
    probe.close()
    for codec, acks, idempotent in plans:
        topic = f'ck-{codec}-' + ('idempotent' if idempotent else f'acks{acks}')
        p = Producer({'bootstrap.servers': bootstrap, 'compression.type': codec, 'acks': acks,
                      'enable.idempotence': idempotent, 'linger.ms': 10})
        parts: Dict[int, List[Rec]] = defaultdict(list)
        offsets: Dict[int, List[int]] = defaultdict(list)
        errors: List[str] = []

        def delivered(err, msg, rec):
            if err is not None:
                errors.append(str(err))
                return
            parts[msg.partition()].append(rec)
            offsets[msg.partition()].append(msg.offset())

        for rec in make_records(topic, n, base):
            p.produce(topic, key=rec.key, value=rec.value, headers=rec.headers, timestamp=rec.timestamp,
                      on_delivery=lambda err, msg, rec=rec: delivered(err, msg, rec))
            p.poll(0)
        check(p.flush(TIMEOUT * 2) == 0, f'{topic}: records still unsent after flush')
        check(not errors, f'{topic}: delivery failed: {errors[:3]}')
        check(len(parts) == 3, f'{topic}: records went to partitions {sorted(parts)}, expected 0, 1 and 2')
        produced[topic] = parts
        if acks != '0':  # acks=0 never learns offsets
            told[topic] = offsets
    got = read_all(bootstrap, list(produced))
    total = sum(check_log(t, produced[t], got[t], told.get(t)) for t in produced)
    return f'{len(produced)} topics, {total} records byte-exact'


class Member(threading.Thread):
    """A group member on its own thread: consumes, commits after every batch, and records what it
    saw and every assignment change. With `leave_after_batch`, it leaves the group after the first
    batch it commits once that flag is set."""

    def __init__(self, name: str, bootstrap: str, group: str, topic: str, strategy: str,
                 seen: List[Tuple[str, int, int]], lock: threading.Lock):
        super().__init__(daemon=True)
        self.name_ = name
        self.topic = topic
        self.seen, self.lock = seen, lock
        self.consumer = Consumer({
            'bootstrap.servers': bootstrap, 'group.id': group, 'client.id': name,
            'partition.assignment.strategy': strategy, 'enable.auto.commit': False,
            'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500,
            'fetch.wait.max.ms': 100,
        })
        self.cooperative = strategy == 'cooperative-sticky'
        self.assigned: Set[int] = set()
        self.events: List[Tuple[str, List[int]]] = []
        self.leave_after_batch = threading.Event()
        self.stop = threading.Event()
        self.left = threading.Event()
        self.error = None
        self.commit_failures = 0

    def on_assign(self, consumer, parts):
        ps = sorted(p.partition for p in parts)
        self.events.append(('assign', ps))
        self.assigned = (self.assigned | set(ps)) if self.cooperative else set(ps)

    def on_revoke(self, consumer, parts):
        ps = sorted(p.partition for p in parts)
        self.events.append(('revoke', ps))
        self.assigned -= set(ps)

    def run(self):
        try:
            self.consumer.subscribe([self.topic], on_assign=self.on_assign, on_revoke=self.on_revoke,
                                    on_lost=self.on_revoke)
            pending: Dict[int, int] = {}
            while not self.stop.is_set():
                batch = self.consumer.consume(20, 0.1)
                for m in batch:
                    if m.error():
                        raise KafkaException(m.error())
                    with self.lock:
                        self.seen.append((self.name_, m.partition(), m.offset()))
                    pending[m.partition()] = m.offset() + 1
                if pending:
                    try:
                        self.consumer.commit(offsets=[TopicPartition(self.topic, p, o) for p, o in pending.items()],
                                             asynchronous=False)
                        pending = {}
                    except KafkaException as e:
                        # A commit racing a rebalance is refused; Kafka does the same. Retried next loop.
                        if e.args[0].code() not in (KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION,
                                                    KafkaError.UNKNOWN_MEMBER_ID, KafkaError._NO_OFFSET):
                            raise
                        self.commit_failures += 1
                        pending = {p: o for p, o in pending.items() if p in self.assigned}
                if batch and not pending and self.leave_after_batch.is_set():
                    break
        except Exception as e:  # reported by the main thread
            self.error = e
        finally:
            self.consumer.close()  # LeaveGroup
            self.left.set()


def produce_keyed(bootstrap: str, topic: str, start: int, n: int) -> None:
    p = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 5})
    errors = []
    for i in range(start, start + n):
        p.produce(topic, key=b'%d' % i, value=b'record %d' % i, on_delivery=lambda err, msg: err and errors.append(err))
    check(p.flush(TIMEOUT) == 0 and not errors, f'producing to {topic}: {errors[:3]}')


def groups(bootstrap: str, strategy: str) -> str:
    topic, group = f'ck-group-{strategy}', f'ck-group-{strategy}'
    admin = AdminClient({'bootstrap.servers': bootstrap})
    admin.create_topics([NewTopic(topic, 6, 1)])[topic].result(TIMEOUT)
    produce_keyed(bootstrap, topic, 0, 600)

    seen: List[Tuple[str, int, int]] = []
    lock = threading.Lock()
    m1 = Member('m1', bootstrap, group, topic, strategy, seen, lock)
    m2 = Member('m2', bootstrap, group, topic, strategy, seen, lock)
    members = [m1, m2]

    def healthy():
        return members_healthy(members)

    try:
        shared = share_between(m1, m2, strategy)
        before_leave = len(m1.events)
        m2.leave_after_batch.set()
        produce_keyed(bootstrap, topic, 600, 600)
        wait_until('m2 to consume a batch and leave', lambda: healthy() and m2.left.is_set())
        check(m2.error is None, f'm2: {m2.error!r}')
        wait_until('m1 to take over every partition', lambda: healthy() and len(m1.assigned) == 6)
        if m1.cooperative:
            # Incremental rebalancing: m1 keeps its partitions and only gains m2's.
            revoked = [e for e in m1.events[before_leave:] if e[0] == 'revoke']
            check(not revoked, f'cooperative-sticky revoked {revoked} from the member that stayed')
        produce_keyed(bootstrap, topic, 1200, 300)
        total = 1500
        wait_until('every record to be consumed',
                   lambda: healthy() and len({(p, o) for _, p, o in seen}) >= total, timeout_s=30)
        m1.stop.set()
        m1.join(TIMEOUT)
        check(m1.error is None, f'm1: {m1.error!r}')
    finally:
        for m in members:
            m.stop.set()

    by_member = defaultdict(int)
    for name, _, _ in seen:
        by_member[name] += 1
    check(by_member['m2'] > 0, 'm2 consumed nothing before leaving')
    m2_parts = set(shared[1])
    taken_over = [(p, o) for name, p, o in seen if name == 'm1' and p in m2_parts and o < 1200]
    check(taken_over, "m1 read none of m2's unconsumed records after it left")
    positions = {(p, o) for _, p, o in seen}
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False})
    try:
        ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT)[1] for p in range(6)}
        check(sum(ends.values()) == total, f'log ends {ends} hold {sum(ends.values())} records, {total} produced')
        lost = [(p, o) for p in range(6) for o in range(ends[p]) if (p, o) not in positions]
        check(not lost, f'records never consumed: {lost[:10]}')
        committed = {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in range(6)], timeout=TIMEOUT)}
        check(committed == ends, f'committed offsets {committed}, log ends {ends}')

        # Manual assignment outside the group protocol: assign at an offset, seek back, position.
        c.assign([TopicPartition(topic, 0, 5)])
        m = c.poll(TIMEOUT)
        check(m is not None and not m.error() and m.offset() == 5, f'assign at 5 gave {m and (m.offset(), m.error())}')
        c.seek(TopicPartition(topic, 0, 2))
        m = c.poll(TIMEOUT)
        check(m is not None and m.offset() == 2, f'seek to 2 gave {m and m.offset()}')
        pos = c.position([TopicPartition(topic, 0)])[0].offset
        check(pos == 3, f'position after reading offset 2 is {pos}')
        ts = m.timestamp()[1]
        found = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=TIMEOUT)[0].offset
        check(found <= 2, f'offsets_for_times({ts}) = {found}, but offset 2 has that timestamp')
    finally:
        c.close()
    dupes = len(seen) - len(positions)
    return (f'{strategy}: {total} records, none lost ({dupes} read twice, {m1.commit_failures + m2.commit_failures} '
            f'commits refused mid-rebalance), shared {shared[0]}/{shared[1]}, committed = log end')


def admin(bootstrap: str) -> str:
    a = AdminClient({'bootstrap.servers': bootstrap})
    topic, other = 'ck-admin', 'ck-admin-plain'

    def one(futures):
        return [f.result(TIMEOUT) for f in futures.values()]

    one(a.create_topics([NewTopic(topic, 2, 1, config={'retention.ms': '86400000', 'max.message.bytes': '200000'}),
                         NewTopic(other, 1, 1)], request_timeout=TIMEOUT))
    e = expect_error('creating an existing topic', lambda: one(a.create_topics([NewTopic(topic, 2, 1)])), TIMEOUT)
    check('TOPIC_ALREADY_EXISTS' in e, f'creating an existing topic: {e}')
    one(a.create_topics([NewTopic('ck-admin-validate', 1, 1)], validate_only=True))

    meta = a.list_topics(timeout=TIMEOUT)
    check(topic in meta.topics and other in meta.topics, f'list_topics: {sorted(meta.topics)}')
    check('ck-admin-validate' not in meta.topics, 'validate_only created the topic')
    check(len(meta.topics[topic].partitions) == 2, f'{topic}: {len(meta.topics[topic].partitions)} partitions')
    check(list(meta.brokers) == [1], f'brokers {list(meta.brokers)}')

    desc = a.describe_topics(TopicCollection([topic]))[topic].result(TIMEOUT)
    check(desc.name == topic and len(desc.partitions) == 2, f'describe_topics: {desc}')
    for part in desc.partitions:
        check(part.leader.id == 1 and [n.id for n in part.replicas] == [1] and [n.id for n in part.isr] == [1],
              f'describe_topics partition {part.id}: leader {part.leader}, replicas {part.replicas}, isr {part.isr}')

    src = ConfigSource

    def expect_configs(what: str, kind, name: str, want: Dict[str, Tuple[str, ConfigSource]]) -> None:
        """Describes the resource until the configs in `want` have those (value, source): Kafka
        applies altered configs asynchronously, so they may show a moment after the answer."""
        got = {}

        def matches():
            nonlocal got
            entries = list(a.describe_configs([ConfigResource(kind, name)]).values())[0].result(TIMEOUT)
            got = {k: (entries[k].value, ConfigSource(entries[k].source)) if k in entries else None for k in want}
            return got == want

        try:
            wait_until(what, matches, timeout_s=10, step_s=0.1)
        except Fail:
            raise Fail(f'{what}: {name} configs {got}, expected {want}')

    topic_res, broker_res = ResourceType.TOPIC, ResourceType.BROKER
    expect_configs('created topic', topic_res, topic, {
        'retention.ms': ('86400000', src.DYNAMIC_TOPIC_CONFIG), 'max.message.bytes': ('200000', src.DYNAMIC_TOPIC_CONFIG),
        'segment.bytes': ('1073741824', src.DEFAULT_CONFIG)})
    # The test's brokers run with num.partitions=3 (see python.test.ts).
    expect_configs('broker', broker_res, '1', {'num.partitions': ('3', src.STATIC_BROKER_CONFIG)})

    one(a.incremental_alter_configs([ConfigResource(topic_res, topic, incremental_configs=[
        ConfigEntry('retention.ms', '7200000', incremental_operation=AlterConfigOpType.SET),
        ConfigEntry('max.message.bytes', None, incremental_operation=AlterConfigOpType.DELETE),
        ConfigEntry('cleanup.policy', 'compact', incremental_operation=AlterConfigOpType.APPEND)])]))
    expect_configs('SET, DELETE and APPEND', topic_res, topic, {
        'retention.ms': ('7200000', src.DYNAMIC_TOPIC_CONFIG), 'max.message.bytes': ('1048588', src.DEFAULT_CONFIG),
        'cleanup.policy': ('delete,compact', src.DYNAMIC_TOPIC_CONFIG)})
    one(a.incremental_alter_configs([ConfigResource(topic_res, topic, incremental_configs=[
        ConfigEntry('cleanup.policy', 'compact', incremental_operation=AlterConfigOpType.SUBTRACT)])]))
    expect_configs('SUBTRACT', topic_res, topic, {
        'retention.ms': ('7200000', src.DYNAMIC_TOPIC_CONFIG), 'cleanup.policy': ('delete', src.DYNAMIC_TOPIC_CONFIG)})

    # A dynamic broker config reaches topics without their own value, reported with its source.
    one(a.incremental_alter_configs([ConfigResource(broker_res, '1', incremental_configs=[
        ConfigEntry('log.retention.ms', '123456789', incremental_operation=AlterConfigOpType.SET)])]))
    expect_configs('broker SET', broker_res, '1', {'log.retention.ms': ('123456789', src.DYNAMIC_BROKER_CONFIG)})
    expect_configs('topic under a broker SET', topic_res, other, {'retention.ms': ('123456789', src.DYNAMIC_BROKER_CONFIG)})
    one(a.incremental_alter_configs([ConfigResource(broker_res, '1', incremental_configs=[
        ConfigEntry('log.retention.ms', None, incremental_operation=AlterConfigOpType.DELETE)])]))
    expect_configs('topic after a broker DELETE', topic_res, other, {'retention.ms': ('604800000', src.DEFAULT_CONFIG)})

    one(a.create_partitions([NewPartitions(topic, 3)]))
    e = expect_error('shrinking partitions', lambda: one(a.create_partitions([NewPartitions(topic, 2)])), TIMEOUT)
    check('INVALID_PARTITIONS' in e, f'shrinking partitions: {e}')
    check(len(a.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions) == 3, 'create_partitions: not 3 partitions')

    # 100 records on partition 0 with rising timestamps, except one far ahead at offset 70.
    base = now_ms()
    stamps = [base + i * 10 for i in range(100)]
    stamps[70] = base + 1_000_000
    p = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 5})
    errors = []
    for i, ts in enumerate(stamps):
        p.produce(topic, partition=0, value=b'%d' % i, timestamp=ts, on_delivery=lambda err, msg: err and errors.append(err))
    check(p.flush(TIMEOUT) == 0 and not errors, f'producing to {topic}: {errors[:3]}')

    tp0 = TopicPartition(topic, 0)
    deleted = a.delete_records([TopicPartition(topic, 0, 30)])[tp0].result(TIMEOUT)
    check(deleted.low_watermark == 30, f'delete_records: low watermark {deleted.low_watermark}')

    def offset(spec):
        return a.list_offsets({tp0: spec})[tp0].result(TIMEOUT)

    check(offset(OffsetSpec.earliest()).offset == 30, 'list_offsets earliest after delete_records')
    check(offset(OffsetSpec.latest()).offset == 100, 'list_offsets latest')
    got = offset(OffsetSpec.for_timestamp(stamps[50]))
    check(got.offset == 50 and got.timestamp == stamps[50], f'list_offsets for_timestamp: {got.offset} @ {got.timestamp}')
    got = offset(OffsetSpec.max_timestamp())
    check(got.offset == 70 and got.timestamp == stamps[70], f'list_offsets max_timestamp: {got.offset} @ {got.timestamp}')
    got = offset(OffsetSpec.for_timestamp(base + 2_000_000))
    check(got.offset == -1, f'list_offsets for a timestamp after every record: {got.offset}')

    cluster = a.describe_cluster().result(TIMEOUT)
    check(cluster.cluster_id and cluster.controller.id == 1 and [n.id for n in cluster.nodes] == [1],
          f'describe_cluster: {cluster.cluster_id} controller {cluster.controller} nodes {cluster.nodes}')
    host, port = bootstrap.rsplit(':', 1)
    check((cluster.nodes[0].host, cluster.nodes[0].port) == (host, int(port)), f'describe_cluster node {cluster.nodes[0]}')

    # Two groups: one with a live member (Stable), one that only holds committed offsets (Empty).
    live, idle = 'ck-admin-live', 'ck-admin-idle'
    c_idle = Consumer({'bootstrap.servers': bootstrap, 'group.id': idle, 'enable.auto.commit': False})
    c_idle.commit(offsets=[TopicPartition(topic, 0, 40), TopicPartition(topic, 1, 0)], asynchronous=False)
    c_idle.close()
    c_live = Consumer({'bootstrap.servers': bootstrap, 'group.id': live, 'client.id': 'live-member',
                       'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500})
    assigned = []
    c_live.subscribe([topic], on_assign=lambda c, ps: assigned.extend(ps))
    deadline = time.monotonic() + TIMEOUT
    while not assigned:
        check(time.monotonic() < deadline, 'live group member never got an assignment')
        c_live.poll(0.1)
    try:
        groups_found = a.list_consumer_groups().result(TIMEOUT)
        states = {g.group_id: g.state for g in groups_found.valid}
        check(states.get(live) == ConsumerGroupState.STABLE and states.get(idle) == ConsumerGroupState.EMPTY,
              f'list_consumer_groups: {states}')
        stable = {g.group_id for g in a.list_consumer_groups(states={ConsumerGroupState.STABLE}).result(TIMEOUT).valid}
        check(live in stable and idle not in stable, f'list_consumer_groups(states=STABLE): {stable}')
        # ListGroups v5 type filter (KIP-848): these are classic groups, none is of the new type.
        types = {g.group_id: g.type for g in groups_found.valid if g.group_id in (live, idle)}
        check(types == {live: ConsumerGroupType.CLASSIC, idle: ConsumerGroupType.CLASSIC}, f'group types: {types}')
        classic = {g.group_id for g in a.list_consumer_groups(types={ConsumerGroupType.CLASSIC}).result(TIMEOUT).valid}
        modern = {g.group_id for g in a.list_consumer_groups(types={ConsumerGroupType.CONSUMER}).result(TIMEOUT).valid}
        check({live, idle} <= classic and not {live, idle} & modern, f'list_consumer_groups(types=...): {classic} / {modern}')

        d = a.describe_consumer_groups([live, idle])
        dl, di = d[live].result(TIMEOUT), d[idle].result(TIMEOUT)
        check(dl.state == ConsumerGroupState.STABLE and dl.partition_assignor == 'range' and len(dl.members) == 1,
              f'describe {live}: {dl.state} {dl.partition_assignor} {len(dl.members)} members')
        member = dl.members[0]
        check(member.client_id == 'live-member' and member.host, f'describe {live} member: {member.client_id} {member.host}')
        check(sorted((tp.topic, tp.partition) for tp in member.assignment.topic_partitions) == [(topic, 0), (topic, 1), (topic, 2)],
              f'describe {live} assignment: {member.assignment.topic_partitions}')
        check(dl.coordinator.id == 1, f'describe {live} coordinator {dl.coordinator}')
        check(di.state == ConsumerGroupState.EMPTY and not di.members, f'describe {idle}: {di.state} {di.members}')

        def offsets_of(group):
            r = a.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(TIMEOUT)
            return {(tp.topic, tp.partition): tp.offset for tp in r.topic_partitions}

        check(offsets_of(idle) == {(topic, 0): 40, (topic, 1): 0}, f'list_consumer_group_offsets {idle}: {offsets_of(idle)}')
        a.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(idle, [TopicPartition(topic, 0, 55), TopicPartition(topic, 2, 0)])])[idle].result(TIMEOUT)
        check(offsets_of(idle) == {(topic, 0): 55, (topic, 1): 0, (topic, 2): 0}, f'after alter_consumer_group_offsets: {offsets_of(idle)}')
        # Only members commit to a group that has some (Kafka: UNKNOWN_MEMBER_ID), reported per partition.
        r = a.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(live, [TopicPartition(topic, 0, 1)])])[live].result(TIMEOUT)
        e = r.topic_partitions[0].error
        check(e is not None and e.code() == KafkaError.UNKNOWN_MEMBER_ID, f'altering offsets of a group with members: {e}')

        e = expect_error('deleting a group with members', lambda: a.delete_consumer_groups([live])[live].result(TIMEOUT), TIMEOUT)
        check('NON_EMPTY_GROUP' in e, f'deleting a group with members: {e}')
    finally:
        c_live.close()
    a.delete_consumer_groups([idle])[idle].result(TIMEOUT)
    left = {g.group_id for g in a.list_consumer_groups().result(TIMEOUT).valid}
    check(idle not in left and live in left, f'groups after delete_consumer_groups: {left}')

    one(a.delete_topics([topic, other]))
    e = expect_error('deleting a missing topic', lambda: one(a.delete_topics([topic])), TIMEOUT)
    check('UNKNOWN_TOPIC_OR_PART' in e, f'deleting a missing topic: {e}')
    remaining = a.list_topics(timeout=TIMEOUT).topics
    check(topic not in remaining and other not in remaining, f'topics after delete_topics: {sorted(remaining)}')
    return 'topics, configs (topic and broker), partitions, records, offsets, cluster, groups, group offsets'


def operations(bootstrap: str) -> str:
    """include_authorized_operations: a broker without an authorizer grants every operation the
    resource type supports (Kafka's AclEntry.supportedOperations)."""
    a = AdminClient({'bootstrap.servers': bootstrap})
    topic, group = 'ck-operations', 'ck-operations'
    a.create_topics([NewTopic(topic, 1, 1)])[topic].result(TIMEOUT)
    names = lambda ops: sorted(o.name for o in ops or [])  # noqa: E731

    desc = a.describe_topics(TopicCollection([topic]), include_authorized_operations=True)[topic].result(TIMEOUT)
    want = ['ALTER', 'ALTER_CONFIGS', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE']
    check(names(desc.authorized_operations) == want, f'topic operations {names(desc.authorized_operations)}, expected {want}')

    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500})
    assigned = []
    c.subscribe([topic], on_assign=lambda _, ps: assigned.extend(ps))
    try:
        deadline = time.monotonic() + TIMEOUT
        while not assigned:
            check(time.monotonic() < deadline, 'group member never got an assignment')
            c.poll(0.1)
        g = a.describe_consumer_groups([group], include_authorized_operations=True)[group].result(TIMEOUT)
        # READ, DESCRIBE and DELETE in every Kafka version; later ones add the group config operations.
        check({'READ', 'DESCRIBE', 'DELETE'} <= set(names(g.authorized_operations)), f'group operations {names(g.authorized_operations)}')
    finally:
        c.close()

    # librdkafka asks through Metadata v10 (includeClusterAuthorizedOperations), not DescribeCluster.
    cluster = a.describe_cluster(include_authorized_operations=True).result(TIMEOUT)
    want = ['ALTER', 'ALTER_CONFIGS', 'CLUSTER_ACTION', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE']
    check(names(cluster.authorized_operations) == want, f'cluster operations {names(cluster.authorized_operations)}, expected {want}')
    a.delete_topics([topic])[topic].result(TIMEOUT)
    return 'authorized operations of a topic, a group and the cluster'


def read_txn(bootstrap: str, topic: str, isolation: str, ends: Dict[int, int]) -> Dict[int, List[Tuple[int, Rec]]]:
    """Every record a consumer at `isolation` is given from offset 0 until its position reaches
    `ends`, which it must not pass: the log end after the last transaction (a read_committed
    position passes the last marker once that is written), or the last stable offset while a
    transaction is open."""
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': f'ck-txn-reader-{isolation}', 'enable.auto.commit': False,
                  'isolation.level': isolation, 'fetch.wait.max.ms': 100})
    try:
        tps = [TopicPartition(topic, p) for p in sorted(ends)]
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(ends)])
        out: Dict[int, List[Tuple[int, Rec]]] = defaultdict(list)
        deadline = time.monotonic() + 30
        while True:
            for m in c.consume(500, 0.2):
                check(not m.error(), f'{isolation} consume {topic}: {m.error()}')
                out[m.partition()].append((m.offset(), rec_of(m)))
            positions = {tp.partition: tp.offset for tp in c.position(tps)}
            if all(positions[p] >= end for p, end in ends.items()):
                check(positions == ends, f'{isolation} reading {topic}: positions {positions} beyond {ends}')
                return out
            check(time.monotonic() < deadline, f'{isolation} reading {topic}: positions {positions}, log ends {ends}')
    finally:
        c.close()


def transactions(bootstrap: str) -> str:
    """Commit, abort, consume-transform-produce with the offsets in the transaction, a fenced
    zombie; read back read_committed (each committed record once, no aborted one) and
    read_uncommitted (all of them)."""
    topic, out_topic, group, txn_id = 'ck-txn', 'ck-txn-out', 'ck-txn-ctp', 'ck-txn'
    a = AdminClient({'bootstrap.servers': bootstrap})
    for f in a.create_topics([NewTopic(t, TXN_PARTITIONS, 1) for t in (topic, out_topic)]).values():
        f.result(TIMEOUT)
    batches = txn_records(topic, now_ms())

    def send_all(p: Producer, name: str) -> None:
        """Produces a transaction's records and waits for every acknowledgement (librdkafka
        would otherwise purge what it has not sent yet when the transaction aborts)."""
        errors: List[str] = []
        for part, r in batches[name]:
            p.produce(topic, key=r.key, value=r.value, headers=r.headers, timestamp=r.timestamp, partition=part,
                      on_delivery=lambda err, msg: err and errors.append(str(err)))
        check(p.flush(TIMEOUT) == 0 and not errors, f'{name}: delivery failed: {errors[:3]}')

    def txn_call(what: str, fn, *args):
        try:
            return fn(*args)
        except KafkaException as e:
            raise Fail(f'{what}: {e.args[0]}') from e

    p1 = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id, 'linger.ms': 5})
    txn_call('init_transactions', p1.init_transactions, TIMEOUT)
    for name, _, end in TXNS[:3]:  # first, aborted, second
        txn_call(f'{name}: begin_transaction', p1.begin_transaction)
        send_all(p1, name)
        if end == 'commit':
            txn_call(f'{name}: commit_transaction', p1.commit_transaction, TIMEOUT)
        else:
            txn_call(f'{name}: abort_transaction', p1.abort_transaction, TIMEOUT)

    # Consume-transform-produce: a group member reads the committed records read_committed and
    # the same producer writes one record per record read, with the consumer's positions
    # committed to its group in that transaction.
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'isolation.level': 'read_committed',
                  'enable.auto.commit': False, 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000,
                  'heartbeat.interval.ms': 500, 'fetch.wait.max.ms': 100})
    try:
        c.subscribe([topic])
        want = sum(len(v) for v in txn_expected(batches, ['first', 'second']).values())
        consumed: List[Tuple[int, int, Rec]] = []
        deadline = time.monotonic() + 30
        while len(consumed) < want:
            check(time.monotonic() < deadline, f'consume-transform-produce: {len(consumed)} of {want} committed records read')
            for m in c.consume(500, 0.2):
                check(not m.error(), f'consume-transform-produce: {m.error()}')
                consumed.append((m.partition(), m.offset(), rec_of(m)))
        check(len(consumed) == want, f'consume-transform-produce: {len(consumed)} records read, {want} committed')
        assignment = c.assignment()
        check(sorted(tp.partition for tp in assignment) == list(range(TXN_PARTITIONS)), f'assignment {assignment}')
        txn_call('consume-transform-produce: begin_transaction', p1.begin_transaction)
        errors: List[str] = []
        for part, offset, r in consumed:
            p1.produce(out_topic, key=r.key, value=b'%d@%d' % (part, offset), partition=part,
                       on_delivery=lambda err, msg: err and errors.append(str(err)))
        positions = c.position(assignment)
        txn_call('send_offsets_to_transaction', p1.send_offsets_to_transaction, positions, c.consumer_group_metadata(), TIMEOUT)
        # Until the commit, the offsets are pending: OffsetFetch answers no offset, or with
        # requireStable UNSTABLE_OFFSET_COMMIT, for each partition asked for.
        asked = [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(TXN_PARTITIONS)])]
        for stable, want_error in ((False, None), (True, KafkaError.UNSTABLE_OFFSET_COMMIT)):
            r = a.list_consumer_group_offsets(asked, require_stable=stable)[group].result(TIMEOUT)
            got = sorted((tp.partition, tp.offset, tp.error and tp.error.code()) for tp in r.topic_partitions)
            check(got == [(p, OFFSET_INVALID, want_error) for p in range(TXN_PARTITIONS)],
                  f'offsets pending in the transaction, list_consumer_group_offsets(require_stable={stable}): {got}')
        txn_call('consume-transform-produce: commit_transaction', p1.commit_transaction, TIMEOUT)
        check(not errors, f'consume-transform-produce: delivery failed: {errors[:3]}')
        sent = {tp.partition: tp.offset for tp in positions}
        for part, offset, _ in consumed:
            check(sent[part] > offset, f'position {sent[part]} of partition {part} is not past offset {offset} read')
        # read_committed: librdkafka's OffsetFetch asks for stable offsets (requireStable).
        committed = {tp.partition: tp.offset for tp in c.committed(assignment, timeout=TIMEOUT)}
        check(committed == sent, f'committed offsets {committed}, sent to the transaction {sent}')
    finally:
        c.close()
    r = a.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(TIMEOUT)
    listed = {tp.partition: tp.offset for tp in r.topic_partitions if tp.topic == topic}
    check(listed == sent, f'list_consumer_group_offsets {group}: {listed}, sent to the transaction {sent}')

    # Zombie fencing: a second producer with the same transactional id takes over while the
    # first has a transaction open (with acknowledged records); the first one's commit fails.
    txn_call('zombie: begin_transaction', p1.begin_transaction)
    send_all(p1, 'zombie')
    # While it is open, the last stable offset holds at its first record: ListOffsets
    # read_committed answers it, and a read_committed consumer stops there.
    lso, hw = open_txn_offsets(batches)
    latest = {}
    for iso in (IsolationLevel.READ_COMMITTED, IsolationLevel.READ_UNCOMMITTED):
        r = a.list_offsets({TopicPartition(topic, p): OffsetSpec.latest() for p in range(TXN_PARTITIONS)}, isolation_level=iso)
        latest[iso] = {tp.partition: f.result(TIMEOUT).offset for tp, f in r.items()}
    check(latest[IsolationLevel.READ_COMMITTED] == lso and latest[IsolationLevel.READ_UNCOMMITTED] == hw,
          f'with a transaction open, list_offsets latest: read_committed {latest[IsolationLevel.READ_COMMITTED]}, '
          f'read_uncommitted {latest[IsolationLevel.READ_UNCOMMITTED]}; expected {lso} and {hw}')
    check_txn_log('read_committed with a transaction open', txn_expected(batches, ['first', 'second']),
                  read_txn(bootstrap, topic, 'read_committed', lso))
    p2 = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id, 'linger.ms': 5})
    txn_call('second producer: init_transactions', p2.init_transactions, TIMEOUT)
    try:
        p1.commit_transaction(TIMEOUT)
        raise Fail('the fenced producer committed its transaction')
    except KafkaException as e:
        err = e.args[0]
        check(err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED) and err.fatal(),
              f'fenced commit: {err} (code {err.name()}, fatal {err.fatal()}), expected a fatal _FENCED')
        fenced = err.name()
    txn_call('successor: begin_transaction', p2.begin_transaction)
    send_all(p2, 'successor')
    txn_call('successor: commit_transaction', p2.commit_transaction, TIMEOUT)

    # Read back. The log end counts one marker per transaction per partition.
    probe = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'ck-txn-probe'})
    ends = {p: probe.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT)[1] for p in range(TXN_PARTITIONS)}
    out_ends = {p: probe.get_watermark_offsets(TopicPartition(out_topic, p), timeout=TIMEOUT)[1] for p in range(TXN_PARTITIONS)}
    probe.close()
    reads = (read_txn(bootstrap, topic, 'read_committed', ends), read_txn(bootstrap, topic, 'read_uncommitted', ends),
             read_txn(bootstrap, out_topic, 'read_committed', out_ends))
    return check_txn_readback(topic, out_topic, ends, out_ends, batches, consumed, *reads, fenced)


def unsupported(bootstrap: str) -> str:
    """Calls of APIs Spindle does not serve must raise, well within the client's own timeout; the
    ACL calls on a broker without an authorizer raise SECURITY_DISABLED, as Kafka's do; SCRAM
    credentials are served."""
    a = AdminClient({'bootstrap.servers': bootstrap})
    bound = 10.0
    errors = {}

    acl = AclBinding(ResourceType.TOPIC, 't', ResourcePatternType.LITERAL, 'User:u', '*', AclOperation.READ, AclPermissionType.ALLOW)
    acl_filter = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY, AclPermissionType.ANY)
    calls = {
        'elect_leaders': lambda: a.elect_leaders(ElectionType.PREFERRED, [TopicPartition('t', 0)]).result(bound),
    }
    acl_calls = {
        'create_acls': lambda: [f.result(bound) for f in a.create_acls([acl], request_timeout=bound).values()],
        'delete_acls': lambda: [f.result(bound) for f in a.delete_acls([acl_filter], request_timeout=bound).values()],
    }
    for name, fn in calls.items():
        errors[name] = expect_error(name, fn, bound + 2)
    for name in calls:
        check('UNSUPPORTED_FEATURE' in errors[name], f'{name}: {errors[name]}')
    for name, fn in acl_calls.items():
        error = expect_error(name, fn, bound + 2)
        check('SECURITY_DISABLED' in error, f'{name}: {error}')
    # librdkafka reads DescribeAcls' top-level error code and drops it (rd_kafka_DescribeAclsResponse_parse
    # keeps it in a local only), so against Kafka too the call answers an empty list.
    described_acls = a.describe_acls(acl_filter, request_timeout=bound).result(bound)
    check(described_acls == [], f'describe_acls: {described_acls}')
    # SCRAM credentials: added, then described with their iteration count.
    for f in a.alter_user_scram_credentials(
            [UserScramCredentialUpsertion('confluent-user', ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), b'pw')],
            request_timeout=bound).values():
        f.result(bound)
    described = a.describe_user_scram_credentials(['confluent-user'], request_timeout=bound)
    infos = described['confluent-user'].result(bound).scram_credential_infos
    check([(i.mechanism, i.iterations) for i in infos] == [(ScramMechanism.SCRAM_SHA_256, 4096)], f'scram described: {infos}')
    # The broker is still there for the calls it does serve.
    check(1 in a.list_topics(timeout=TIMEOUT).brokers, 'broker gone after the unsupported calls')
    return (f'{len(calls)} calls refused promptly: ' + ', '.join(calls) + f'; {len(acl_calls)} ACL calls SECURITY_DISABLED'
            + '; a SCRAM user added and described')


if __name__ == '__main__':
    main({'produce': produce, 'groups': groups, 'admin': admin, 'operations': operations, 'transactions': transactions,
          'unsupported': unsupported})
