/*
 * Apache Kafka's Java client (kafka-clients) against a Spindle broker: one scenario per run,
 *
 *   java -cp 'lib-<version>/*:<classes>' Interop <scenario> <bootstrap>
 *
 * Each scenario does real work, checks what came back itself, prints progress lines the test may
 * wait for ("acked 5000") and ends with "OK <scenario> <facts>"; any mismatch throws, which exits
 * non-zero with the reason. The same source is compiled against each kafka-clients version the
 * suite runs (test/interop/java.test.ts), so it uses only API that 3.9 and 4.x share.
 */
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class Interop {
    private static String bootstrap;
    /** Every wait in a scenario ends: a broker that stops answering fails the run instead of hanging it. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Spindle's (and Kafka's) default message.max.bytes: the largest batch a topic accepts. */
    private static final int MESSAGE_MAX_BYTES = 1048588;

    public static void main(String[] args) throws Exception {
        if (args.length < 2) throw new IllegalArgumentException("usage: Interop <scenario> <bootstrap>");
        bootstrap = args[1];
        switch (args[0]) {
            case "produce" -> produce();
            case "large" -> large();
            case "restart" -> restart(Integer.parseInt(args[2]));
            case "groups" -> groups(args[2]);
            case "static" -> staticMembership();
            case "consumer" -> consumerFeatures();
            case "admin" -> admin();
            case "unsupported" -> unsupported();
            case "transactions" -> transactions();
            default -> throw new IllegalArgumentException("no scenario " + args[0]);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    private static void same(Object want, Object got, String what) {
        if (!Objects.equals(want, got)) throw new AssertionError(what + ": want " + want + ", got " + got);
    }

    private static void ok(String scenario, String facts) {
        System.out.println("OK " + scenario + " " + facts);
        System.out.flush();
    }

    private static void progress(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static Properties producerProps(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.putAll(extra);
        return p;
    }

    private static Properties consumerProps(String group, Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.putAll(extra);
        return p;
    }

    private static Admin admin(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.putAll(extra);
        return Admin.create(p);
    }

    private static <T> T get(KafkaFuture<T> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void createTopic(Admin admin, String name, int partitions, Map<String, String> configs) throws Exception {
        get(admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all());
    }

    /** A record as the test compares it: key, value and headers, bytes as text. */
    private record Rec(String key, String value, List<String> headers) {
        static Rec of(byte[] key, byte[] value, Iterable<Header> headers) {
            List<String> hs = new ArrayList<>();
            for (Header h : headers) hs.add(h.key() + "=" + (h.value() == null ? "<null>" : new String(h.value())));
            return new Rec(key == null ? null : new String(key), value == null ? null : new String(value), hs);
        }
    }

    /** Reads every partition of `topic` from its start until `count` records came, with no group. */
    private static Map<Integer, List<Rec>> readAll(String topic, int count) {
        Map<Integer, List<Rec>> got = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(null, Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 << 20)))) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, WAIT).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            int n = 0;
            while (n < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    got.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(Rec.of(r.key(), r.value(), r.headers()));
                    n++;
                }
            }
            same(count, n, topic + ": records read back");
        }
        return got;
    }

    private static String text(int i, int size) {
        StringBuilder b = new StringBuilder(size);
        String seed = "record " + i + " ";
        while (b.length() < size) b.append(seed);
        return b.substring(0, size);
    }

    // ---------------------------------------------------------------- producer

    /**
     * acks 0, 1 and all without idempotence, then every codec with idempotence (the default since
     * 3.0): keys, null keys, headers (one with a null value), values of many sizes, three
     * partitions; every record read back byte-exact in its partition's send order.
     */
    private static void produce() throws Exception {
        List<String[]> runs = new ArrayList<>();
        for (String acks : List.of("0", "1", "all")) runs.add(new String[] {"none", acks, "false"});
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) runs.add(new String[] {codec, "all", "true"});
        int count = 1500;
        StringBuilder facts = new StringBuilder();
        try (Admin admin = admin(Map.of())) {
            for (String[] run : runs) {
                String topic = "java-" + run[0] + "-" + run[1] + (run[2].equals("true") ? "-idem" : "");
                createTopic(admin, topic, 3, Map.of());
                Map<Integer, List<Rec>> sent = new TreeMap<>();
                Map<String, Object> cfg = new HashMap<>();
                cfg.put(ProducerConfig.ACKS_CONFIG, run[1]);
                cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, run[0]);
                cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, run[2]);
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(cfg))) {
                    List<Future<RecordMetadata>> acks = new ArrayList<>();
                    List<Rec> recs = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        String key = i % 10 == 9 ? null : "k" + (i % 37);
                        String value = text(i, 1 + (i * 37) % 900);
                        List<Header> headers = List.of(new RecordHeader("codec", run[0].getBytes()), new RecordHeader("i", Integer.toString(i).getBytes()),
                                new RecordHeader("empty", null));
                        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, key == null ? null : key.getBytes(), value.getBytes(), headers);
                        acks.add(p.send(r));
                        recs.add(new Rec(key, value, List.of("codec=" + run[0], "i=" + i, "empty=<null>")));
                    }
                    p.flush();
                    for (int i = 0; i < count; i++) {
                        RecordMetadata m = acks.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                        if (!run[1].equals("0")) check(m.hasOffset(), topic + ": acknowledged with an offset");
                        sent.computeIfAbsent(m.partition(), k -> new ArrayList<>()).add(recs.get(i));
                    }
                }
                Map<Integer, List<Rec>> got = readAll(topic, count);
                same(sent.keySet(), got.keySet(), topic + ": partitions written");
                for (int part : sent.keySet()) same(sent.get(part), got.get(part), topic + " partition " + part);
                facts.append(topic).append(' ');
            }
        }
        ok("produce", facts.toString().trim());
    }

    /**
     * message.max.bytes to the byte: a one-record batch of exactly 1048588 bytes (61 bytes of batch
     * header, 11 of record framing, a 1048516-byte value) is stored; one byte more is refused with
     * RecordTooLargeException, and the producer goes on working.
     */
    private static void large() throws Exception {
        String topic = "java-large";
        try (Admin admin = admin(Map.of())) {
            createTopic(admin, topic, 1, Map.of());
        }
        int fits = MESSAGE_MAX_BYTES - 61 - 11;
        Map<String, Object> cfg = Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20, ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.COMPRESSION_TYPE_CONFIG, "none",
                ProducerConfig.RETRIES_CONFIG, 0, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        byte[] big = text(7, fits).getBytes();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(cfg))) {
            RecordMetadata m = p.send(new ProducerRecord<>(topic, big)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            same(0L, m.offset(), "the largest record fits");
            try {
                p.send(new ProducerRecord<>(topic, text(8, fits + 1).getBytes())).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                throw new AssertionError("a batch one byte over message.max.bytes was accepted");
            } catch (ExecutionException e) {
                check(e.getCause() instanceof RecordTooLargeException, "one byte more: RecordTooLargeException, got " + e.getCause());
            }
            same(1L, p.send(new ProducerRecord<>(topic, "after".getBytes())).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).offset(), "the next record");
        }
        Map<Integer, List<Rec>> got = readAll(topic, 2);
        same(new String(big), got.get(0).get(0).value(), "the large record read back");
        same("after", got.get(0).get(1).value(), "the record after it");
        ok("large", "fits=" + fits);
    }

    /**
     * An idempotent producer with max.in.flight=5 sends `count` numbered records to one partition
     * while the test restarts the broker ("acked N" lines tell it when); the retries must neither
     * duplicate nor reorder anything: the partition holds 0..count-1 exactly once, in order.
     */
    private static void restart(int count) throws Exception {
        String topic = "java-restart";
        try (Admin admin = admin(Map.of())) {
            createTopic(admin, topic, 1, Map.of());
        }
        Map<String, Object> cfg = Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100, ProducerConfig.BATCH_SIZE_CONFIG, 2048,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        AtomicInteger acked = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(cfg))) {
            int reported = 0;
            for (int i = 0; i < count; i++) {
                p.send(new ProducerRecord<>(topic, Integer.toString(i).getBytes()), (m, e) -> {
                    if (e != null) failure.compareAndSet(null, e);
                    else acked.incrementAndGet();
                });
                // Paced so that the restart falls in the middle of the stream, with batches in flight.
                if (i % 200 == 199) Thread.sleep(20);
                if (acked.get() - reported >= 1000) {
                    reported = acked.get();
                    progress("acked " + reported);
                }
            }
            p.flush();
        }
        if (failure.get() != null) throw new AssertionError("a send failed", failure.get());
        same(count, acked.get(), "acknowledged");
        List<Rec> got = readAll(topic, count).get(0);
        for (int i = 0; i < count; i++) same(Integer.toString(i), got.get(i).value(), "record at offset " + i);
        ok("restart", "records=" + count);
    }

    // ---------------------------------------------------------------- consumer groups

    /** What one group member saw: its listener's calls and the records it consumed. */
    private static final class Member implements ConsumerRebalanceListener {
        final String name;
        final KafkaConsumer<byte[], byte[]> consumer;
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final Map<TopicPartition, List<Long>> consumed = new ConcurrentHashMap<>();

        Member(String name, Properties props) {
            this.name = name;
            this.consumer = new KafkaConsumer<>(props);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            events.add("revoked " + partitions.size());
            // Commit what was consumed before giving partitions up, as a careful application does.
            consumer.commitSync();
            owned.removeAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            events.add("assigned " + partitions.size());
            owned.addAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            events.add("lost " + partitions.size());
            owned.removeAll(partitions);
        }

        void poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                consumed.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> Collections.synchronizedList(new ArrayList<>())).add(r.offset());
            }
        }
    }

    private static void produceNumbered(String topic, int partitions, int perPartition) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(Map.of()))) {
            for (int i = 0; i < perPartition; i++) {
                for (int part = 0; part < partitions; part++) p.send(new ProducerRecord<>(topic, part, null, ("v" + i).getBytes()));
            }
            p.flush();
        }
    }

    private static void pollUntil(List<Member> members, Supplier<Boolean> done, String what) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (!done.get()) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
            for (Member m : members) m.poll();
        }
    }

    /**
     * Two members of one group on six partitions with the given assignor ("range" or
     * "cooperative-sticky"): the first takes everything, the second joins mid-stream and the
     * partitions are shared; with cooperative-sticky the first member keeps consuming through the
     * rebalance and gives up only what moves. Then the second leaves and the first takes it all
     * back. Every record is consumed, commits land at the log end, and the group is described with
     * both members and the assignor's name while both are in.
     */
    private static void groups(String assignor) throws Exception {
        String topic = "java-group-" + assignor;
        String group = "g-" + assignor;
        int partitions = 6;
        int perPartition = 300;
        try (Admin admin = admin(Map.of())) {
            createTopic(admin, topic, partitions, Map.of());
            produceNumbered(topic, partitions, perPartition);
            String strategy = assignor.equals("range") ? "org.apache.kafka.clients.consumer.RangeAssignor" : "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
            Map<String, Object> cfg = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, strategy, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50,
                    ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
            Member a = new Member("a", consumerProps(group, cfg));
            Member b = new Member("b", consumerProps(group, cfg));
            a.consumer.subscribe(List.of(topic), a);
            pollUntil(List.of(a), () -> a.owned.size() == partitions && a.consumed.values().stream().mapToInt(List::size).sum() > 0, "a to own every partition");
            b.consumer.subscribe(List.of(topic), b);
            pollUntil(List.of(a, b), () -> a.owned.size() == 3 && b.owned.size() == 3, "the partitions to be shared");
            ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
            same(2, d.members().size(), "members described");
            same(assignor, d.partitionAssignor(), "assignor described");
            if (assignor.equals("cooperative-sticky")) {
                check(!a.events.contains("revoked " + partitions), "cooperative: a never gave up everything: " + a.events);
            } else {
                check(a.events.contains("revoked " + partitions), "eager: a gave up everything: " + a.events);
            }
            a.consumer.commitSync();
            b.consumer.commitSync();
            b.consumer.close();
            pollUntil(List.of(a), () -> a.owned.size() == partitions, "a to take back every partition");
            pollUntil(List.of(a), () -> {
                Set<TopicPartition> parts = a.owned;
                for (TopicPartition tp : parts) if (a.consumer.position(tp) < perPartition) return false;
                return true;
            }, "a to reach the log end");
            a.consumer.commitSync();
            Map<TopicPartition, OffsetAndMetadata> committed = get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
            same(partitions, committed.size(), "partitions committed");
            for (OffsetAndMetadata o : committed.values()) same((long) perPartition, o.offset(), "committed at the log end");
            for (int part = 0; part < partitions; part++) {
                TopicPartition tp = new TopicPartition(topic, part);
                Set<Long> seen = new HashSet<>(a.consumed.getOrDefault(tp, List.of()));
                seen.addAll(b.consumed.getOrDefault(tp, List.of()));
                same(perPartition, seen.size(), tp + ": distinct offsets consumed");
            }
            a.consumer.close();
            ok("groups", assignor + " a=" + a.events + " b=" + b.events);
        }
    }

    /**
     * Static membership (group.instance.id): a static member that closes does not leave the group;
     * back within session.timeout.ms under the same instance id it gets the same partitions, and the
     * other member sees no rebalance at all.
     */
    private static void staticMembership() throws Exception {
        String topic = "java-static";
        String group = "g-static";
        try (Admin admin = admin(Map.of())) {
            createTopic(admin, topic, 4, Map.of());
            produceNumbered(topic, 4, 50);
            Map<String, Object> base = Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            Map<String, Object> ca = new HashMap<>(base);
            ca.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a");
            Map<String, Object> cb = new HashMap<>(base);
            cb.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-b");
            Member a = new Member("a", consumerProps(group, ca));
            Member b = new Member("b", consumerProps(group, cb));
            a.consumer.subscribe(List.of(topic), a);
            b.consumer.subscribe(List.of(topic), b);
            pollUntil(List.of(a, b), () -> a.owned.size() == 2 && b.owned.size() == 2, "two static members to share four partitions");
            Set<TopicPartition> bHad = new HashSet<>(b.owned);
            int aEvents = a.events.size();
            b.consumer.close();
            ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
            same(2, d.members().size(), "the closed static member is still in the group");
            check(d.members().stream().anyMatch(m -> m.groupInstanceId().equals(java.util.Optional.of("instance-b"))), "instance-b described");
            Member b2 = new Member("b2", consumerProps(group, cb));
            b2.consumer.subscribe(List.of(topic), b2);
            pollUntil(List.of(a, b2), () -> b2.owned.size() == 2, "instance-b to come back");
            same(bHad, new HashSet<>(b2.owned), "instance-b got its partitions back");
            for (int i = 0; i < 10; i++) a.poll();
            same(aEvents, a.events.size(), "a saw no rebalance: " + a.events);
            a.consumer.close();
            b2.consumer.close();
            ok("static", "b=" + bHad.size());
        }
    }

    /**
     * Manual assignment and seek, offsetsForTimes, commitSync and commitAsync (its callback called
     * without error, and the offsets read back), pause and resume, max.poll.records.
     */
    private static void consumerFeatures() throws Exception {
        String topic = "java-consumer";
        long base = System.currentTimeMillis() - 100_000;
        try (Admin admin = admin(Map.of())) {
            createTopic(admin, topic, 2, Map.of());
        }
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(Map.of()))) {
            // Record i of each partition has timestamp base + i*1000.
            for (int i = 0; i < 100; i++) {
                for (int part = 0; part < 2; part++) p.send(new ProducerRecord<>(topic, part, base + i * 1000L, null, ("p" + part + "-" + i).getBytes()));
            }
            p.flush();
        }
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps("g-features", Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7)))) {
            c.assign(List.of(p0, p1));
            c.seek(p0, 40);
            c.seek(p1, 90);
            // max.poll.records: never more than 7 per poll; the seeks are honoured.
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> got = new HashMap<>();
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            while ((got.getOrDefault(p0, List.of()).size() < 60 || got.getOrDefault(p1, List.of()).size() < 10) && System.currentTimeMillis() < deadline) {
                ConsumerRecords<byte[], byte[]> rs = c.poll(Duration.ofMillis(200));
                check(rs.count() <= 7, "max.poll.records=7, got " + rs.count());
                for (ConsumerRecord<byte[], byte[]> r : rs) got.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
            }
            same(40L, got.get(p0).get(0).offset(), "p0 starts at the seek");
            same("p0-40", new String(got.get(p0).get(0).value()), "p0 value at the seek");
            same(90L, got.get(p1).get(0).offset(), "p1 starts at the seek");
            same(60, got.get(p0).size(), "p0 read to the end");
            same(base + 95_000L, got.get(p1).get(5).timestamp(), "timestamps kept");

            // offsetsForTimes: the first record at or after a timestamp; null past the last one.
            Map<TopicPartition, OffsetAndTimestamp> at = c.offsetsForTimes(Map.of(p0, base + 25_500L, p1, base + 200_000L), WAIT);
            same(26L, at.get(p0).offset(), "offsetsForTimes p0");
            same(base + 26_000L, at.get(p0).timestamp(), "offsetsForTimes timestamp");
            check(at.get(p1) == null, "offsetsForTimes past the end is null");
            same(0L, c.beginningOffsets(List.of(p0), WAIT).get(p0), "beginningOffsets");
            same(100L, c.endOffsets(List.of(p0), WAIT).get(p0), "endOffsets");

            // commitSync with metadata, then commitAsync, its callback and committed().
            c.commitSync(Map.of(p0, new OffsetAndMetadata(55, "sync")));
            same(55L, c.committed(Set.of(p0), WAIT).get(p0).offset(), "commitSync");
            same("sync", c.committed(Set.of(p0), WAIT).get(p0).metadata(), "commit metadata");
            AtomicReference<Exception> asyncError = new AtomicReference<>();
            AtomicBoolean called = new AtomicBoolean();
            c.commitAsync(Map.of(p0, new OffsetAndMetadata(77), p1, new OffsetAndMetadata(99)), (offsets, e) -> {
                asyncError.set(e);
                called.set(true);
            });
            deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (!called.get() && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(50));
            check(called.get(), "commitAsync callback called");
            check(asyncError.get() == null, "commitAsync error: " + asyncError.get());
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.of(p0, p1), WAIT);
            same(77L, committed.get(p0).offset(), "commitAsync p0");
            same(99L, committed.get(p1).offset(), "commitAsync p1");

            // pause/resume: a paused partition returns nothing while the other one does.
            c.seek(p0, 0);
            c.seek(p1, 0);
            c.pause(List.of(p1));
            same(Set.of(p1), c.paused(), "paused()");
            int fromP0 = 0;
            deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (fromP0 < 30 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    check(r.partition() == 0, "a record of the paused partition came");
                    fromP0++;
                }
            }
            check(fromP0 >= 30, "the other partition is read while one is paused");
            c.resume(List.of(p1));
            boolean p1Came = false;
            deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (!p1Came && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) if (r.partition() == 1) p1Came = true;
            }
            check(p1Came, "resumed partition read again");
        }
        ok("consumer", "ok");
    }

    // ---------------------------------------------------------------- admin

    private static Map<String, ConfigEntry> configs(Admin admin, ConfigResource r) throws Exception {
        Config c = get(admin.describeConfigs(List.of(r)).values().get(r));
        Map<String, ConfigEntry> m = new HashMap<>();
        for (ConfigEntry e : c.entries()) m.put(e.name(), e);
        return m;
    }

    /**
     * Every admin call Spindle serves, each checked against what it did. listConsumerGroups is
     * deprecated in 4.x (listGroups replaces it) but is what 3.9 has, and both send ListGroups.
     */
    @SuppressWarnings({"deprecation", "removal"})
    private static void admin() throws Exception {
        try (Admin admin = admin(Map.of())) {
            // Cluster.
            DescribeClusterResult cluster = admin.describeCluster();
            Collection<Node> nodes = get(cluster.nodes());
            same(1, nodes.size(), "one node");
            Node node = nodes.iterator().next();
            same(node.id(), get(cluster.controller()).id(), "controller is the node");
            check(get(cluster.clusterId()) != null, "cluster id");

            // Topics with configs: create, list, describe, configs described, validate-only.
            String t = "java-admin";
            get(admin.createTopics(List.of(new NewTopic(t, 2, (short) 1).configs(Map.of("cleanup.policy", "compact", "retention.ms", "3600000")))).all());
            get(admin.createTopics(List.of(new NewTopic("java-admin-dry", 1, (short) 1)), new org.apache.kafka.clients.admin.CreateTopicsOptions().validateOnly(true)).all());
            Set<String> names = get(admin.listTopics().names());
            check(names.contains(t) && !names.contains("java-admin-dry"), "listTopics: " + names);
            try {
                get(admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).all());
                throw new AssertionError("created a topic twice");
            } catch (ExecutionException e) {
                check(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException, "TopicExistsException, got " + e.getCause());
            }
            TopicDescription td = get(admin.describeTopics(List.of(t)).allTopicNames()).get(t);
            same(2, td.partitions().size(), "partitions described");
            same(node.id(), td.partitions().get(0).leader().id(), "leader");
            ConfigResource topicRes = new ConfigResource(ConfigResource.Type.TOPIC, t);
            Map<String, ConfigEntry> tc = configs(admin, topicRes);
            same("compact", tc.get("cleanup.policy").value(), "cleanup.policy");
            same(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, tc.get("cleanup.policy").source(), "cleanup.policy source");
            same("3600000", tc.get("retention.ms").value(), "retention.ms");
            same(ConfigEntry.ConfigSource.DEFAULT_CONFIG, tc.get("segment.bytes").source(), "segment.bytes source");

            // incrementalAlterConfigs on the topic: set, delete, append to a list.
            get(admin.incrementalAlterConfigs(Map.of(topicRes, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.APPEND)))).all());
            tc = configs(admin, topicRes);
            same("7200000", tc.get("retention.ms").value(), "retention.ms after SET");
            same("compact,delete", tc.get("cleanup.policy").value(), "cleanup.policy after APPEND");
            get(admin.incrementalAlterConfigs(Map.of(topicRes, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)))).all());
            same(ConfigEntry.ConfigSource.DEFAULT_CONFIG, configs(admin, topicRes).get("retention.ms").source(), "retention.ms after DELETE");

            // The broker's configs, and a dynamic one changed and reset.
            ConfigResource brokerRes = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(node.id()));
            Map<String, ConfigEntry> bc = configs(admin, brokerRes);
            check(bc.containsKey("log.segment.bytes") && bc.containsKey("num.partitions"), "broker configs described");
            get(admin.incrementalAlterConfigs(Map.of(brokerRes, List.of(new AlterConfigOp(new ConfigEntry("log.retention.ms", "86400000"), AlterConfigOp.OpType.SET)))).all());
            ConfigEntry lr = configs(admin, brokerRes).get("log.retention.ms");
            same("86400000", lr.value(), "broker log.retention.ms after SET");
            same(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, lr.source(), "broker log.retention.ms source");
            get(admin.incrementalAlterConfigs(Map.of(brokerRes, List.of(new AlterConfigOp(new ConfigEntry("log.retention.ms", ""), AlterConfigOp.OpType.DELETE)))).all());
            check(configs(admin, brokerRes).get("log.retention.ms").source() != ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, "broker log.retention.ms reset");
            try {
                get(admin.incrementalAlterConfigs(Map.of(brokerRes, List.of(new AlterConfigOp(new ConfigEntry("log.dirs", "/elsewhere"), AlterConfigOp.OpType.SET)))).all());
                throw new AssertionError("a static broker config changed at run time");
            } catch (ExecutionException e) {
                check(e.getCause() instanceof org.apache.kafka.common.errors.InvalidRequestException, "log.dirs: InvalidRequestException, got " + e.getCause());
            }

            // createPartitions.
            get(admin.createPartitions(Map.of(t, NewPartitions.increaseTo(4))).all());
            same(4, get(admin.describeTopics(List.of(t)).allTopicNames()).get(t).partitions().size(), "partitions after createPartitions");

            // Records with timestamps for listOffsets and deleteRecords; an idempotent producer for describeProducers.
            String d = "java-admin-data";
            createTopic(admin, d, 2, Map.of());
            TopicPartition tp = new TopicPartition(d, 0);
            TopicPartition tp1 = new TopicPartition(d, 1);
            long base = System.currentTimeMillis() - 50_000;
            long producerId;
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)))) {
                for (int i = 0; i < 20; i++) {
                    // The largest timestamp sits at offset 13.
                    long ts = i == 13 ? base + 40_000 : base + i * 1000L;
                    p.send(new ProducerRecord<>(d, 0, ts, null, ("r" + i).getBytes()));
                }
                p.flush();
            }
            ListOffsetsResult lo = admin.listOffsets(Map.of(tp, OffsetSpec.earliest()));
            same(0L, get(lo.partitionResult(tp)).offset(), "earliest");
            same(20L, get(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)).offset(), "latest");
            same(6L, get(admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(base + 5_500))).partitionResult(tp)).offset(), "forTimestamp");
            ListOffsetsResult.ListOffsetsResultInfo max = get(admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).partitionResult(tp));
            same(13L, max.offset(), "maxTimestamp offset");
            same(base + 40_000, max.timestamp(), "maxTimestamp");
            same(5L, get(admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(5))).lowWatermarks().get(tp)).lowWatermark(), "deleteRecords low watermark");
            same(5L, get(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)).offset(), "earliest after deleteRecords");

            DescribeProducersResult dp = admin.describeProducers(List.of(tp));
            List<ProducerState> producers = get(dp.partitionResult(tp)).activeProducers();
            same(1, producers.size(), "describeProducers: one active producer");
            producerId = producers.get(0).producerId();
            check(producerId >= 0, "producer id");
            same(19, producers.get(0).lastSequence(), "last sequence");

            // Consumer groups: one with committed offsets; list, describe, alter/delete offsets, delete.
            String g = "java-admin-group";
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(g, Map.of()))) {
                c.subscribe(List.of(d));
                long deadline = System.currentTimeMillis() + WAIT.toMillis();
                while (c.assignment().isEmpty() && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(100));
                c.commitSync(Map.of(tp, new OffsetAndMetadata(10), tp1, new OffsetAndMetadata(0)));
                ConsumerGroupDescription desc = get(admin.describeConsumerGroups(List.of(g)).describedGroups().get(g));
                same(1, desc.members().size(), "a live member described");
                same(Set.of(tp, tp1), desc.members().iterator().next().assignment().topicPartitions(), "its assignment");
            }
            Collection<ConsumerGroupListing> groups = get(admin.listConsumerGroups().all());
            check(groups.stream().anyMatch(l -> l.groupId().equals(g)), "listConsumerGroups: " + groups);
            same(10L, get(admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata()).get(tp).offset(), "listConsumerGroupOffsets");
            get(admin.alterConsumerGroupOffsets(g, Map.of(tp, new OffsetAndMetadata(15))).all());
            same(15L, get(admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata()).get(tp).offset(), "after alterConsumerGroupOffsets");
            // Offsets of one partition deleted; the other's keep the group (an empty group without
            // offsets is dropped by the coordinator, so deleteConsumerGroups would find nothing).
            get(admin.deleteConsumerGroupOffsets(g, Set.of(tp)).all());
            Map<TopicPartition, OffsetAndMetadata> left = get(admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata());
            check(left.get(tp) == null && left.get(tp1) != null, "after deleteConsumerGroupOffsets: " + left);
            get(admin.deleteConsumerGroups(List.of(g)).all());
            check(get(admin.listConsumerGroups().all()).stream().noneMatch(l -> l.groupId().equals(g)), "group deleted");

            // deleteTopics.
            get(admin.deleteTopics(List.of(t)).all());
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (get(admin.listTopics().names()).contains(t) && System.currentTimeMillis() < deadline) Thread.sleep(100);
            check(!get(admin.listTopics().names()).contains(t), "topic deleted");
            ok("admin", "node=" + node.id() + " producer=" + producerId);
        }
    }

    // ---------------------------------------------------------------- transactions

    /** Every record of the topic a consumer at this isolation level reads from the start, as values. */
    private static List<String> readIsolated(String topic, String isolation, int atLeast) {
        List<String> got = new ArrayList<>();
        Map<String, Object> extra = Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(null, extra))) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, WAIT).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            // Until the wanted count, then a little longer: nothing more may come.
            long quietUntil = Long.MAX_VALUE;
            while (System.currentTimeMillis() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) got.add(new String(r.value()));
                if (got.size() >= atLeast && quietUntil == Long.MAX_VALUE) quietUntil = System.currentTimeMillis() + 1000;
            }
        }
        return got;
    }

    /**
     * KafkaProducer transactions: commit, abort, a zombie fenced by a second producer with the
     * same transactional.id, then a consume-transform-produce loop that commits its input offsets
     * with sendOffsetsToTransaction(consumer.groupMetadata()); read_committed sees each committed
     * record exactly once and no aborted one, read_uncommitted sees both; the admin client lists
     * and describes the transactional ids.
     */
    private static void transactions() throws Exception {
        String in = "java-txn-in";
        String out = "java-txn-out";
        String group = "java-txn-group";
        try (Admin admin = admin(Map.of())) {
            createTopic(admin, in, 3, Map.of());
            createTopic(admin, out, 3, Map.of());
        }
        Map<String, Object> txn = Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "java-tx-1", ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        KafkaProducer<byte[], byte[]> first = new KafkaProducer<>(producerProps(txn));
        first.initTransactions();
        first.beginTransaction();
        for (int i = 0; i < 10; i++) first.send(new ProducerRecord<>(out, ("k" + i).getBytes(), ("committed-a-" + i).getBytes()));
        first.commitTransaction();
        first.beginTransaction();
        for (int i = 0; i < 5; i++) first.send(new ProducerRecord<>(out, ("k" + i).getBytes(), ("aborted-" + i).getBytes()));
        first.flush();
        first.abortTransaction();
        first.beginTransaction();
        for (int i = 0; i < 10; i++) first.send(new ProducerRecord<>(out, ("k" + i).getBytes(), ("committed-b-" + i).getBytes()));
        first.commitTransaction();

        // A second producer with the same id fences the first: its open transaction is aborted.
        first.beginTransaction();
        first.send(new ProducerRecord<>(out, "z".getBytes(), "zombie".getBytes())).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        KafkaProducer<byte[], byte[]> second = new KafkaProducer<>(producerProps(txn));
        second.initTransactions();
        int initialEpoch;
        try (Admin admin = admin(Map.of())) {
            initialEpoch = get(admin.describeTransactions(List.of("java-tx-1")).all()).get("java-tx-1").producerEpoch();
        }
        String fenced;
        try {
            first.send(new ProducerRecord<>(out, "z".getBytes(), "zombie-2".getBytes())).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            first.commitTransaction();
            throw new AssertionError("the zombie committed");
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            check(cause instanceof org.apache.kafka.common.errors.ProducerFencedException || cause instanceof org.apache.kafka.common.errors.InvalidProducerEpochException,
                "the zombie is fenced, got " + cause);
            fenced = cause.getClass().getSimpleName();
        }
        first.close(Duration.ZERO);

        // Consume-transform-produce, exactly once.
        try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(producerProps(Map.of()))) {
            for (int i = 0; i < 30; i++) plain.send(new ProducerRecord<>(in, ("in" + i).getBytes(), ("in-" + i).getBytes()));
        }
        int processed = 0;
        int commits = 0;
        Map<String, Object> readCommitted = Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(group, readCommitted))) {
            consumer.subscribe(List.of(in));
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (processed < 30 && System.currentTimeMillis() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) continue;
                second.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    second.send(new ProducerRecord<>(out, r.key(), ("out-" + new String(r.value())).getBytes()));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    processed++;
                }
                second.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                second.commitTransaction();
                commits++;
            }
        }
        same(30, processed, "records processed");
        second.close();

        List<String> committed = readIsolated(out, "read_committed", 50);
        List<String> uncommitted = readIsolated(out, "read_uncommitted", 56);
        same(50, committed.size(), "read_committed records: " + committed);
        same(50, new HashSet<>(committed).size(), "each committed record exactly once");
        check(committed.stream().noneMatch(v -> v.startsWith("aborted") || v.startsWith("zombie")), "no aborted record is read committed: " + committed);
        for (int i = 0; i < 30; i++) check(committed.contains("out-in-" + i), "out-in-" + i + " committed");
        check(uncommitted.containsAll(List.of("aborted-0", "zombie")), "read_uncommitted sees the aborted records");
        same(56, uncommitted.size(), "read_uncommitted records");

        try (Admin admin = admin(Map.of())) {
            Map<TopicPartition, OffsetAndMetadata> groupOffsets = get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
            long total = 0;
            for (OffsetAndMetadata o : groupOffsets.values()) total += o.offset();
            same(30L, total, "the group's committed offsets cover the input");
            var listed = get(admin.listTransactions().all());
            check(listed.stream().anyMatch(l -> l.transactionalId().equals("java-tx-1")), "listTransactions: " + listed);
            var described = get(admin.describeTransactions(List.of("java-tx-1")).all()).get("java-tx-1");
            same("COMPLETE_COMMIT", described.state().name(), "describeTransactions state");
            // With transaction.version 2 (KIP-890) every commit bumps the epoch; with version 1 none does.
            var level = get(admin.describeFeatures().featureMetadata()).finalizedFeatures().get("transaction.version");
            int bumps = described.producerEpoch() - initialEpoch;
            check(bumps == 0 || bumps == commits, "epoch bumps " + bumps + " for " + commits + " commits");
            ok("transactions", "committed=" + committed.size() + " uncommitted=" + uncommitted.size() + " fenced=" + fenced
                + " transaction.version=" + (level == null ? 0 : level.maxVersionLevel()) + " epochBumps=" + (bumps == commits ? "each-commit" : "none"));
        }
    }

    /**
     * Admin calls whose APIs Spindle does not serve: each fails with UnsupportedVersionException,
     * promptly, and the client goes on serving the calls that work.
     */
    private static void unsupported() throws Exception {
        List<String> seen = new ArrayList<>();
        try (Admin admin = admin(Map.of())) {
            Map<String, Supplier<KafkaFuture<?>>> calls = new java.util.LinkedHashMap<>();
            calls.put("describeLogDirs", () -> admin.describeLogDirs(List.of(1)).allDescriptions());
            calls.put("listPartitionReassignments", () -> admin.listPartitionReassignments().reassignments());
            calls.put("describeDelegationToken", () -> admin.describeDelegationToken().delegationTokens());
            calls.put("describeMetadataQuorum", () -> admin.describeMetadataQuorum().quorumInfo());
            for (Map.Entry<String, Supplier<KafkaFuture<?>>> call : calls.entrySet()) {
                try {
                    call.getValue().get().get(15, TimeUnit.SECONDS);
                    throw new AssertionError(call.getKey() + " succeeded");
                } catch (ExecutionException e) {
                    check(e.getCause() instanceof UnsupportedVersionException, call.getKey() + ": UnsupportedVersionException, got " + e.getCause());
                    seen.add(call.getKey());
                } catch (TimeoutException e) {
                    throw new AssertionError(call.getKey() + " hung");
                }
            }
            // Served, where Kafka without an authorizer answers SECURITY_DISABLED: the ACL APIs.
            try {
                admin.describeAcls(AclBindingFilter.ANY).values().get(15, TimeUnit.SECONDS);
                throw new AssertionError("describeAcls succeeded without an authorizer");
            } catch (ExecutionException e) {
                check(e.getCause() instanceof org.apache.kafka.common.errors.SecurityDisabledException, "describeAcls: SecurityDisabledException, got " + e.getCause());
            }
            // Served: client quotas and SCRAM credentials, empty on a fresh broker.
            check(admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(15, TimeUnit.SECONDS).isEmpty(), "no client quotas");
            check(admin.describeUserScramCredentials().all().get(15, TimeUnit.SECONDS).isEmpty(), "no SCRAM users");
            check(!get(admin.describeCluster().nodes()).isEmpty(), "the client still works");
        }
        ok("unsupported", String.join(",", seen));
    }
}
