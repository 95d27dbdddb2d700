package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// saramaTxnConfig is a transactional producer's configuration: idempotent, acks=all and one
// request in flight per broker, as Sarama requires for a Transaction.ID.
func saramaTxnConfig(version sarama.KafkaVersion, txnID string) *sarama.Config {
	cfg := saramaConfig(version)
	cfg.ClientID = txnID
	cfg.Producer.Idempotent = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Transaction.ID = txnID
	cfg.Producer.Transaction.Retry.Backoff = 20 * time.Millisecond
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Net.MaxOpenRequests = 1
	return cfg
}

// saramaTxn runs Sarama's transactional producers: a consumer group doing
// consume-transform-produce with AddMessageToTxn (the first transaction aborted and redone),
// an async producer committing and aborting, and a zombie fenced by a second producer with its
// transactional id. read_committed consumers must see every committed record exactly once and
// nothing aborted, read_uncommitted ones the aborted records as well.
func saramaTxn(bootstrap string, args []string) (map[string]any, error) {
	perTxn := 25
	if len(args) > 0 {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return nil, fmt.Errorf("records per transaction %q: %w", args[0], err)
		}
		perTxn = n
	}
	if txnDebug {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Lmicroseconds|log.Ltime)
	}
	const (
		in, out, plain = "sarama-txn-in", "sarama-txn-out", "sarama-txn-plain"
		group          = "sarama-txn-group"
		count          = 300
	)
	admin, err := sarama.NewClusterAdmin([]string{bootstrap}, saramaConfig(sarama.V3_9_0_0))
	noErr(err, "cluster admin")
	defer admin.Close()
	for _, t := range []string{in, out, plain} {
		noErr(admin.CreateTopic(t, &sarama.TopicDetail{NumPartitions: txnPartitions, ReplicationFactor: 1}, false), "create topic %s", t)
	}

	// Seed the input without a transaction.
	seeded := map[int32][]string{}
	{
		cfg := saramaConfig(sarama.V3_9_0_0)
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		cfg.Producer.Return.Successes = true
		p, err := sarama.NewSyncProducer([]string{bootstrap}, cfg)
		noErr(err, "seed producer")
		msgs := make([]*sarama.ProducerMessage, count)
		for i := range msgs {
			msgs[i] = &sarama.ProducerMessage{Topic: in, Partition: int32(i % txnPartitions), Key: sarama.StringEncoder("k" + strconv.Itoa(i)), Value: sarama.StringEncoder("in-" + strconv.Itoa(i))}
		}
		noErr(p.SendMessages(msgs), "seed %s", in)
		noErr(p.Close(), "close seed producer")
		for _, m := range msgs {
			need(m.Offset == int64(len(seeded[m.Partition])), "seed %s/%d: acknowledged at offset %d after %d", in, m.Partition, m.Offset, len(seeded[m.Partition]))
			seeded[m.Partition] = append(seeded[m.Partition], string(m.Value.(sarama.StringEncoder)))
		}
		logf("seeded %d records to %s", count, in)
	}

	eos := saramaEOS(bootstrap, admin, in, out, group, count, perTxn)
	logf("consume-transform-produce: %d commits, %d aborted records", eos.commits, eos.abortedRecords)

	// The group's offsets, committed only inside transactions, stand at the input's log end.
	client, err := sarama.NewClient([]string{bootstrap}, saramaConfig(sarama.V3_9_0_0))
	noErr(err, "client")
	defer client.Close()
	ps := make([]int32, txnPartitions)
	for p := range ps {
		ps[p] = int32(p)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		offsets, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{in: ps})
		noErr(err, "list offsets of %s", group)
		var behind []string
		for _, p := range ps {
			end, err := client.GetOffset(in, p, sarama.OffsetNewest)
			noErr(err, "end offset of %s/%d", in, p)
			b := offsets.GetBlock(in, p)
			if b == nil || !errors.Is(b.Err, sarama.ErrNoError) || b.Offset != end {
				behind = append(behind, fmt.Sprintf("%d: committed %+v, end %d", p, b, end))
			}
		}
		if len(behind) == 0 {
			break
		}
		need(time.Now().Before(deadline), "group %s never committed up to the end of %s: %v", group, in, behind)
		time.Sleep(50 * time.Millisecond)
	}

	plainRes := saramaPlainTxns(bootstrap, plain)

	// Sentinels, without a transaction, after everything else in every partition.
	{
		cfg := saramaConfig(sarama.V3_9_0_0)
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		cfg.Producer.Return.Successes = true
		p, err := sarama.NewSyncProducer([]string{bootstrap}, cfg)
		noErr(err, "sentinel producer")
		var msgs []*sarama.ProducerMessage
		for _, t := range []string{out, plain} {
			for _, part := range ps {
				msgs = append(msgs, &sarama.ProducerMessage{Topic: t, Partition: part, Value: sarama.StringEncoder(txnSentinel)})
			}
		}
		noErr(p.SendMessages(msgs), "produce sentinels")
		noErr(p.Close(), "close sentinel producer")
	}

	committedOut := saramaReadTxn(bootstrap, out, sarama.ReadCommitted)
	uncommittedOut := saramaReadTxn(bootstrap, out, sarama.ReadUncommitted)
	abortedSeen := 0
	for _, p := range ps {
		want := make([]string, len(seeded[p]))
		for i, v := range seeded[p] {
			want[i] = "out:" + v
		}
		d := sameValues(committedOut[p], want)
		need(d == "", "read_committed %s/%d: %s", out, p, d)
		rest, n := withoutPrefix(uncommittedOut[p], "aborted:")
		d = sameValues(rest, want)
		need(d == "", "read_uncommitted %s/%d without the aborted records: %s", out, p, d)
		abortedSeen += n
	}
	need(abortedSeen == eos.abortedRecords, "read_uncommitted %s: %d aborted records, %d were produced", out, abortedSeen, eos.abortedRecords)

	committedPlain := saramaReadTxn(bootstrap, plain, sarama.ReadCommitted)
	uncommittedPlain := saramaReadTxn(bootstrap, plain, sarama.ReadUncommitted)
	for _, p := range ps {
		d := sameValues(committedPlain[p], plainRes.committed[p])
		need(d == "", "read_committed %s/%d: %s", plain, p, d)
		d = sameValues(uncommittedPlain[p], plainRes.all[p])
		need(d == "", "read_uncommitted %s/%d: %s", plain, p, d)
	}

	return map[string]any{
		"records": count, "commits": eos.commits, "aborted": eos.abortedRecords, "abortedSeen": abortedSeen,
		"plainCommitted": plainRes.nCommitted, "plainAborted": plainRes.nAborted,
		"fenced": plainRes.fenced, "fencedError": plainRes.fencedErr,
	}, nil
}

