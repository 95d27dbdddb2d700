"""aiokafka scenarios against a Spindle broker.

  produce BOOTSTRAP          every codec x acks 0/1/all, plus idempotence with every codec; read back byte-exact
  groups BOOTSTRAP ASSIGNOR  (range|roundrobin|sticky) two members, one leaving mid-stream; commits;
                             assign, seek, committed, position, offsets_for_times
  admin BOOTSTRAP            AIOKafkaAdminClient: topics, configs, partitions, records, cluster, groups, group offsets
  transactions BOOTSTRAP     commit, abort, consume-transform-produce (send_offsets_to_transaction), a fenced
                             zombie; read back read_committed and read_uncommitted
"""
import asyncio
import time
from collections import defaultdict
from typing import Dict, List, Set, Tuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic, RecordsToDelete
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.errors import CommitFailedError, IllegalStateError, ProducerFenced, RebalanceInProgressError
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from common import (TXN_PARTITIONS, TXNS, Fail, Rec, check, check_log, check_txn_log, main, make_records, now_ms, open_txn_offsets,
                    txn_expected, txn_records, check_txn_readback)

CODECS = [None, 'gzip', 'snappy', 'lz4', 'zstd']
ASSIGNORS = {'range': RangePartitionAssignor, 'roundrobin': RoundRobinPartitionAssignor, 'sticky': StickyPartitionAssignor}
TIMEOUT_S = 15


async def wait_until(what: str, cond, timeout_s: float = 20.0, step_s: float = 0.05) -> None:
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            raise Fail(f'timed out after {timeout_s}s waiting for {what}')
        await asyncio.sleep(step_s)


def rec_of(r) -> Rec:
    return Rec(r.key, r.value, [tuple(h) for h in r.headers], r.timestamp)


async def read_all(bootstrap: str, topics: List[str]) -> Dict[str, Dict[int, List[Tuple[int, Rec]]]]:
    """Every record of every partition of `topics`, from offset 0 to the high watermark."""
    # earliest: the position reset that assign() starts must agree with the seek below.
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100,
                         auto_offset_reset='earliest')
    await c.start()
    try:
        # Every topic here has 3 partitions (num.partitions=3, or created so); the partitions
        # read back must be exactly those produced to.
        tps = [TopicPartition(t, p) for t in topics for p in range(3)]
        c.assign(tps)
        check(all(v == 0 for v in (await c.beginning_offsets(tps)).values()), 'a log does not start at offset 0')
        ends = await c.end_offsets(tps)
        await c.seek_to_beginning(*tps)
        out: Dict[str, Dict[int, List[Tuple[int, Rec]]]] = {t: defaultdict(list) for t in topics}
        left = sum(ends.values())
        deadline = time.monotonic() + 60
        while left > 0:
            check(time.monotonic() < deadline, f'reading back: {left} records never arrived')
            for tp, records in (await c.getmany(timeout_ms=200, max_records=1000)).items():
                for r in records:
                    check(r.timestamp_type == 0, f'{tp}@{r.offset}: timestamp type {r.timestamp_type}, not CreateTime')
                    if r.offset < ends[tp]:
                        out[tp.topic][tp.partition].append((r.offset, rec_of(r)))
                        left -= 1
        return out
    finally:
        await c.stop()


