import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * A Kafka Streams word count under exactly_once_v2, for test/interop/streams.test.ts, in three modes:
 *
 *   produce <bootstrap> <input> <lines> <seed> <output>…
 *       creates the input topic and the output topics and writes <lines> lines made from <seed>
 *   run <bootstrap> <app-id> <input> <output> <state-dir> <lines> <seed> [verify]
 *       runs the word count until as many counts as the lines hold words are committed to
 *       <output>, printing "progress processed=P output=O" as it goes, and "OK run …" once it has
 *       closed; with `verify`, verifies then
 *   verify <bootstrap> <app-id> <input> <output> <lines> <seed>
 *       reads <output> and the count store's changelog read_committed and checks them against the
 *       totals the same lines give, checks the topics Streams created, that it purged its
 *       repartition topic and committed its offsets, and prints "OK verify …"
 *
 * The app: lines split into words, grouped by word (a repartition topic), counted (a state store
 * with a changelog topic), each count written to <output>. With the store's cache off every word
 * read gives one update, so read_committed each word's counts are exactly 1, 2, …, its total.
 */
public class WordCount {
  static final int PARTITIONS = 3;
  static final String GROUPED = "words";
  static final String STORE = "counts";
  /** Updates per millisecond of sleep in the word count (see run). */
  static final int PACE = 4;