type eosResult struct {
	commits, abortedRecords int
}

// saramaEOSHandler processes each claim's messages in batches, one transaction at a time on
// one shared transactional producer.
type saramaEOSHandler struct {
	prod     sarama.SyncProducer
	admin    sarama.ClusterAdmin
	in, out  string
	group    string
	perTxn   int
	count    int
	done     chan struct{}
	mu       sync.Mutex
	res      eosResult
	txns     int
	seen     map[partOffset]bool
	failed   error
	doneOnce sync.Once
}

func (h *saramaEOSHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *saramaEOSHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *saramaEOSHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		// A batch is what arrives before a short pause, up to perTxn messages.
		var batch []*sarama.ConsumerMessage
		select {
		case m, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			batch = append(batch, m)
		case <-sess.Context().Done():
			return nil
		}
	fill:
		for len(batch) < h.perTxn {
			select {
			case m, ok := <-claim.Messages():
				if !ok {
					break fill
				}
				batch = append(batch, m)
			case <-time.After(20 * time.Millisecond):
				break fill
			}
		}
		if err := h.process(sess, batch); err != nil {
			h.mu.Lock()
			if h.failed == nil {
				h.failed = err
			}
			h.mu.Unlock()
			h.doneOnce.Do(func() { close(h.done) })
			return err
		}
	}
}