async def produce(bootstrap: str, count: str = '150') -> str:
    n = int(count)
    base = now_ms()
    plans = [(codec, acks, False) for codec in CODECS for acks in (0, 1, 'all')]
    plans += [(codec, 'all', True) for codec in CODECS]
    produced: Dict[str, Dict[int, List[Rec]]] = {}
    told: Dict[str, Dict[int, List[int]]] = {}
    # acks=0 has no delivery guarantee, so its topics exist before the first send; the others
    # are created by the producer's Metadata request (auto.create.topics.enable, num.partitions=3).
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    acks0 = [f'aio-{codec or "none"}-acks0' for codec in CODECS]
    await admin.create_topics([NewTopic(t, 3, 1) for t in acks0])
    await admin.close()
    # Ready means every partition answers ListOffsets (Kafka may take a moment after CreateTopics);
    # end_offsets retries until then.
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await probe.start()
    await probe.end_offsets([TopicPartition(t, p) for t in acks0 for p in range(3)])
    await probe.stop()
    for codec, acks, idempotent in plans:
        topic = f'aio-{codec or "none"}-' + ('idempotent' if idempotent else f'acks{acks}')
        p = AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, acks=acks,
                             enable_idempotence=idempotent, linger_ms=10)
        await p.start()
        try:
            recs = make_records(topic, n, base)
            # With acks=0 aiokafka reports no metadata at all, so those records name their partition.
            chosen = [i % 3 if acks == 0 else None for i in range(n)]
            # send() only queues; the futures resolve once the batches are acknowledged.
            futures = [await p.send(topic, key=r.key, value=r.value, headers=r.headers, timestamp_ms=r.timestamp, partition=c)
                       for r, c in zip(recs, chosen)]
            await p.flush()
            metas = await asyncio.gather(*futures)
        finally:
            await p.stop()
        parts: Dict[int, List[Rec]] = defaultdict(list)
        offsets: Dict[int, List[int]] = defaultdict(list)
        for r, c, meta in zip(recs, chosen, metas):
            parts[c if meta is None else meta.partition].append(r)
            if meta is not None:
                offsets[meta.partition].append(meta.offset)
        check(len(parts) == 3, f'{topic}: records went to partitions {sorted(parts)}, expected 0, 1 and 2')
        produced[topic] = parts
        if acks != 0:  # acks=0 never learns offsets
            told[topic] = offsets
    got = await read_all(bootstrap, list(produced))
    total = sum(check_log(t, produced[t], got[t], told.get(t)) for t in produced)
    return f'{len(produced)} topics, {total} records byte-exact'


class Member:
    """A group member as an asyncio task: fetches, commits after every batch, and records what it
    saw and every assignment. With `leave_after_batch` set it leaves after its next committed batch."""

    def __init__(self, name: str, bootstrap: str, group: str, topic: str, assignor: str, seen: List[Tuple[str, int, int]]):
        self.name, self.topic, self.seen = name, topic, seen
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, client_id=name,
            partition_assignment_strategy=(ASSIGNORS[assignor],), enable_auto_commit=False,
            auto_offset_reset='earliest', session_timeout_ms=6000, heartbeat_interval_ms=500,
            fetch_max_wait_ms=100)
        self.assigned: Set[int] = set()
        self.leave_after_batch = False
        self.stopping = False
        self.commit_failures = 0
        self.task = None

    def start(self):
        self.task = asyncio.ensure_future(self.run())

    def check_alive(self):
        if self.task is not None and self.task.done() and self.task.exception():
            raise Fail(f'{self.name}: {self.task.exception()!r}')
        return True

    async def run(self):
        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                member.assigned = set()

            def on_partitions_assigned(self, assigned):
                member.assigned = {tp.partition for tp in assigned}

        await self.consumer.start()
        try:
            self.consumer.subscribe([self.topic], listener=Listener())
            while not self.stopping:
                batch = await self.consumer.getmany(timeout_ms=100, max_records=20)
                pending = {}
                for tp, records in batch.items():
                    self.seen.extend((self.name, tp.partition, r.offset) for r in records)
                    pending[tp] = OffsetAndMetadata(records[-1].offset + 1, '')
                if pending:
                    try:
                        await self.consumer.commit(pending)
                    except (CommitFailedError, RebalanceInProgressError, IllegalStateError):
                        # A commit racing a rebalance is refused, as with Kafka; the records come again.
                        self.commit_failures += 1
                        continue
                if pending and self.leave_after_batch:
                    break
        finally:
            await self.consumer.stop()  # LeaveGroup


