// Command interop drives a Kafka-compatible broker with franz-go (kgo, kadm) and IBM Sarama.
//
// Usage: interop <scenario> <bootstrap> [args...]
//
// Each scenario does real work against the broker, checks every result itself and exits 1
// with a message on stderr at the first mismatch. On success it prints one JSON line on
// stdout summarising what it verified, so the calling test can assert on it too.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

type scenario struct {
	usage string
	run   func(bootstrap string, args []string) (map[string]any, error)
}

var scenarios = map[string]scenario{
	"kgo-produce":    {"[records per topic]", kgoProduceConsume},
	"sarama-produce": {"[records per topic]", saramaProduceConsume},
	"kgo-group":      {"<cooperative-sticky|range>", kgoGroup},
	"sarama-group":   {"<range|roundrobin|sticky|cooperative-sticky>", saramaGroup},
	"kadm-admin":     {"[broker num.partitions]", kadmAdmin},
	"sarama-admin":   {"[broker num.partitions]", saramaAdmin},
	"kgo-txn":        {"[input records]", kgoTxn},
	"sarama-txn":     {"[records per transaction]", saramaTxn},
}

func main() {
	if len(os.Args) < 3 {
		names := make([]string, 0, len(scenarios))
		for n, s := range scenarios {
			names = append(names, strings.TrimSpace(n+" "+s.usage))
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: interop <scenario> <bootstrap> [args]\nscenarios:\n  %s\n", strings.Join(names, "\n  "))
		os.Exit(2)
	}
	s, ok := scenarios[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", os.Args[1])
		os.Exit(2)
	}
	start := time.Now()
	summary, err := runChecked(s.run, os.Args[2], os.Args[3:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: FAIL: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	summary["scenario"] = os.Args[1]
	summary["ok"] = true
	summary["ms"] = time.Since(start).Milliseconds()
	line, err := json.Marshal(summary)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: encoding summary: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Println(string(line))
}

// failure carries a failed check out of a scenario through need and noErr.
type failure struct{ err error }

// runChecked turns a failed need or noErr inside run into its error.
func runChecked(run func(string, []string) (map[string]any, error), bootstrap string, args []string) (summary map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			summary, err = nil, f.err
		}
	}()
	return run(bootstrap, args)
}

// need stops the scenario with the formatted message unless ok.
func need(ok bool, format string, a ...any) {
	if !ok {
		panic(failure{fmt.Errorf(format, a...)})
	}
}

// noErr stops the scenario if err is set.
func noErr(err error, what string, a ...any) {
	if err != nil {
		panic(failure{fmt.Errorf("%s: %w", fmt.Sprintf(what, a...), err)})
	}
}

// logf is progress output for a human reading a failed run; stdout stays reserved for the summary.
func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, a...)...)
}

func timeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// header is a client-neutral record header; a nil Value is a null header value.
type header struct {
	Key   string
	Value []byte
}

// testRecord is what one produced record must look like when read back. Nil Key and Value
// are null on the wire, which Kafka keeps distinct from empty.
type testRecord struct {
	Partition int32
	Key       []byte
	Value     []byte
	Headers   []header
	Timestamp time.Time
}

// baseTime is far enough from now that a broker overwriting CreateTime would be noticed.
var baseTime = time.UnixMilli(1_600_000_000_000)

// makeRecord builds record i of a data set: a mix of null, empty and binary keys and values,
// values of very different sizes (some spanning many kilobytes), and zero to several headers
// including repeated and empty keys, empty and null values.
func makeRecord(tag string, i int, partitions int32) testRecord {
	r := testRecord{Partition: int32(i) % partitions, Timestamp: baseTime.Add(time.Duration(i) * time.Millisecond)}
	switch i % 40 {
	case 0:
		r.Key = nil
	case 1:
		r.Key = []byte{}
	default:
		r.Key = []byte(fmt.Sprintf("key-%d-\x00\xff", i%13))
	}
	switch {
	case i%97 == 0:
		r.Value = nil
	case i%97 == 1:
		r.Value = []byte{}
	default:
		n := 1 + (i*37)%300
		if i%250 == 7 {
			n = 40_000 + i
		}
		var b bytes.Buffer
		b.WriteString(tag + "-" + strconv.Itoa(i) + ":")
		for b.Len() < n {
			b.WriteByte(byte(i + b.Len()%7))
		}
		r.Value = b.Bytes()
	}
	if i%5 != 0 {
		r.Headers = append(r.Headers,
			header{"tag", []byte(tag)},
			header{"i", []byte(strconv.Itoa(i))},
			header{"bin", []byte{0, 0xff, byte(i)}},
		)
		if i%5 == 2 {
			r.Headers = append(r.Headers, header{"dup", []byte("a")}, header{"dup", []byte("b")}, header{"empty", []byte{}})
		}
		if i%5 == 3 {
			r.Headers = append(r.Headers, header{"null", nil})
		}
		if i%5 == 4 {
			r.Headers = append(r.Headers, header{"", []byte("empty key")})
		}
	}
	return r
}