// transact produces batch transformed with prefix in one transaction, together with the
// group's offsets past it, and commits or aborts it.
func (h *saramaEOSHandler) transact(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage, prefix string, commit bool) error {
	if err := h.prod.BeginTxn(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	msgs := make([]*sarama.ProducerMessage, len(batch))
	for i, m := range batch {
		msgs[i] = &sarama.ProducerMessage{
			Topic: h.out, Partition: m.Partition, Key: sarama.ByteEncoder(m.Key), Value: sarama.StringEncoder(prefix + string(m.Value)),
			Headers: []sarama.RecordHeader{{Key: []byte("from"), Value: []byte(fmt.Sprintf("%d@%d", m.Partition, m.Offset))}},
		}
	}
	if err := h.prod.SendMessages(msgs); err != nil {
		return fmt.Errorf("send %d messages: %w", len(msgs), err)
	}
	// Both ways of naming the group: by id alone (no member fencing), and with the session's
	// generation and member id (KIP-447).
	for _, m := range batch {
		var err error
		if h.txns%2 == 0 {
			err = h.prod.AddMessageToTxn(m, h.group, nil)
		} else {
			err = h.prod.AddMessageToTxnWithGroupMetadata(m, sarama.NewConsumerGroupMetadataFromSession(sess, h.group, nil), nil)
		}
		if err != nil {
			return fmt.Errorf("add message %d@%d to the transaction: %w", m.Partition, m.Offset, err)
		}
	}
	h.txns++
	if commit {
		if err := h.prod.CommitTxn(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	if err := h.prod.AbortTxn(); err != nil {
		return fmt.Errorf("abort: %w", err)
	}
	return nil
}

func (h *saramaEOSHandler) process(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed != nil {
		return h.failed
	}
	p := batch[0].Partition
	if h.res.abortedRecords == 0 {
		// The first transaction is aborted; its offsets must not be committed, and the same
		// messages go again in the next one.
		if err := h.transact(sess, batch, "aborted:", false); err != nil {
			return fmt.Errorf("aborted transaction: %w", err)
		}
		h.res.abortedRecords = len(batch)
		offsets, err := h.admin.ListConsumerGroupOffsets(h.group, map[string][]int32{h.in: {p}})
		if err != nil {
			return fmt.Errorf("list offsets after the abort: %w", err)
		}
		if b := offsets.GetBlock(h.in, p); b == nil || b.Offset != -1 {
			return fmt.Errorf("after an aborted transaction, %s/%d has committed offset %+v, want none", h.in, p, b)
		}
		logf("aborted a transaction of %d records", len(batch))
	}
	if err := h.transact(sess, batch, "out:", true); err != nil {
		return fmt.Errorf("transaction %d: %w", h.txns, err)
	}
	h.res.commits++
	for _, m := range batch {
		k := partOffset{m.Partition, m.Offset}
		if h.seen[k] {
			return fmt.Errorf("input %d@%d delivered again after its transaction committed", m.Partition, m.Offset)
		}
		h.seen[k] = true
	}
	if len(h.seen) == h.count {
		h.doneOnce.Do(func() { close(h.done) })
	}
	return nil
}

// saramaEOS runs one consumer group member that reads the input and produces it transformed
// through a transactional sync producer, committing the consumed offsets in each transaction.
func saramaEOS(bootstrap string, admin sarama.ClusterAdmin, in, out, group string, count, perTxn int) eosResult {
	prod, err := sarama.NewSyncProducer([]string{bootstrap}, saramaTxnConfig(sarama.V3_9_0_0, "sarama-txn-eos"))
	noErr(err, "transactional producer")
	defer prod.Close()

	cfg := saramaConfig(sarama.V3_9_0_0)
	cfg.ClientID = "sarama-txn-consumer"
	cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Group.Session.Timeout = groupSession
	cfg.Consumer.Group.Heartbeat.Interval = groupHeartbeat
	cfg.Consumer.Group.Rebalance.Timeout = groupRebalance
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Return.Errors = true
	cg, err := sarama.NewConsumerGroup([]string{bootstrap}, group, cfg)
	noErr(err, "consumer group")

	h := &saramaEOSHandler{prod: prod, admin: admin, in: in, out: out, group: group, perTxn: perTxn, count: count,
		done: make(chan struct{}), seen: map[partOffset]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	consumed := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{in}, h); err != nil && ctx.Err() == nil {
				consumed <- err
				return
			}
		}
		consumed <- nil
	}()
	var groupErr error
	select {
	case <-h.done:
	case err := <-cg.Errors():
		groupErr = err
	case err := <-consumed:
		groupErr = fmt.Errorf("consume returned early: %v", err)
	case <-time.After(60 * time.Second):
		groupErr = errors.New("timed out")
	}
	cancel()
	noErr(cg.Close(), "close consumer group")
	h.mu.Lock()
	defer h.mu.Unlock()
	noErr(h.failed, "consume-transform-produce")
	noErr(groupErr, "consume-transform-produce after %d of %d records in %d transactions", len(h.seen), count, h.res.commits)
	return h.res
}

// saramaPlainTxns commits, aborts and commits again with a transactional async producer, then
// opens a fourth transaction that a second producer with the same transactional id fences: the
// first producer's commit must fail and its records stay invisible to read_committed.
func saramaPlainTxns(bootstrap, topic string) plainTxnResult {
	const txnID = "sarama-txn-plain"
	res := plainTxnResult{committed: map[int32][]string{}, all: map[int32][]string{}}
	// Produces n messages and waits for each to be acknowledged.
	produce := func(p sarama.AsyncProducer, tag string, n int, visible bool) {
		for i := 0; i < n; i++ {
			p.Input() <- &sarama.ProducerMessage{Topic: topic, Partition: int32(i % txnPartitions), Value: sarama.StringEncoder(tag + "-" + strconv.Itoa(i))}
		}
		acked := map[int32][]*sarama.ProducerMessage{}
		for i := 0; i < n; i++ {
			select {
			case m := <-p.Successes():
				acked[m.Partition] = append(acked[m.Partition], m)
			case e := <-p.Errors():
				noErr(e.Err, "produce %s", tag)
			case <-time.After(20 * time.Second):
				need(false, "%s: %d of %d messages acknowledged", tag, i, n)
			}
		}
		for part, ms := range acked {
			sort.Slice(ms, func(i, j int) bool { return ms[i].Offset < ms[j].Offset })
			for _, m := range ms {
				v := string(m.Value.(sarama.StringEncoder))
				res.all[part] = append(res.all[part], v)
				if visible {
					res.committed[part] = append(res.committed[part], v)
					res.nCommitted++
				} else {
					res.nAborted++
				}
			}
		}
	}

	// Version 2.5 sends the older transaction requests (InitProducerId v3, AddPartitionsToTxn
	// v1, EndTxn v1), 3.9 the flexible ones.
	zombie, err := sarama.NewAsyncProducer([]string{bootstrap}, saramaTxnConfig(sarama.V2_5_0_0, txnID))
	noErr(err, "transactional async producer")
	defer zombie.Close()
	for _, t := range []struct {
		tag    string
		commit bool
	}{{"commit1", true}, {"abort2", false}, {"commit3", true}} {
		noErr(zombie.BeginTxn(), "begin %s", t.tag)
		produce(zombie, t.tag, 40, t.commit)
		if t.commit {
			noErr(zombie.CommitTxn(), "commit %s", t.tag)
		} else {
			noErr(zombie.AbortTxn(), "abort %s", t.tag)
		}
		need(zombie.TxnStatus()&sarama.ProducerTxnFlagReady != 0, "after %s the producer is in state %v, want ready", t.tag, zombie.TxnStatus())
	}

	noErr(zombie.BeginTxn(), "begin zombie transaction")
	produce(zombie, "zombie", 8, false)
	fencer, err := sarama.NewAsyncProducer([]string{bootstrap}, saramaTxnConfig(sarama.V3_9_0_0, txnID))
	noErr(err, "fencing producer")
	defer fencer.Close()
	err = zombie.CommitTxn()
	need(err != nil, "the fenced producer committed its transaction")
	res.fencedErr = err.Error()
	res.fenced = errors.Is(err, sarama.ErrProducerFenced) || errors.Is(err, sarama.ErrInvalidProducerEpoch)
	need(res.fenced, "the fenced producer's commit failed with %v, want a fencing error", err)
	logf("zombie fenced: %v (state %v)", err, zombie.TxnStatus())

	noErr(fencer.BeginTxn(), "begin fencer transaction")
	produce(fencer, "fencer", 8, true)
	noErr(fencer.CommitTxn(), "commit fencer transaction")
	return res
}

// saramaReadTxn reads every partition of topic from the start at the isolation level up to its
// sentinel and returns the values before it, per partition. Offsets must increase.
func saramaReadTxn(bootstrap, topic string, iso sarama.IsolationLevel) map[int32][]string {
	cfg := saramaConfig(sarama.V3_9_0_0)
	cfg.Consumer.IsolationLevel = iso
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Return.Errors = true
	c, err := sarama.NewConsumer([]string{bootstrap}, cfg)
	noErr(err, "consumer")
	defer c.Close()
	type read struct {
		p      int32
		values []string
		err    error
	}
	reads := make(chan read, txnPartitions)
	for p := int32(0); p < txnPartitions; p++ {
		pc, err := c.ConsumePartition(topic, p, sarama.OffsetOldest)
		noErr(err, "consume %s/%d", topic, p)
		go func() {
			defer pc.AsyncClose()
			r := read{p: p}
			last := int64(-1)
			deadline := time.After(20 * time.Second)
			for {
				select {
				case m := <-pc.Messages():
					if m.Offset <= last {
						r.err = fmt.Errorf("%s/%d: offset %d after %d", topic, p, m.Offset, last)
						reads <- r
						return
					}
					last = m.Offset
					if string(m.Value) == txnSentinel {
						reads <- r
						return
					}
					r.values = append(r.values, string(m.Value))
				case e := <-pc.Errors():
					r.err = fmt.Errorf("consume %s/%d: %w", topic, p, e.Err)
					reads <- r
					return
				case <-deadline:
					r.err = fmt.Errorf("%s/%d: no sentinel after %d records", topic, p, len(r.values))
					reads <- r
					return
				}
			}
		}()
	}
	out := map[int32][]string{}
	for range txnPartitions {
		r := <-reads
		noErr(r.err, "read %s", iso2s(iso))
		out[r.p] = r.values
	}
	return out
}

func iso2s(iso sarama.IsolationLevel) string {
	if iso == sarama.ReadCommitted {
		return "read_committed"
	}
	return "read_uncommitted"
}