async def produce_keyed(bootstrap: str, topic: str, start: int, n: int) -> None:
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await p.start()
    try:
        futures = [await p.send(topic, key=b'%d' % i, value=b'record %d' % i) for i in range(start, start + n)]
        await asyncio.gather(*futures)
    finally:
        await p.stop()


async def groups(bootstrap: str, assignor: str) -> str:
    topic = group = f'aio-group-{assignor}'
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 6, 1)])
    await admin.close()
    await produce_keyed(bootstrap, topic, 0, 600)

    seen: List[Tuple[str, int, int]] = []
    m1 = Member('m1', bootstrap, group, topic, assignor, seen)
    m2 = Member('m2', bootstrap, group, topic, assignor, seen)
    try:
        m1.start()
        await wait_until('m1 to own all 6 partitions', lambda: m1.check_alive() and len(m1.assigned) == 6)
        m2.start()
        await wait_until('the two members to share the partitions',
                         lambda: m1.check_alive() and m2.check_alive() and len(m1.assigned) == 3
                         and len(m2.assigned) == 3 and m1.assigned | m2.assigned == set(range(6)))
        shared = (sorted(m1.assigned), sorted(m2.assigned))
        if assignor == 'range':
            check(all(s[-1] - s[0] == 2 for s in shared), f'range gave non-contiguous ranges {shared}')
        if assignor == 'roundrobin':
            check({tuple(s) for s in shared} == {(0, 2, 4), (1, 3, 5)}, f'roundrobin gave {shared}')
        m2.leave_after_batch = True
        await produce_keyed(bootstrap, topic, 600, 600)
        await wait_until('m2 to consume a batch and leave', lambda: m2.check_alive() and m2.task.done())
        await wait_until('m1 to take over every partition', lambda: m1.check_alive() and len(m1.assigned) == 6)
        if assignor == 'sticky':
            check(set(shared[0]) <= m1.assigned, f'sticky: m1 lost some of {shared[0]}')
        await produce_keyed(bootstrap, topic, 1200, 300)
        total = 1500
        await wait_until('every record to be consumed',
                         lambda: m1.check_alive() and len({(p, o) for _, p, o in seen}) >= total, timeout_s=30)
        m1.stopping = True
        await asyncio.wait_for(m1.task, TIMEOUT_S)
    finally:
        for m in (m1, m2):
            m.stopping = True
            if m.task is not None and not m.task.done():
                m.task.cancel()

    check(any(name == 'm2' for name, _, _ in seen), 'm2 consumed nothing before leaving')
    taken_over = [(p, o) for name, p, o in seen if name == 'm1' and p in shared[1] and o < 1200]
    check(taken_over, "m1 read none of m2's unconsumed records after it left")
    positions = {(p, o) for _, p, o in seen}
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, fetch_max_wait_ms=100)
    await c.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(6)]
        ends = {tp.partition: o for tp, o in (await c.end_offsets(tps)).items()}
        check(sum(ends.values()) == total, f'log ends {ends} hold {sum(ends.values())} records, {total} produced')
        lost = [(p, o) for p in range(6) for o in range(ends[p]) if (p, o) not in positions]
        check(not lost, f'records never consumed: {lost[:10]}')
        committed = {tp.partition: await c.committed(tp) for tp in tps}
        check(committed == ends, f'committed offsets {committed}, log ends {ends}')

        # Manual assignment outside the group protocol: seek, position, offsets_for_times.
        tp0 = tps[0]
        c.assign([tp0])
        c.seek(tp0, 5)
        first = await asyncio.wait_for(c.getone(tp0), TIMEOUT_S)
        check(first.offset == 5, f'seek to 5 gave offset {first.offset}')
        c.seek(tp0, 2)
        second = await asyncio.wait_for(c.getone(tp0), TIMEOUT_S)
        check(second.offset == 2, f'seek to 2 gave offset {second.offset}')
        pos = await c.position(tp0)
        check(pos == 3, f'position after reading offset 2: {pos}')
        found = (await c.offsets_for_times({tp0: second.timestamp}))[tp0]
        check(found is not None and found.offset <= 2, f'offsets_for_times({second.timestamp}) = {found}')
    finally:
        await c.stop()
    dupes = len(seen) - len(positions)
    return (f'{assignor}: {total} records, none lost ({dupes} read twice, {m1.commit_failures + m2.commit_failures} '
            f'commits refused mid-rebalance), shared {shared[0]}/{shared[1]}, committed = log end')