  static void pause() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static void main(String[] args) {
    try {
      switch (args[0]) {
        case "produce" -> produce(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]), Arrays.asList(args).subList(5, args.length));
        case "run" -> {
          int lines = Integer.parseInt(args[6]);
          long seed = Long.parseLong(args[7]);
          run(args[1], args[2], args[3], args[4], args[5], totals(lines, seed).values().stream().mapToLong(Long::longValue).sum());
          if (args.length > 8 && args[8].equals("verify")) verify(args[1], args[2], args[3], args[4], lines, seed);
        }
        case "verify" -> verify(args[1], args[2], args[3], args[4], Integer.parseInt(args[5]), Long.parseLong(args[6]));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    } catch (Throwable e) {
      System.out.println("FAILED " + args[0] + ": " + e);
      e.printStackTrace();
      // Streams' threads would keep a failed run alive.
      System.exit(1);
    }
    System.exit(0);
  }

  // ---------------------------------------------------------------- input

  static final String[] SEPARATORS = {" ", "  ", ", ", ". ", " - ", "; ", "! "};

  /** The words of each line, in the case they are written; the app lower-cases them. */
  static List<List<String>> lines(int n, long seed) {
    java.util.Random random = new java.util.Random(seed);
    List<List<String>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int count = 1 + random.nextInt(10);
      List<String> words = new ArrayList<>(count);
      for (int j = 0; j < count; j++) {
        // A skewed pick from 200 words: a few are very common, most are rare.
        int index = (int) (Math.pow(random.nextDouble(), 3) * 200);
        String word = name(index);
        if (random.nextInt(5) == 0) word = word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
        words.add(word);
      }
      out.add(words);
    }
    return out;
  }

  static String name(int index) {
    String[] a = {"sp", "ka", "lo", "mi", "tr", "ne", "qu", "zo", "bri", "fa"};
    String[] b = {"in", "dle", "rf", "ux", "om", "ae", "ter", "ick", "ow", "ane"};
    return a[index % 10] + b[(index / 10) % 10] + (index >= 100 ? "s" : "");
  }

  static String join(List<String> words, int line) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < words.size(); i++) {
      if (i > 0) s.append(SEPARATORS[(line + i) % SEPARATORS.length]);
      s.append(words.get(i));
    }
    return s.toString();
  }

  static Map<String, Long> totals(int n, long seed) {
    Map<String, Long> totals = new TreeMap<>();
    for (List<String> words : lines(n, seed)) for (String w : words) totals.merge(w.toLowerCase(Locale.ROOT), 1L, Long::sum);
    return totals;
  }

  static void produce(String bootstrap, String input, int n, long seed, List<String> outputs) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String topic : outputs) topics.add(new NewTopic(topic, PARTITIONS, (short) 1));
      topics.add(new NewTopic(input, PARTITIONS, (short) 1));
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    long words = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      List<List<String>> lines = lines(n, seed);
      for (int i = 0; i < lines.size(); i++) {
        producer.send(new ProducerRecord<>(input, i % PARTITIONS, "line-" + i, join(lines.get(i), i)));
        words += lines.get(i).size();
      }
      producer.flush();
    }
    System.out.println("OK produce lines=" + n + " words=" + words + " distinct=" + totals(n, seed).size());
  }

  // ---------------------------------------------------------------- the app

  static void run(String bootstrap, String appId, String input, String output, String stateDir, long expected) throws Exception {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // No record cache: every word read is one update of its count, written on.
    p.put("statestore.cache.max.bytes", 0);
    // Purge what has been read from the repartition topic at (almost) every commit: DeleteRecords.
    p.put("repartition.purge.interval.ms", 100);
    // Small polls stretch the run over many transactions, so that a kill lands mid-stream.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 250);
    // A restarted instance waits for the killed one's session to end before the group rebalances.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1000);

    AtomicLong processed = new AtomicLong();
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
        .filter((key, word) -> !word.isEmpty())
        .groupBy((key, word) -> word, Grouped.<String, String>as(GROUPED).withKeySerde(Serdes.String()).withValueSerde(Serdes.String()))
        .count(Materialized.as(STORE))
        .toStream()
        // Paced: the stream thread making every PACE-th update sleeps a millisecond, so that the
        // input's ~8,000 updates take a second or more on any machine and the test's kill at a
        // quarter of the output lands mid-stream. Unpaced, an idle machine counted everything
        // between two progress lines, and the kill came after the last commit.
        .peek((word, count) -> {
          if (processed.incrementAndGet() % PACE == 0) pause();
        })
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    CountDownLatch failed = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      System.out.println("state " + before + " -> " + now);
      if (now == KafkaStreams.State.ERROR) failed.countDown();
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.out.println("uncaught " + e);
      e.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    // Records restored into the store from its changelog: none on a first start, all of it after a kill.
    AtomicLong restored = new AtomicLong();
    streams.setGlobalStateRestoreListener(new StateRestoreListener() {
      @Override
      public void onRestoreStart(TopicPartition partition, String store, long start, long end) {}

      @Override
      public void onBatchRestored(TopicPartition partition, String store, long batchEnd, long records) {
        restored.addAndGet(records);
      }

      @Override
      public void onRestoreEnd(TopicPartition partition, String store, long total) {}
    });
    streams.start();

    // What has been committed to the output so far, as a read_committed consumer sees it.
    long seen = 0;
    long lastPrint = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = committedReader(bootstrap)) {
      List<TopicPartition> parts = partitions(consumer, output);
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + 50_000;
      while (seen < expected) {
        if (failed.getCount() == 0) throw new IllegalStateException("Streams went to ERROR");
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out with " + seen + " of " + expected + " counts committed");
        int got = consumer.poll(Duration.ofMillis(100)).count();
        seen += got;
        // At every commit that shows (a poll that got something), else at most every 200 ms.
        if (got > 0 || System.currentTimeMillis() - lastPrint >= 200) {
          System.out.println("progress processed=" + processed.get() + " output=" + seen);
          lastPrint = System.currentTimeMillis();
        }
      }
    }
    System.out.println("progress processed=" + processed.get() + " output=" + seen);
    System.out.println("metrics " + threadMetrics(streams));
    streams.close(Duration.ofSeconds(30));
    System.out.println("OK run output=" + seen + " restored=" + restored.get() + " state=" + streams.state());
  }

  /** The stream threads' commit and poll figures, summed over the threads (latencies averaged). */
  static String threadMetrics(KafkaStreams streams) {
    Map<String, Double> sums = new TreeMap<>();
    Map<String, Integer> n = new HashMap<>();
    streams.metrics().forEach((name, metric) -> {
      if (!name.group().equals("stream-thread-metrics")) return;
      if (!Set.of("commit-total", "commit-latency-avg", "poll-latency-avg", "poll-records-avg", "process-total").contains(name.name())) return;
      Object v = metric.metricValue();
      if (v instanceof Double d && !d.isNaN()) {
        sums.merge(name.name(), d, Double::sum);
        n.merge(name.name(), 1, Integer::sum);
      }
    });
    return sums.entrySet().stream()
        .map(e -> e.getKey() + "=" + Math.round(e.getKey().endsWith("-avg") ? e.getValue() / n.get(e.getKey()) : e.getValue()))
        .collect(Collectors.joining(" "));
  }

  // ---------------------------------------------------------------- checks

  static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap) {
    return reader(bootstrap, "read_committed");
  }

  static KafkaConsumer<byte[], byte[]> reader(String bootstrap, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
    return new KafkaConsumer<>(p);
  }

  static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream().map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
  }

  /** Every record of `topic` up to its last stable offset, read_committed, as (word, count) in each partition's order. */
  static Map<String, List<Long>> readCounts(String bootstrap, String topic) {
    return readCounts(bootstrap, topic, "read_committed");
  }

  /** The same under `isolation`: read_uncommitted reads to the high watermark, aborted records too. */
  static Map<String, List<Long>> readCounts(String bootstrap, String topic, String isolation) {
    Deserializer<String> keys = new StringDeserializer();
    Deserializer<Long> values = new LongDeserializer();
    Map<String, List<Long>> counts = new TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = reader(bootstrap, isolation)) {
      List<TopicPartition> parts = partitions(consumer, topic);
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 30_000;
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("could not read " + topic + " to " + end);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          counts.computeIfAbsent(keys.deserialize(topic, r.key()), k -> new ArrayList<>()).add(values.deserialize(topic, r.value()));
        }
      }
    }
    return counts;
  }

  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static void verify(String bootstrap, String appId, String input, String output, int n, long seed) throws Exception {
    Map<String, Long> totals = totals(n, seed);
    long words = totals.values().stream().mapToLong(Long::longValue).sum();

    // The output: each word's counts exactly 1, 2, …, its total, in order, nothing else.
    Map<String, List<Long>> counts = readCounts(bootstrap, output);
    check(counts.keySet().equals(totals.keySet()), "output words " + counts.size() + " != expected " + totals.size() + ": missing " + diff(totals.keySet(), counts.keySet()) + ", extra " + diff(counts.keySet(), totals.keySet()));
    long updates = 0;
    for (Map.Entry<String, Long> e : totals.entrySet()) {
      List<Long> got = counts.get(e.getKey());
      updates += got.size();
      for (int i = 0; i < got.size(); i++) {
        if (got.get(i) != i + 1) throw new AssertionError("word " + e.getKey() + ": update " + (i + 1) + " is " + got.get(i) + " (counts " + abbreviate(got) + ")");
      }
      check(got.size() == e.getValue(), "word " + e.getKey() + ": last count " + got.size() + " != expected total " + e.getValue());
    }

    // The store's changelog, which a restarted instance restores from: its last value per word is the total.
    String changelog = appId + "-" + STORE + "-changelog";
    String repartition = appId + "-" + GROUPED + "-repartition";
    Map<String, List<Long>> logged = readCounts(bootstrap, changelog);
    for (Map.Entry<String, Long> e : totals.entrySet()) {
      List<Long> got = logged.get(e.getKey());
      check(got != null && got.get(got.size() - 1).equals(e.getValue()), "changelog: word " + e.getKey() + " ends at " + (got == null ? null : got.get(got.size() - 1)) + ", expected " + e.getValue());
    }

    long purged = 0;
    long transactionalIds;
    int epoch = -1;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      // The topics Streams created with CreateTopics, with the configs it asked for.
      Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      check(topics.contains(changelog) && topics.contains(repartition), "internal topics created: " + topics);
      Map<String, Integer> sizes = new HashMap<>();
      admin.describeTopics(List.of(changelog, repartition)).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) -> sizes.put(name, d.partitions().size()));
      check(sizes.get(changelog) == PARTITIONS && sizes.get(repartition) == PARTITIONS, "internal topic partitions " + sizes);
      ConfigResource cl = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
      ConfigResource rp = new ConfigResource(ConfigResource.Type.TOPIC, repartition);
      Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(cl, rp)).all().get(30, TimeUnit.SECONDS);
      check("compact".equals(configs.get(cl).get("cleanup.policy").value()), "changelog cleanup.policy " + configs.get(cl).get("cleanup.policy").value());
      check("delete".equals(configs.get(rp).get("cleanup.policy").value()), "repartition cleanup.policy " + configs.get(rp).get("cleanup.policy").value());
      check("-1".equals(configs.get(rp).get("retention.ms").value()), "repartition retention.ms " + configs.get(rp).get("retention.ms").value());

      // The repartition topic purged (DeleteRecords) up to what was committed.
      Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
      for (int i = 0; i < PARTITIONS; i++) earliest.put(new TopicPartition(repartition, i), OffsetSpec.earliest());
      for (ListOffsetsResult.ListOffsetsResultInfo info : admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS).values()) purged += info.offset();
      check(purged > 0, "the repartition topic was never purged");

      // Every input line consumed, and the group's offsets committed to its end.
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int i = 0; i < PARTITIONS; i++) latest.put(new TopicPartition(input, i), OffsetSpec.latest());
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        check(c != null && c.offset() == e.getValue().offset(), "group " + appId + " committed " + c + " on " + e.getKey() + ", end " + e.getValue().offset());
      }

      // No transaction of the app left open.
      Collection<TransactionListing> open = admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream()
          .filter(t -> t.transactionalId().startsWith(appId) && t.state() == org.apache.kafka.clients.admin.TransactionState.ONGOING)
          .collect(Collectors.toList());
      check(open.isEmpty(), "transactions left open: " + open);
      // How many transactional ids the app used, and the highest producer epoch among them: under
      // transaction protocol version 2 every commit bumps it, under version 1 only InitProducerId does.
      List<String> ids = admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream().map(TransactionListing::transactionalId).filter(id -> id.startsWith(appId + "-")).collect(Collectors.toList());
      transactionalIds = ids.size();
      for (TransactionDescription d : admin.describeTransactions(ids).all().get(30, TimeUnit.SECONDS).values()) epoch = Math.max(epoch, d.producerEpoch());
    }
    // Records of aborted transactions (a killed instance's last one): in the log, never read_committed.
    long aborted = readCounts(bootstrap, output, "read_uncommitted").values().stream().mapToLong(List::size).sum() - updates;
    System.out.println("OK verify lines=" + n + " words=" + words + " distinct=" + totals.size() + " updates=" + updates + " purged=" + purged + " transactional-ids=" + transactionalIds + " epoch=" + epoch + " aborted=" + aborted + " top=" + top(totals));
  }

  static Set<String> diff(Set<String> a, Set<String> b) {
    return a.stream().filter(x -> !b.contains(x)).limit(10).collect(Collectors.toSet());
  }

  static String abbreviate(List<Long> l) {
    return l.size() <= 20 ? l.toString() : l.subList(0, 20) + "… (" + l.size() + ")";
  }

  static String top(Map<String, Long> totals) {
    return totals.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(1).map(e -> e.getKey() + ":" + e.getValue()).findFirst().orElse("");
  }
}