// sameBytes also tells null from empty.
func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

func showBytes(b []byte) string {
	if b == nil {
		return "null"
	}
	if len(b) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// compareRecord returns how got differs from want, or "" when they are the same.
func compareRecord(want testRecord, got testRecord) string {
	var diffs []string
	if !sameBytes(want.Key, got.Key) {
		diffs = append(diffs, fmt.Sprintf("key %s, want %s", showBytes(got.Key), showBytes(want.Key)))
	}
	if !sameBytes(want.Value, got.Value) {
		diffs = append(diffs, fmt.Sprintf("value %s, want %s", showBytes(got.Value), showBytes(want.Value)))
	}
	if !want.Timestamp.Equal(got.Timestamp) {
		diffs = append(diffs, fmt.Sprintf("timestamp %d, want %d", got.Timestamp.UnixMilli(), want.Timestamp.UnixMilli()))
	}
	if len(want.Headers) != len(got.Headers) {
		diffs = append(diffs, fmt.Sprintf("%d headers, want %d", len(got.Headers), len(want.Headers)))
	} else {
		for i := range want.Headers {
			w, g := want.Headers[i], got.Headers[i]
			if w.Key != g.Key || !sameBytes(w.Value, g.Value) {
				diffs = append(diffs, fmt.Sprintf("header %d is %q=%s, want %q=%s", i, g.Key, showBytes(g.Value), w.Key, showBytes(w.Value)))
			}
		}
	}
	return strings.Join(diffs, "; ")
}

// expectation collects, per topic and partition, the records in the order they were produced.
type expectation map[string]map[int32][]testRecord

func (e expectation) add(topic string, r testRecord) {
	if e[topic] == nil {
		e[topic] = map[int32][]testRecord{}
	}
	e[topic][r.Partition] = append(e[topic][r.Partition], r)
}

func (e expectation) total() int {
	n := 0
	for _, ps := range e {
		for _, rs := range ps {
			n += len(rs)
		}
	}
	return n
}

// consumed gathers what a consumer read back, checking offsets as it goes.
type consumed struct {
	records map[string]map[int32][]testRecord
	n       int
	err     error
}

func newConsumed() *consumed {
	return &consumed{records: map[string]map[int32][]testRecord{}}
}

// add keeps a record read at offset; offsets must run 0, 1, 2... since the topics are fresh,
// uncompacted and without transactions.
func (c *consumed) add(topic string, offset int64, r testRecord) {
	if c.records[topic] == nil {
		c.records[topic] = map[int32][]testRecord{}
	}
	have := int64(len(c.records[topic][r.Partition]))
	if offset != have && c.err == nil {
		c.err = fmt.Errorf("%s/%d: read offset %d after %d records (offsets must be dense from 0)", topic, r.Partition, offset, have)
	}
	c.records[topic][r.Partition] = append(c.records[topic][r.Partition], r)
	c.n++
}

// check compares everything read with everything produced, partition by partition in order.
func (c *consumed) check(want expectation) error {
	if c.err != nil {
		return c.err
	}
	for topic, parts := range want {
		for p, ws := range parts {
			gs := c.records[topic][p]
			if len(gs) != len(ws) {
				return fmt.Errorf("%s/%d: read %d records, produced %d", topic, p, len(gs), len(ws))
			}
			for i := range ws {
				if d := compareRecord(ws[i], gs[i]); d != "" {
					return fmt.Errorf("%s/%d offset %d: %s", topic, p, i, d)
				}
			}
		}
		for p := range c.records[topic] {
			if _, ok := parts[p]; !ok {
				return fmt.Errorf("%s/%d: read records from a partition nothing was produced to", topic, p)
			}
		}
	}
	for topic := range c.records {
		if _, ok := want[topic]; !ok {
			return fmt.Errorf("read records from unexpected topic %s", topic)
		}
	}
	return nil
}

func sortedKeys[K ~string | ~int32, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}