def configs_of(responses) -> Dict[str, Tuple[str, int]]:
    """{name: (value, source)} of the one DescribeConfigs resource asked for."""
    (resp,) = responses
    (res,) = resp.resources
    check(res[0] == 0, f'describe_configs {res[3]}: error {res[0]} {res[1]}')
    return {e[0]: (e[1], e[3]) for e in res[4]}


async def admin(bootstrap: str) -> str:
    a = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_S * 1000)
    await a.start()
    topic = 'aio-admin'
    try:
        r = await a.create_topics([NewTopic(topic, 2, 1, topic_configs={'retention.ms': '86400000'})])
        check([(e[0], e[1]) for e in r.topic_errors] == [(topic, 0)], f'create_topics: {r}')
        r = await a.create_topics([NewTopic(topic, 2, 1)])
        check([e[1] for e in r.topic_errors] == [36], f'creating an existing topic: {r}')  # TOPIC_ALREADY_EXISTS

        check(topic in await a.list_topics(), 'list_topics: topic missing')
        (desc,) = await a.describe_topics([topic])
        check(desc['error_code'] == 0 and sorted((p['partition'], p['leader'], p['replicas'], p['isr']) for p in desc['partitions'])
              == [(0, 1, [1], [1]), (1, 1, [1], [1])], f'describe_topics: {desc}')
        cluster = await a.describe_cluster()
        host, port = bootstrap.rsplit(':', 1)
        check(cluster['controller_id'] == 1 and cluster['cluster_id']
              and [(b['node_id'], b['host'], b['port']) for b in cluster['brokers']] == [(1, host, int(port))],
              f'describe_cluster: {cluster}')

        # Config sources: 1 DYNAMIC_TOPIC_CONFIG, 4 STATIC_BROKER_CONFIG, 5 DEFAULT_CONFIG.
        cfg = configs_of(await a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)]))
        check(cfg['retention.ms'] == ('86400000', 1) and cfg['segment.bytes'] == ('1073741824', 5), f'topic configs: {cfg}')
        # The test's brokers run with num.partitions=3 (see python.test.ts).
        cfg = configs_of(await a.describe_configs([ConfigResource(ConfigResourceType.BROKER, '1', {'num.partitions': None})]))
        check(cfg == {'num.partitions': ('3', 4)}, f'broker num.partitions: {cfg}')
        (r,) = await a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, {'retention.ms': '7200000'})])
        check([res[0] for res in r.resources] == [0], f'alter_configs: {r}')
        deadline = time.monotonic() + 10
        while True:  # Kafka applies altered configs asynchronously
            cfg = configs_of(await a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic, {'retention.ms': None})]))
            if cfg == {'retention.ms': ('7200000', 1)} or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        check(cfg == {'retention.ms': ('7200000', 1)}, f'retention.ms after alter_configs: {cfg}')

        r = await a.create_partitions({topic: NewPartitions(3)})
        check([(e[0], e[1]) for e in r.topic_errors] == [(topic, 0)], f'create_partitions: {r}')
        check(len((await a.describe_topics([topic]))[0]['partitions']) == 3, 'create_partitions: not 3 partitions')

        p = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await p.start()
        try:
            for i in range(40):
                await p.send_and_wait(topic, b'%d' % i, partition=0)
        finally:
            await p.stop()
        tp0 = TopicPartition(topic, 0)
        low = await a.delete_records({tp0: RecordsToDelete(15)})
        check(low == {tp0: 15}, f'delete_records: {low}')

        # Groups: one with a live member (Stable), one holding only committed offsets (Empty).
        live, idle = 'aio-admin-live', 'aio-admin-idle'
        c_idle = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=idle, enable_auto_commit=False)
        await c_idle.start()
        c_idle.assign([tp0])
        await c_idle.commit({tp0: OffsetAndMetadata(20, 'meta')})
        await c_idle.stop()
        c_live = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=live, client_id='live-member', enable_auto_commit=False,
                                  session_timeout_ms=6000, heartbeat_interval_ms=500)
        await c_live.start()
        try:
            c_live.subscribe([topic])
            await wait_until('the live member to get an assignment', lambda: bool(c_live.assignment()))
            listed = dict(await a.list_consumer_groups())
            check(listed.get(live) == 'consumer' and idle in listed, f'list_consumer_groups: {listed}')
            check(await a.find_coordinator(live) == 1, 'find_coordinator')
            # One group per call: aiokafka sends DescribeGroups v3 but decodes the answer as v2,
            # which misreads every group after the first (it would with Apache Kafka too).
            described = {}
            for group_id in (live, idle):
                for resp in await a.describe_consumer_groups([group_id]):
                    described[resp.groups[0][1]] = resp.groups[0]
            gl, gi = described[live], described[idle]
            # (error_code, group_id, state, protocol_type, protocol, members)
            check(gl[0] == 0 and gl[2] == 'Stable' and gl[3] == 'consumer' and gl[4] == 'roundrobin' and len(gl[5]) == 1,  # aiokafka's default assignor
                  f'describe {live}: {gl}')
            member = gl[5][0]  # (member_id, client_id, client_host, member_metadata, member_assignment)
            assignment = ConsumerProtocolMemberAssignment.decode(member[4])
            check(member[1] == 'live-member' and sorted(p for _, ps in assignment.assignment for p in ps) == [0, 1, 2],
                  f'describe {live} member: {member[1]} {assignment}')
            check(gi[0] == 0 and gi[2] == 'Empty' and not gi[5], f'describe {idle}: {gi}')
            offsets = await a.list_consumer_group_offsets(idle)
            check({tp: (om.offset, om.metadata) for tp, om in offsets.items()} == {tp0: (20, 'meta')},
                  f'list_consumer_group_offsets {idle}: {offsets}')
        finally:
            await c_live.stop()

        r = await a.delete_topics([topic])
        check([(e[0], e[1]) for e in r.topic_error_codes] == [(topic, 0)], f'delete_topics: {r}')
        check(topic not in await a.list_topics(), 'topic still listed after delete_topics')
    finally:
        await a.close()
    return 'create/delete/list/describe topics, describe_cluster, configs, create_partitions, delete_records, groups, group offsets'


