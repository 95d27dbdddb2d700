package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

var kgoCodecs = []struct {
	name  string
	codec kgo.CompressionCodec
	attr  uint8 // the batch attribute bits Kafka stores for it
}{
	{"none", kgo.NoCompression(), 0},
	{"gzip", kgo.GzipCompression(), 1},
	{"snappy", kgo.SnappyCompression(), 2},
	{"lz4", kgo.Lz4Compression(), 3},
	{"zstd", kgo.ZstdCompression(), 4},
}

// kgo only allows acks other than all with idempotence off. Transactional producing
// (kgo.TransactionalID) is the kgo-txn scenario's, in kgo_txn.go.
var kgoModes = []struct {
	name       string
	idempotent bool
	opts       []kgo.Opt
}{
	{"idempotent", true, nil},
	{"acks1", false, []kgo.Opt{kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.LeaderAck())}},
	{"acks0", false, []kgo.Opt{kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.NoAck())}},
}

const producePartitions = 3

func toKgo(topic string, r testRecord) *kgo.Record {
	kr := &kgo.Record{Topic: topic, Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}
	for _, h := range r.Headers {
		kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	return kr
}

func fromKgo(kr *kgo.Record) testRecord {
	r := testRecord{Partition: kr.Partition, Key: kr.Key, Value: kr.Value, Timestamp: kr.Timestamp}
	for _, h := range kr.Headers {
		r.Headers = append(r.Headers, header{h.Key, h.Value})
	}
	return r
}

// kgoProduceConsume produces with every codec and acks level, then reads everything back from
// the start with a direct (groupless) consumer and compares it byte for byte.
func kgoProduceConsume(bootstrap string, args []string) (map[string]any, error) {
	count := 400
	if len(args) > 0 {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return nil, fmt.Errorf("record count %q: %w", args[0], err)
		}
		count = n
	}
	ctx, cancel := timeout(60 * time.Second)
	defer cancel()

	admin, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	adm := kadm.NewClient(admin)

	want := expectation{}
	codecOf := map[string]uint8{}
	idempotentTopic := map[string]bool{}
	var topics []string
	for _, c := range kgoCodecs {
		for _, m := range kgoModes {
			topics = append(topics, "kgo-"+c.name+"-"+m.name)
		}
	}
	created, err := adm.CreateTopics(ctx, producePartitions, 1, nil, topics...)
	if err != nil {
		return nil, fmt.Errorf("create topics: %w", err)
	}
	for _, t := range topics {
		if r, ok := created[t]; !ok || r.Err != nil {
			return nil, fmt.Errorf("create topic %s: %v", t, r.Err)
		}
	}

	producerIDs := map[string]int64{}
	for _, c := range kgoCodecs {
		for _, m := range kgoModes {
			topic := "kgo-" + c.name + "-" + m.name
			codecOf[topic] = c.attr
			idempotentTopic[topic] = m.idempotent
			opts := append([]kgo.Opt{
				kgo.SeedBrokers(bootstrap),
				kgo.ProducerBatchCompression(c.codec),
				kgo.RecordPartitioner(kgo.ManualPartitioner()),
				kgo.ProducerLinger(2 * time.Millisecond),
			}, m.opts...)
			cl, err := kgo.NewClient(opts...)
			if err != nil {
				return nil, err
			}
			var (
				mu       sync.Mutex
				firstErr error
				pid      = int64(-2)
				offsets  = map[int32][]int64{}
			)
			for i := 0; i < count; i++ {
				r := makeRecord(topic, i, producePartitions)
				want.add(topic, r)
				cl.Produce(ctx, toKgo(topic, r), func(kr *kgo.Record, err error) {
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						if firstErr == nil {
							firstErr = err
						}
						return
					}
					offsets[kr.Partition] = append(offsets[kr.Partition], kr.Offset)
					if pid == -2 {
						pid = kr.ProducerID
					} else if pid != kr.ProducerID && firstErr == nil {
						firstErr = fmt.Errorf("producer id changed from %d to %d", pid, kr.ProducerID)
					}
				})
			}
			err = cl.Flush(ctx)
			cl.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: flush: %w", topic, err)
			}
			if firstErr != nil {
				return nil, fmt.Errorf("%s: produce: %w", topic, firstErr)
			}
			if m.name != "acks0" {
				// With acks the broker reports each batch's base offset; kgo derives every
				// record's offset from it, so they must count up from 0 in produce order.
				for p, os := range offsets {
					for i, o := range os {
						if o != int64(i) {
							return nil, fmt.Errorf("%s/%d: record %d acknowledged at offset %d", topic, p, i, o)
						}
					}
				}
			}
			if m.idempotent && pid < 0 {
				return nil, fmt.Errorf("%s: idempotent produce acknowledged without a producer id (%d)", topic, pid)
			}
			producerIDs[topic] = pid
			logf("produced %d records to %s (producer id %d)", count, topic, pid)
		}
	}

	parts := map[string]map[int32]kgo.Offset{}
	for _, t := range topics {
		parts[t] = map[int32]kgo.Offset{}
		for p := int32(0); p < producePartitions; p++ {
			parts[t][p] = kgo.NewOffset().AtStart()
		}
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumePartitions(parts), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	got := newConsumed()
	batchCodecs := map[string]map[uint8]int{}
	var badPID error
	for got.n < want.total() {
		pctx, pcancel := context.WithTimeout(ctx, 20*time.Second)
		fs := consumer.PollFetches(pctx)
		pcancel()
		if err := fs.Err0(); errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("consumed %d of %d records before timing out", got.n, want.total())
		}
		var fetchErr error
		fs.EachError(func(t string, p int32, err error) {
			fetchErr = fmt.Errorf("fetch %s/%d: %w", t, p, err)
		})
		if fetchErr != nil {
			return nil, fetchErr
		}
		fs.EachRecord(func(kr *kgo.Record) {
			got.add(kr.Topic, kr.Offset, fromKgo(kr))
			if batchCodecs[kr.Topic] == nil {
				batchCodecs[kr.Topic] = map[uint8]int{}
			}
			batchCodecs[kr.Topic][kr.Attrs.CompressionType()]++
			if kr.Attrs.TimestampType() != 0 && badPID == nil {
				badPID = fmt.Errorf("%s/%d@%d: timestamp type %d, want CreateTime (0)", kr.Topic, kr.Partition, kr.Offset, kr.Attrs.TimestampType())
			}
			wantPID := int64(-1)
			if idempotentTopic[kr.Topic] {
				wantPID = producerIDs[kr.Topic]
			}
			if kr.ProducerID != wantPID && badPID == nil {
				badPID = fmt.Errorf("%s/%d@%d: batch producer id %d, want %d", kr.Topic, kr.Partition, kr.Offset, kr.ProducerID, wantPID)
			}
		})
	}
	if err := got.check(want); err != nil {
		return nil, err
	}
	if badPID != nil {
		return nil, badPID
	}
	// The broker keeps the producer's compression (topics default to compression.type=producer),
	// though kgo may send a batch uncompressed when compressing would not make it smaller.
	for _, t := range topics {
		for codec, n := range batchCodecs[t] {
			if codec != 0 && codec != codecOf[t] {
				return nil, fmt.Errorf("%s: %d records read back in batches with codec %d, produced with %d", t, n, codec, codecOf[t])
			}
		}
		if codecOf[t] != 0 && batchCodecs[t][codecOf[t]] == 0 {
			return nil, fmt.Errorf("%s: no record came back in a batch compressed with codec %d (codecs seen: %v)", t, codecOf[t], batchCodecs[t])
		}
	}
	if err := checkLogBounds(ctx, adm, want); err != nil {
		return nil, err
	}

	// Kafka returns the first batch of a fetch whole even when it is larger than the fetch's
	// byte limits (KIP-74), so a consumer with tiny limits still reads everything.
	small := map[string]map[int32]kgo.Offset{}
	for _, t := range []string{"kgo-none-acks1", "kgo-zstd-idempotent"} {
		small[t] = map[int32]kgo.Offset{0: kgo.NewOffset().AtStart()}
	}
	tiny, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumePartitions(small), kgo.FetchMaxBytes(1000), kgo.FetchMaxPartitionBytes(500))
	if err != nil {
		return nil, err
	}
	defer tiny.Close()
	gotSmall := newConsumed()
	wantSmall := expectation{}
	for t := range small {
		wantSmall[t] = map[int32][]testRecord{0: want[t][0]}
	}
	for gotSmall.n < wantSmall.total() && ctx.Err() == nil {
		fs := tiny.PollFetches(ctx)
		fs.EachError(func(t string, p int32, err error) { noErr(err, "fetch %s/%d with tiny limits", t, p) })
		fs.EachRecord(func(kr *kgo.Record) { gotSmall.add(kr.Topic, kr.Offset, fromKgo(kr)) })
	}
	noErr(gotSmall.check(wantSmall), "fetching with tiny byte limits")

	kgoTopicSettings(ctx, adm, bootstrap)
	return map[string]any{"topics": len(topics), "records": got.n}, nil
}

