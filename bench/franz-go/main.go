// Command franz-go-perf is the benchmark's third load generator (bench/perf/generators.ts):
// franz-go's kgo client producing a fixed number of records as fast as the broker takes them,
// then reading them all back, against any Kafka-compatible broker. It prints one JSON object
// with what it measured, in the units of Kafka's perf tools (MB = 2^20 bytes of record values).
//
//	franz-go-perf -bootstrap 127.0.0.1:9092 -topic t -records 1000000 -record-size 1024 -acks 1
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type figures struct {
	Records         int64   `json:"records"`
	RecordsPerSec   float64 `json:"recordsPerSec"`
	MBPerSec        float64 `json:"mbPerSec"`
	AvgMs           float64 `json:"avgMs"`
	P50Ms           float64 `json:"p50Ms"`
	P99Ms           float64 `json:"p99Ms"`
	P999Ms          float64 `json:"p999Ms"`
	MaxMs           float64 `json:"maxMs"`
	Errors          int64   `json:"errors"`
	ConsumedRecords int64   `json:"consumedRecords"`
	ConsumeMBPerSec float64 `json:"consumeMBPerSec"`
	ConsumeSeconds  float64 `json:"consumeSeconds"`
}

const mib = 1 << 20

func main() {
	bootstrap := flag.String("bootstrap", "127.0.0.1:9092", "broker address")
	topic := flag.String("topic", "", "topic (it must exist)")
	records := flag.Int64("records", 100000, "records to produce")
	size := flag.Int("record-size", 1024, "bytes per record value")
	acks := flag.Int("acks", 1, "1 or -1")
	linger := flag.Duration("linger", 5*time.Millisecond, "producer linger")
	batch := flag.Int("batch-bytes", 64*1024, "largest batch")
	timeout := flag.Duration("timeout", 120*time.Second, "the whole run's limit")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	opts := []kgo.Opt{
		kgo.SeedBrokers(*bootstrap),
		kgo.DefaultProduceTopic(*topic),
		kgo.ProducerLinger(*linger),
		kgo.ProducerBatchMaxBytes(int32(*batch)),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		// The Java producer's buffer.memory (32 MiB) bounds what waits; franz-go's default bound is a record count.
		kgo.MaxBufferedBytes(32 * mib),
		kgo.MaxBufferedRecords(1 << 20),
	}
	if *acks == 1 {
		// acks=1 is not idempotent: franz-go refuses it otherwise.
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	} else {
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		fail(err)
	}
	value := make([]byte, *size)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	latencies := make([]float64, 0, *records)
	var mu sync.Mutex
	var errs int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := int64(0); i < *records; i++ {
		sent := time.Now()
		wg.Add(1)
		cl.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
			ms := float64(time.Since(sent).Microseconds()) / 1000
			mu.Lock()
			if err != nil {
				errs++
			} else {
				latencies = append(latencies, ms)
			}
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	cl.Close()

	f := figures{Records: int64(len(latencies)), Errors: errs}
	f.RecordsPerSec = float64(f.Records) / elapsed
	f.MBPerSec = float64(f.Records) * float64(*size) / mib / elapsed
	if len(latencies) > 0 {
		sort.Float64s(latencies)
		sum := 0.0
		for _, l := range latencies {
			sum += l
		}
		at := func(q float64) float64 { return latencies[int(q*float64(len(latencies)-1))] }
		f.AvgMs, f.P50Ms, f.P99Ms, f.P999Ms, f.MaxMs = sum/float64(len(latencies)), at(0.5), at(0.99), at(0.999), latencies[len(latencies)-1]
	}

	// Consume everything back from the start, no group.
	cc, err := kgo.NewClient(kgo.SeedBrokers(*bootstrap), kgo.ConsumeTopics(*topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(50*mib))
	if err != nil {
		fail(err)
	}
	cstart := time.Now()
	var consumed int64
	for consumed < f.Records && ctx.Err() == nil {
		fetches := cc.PollFetches(ctx)
		fetches.EachError(func(t string, p int32, err error) {
			if ctx.Err() == nil {
				fail(fmt.Errorf("fetch %s/%d: %w", t, p, err))
			}
		})
		consumed += int64(fetches.NumRecords())
	}
	f.ConsumeSeconds = time.Since(cstart).Seconds()
	cc.Close()
	f.ConsumedRecords = consumed
	f.ConsumeMBPerSec = float64(consumed) * float64(*size) / mib / f.ConsumeSeconds
	if err := json.NewEncoder(os.Stdout).Encode(f); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "franz-go-perf:", err)
	os.Exit(1)
}