async def read_txn(bootstrap: str, topic: str, isolation: str, ends: Dict[int, int]) -> Dict[int, List[Tuple[int, Rec]]]:
    """Every record a consumer at `isolation` is given from offset 0 until its position reaches
    `ends`, which it must not pass: the log end after the last transaction (a read_committed
    position passes the last marker once that is written), or the last stable offset while a
    transaction is open."""
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100,
                         auto_offset_reset='earliest', isolation_level=isolation)
    await c.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(ends)]
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        out: Dict[int, List[Tuple[int, Rec]]] = defaultdict(list)
        deadline = time.monotonic() + 30
        while True:
            for tp, records in (await c.getmany(timeout_ms=200, max_records=1000)).items():
                out[tp.partition].extend((r.offset, rec_of(r)) for r in records)
            positions = {tp.partition: await c.position(tp) for tp in tps}
            if all(positions[p] >= end for p, end in ends.items()):
                check(positions == ends, f'{isolation} reading {topic}: positions {positions} beyond {ends}')
                return out
            check(time.monotonic() < deadline, f'{isolation} reading {topic}: positions {positions}, log ends {ends}')
    finally:
        await c.stop()


async def transactions(bootstrap: str) -> str:
    """Commit, abort, consume-transform-produce with the offsets in the transaction, a fenced
    zombie; read back read_committed (each committed record once, no aborted one) and
    read_uncommitted (all of them)."""
    topic, out_topic, group, txn_id = 'aio-txn', 'aio-txn-out', 'aio-txn-ctp', 'aio-txn'
    a = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_S * 1000)
    await a.start()
    producers: List[AIOKafkaProducer] = []
    try:
        r = await a.create_topics([NewTopic(t, TXN_PARTITIONS, 1) for t in (topic, out_topic)])
        check(sorted((e[0], e[1]) for e in r.topic_errors) == [(topic, 0), (out_topic, 0)], f'create_topics: {r}')
        batches = txn_records(topic, now_ms())

        async def txn_call(what: str, aw):
            try:
                return await asyncio.wait_for(aw, TIMEOUT_S)
            except asyncio.TimeoutError:
                raise Fail(f'{what}: no answer within {TIMEOUT_S}s')
            except Fail:
                raise
            except Exception as e:
                raise Fail(f'{what}: {type(e).__name__}: {e}') from e

        async def send_all(p: AIOKafkaProducer, name: str) -> None:
            """Produces a transaction's records and waits for every acknowledgement."""
            futures = [await p.send(topic, key=r.key, value=r.value, headers=r.headers, timestamp_ms=r.timestamp, partition=part)
                       for part, r in batches[name]]
            await txn_call(f'{name}: delivery', asyncio.gather(*futures))

        async def producer() -> AIOKafkaProducer:
            p = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, linger_ms=5)
            producers.append(p)
            await txn_call('start (InitProducerId)', p.start())
            return p

        p1 = await producer()
        for name, _, end in TXNS[:3]:  # first, aborted, second
            await txn_call(f'{name}: begin_transaction', p1.begin_transaction())
            await send_all(p1, name)
            if end == 'commit':
                await txn_call(f'{name}: commit_transaction', p1.commit_transaction())
            else:
                await txn_call(f'{name}: abort_transaction', p1.abort_transaction())

        # Consume-transform-produce: a group member reads the committed records read_committed and
        # the same producer writes one record per record read, with the consumer's positions
        # committed to its group in that transaction.
        c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, isolation_level='read_committed',
                             enable_auto_commit=False, auto_offset_reset='earliest', session_timeout_ms=6000,
                             heartbeat_interval_ms=500, fetch_max_wait_ms=100)
        await c.start()
        try:
            c.subscribe([topic])
            want = sum(len(v) for v in txn_expected(batches, ['first', 'second']).values())
            consumed: List[Tuple[int, int, Rec]] = []
            deadline = time.monotonic() + 30
            while len(consumed) < want:
                check(time.monotonic() < deadline, f'consume-transform-produce: {len(consumed)} of {want} committed records read')
                for tp, records in (await c.getmany(timeout_ms=200)).items():
                    consumed.extend((tp.partition, r.offset, rec_of(r)) for r in records)
            check(len(consumed) == want, f'consume-transform-produce: {len(consumed)} records read, {want} committed')
            assignment = sorted(c.assignment())
            check([tp.partition for tp in assignment] == list(range(TXN_PARTITIONS)), f'assignment {assignment}')
            sent = {tp.partition: await c.position(tp) for tp in assignment}
            async with p1.transaction():
                futures = [await p1.send(out_topic, key=r.key, value=b'%d@%d' % (part, offset), partition=part)
                           for part, offset, r in consumed]
                await txn_call('send_offsets_to_transaction', p1.send_offsets_to_transaction(
                    {TopicPartition(topic, p): OffsetAndMetadata(o, '') for p, o in sent.items()}, group))
                pending = await a.list_consumer_group_offsets(group)
                check(not pending, f'offsets pending in the transaction, listed before its commit: {pending}')
            await txn_call('consume-transform-produce: delivery', asyncio.gather(*futures))
            for part, offset, _ in consumed:
                check(sent[part] > offset, f'position {sent[part]} of partition {part} is not past offset {offset} read')
            # aiokafka's OffsetFetch does not ask for stable offsets (requireStable), so Kafka may
            # answer the previous ones until the commit marker reaches the group's offsets partition.
            committed: Dict[int, int] = {}
            deadline = time.monotonic() + 10
            while True:
                committed = {tp.partition: await c.committed(tp) for tp in assignment}
                if committed == sent or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            check(committed == sent, f'committed offsets {committed}, sent to the transaction {sent}')
        finally:
            await c.stop()
        offsets = await a.list_consumer_group_offsets(group)
        listed = {tp.partition: om.offset for tp, om in offsets.items() if tp.topic == topic}
        check(listed == sent, f'list_consumer_group_offsets {group}: {listed}, sent to the transaction {sent}')

        # Zombie fencing: a second producer with the same transactional id takes over while the
        # first has a transaction open (with acknowledged records); the first one's commit fails.
        await txn_call('zombie: begin_transaction', p1.begin_transaction())
        await send_all(p1, 'zombie')
        # While it is open, the last stable offset holds at its first record: ListOffsets
        # read_committed answers it, and a read_committed consumer stops there.
        lso, hw = open_txn_offsets(batches)
        latest = {}
        for iso in ('read_committed', 'read_uncommitted'):
            probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level=iso)
            await probe.start()
            try:
                found = await probe.end_offsets([TopicPartition(topic, p) for p in range(TXN_PARTITIONS)])
                latest[iso] = {tp.partition: o for tp, o in found.items()}
            finally:
                await probe.stop()
        check(latest['read_committed'] == lso and latest['read_uncommitted'] == hw,
              f"with a transaction open, end_offsets: read_committed {latest['read_committed']}, "
              f"read_uncommitted {latest['read_uncommitted']}; expected {lso} and {hw}")
        check_txn_log('read_committed with a transaction open', txn_expected(batches, ['first', 'second']),
                      await read_txn(bootstrap, topic, 'read_committed', lso))
        p2 = await producer()
        try:
            await asyncio.wait_for(p1.commit_transaction(), TIMEOUT_S)
            raise Fail('the fenced producer committed its transaction')
        except asyncio.TimeoutError:
            raise Fail(f'the fenced producer\'s commit_transaction: no answer within {TIMEOUT_S}s')
        except ProducerFenced as e:
            fenced = type(e).__name__
        await txn_call('successor: begin_transaction', p2.begin_transaction())
        await send_all(p2, 'successor')
        await txn_call('successor: commit_transaction', p2.commit_transaction())
    finally:
        for p in producers:
            try:
                await p.stop()
            except ProducerFenced:  # the zombie's sender ended with it
                pass
        await a.close()

    # Read back. The log end counts one marker per transaction per partition.
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await probe.start()
    try:
        ends = {tp.partition: o for tp, o in (await probe.end_offsets([TopicPartition(topic, p) for p in range(TXN_PARTITIONS)])).items()}
        out_ends = {tp.partition: o for tp, o in (await probe.end_offsets([TopicPartition(out_topic, p) for p in range(TXN_PARTITIONS)])).items()}
    finally:
        await probe.stop()
    reads = (await read_txn(bootstrap, topic, 'read_committed', ends), await read_txn(bootstrap, topic, 'read_uncommitted', ends),
             await read_txn(bootstrap, out_topic, 'read_committed', out_ends))
    return check_txn_readback(topic, out_topic, ends, out_ends, batches, consumed, *reads, fenced)


if __name__ == '__main__':
    main({'produce': produce, 'groups': groups, 'admin': admin, 'transactions': transactions})