// checkLogBounds proves nothing beyond the expected records was written, duplicates included:
// every partition starts at 0 and ends right after its last expected record.
func checkLogBounds(ctx context.Context, adm *kadm.Client, want expectation) error {
	topics := sortedKeys(want)
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("list start offsets: %w", err)
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	for _, t := range topics {
		for p, rs := range want[t] {
			s, ok := starts.Lookup(t, p)
			if !ok || s.Err != nil || s.Offset != 0 {
				return fmt.Errorf("%s/%d: start offset %+v, want 0", t, p, s)
			}
			e, ok := ends.Lookup(t, p)
			if !ok || e.Err != nil || e.Offset != int64(len(rs)) {
				return fmt.Errorf("%s/%d: end offset %+v, want %d", t, p, e, len(rs))
			}
		}
	}
	return nil
}

// kgoTopicSettings checks the topic configs that change what a produce stores: a topic's
// compression.type recompresses batches, message.timestamp.type=LogAppendTime overwrites the
// producer's timestamps, and max.message.bytes refuses batches larger than it.
func kgoTopicSettings(ctx context.Context, adm *kadm.Client, bootstrap string) {
	for topic, cfg := range map[string]map[string]*string{
		"kgo-recompress": {"compression.type": strp("gzip")},
		"kgo-logappend":  {"message.timestamp.type": strp("LogAppendTime")},
		"kgo-small":      {"max.message.bytes": strp("2000")},
	} {
		r, err := adm.CreateTopic(ctx, 1, 1, cfg, topic)
		noErr(err, "create %s", topic)
		noErr(r.Err, "create %s", topic)
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	noErr(err, "producer")
	defer prod.Close()
	want := expectation{}
	var rs []*kgo.Record
	for _, topic := range []string{"kgo-recompress", "kgo-logappend"} {
		for i := 0; i < 50; i++ {
			r := makeRecord(topic, i, 1)
			if r.Value != nil && len(r.Value) > 1000 {
				r.Value = r.Value[:1000]
			}
			want.add(topic, r)
			rs = append(rs, toKgo(topic, r))
		}
	}
	before := time.Now().Truncate(time.Millisecond)
	noErr(prod.ProduceSync(ctx, rs...).FirstErr(), "produce")
	after := time.Now()

	// Incompressible, so kgo sends it at full size.
	big := make([]byte, 5000)
	for i := range big {
		big[i] = byte(i*7919%251) ^ byte(i>>3)
	}
	plain, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	noErr(err, "producer")
	defer plain.Close()
	res := plain.ProduceSync(ctx, &kgo.Record{Topic: "kgo-small", Value: big})
	need(errors.Is(res.FirstErr(), kerr.MessageTooLarge), "a 5000 byte batch to a topic with max.message.bytes=2000: %v, want MESSAGE_TOO_LARGE", res.FirstErr())
	noErr(plain.ProduceSync(ctx, &kgo.Record{Topic: "kgo-small", Value: big[:1000]}).FirstErr(), "a 1000 byte record to kgo-small")

	c, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics("kgo-recompress", "kgo-logappend"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	noErr(err, "consumer")
	defer c.Close()
	got := newConsumed()
	for got.n < want.total() && ctx.Err() == nil {
		fs := c.PollFetches(ctx)
		fs.EachError(func(t string, p int32, err error) { noErr(err, "fetch %s/%d", t, p) })
		fs.EachRecord(func(kr *kgo.Record) {
			r := fromKgo(kr)
			switch kr.Topic {
			case "kgo-recompress":
				need(kr.Attrs.CompressionType() == 1, "kgo-recompress@%d: stored with codec %d, want gzip (1) from the topic's compression.type", kr.Offset, kr.Attrs.CompressionType())
			case "kgo-logappend":
				need(kr.Attrs.TimestampType() == 1, "kgo-logappend@%d: timestamp type %d, want LogAppendTime (1)", kr.Offset, kr.Attrs.TimestampType())
				need(!kr.Timestamp.Before(before) && !kr.Timestamp.After(after), "kgo-logappend@%d: timestamp %v, not the append time (between %v and %v)", kr.Offset, kr.Timestamp, before, after)
				// The rest must still be byte-exact; only the timestamp is the broker's.
				r.Timestamp = want[kr.Topic][0][kr.Offset].Timestamp
			}
			got.add(kr.Topic, kr.Offset, r)
		})
	}
	noErr(got.check(want), "topic settings")
}
