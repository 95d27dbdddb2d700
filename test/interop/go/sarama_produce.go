package main

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

var saramaCodecs = []struct {
	name  string
	codec sarama.CompressionCodec
}{
	{"none", sarama.CompressionNone},
	{"gzip", sarama.CompressionGZIP},
	{"snappy", sarama.CompressionSnappy},
	{"lz4", sarama.CompressionLZ4},
	{"zstd", sarama.CompressionZSTD},
}

// The modes span Sarama's protocol versions as well: 3.9 (flexible Produce v10 and Fetch v12),
// 2.1 (Produce v7, Fetch v10, the first with zstd) and 0.11 (Produce v3, Fetch v5, the first
// with record batches, headers and idempotence). Transactional producing
// (Producer.Transaction.ID) is the sarama-txn scenario's, in sarama_txn.go.
type saramaMode struct {
	name       string
	async      bool
	idempotent bool
	acks       sarama.RequiredAcks
	version    func(codec sarama.CompressionCodec) sarama.KafkaVersion
}

func fixedVersion(v sarama.KafkaVersion) func(sarama.CompressionCodec) sarama.KafkaVersion {
	return func(sarama.CompressionCodec) sarama.KafkaVersion { return v }
}

var saramaModes = []saramaMode{
	{"sync-idempotent", false, true, sarama.WaitForAll, fixedVersion(sarama.V3_9_0_0)},
	{"async-idempotent", true, true, sarama.WaitForAll, fixedVersion(sarama.V2_1_0_0)},
	{"sync-acks1", false, false, sarama.WaitForLocal, func(c sarama.CompressionCodec) sarama.KafkaVersion {
		if c == sarama.CompressionZSTD {
			return sarama.V2_1_0_0 // Sarama refuses zstd below 2.1
		}
		return sarama.V0_11_0_0
	}},
	{"async-acks0", true, false, sarama.NoResponse, fixedVersion(sarama.V3_9_0_0)},
}

func saramaConfig(version sarama.KafkaVersion) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.ClientID = "spindle-interop"
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Net.ReadTimeout = 20 * time.Second
	cfg.Net.WriteTimeout = 20 * time.Second
	return cfg
}

func toSarama(topic string, i int, r testRecord) *sarama.ProducerMessage {
	m := &sarama.ProducerMessage{Topic: topic, Partition: r.Partition, Timestamp: r.Timestamp, Metadata: i}
	// A nil Encoder is a null key or value; ByteEncoder of an empty slice is an empty one.
	if r.Key != nil {
		m.Key = sarama.ByteEncoder(r.Key)
	}
	if r.Value != nil {
		m.Value = sarama.ByteEncoder(r.Value)
	}
	for _, h := range r.Headers {
		m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
	}
	return m
}

func fromSarama(m *sarama.ConsumerMessage) testRecord {
	r := testRecord{Partition: m.Partition, Key: m.Key, Value: m.Value, Timestamp: m.Timestamp}
	for _, h := range m.Headers {
		r.Headers = append(r.Headers, header{string(h.Key), h.Value})
	}
	return r
}

// saramaProduceConsume produces with every codec through sync and async producers, with and
// without idempotence, then reads every partition back with partition consumers.
func saramaProduceConsume(bootstrap string, args []string) (map[string]any, error) {
	count := 300
	if len(args) > 0 {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return nil, fmt.Errorf("record count %q: %w", args[0], err)
		}
		count = n
	}
	admin, err := sarama.NewClusterAdmin([]string{bootstrap}, saramaConfig(sarama.V3_9_0_0))
	if err != nil {
		return nil, fmt.Errorf("cluster admin: %w", err)
	}
	defer admin.Close()

	want := expectation{}
	versionOf := map[string]sarama.KafkaVersion{}
	var topics []string
	for _, c := range saramaCodecs {
		for _, m := range saramaModes {
			topic := "sarama-" + c.name + "-" + m.name
			topics = append(topics, topic)
			if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: producePartitions, ReplicationFactor: 1}, false); err != nil {
				return nil, fmt.Errorf("create topic %s: %w", topic, err)
			}
			cfg := saramaConfig(m.version(c.codec))
			versionOf[topic] = cfg.Version
			cfg.Producer.Compression = c.codec
			cfg.Producer.Partitioner = sarama.NewManualPartitioner
			cfg.Producer.RequiredAcks = m.acks
			cfg.Producer.Return.Successes = true
			cfg.Producer.Flush.Frequency = 2 * time.Millisecond
			if m.idempotent {
				cfg.Producer.Idempotent = true
				cfg.Net.MaxOpenRequests = 1
			}
			records := make([]testRecord, count)
			msgs := make([]*sarama.ProducerMessage, count)
			for i := range records {
				records[i] = makeRecord(topic, i, producePartitions)
				want.add(topic, records[i])
				msgs[i] = toSarama(topic, i, records[i])
			}
			if m.async {
				err = saramaProduceAsync(bootstrap, cfg, msgs)
			} else {
				err = saramaProduceSync(bootstrap, cfg, msgs)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", topic, err)
			}
			if m.acks != sarama.NoResponse {
				// Record i must have been given the next offset of its partition.
				next := map[int32]int64{}
				for i, msg := range msgs {
					if msg.Offset != next[msg.Partition] {
						return nil, fmt.Errorf("%s/%d: record %d acknowledged at offset %d, want %d", topic, msg.Partition, i, msg.Offset, next[msg.Partition])
					}
					next[msg.Partition]++
				}
			}
			logf("produced %d records to %s (version %s)", count, topic, cfg.Version)
		}
	}

	// Each topic is read with the protocol version it was produced with.
	byVersion := map[sarama.KafkaVersion][]string{}
	for _, topic := range topics {
		byVersion[versionOf[topic]] = append(byVersion[versionOf[topic]], topic)
	}
	got := newConsumed()
	for v, ts := range byVersion {
		if err := saramaReadAll(bootstrap, saramaConfig(v), want, ts, got); err != nil {
			return nil, err
		}
	}
	if err := got.check(want); err != nil {
		return nil, err
	}
	return map[string]any{"topics": len(topics), "records": got.n}, nil
}

func saramaProduceSync(bootstrap string, cfg *sarama.Config, msgs []*sarama.ProducerMessage) error {
	p, err := sarama.NewSyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		return fmt.Errorf("sync producer: %w", err)
	}
	// Several SendMessages calls, so that there are several produce requests and batches.
	for start := 0; start < len(msgs); start += 100 {
		end := min(start+100, len(msgs))
		if err := p.SendMessages(msgs[start:end]); err != nil {
			_ = p.Close()
			if pe, ok := err.(sarama.ProducerErrors); ok && len(pe) > 0 {
				return fmt.Errorf("sync produce: %d errors, first: %w", len(pe), pe[0].Err)
			}
			return fmt.Errorf("sync produce: %w", err)
		}
	}
	return p.Close()
}

func saramaProduceAsync(bootstrap string, cfg *sarama.Config, msgs []*sarama.ProducerMessage) error {
	p, err := sarama.NewAsyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		return fmt.Errorf("async producer: %w", err)
	}
	var (
		wg       sync.WaitGroup
		firstErr error
		acked    int
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range p.Successes() {
			acked++
		}
	}()
	go func() {
		defer wg.Done()
		for e := range p.Errors() {
			if firstErr == nil {
				firstErr = e.Err
			}
		}
	}()
	for _, m := range msgs {
		p.Input() <- m
	}
	// AsyncClose flushes what is buffered before Successes and Errors close.
	p.AsyncClose()
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("async produce: %w", firstErr)
	}
	if acked != len(msgs) {
		return fmt.Errorf("async produce: %d of %d records acknowledged", acked, len(msgs))
	}
	return nil
}

// saramaReadAll reads every partition of the topics from the oldest offset, all at once, until
// each has as many records as were produced to it, then checks the log holds no more.
func saramaReadAll(bootstrap string, cfg *sarama.Config, want expectation, topics []string, got *consumed) error {
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Return.Errors = true
	client, err := sarama.NewClient([]string{bootstrap}, cfg)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer client.Close()
	c, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	defer c.Close()
	type result struct {
		topic string
		p     int32
		msgs  []*sarama.ConsumerMessage
		err   error
	}
	results := make(chan result)
	n := 0
	for _, topic := range topics {
		for _, p := range sortedKeys(want[topic]) {
			oldest, err := client.GetOffset(topic, p, sarama.OffsetOldest)
			if err != nil || oldest != 0 {
				return fmt.Errorf("%s/%d: oldest offset %d (%v), want 0", topic, p, oldest, err)
			}
			pc, err := c.ConsumePartition(topic, p, sarama.OffsetOldest)
			if err != nil {
				return fmt.Errorf("consume %s/%d: %w", topic, p, err)
			}
			n++
			go func(topic string, p int32, count int) {
				r := result{topic: topic, p: p}
				deadline := time.After(20 * time.Second)
				for len(r.msgs) < count && r.err == nil {
					select {
					case m := <-pc.Messages():
						r.msgs = append(r.msgs, m)
					case e := <-pc.Errors():
						r.err = fmt.Errorf("consume %s/%d: %w", topic, p, e.Err)
					case <-deadline:
						r.err = fmt.Errorf("consume %s/%d: %d of %d records before timing out", topic, p, len(r.msgs), count)
					}
				}
				if err := pc.Close(); err != nil && r.err == nil {
					r.err = fmt.Errorf("close consumer of %s/%d: %w", topic, p, err)
				}
				results <- r
			}(topic, p, len(want[topic][p]))
		}
	}
	var firstErr error
	for ; n > 0; n-- {
		r := <-results
		if r.err != nil {
			if firstErr == nil {
				firstErr = r.err
			}
			continue
		}
		for _, m := range r.msgs {
			got.add(m.Topic, m.Offset, fromSarama(m))
		}
		// Asked only now: with acks=0 the last records may still be landing before this.
		// The log must hold exactly the produced records, no duplicates from retries.
		newest, err := client.GetOffset(r.topic, r.p, sarama.OffsetNewest)
		if (err != nil || newest != int64(len(r.msgs))) && firstErr == nil {
			firstErr = fmt.Errorf("%s/%d: newest offset %d (%v), want %d", r.topic, r.p, newest, err, len(r.msgs))
		}
	}
	return firstErr
}
