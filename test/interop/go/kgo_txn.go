package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kgoTxn runs franz-go's transactions: a GroupTransactSession doing consume-transform-produce
// exactly once (one of its transactions aborted on purpose), a plain transactional client
// committing and aborting, and a zombie fenced by a second client with its transactional id.
// read_committed consumers must see every committed record exactly once and nothing aborted,
// read_uncommitted ones the aborted records as well.
func kgoTxn(bootstrap string, args []string) (map[string]any, error) {
	count := 400
	if len(args) > 0 {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return nil, fmt.Errorf("record count %q: %w", args[0], err)
		}
		count = n
	}
	ctx, cancel := timeout(80 * time.Second)
	defer cancel()

	admin, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	adm := kadm.NewClient(admin)

	const (
		in, out, plain = "kgo-txn-in", "kgo-txn-out", "kgo-txn-plain"
		group          = "kgo-txn-group"
		eosID, plainID = "kgo-txn-eos", "kgo-txn-plain"
	)
	created, err := adm.CreateTopics(ctx, txnPartitions, 1, nil, in, out, plain)
	noErr(err, "create topics")
	for _, t := range []string{in, out, plain} {
		need(created[t].Err == nil, "create topic %s: %v", t, created[t].Err)
	}

	// The input is seeded without a transaction, half before the first member starts and half
	// once the second has its share of the partitions, so both have work after the rebalance.
	seeded := map[int32][]string{}
	seed := func(from, to int) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(time.Millisecond))
		noErr(err, "seed client")
		defer cl.Close()
		rs := make([]*kgo.Record, 0, to-from)
		for i := from; i < to; i++ {
			rs = append(rs, &kgo.Record{Topic: in, Partition: int32(i % txnPartitions), Key: []byte("k" + strconv.Itoa(i)), Value: []byte("in-" + strconv.Itoa(i))})
		}
		noErr(cl.ProduceSync(ctx, rs...).FirstErr(), "seed %s", in)
		for _, r := range rs {
			need(r.Offset == int64(len(seeded[r.Partition])), "seed %s/%d: record acknowledged at offset %d after %d", in, r.Partition, r.Offset, len(seeded[r.Partition]))
			seeded[r.Partition] = append(seeded[r.Partition], string(r.Value))
		}
		logf("seeded records %d-%d to %s", from, to-1, in)
	}

	eos := &kgoEOSRun{
		bootstrap: bootstrap, in: in, out: out, group: group, total: count,
		processed: map[partOffset]string{}, committed: map[string]bool{}, aborted: map[string]bool{},
		commits: map[string]int{}, revoked: map[string]int{}, stop: make(chan struct{}),
	}
	eos.run(ctx, eosID, func() { seed(0, count/2) }, func() { seed(count/2, count) })
	logf("consume-transform-produce: commits per member %v, %d records aborted on purpose, %d in transactions a rebalance aborted",
		eos.commits, eos.explicitAborted, eos.rebalanceAborted)

	// The group's offsets are part of each committed transaction: once the last one is complete
	// they stand at the input's log end.
	ends, err := adm.ListEndOffsets(ctx, in)
	noErr(err, "list end offsets of %s", in)
	for {
		fetched, err := adm.FetchOffsets(ctx, group)
		noErr(err, "fetch offsets of %s", group)
		var behind []string
		ends.Each(func(e kadm.ListedOffset) {
			o, ok := fetched.Lookup(in, e.Partition)
			if !ok || o.Err != nil || o.At != e.Offset {
				behind = append(behind, fmt.Sprintf("%d: committed %d (%v), end %d", e.Partition, o.At, o.Err, e.Offset))
			}
		})
		if len(behind) == 0 {
			break
		}
		need(ctx.Err() == nil, "group %s never committed up to the end of %s: %v", group, in, behind)
		time.Sleep(50 * time.Millisecond)
	}

	plainRes := kgoPlainTxns(ctx, bootstrap, adm, plain, plainID)

	// Both transactional ids are known to the coordinator, their last transactions complete.
	// A member's last transaction may have been one a rebalance aborted.
	awaitTxnState(ctx, adm, eosID+"-a", "CompleteCommit", "CompleteAbort")
	awaitTxnState(ctx, adm, eosID+"-b", "CompleteCommit", "CompleteAbort")
	awaitTxnState(ctx, adm, plainID, "CompleteCommit")
	listed, err := adm.ListTransactions(ctx, nil, nil)
	noErr(err, "list transactions")
	for _, id := range []string{eosID + "-a", eosID + "-b", plainID} {
		_, ok := listed[id]
		need(ok, "ListTransactions does not list %s: %v", id, listed.TransactionalIDs())
	}

	// Nothing is open any more, so the last stable offset is the high watermark everywhere.
	lso, err := adm.ListCommittedOffsets(ctx, out, plain)
	noErr(err, "list committed offsets")
	hwm, err := adm.ListEndOffsets(ctx, out, plain)
	noErr(err, "list end offsets")
	hwm.Each(func(e kadm.ListedOffset) {
		l, ok := lso.Lookup(e.Topic, e.Partition)
		need(ok && l.Err == nil && l.Offset == e.Offset, "%s/%d: last stable offset %d (%v), high watermark %d", e.Topic, e.Partition, l.Offset, l.Err, e.Offset)
	})

	sentinels(ctx, bootstrap, out, plain)

	// The output: read_committed sees each input record transformed exactly once, in input order
	// per partition, and nothing of an aborted transaction; read_uncommitted sees those as well.
	committedOut := kgoReadAll(ctx, bootstrap, out, kgo.ReadCommitted())
	uncommittedOut := kgoReadAll(ctx, bootstrap, out, kgo.ReadUncommitted())
	abortedSeen := 0
	for p := int32(0); p < txnPartitions; p++ {
		want := make([]string, len(seeded[p]))
		for i, v := range seeded[p] {
			want[i] = "out:" + v
		}
		got := make([]string, len(committedOut[p]))
		for i, v := range committedOut[p] {
			need(eos.committed[v], "read_committed %s/%d: %q is not from a committed transaction", out, p, v)
			got[i] = strings.SplitN(v, "#", 2)[0]
		}
		d := sameValues(got, want)
		need(d == "", "read_committed %s/%d: %s", out, p, d)
		var rest []string
		for _, v := range uncommittedOut[p] {
			switch {
			case eos.aborted[v]:
				abortedSeen++
			case eos.committed[v]:
				rest = append(rest, v)
			default:
				need(false, "read_uncommitted %s/%d: %q was never produced", out, p, v)
			}
		}
		d = sameValues(rest, committedOut[p])
		need(d == "", "read_uncommitted %s/%d without the aborted records: %s", out, p, d)
	}
	need(abortedSeen == len(eos.aborted), "read_uncommitted %s: %d records of aborted transactions, %d were produced", out, abortedSeen, len(eos.aborted))

	committedPlain := kgoReadAll(ctx, bootstrap, plain, kgo.ReadCommitted())
	uncommittedPlain := kgoReadAll(ctx, bootstrap, plain, kgo.ReadUncommitted())
	for p := int32(0); p < txnPartitions; p++ {
		d := sameValues(committedPlain[p], plainRes.committed[p])
		need(d == "", "read_committed %s/%d: %s", plain, p, d)
		d = sameValues(uncommittedPlain[p], plainRes.all[p])
		need(d == "", "read_uncommitted %s/%d: %s", plain, p, d)
	}

	return map[string]any{
		"records": count, "commits": eos.commits, "revoked": eos.revoked,
		"aborted": eos.explicitAborted, "rebalanceAborted": eos.rebalanceAborted, "abortedSeen": abortedSeen,
		"plainCommitted": plainRes.nCommitted, "plainAborted": plainRes.nAborted,
		"fenced": plainRes.fenced, "fencedError": plainRes.fencedErr,
		"zombieEpoch": plainRes.zombieEpoch, "fencerEpoch": plainRes.fencerEpoch,
	}, nil
}

func kgoLogger() []kgo.Opt {
	if !txnDebug {
		return nil
	}
	return []kgo.Opt{kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelInfo, nil))}
}

// kgoEOSRun is consume-transform-produce by two GroupTransactSession members of one group,
// each with its own transactional id: every input record is produced to the output with its
// partition, transformed, in a transaction that also commits the group's offsets past it.
type kgoEOSRun struct {
	bootstrap, in, out, group string
	total                     int

	mu               sync.Mutex
	processed        map[partOffset]string // input record -> member whose transaction committed it
	committed        map[string]bool       // output values of committed transactions
	aborted          map[string]bool       // output values of aborted ones
	commits          map[string]int        // per member
	revoked          map[string]int        // partitions revoked from each member
	explicitAborted  int
	rebalanceAborted int
	stop             chan struct{}
	stopOnce         sync.Once
}

// run starts member a after seedFirst and lets it commit a few transactions alone, the first
// of them aborted on purpose: the session then rewinds to the committed offsets and does those
// records again. Member b then joins; once it has partitions seedRest adds the rest of the
// input, and both run until every input record has been committed once.
func (e *kgoEOSRun) run(ctx context.Context, txnID string, seedFirst, seedRest func()) {
	seedFirst()
	errs := make(chan error, 2)
	go func() { errs <- e.member(ctx, "a", txnID+"-a", true, nil) }()
	for {
		e.mu.Lock()
		n := e.commits["a"]
		e.mu.Unlock()
		if n >= 2 {
			break
		}
		select {
		case err := <-errs:
			noErr(err, "member a")
			need(false, "member a stopped")
		case <-ctx.Done():
			need(false, "member a committed %d transactions before timing out", n)
		case <-time.After(10 * time.Millisecond):
		}
	}
	assigned := make(chan struct{})
	go func() { errs <- e.member(ctx, "b", txnID+"-b", false, assigned) }()
	running := 2
	select {
	case <-assigned:
	case err := <-errs:
		noErr(err, "consume-transform-produce")
		running--
		need(false, "a member stopped before b was assigned partitions")
	case <-ctx.Done():
		need(false, "member b was never assigned partitions")
	}
	seedRest()
	for ; running > 0; running-- {
		err := <-errs
		e.stopOnce.Do(func() { close(e.stop) })
		noErr(err, "consume-transform-produce")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	need(len(e.processed) == e.total, "%d of %d input records committed", len(e.processed), e.total)
	need(e.commits["a"] > 0 && e.commits["b"] > 0, "commits per member %v: both must have committed", e.commits)
	need(e.revoked["a"] > 0, "member a had nothing revoked when b joined")
}

// member runs one GroupTransactSession until every input record is committed. assigned, when
// set, is closed once the member has partitions.
func (e *kgoEOSRun) member(ctx context.Context, name, txnID string, abortFirst bool, assigned chan struct{}) error {
	var assignedOnce sync.Once
	sess, err := kgo.NewGroupTransactSession(append([]kgo.Opt{
		kgo.SeedBrokers(e.bootstrap),
		kgo.ClientID(txnID),
		kgo.TransactionalID(txnID),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumerGroup(e.group),
		kgo.ConsumeTopics(e.in),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.SessionTimeout(groupSession),
		kgo.HeartbeatInterval(200 * time.Millisecond),
		kgo.RebalanceTimeout(groupRebalance),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			if assigned != nil && len(m[e.in]) > 0 {
				assignedOnce.Do(func() { close(assigned) })
			}
		}),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			e.mu.Lock()
			e.revoked[name] += len(m[e.in])
			e.mu.Unlock()
		}),
	}, kgoLogger()...)...)
	if err != nil {
		return fmt.Errorf("%s: group transact session: %w", name, err)
	}
	defer sess.Close()
	for seq := 1; ; {
		select {
		case <-e.stop:
			return nil
		default:
		}
		if ctx.Err() != nil {
			e.mu.Lock()
			defer e.mu.Unlock()
			return fmt.Errorf("%s: %d of %d input records committed before timing out", name, len(e.processed), e.total)
		}
		pctx, pcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		fs := sess.PollRecords(pctx, 20)
		pcancel()
		var pollErr error
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) && pollErr == nil {
				pollErr = fmt.Errorf("%s: poll %s/%d: %w", name, t, p, err)
			}
		})
		if pollErr != nil {
			return pollErr
		}
		recs := fs.Records()
		if len(recs) == 0 {
			continue
		}
		abort := abortFirst && seq == 1
		if err := sess.Begin(); err != nil {
			return fmt.Errorf("%s: begin transaction: %w", name, err)
		}
		outs := make([]*kgo.Record, len(recs))
		for i, r := range recs {
			outs[i] = &kgo.Record{
				Topic: e.out, Partition: r.Partition, Key: r.Key,
				Value:   []byte(fmt.Sprintf("out:%s#%s.%d", r.Value, name, seq)),
				Headers: []kgo.RecordHeader{{Key: "from", Value: []byte(fmt.Sprintf("%d@%d", r.Partition, r.Offset))}},
			}
		}
		seq++
		if err := sess.ProduceSync(ctx, outs...).FirstErr(); err != nil {
			return fmt.Errorf("%s: produce %d records in a transaction: %w", name, len(outs), err)
		}
		for _, o := range outs {
			if !o.Attrs.IsTransactional() {
				return fmt.Errorf("%s: record produced in a transaction is not marked transactional", name)
			}
		}
		how := kgo.TryCommit
		if abort {
			how = kgo.TryAbort
		}
		committed, err := sess.End(ctx, how)
		if err != nil {
			return fmt.Errorf("%s: end transaction (commit %v) of %d records: %w", name, !abort, len(outs), err)
		}
		e.mu.Lock()
		for _, o := range outs {
			if committed {
				e.committed[string(o.Value)] = true
			} else {
				e.aborted[string(o.Value)] = true
			}
		}
		switch {
		case committed && abort:
			e.mu.Unlock()
			return fmt.Errorf("%s: End(TryAbort) says it committed", name)
		case abort:
			e.explicitAborted += len(outs)
			logf("%s aborted a transaction of %d records", name, len(outs))
		case !committed:
			// The session aborts instead when the group rebalanced during the transaction.
			e.rebalanceAborted += len(outs)
			logf("%s: a rebalance aborted a transaction of %d records", name, len(outs))
		default:
			e.commits[name]++
			for _, r := range recs {
				k := partOffset{r.Partition, r.Offset}
				if by, ok := e.processed[k]; ok {
					e.mu.Unlock()
					return fmt.Errorf("%s: input %d@%d committed again, already by %s", name, r.Partition, r.Offset, by)
				}
				e.processed[k] = name
			}
		}
		if len(e.processed) == e.total {
			e.stopOnce.Do(func() { close(e.stop) })
		}
		e.mu.Unlock()
	}
}

type plainTxnResult struct {
	committed, all           map[int32][]string // per partition, in produce order
	nCommitted, nAborted     int
	fenced                   bool
	fencedErr                string
	zombieEpoch, fencerEpoch int16
}

// kgoPlainTxns commits, aborts and commits again with a transactional client, then opens a
// fourth transaction that a second client with the same transactional id fences: the first
// client's commit must fail and its records stay invisible to read_committed.
func kgoPlainTxns(ctx context.Context, bootstrap string, adm *kadm.Client, topic, txnID string) plainTxnResult {
	res := plainTxnResult{committed: map[int32][]string{}, all: map[int32][]string{}}
	newClient := func(name string) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{
			kgo.SeedBrokers(bootstrap),
			kgo.ClientID(name),
			kgo.TransactionalID(txnID),
			kgo.RecordPartitioner(kgo.ManualPartitioner()),
			kgo.ProducerLinger(time.Millisecond),
		}, kgoLogger()...)...)
		noErr(err, "client %s", name)
		return cl
	}
	produce := func(cl *kgo.Client, tag string, n int, visible bool) []*kgo.Record {
		rs := make([]*kgo.Record, n)
		for i := range rs {
			rs[i] = &kgo.Record{Topic: topic, Partition: int32(i % txnPartitions), Value: []byte(tag + "-" + strconv.Itoa(i))}
		}
		noErr(cl.ProduceSync(ctx, rs...).FirstErr(), "produce %s", tag)
		for _, r := range rs {
			v := string(r.Value)
			res.all[r.Partition] = append(res.all[r.Partition], v)
			if visible {
				res.committed[r.Partition] = append(res.committed[r.Partition], v)
				res.nCommitted++
			} else {
				res.nAborted++
			}
		}
		return rs
	}

	zombie := newClient("kgo-txn-zombie")
	defer zombie.Close()
	for _, t := range []struct {
		tag    string
		commit bool
	}{{"commit1", true}, {"abort2", false}, {"commit3", true}} {
		noErr(zombie.BeginTransaction(), "begin %s", t.tag)
		produce(zombie, t.tag, 30, t.commit)
		noErr(zombie.EndTransaction(ctx, kgo.TransactionEndTry(t.commit)), "end %s", t.tag)
	}

	// The fourth transaction stays open while the broker is asked about it.
	noErr(zombie.BeginTransaction(), "begin zombie transaction")
	zrs := produce(zombie, "zombie", 8, false)
	id, epoch, err := zombie.ProducerID(ctx)
	noErr(err, "zombie producer id")
	res.zombieEpoch = epoch
	firstOf := map[int32]int64{}
	for _, r := range zrs {
		if _, ok := firstOf[r.Partition]; !ok {
			firstOf[r.Partition] = r.Offset
		}
		need(r.ProducerID == id && r.ProducerEpoch == epoch, "zombie record acknowledged with producer %d/%d, client has %d/%d", r.ProducerID, r.ProducerEpoch, id, epoch)
	}
	d, err := adm.DescribeTransactions(ctx, txnID)
	noErr(err, "describe transaction %s", txnID)
	dt := d[txnID]
	need(dt.Err == nil && dt.State == "Ongoing" && dt.ProducerID == id && dt.ProducerEpoch == epoch,
		"open transaction described as %+v, want Ongoing with producer %d/%d", dt, id, epoch)
	need(len(dt.Topics[topic]) == txnPartitions, "open transaction's partitions %v, want all %d of %s", dt.Topics, txnPartitions, topic)
	ps := make([]int32, 0, txnPartitions)
	set := kadm.TopicsSet{}
	for p := int32(0); p < txnPartitions; p++ {
		ps = append(ps, p)
		set.Add(topic, p)
	}
	prods, err := adm.DescribeProducers(ctx, set)
	noErr(err, "describe producers")
	lso, err := adm.ListCommittedOffsets(ctx, topic)
	noErr(err, "list committed offsets")
	for _, p := range ps {
		dp, ok := prods[topic].Partitions[p]
		need(ok && dp.Err == nil, "describe producers %s/%d: %v", topic, p, dp.Err)
		found := false
		for _, pr := range dp.ActiveProducers {
			if pr.ProducerID == id {
				found = true
				need(pr.ProducerEpoch == epoch && pr.CurrentTxnStartOffset == firstOf[p],
					"%s/%d: producer %d described with epoch %d, txn start %d; want %d, %d", topic, p, id, pr.ProducerEpoch, pr.CurrentTxnStartOffset, epoch, firstOf[p])
			}
		}
		need(found, "%s/%d: producer %d with an open transaction is not described (%+v)", topic, p, id, dp.ActiveProducers)
		l, _ := lso.Lookup(topic, p)
		need(l.Err == nil && l.Offset == firstOf[p], "%s/%d: last stable offset %d (%v) with a transaction open from %d", topic, p, l.Offset, l.Err, firstOf[p])
	}

	// A second client with the same transactional id fences the first and aborts its transaction.
	fencer := newClient("kgo-txn-fencer")
	defer fencer.Close()
	fid, fepoch, err := fencer.ProducerID(ctx)
	noErr(err, "fencer's producer id")
	need(fid == id && fepoch > epoch, "fencer got producer %d/%d, zombie had %d/%d", fid, fepoch, id, epoch)
	res.fencerEpoch = fepoch
	err = zombie.EndTransaction(ctx, kgo.TryCommit)
	need(err != nil, "the fenced client committed its transaction")
	res.fencedErr = err.Error()
	res.fenced = errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch)
	need(res.fenced, "the fenced client's commit failed with %v, want a fencing error", err)
	logf("zombie fenced: %v", err)

	noErr(fencer.BeginTransaction(), "begin fencer transaction")
	produce(fencer, "fencer", 8, true)
	noErr(fencer.EndTransaction(ctx, kgo.TryCommit), "commit fencer transaction")
	return res
}

// awaitTxnState waits for the coordinator to describe txnID in one of states: markers are
// written after EndTxn returns, so a transaction is Prepare* for a moment first.
func awaitTxnState(ctx context.Context, adm *kadm.Client, txnID string, states ...string) {
	for {
		d, err := adm.DescribeTransactions(ctx, txnID)
		noErr(err, "describe transaction %s", txnID)
		dt := d[txnID]
		noErr(dt.Err, "describe transaction %s", txnID)
		for _, state := range states {
			if dt.State == state {
				need(len(dt.Topics) == 0, "%s is %s but still lists partitions %v", txnID, state, dt.Topics)
				return
			}
		}
		need(ctx.Err() == nil, "transaction %s stayed %s, want %v", txnID, dt.State, states)
		time.Sleep(20 * time.Millisecond)
	}
}

// sentinels produces txnSentinel without a transaction to every partition of the topics.
func sentinels(ctx context.Context, bootstrap string, topics ...string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	noErr(err, "sentinel client")
	defer cl.Close()
	var rs []*kgo.Record
	for _, t := range topics {
		for p := int32(0); p < txnPartitions; p++ {
			rs = append(rs, &kgo.Record{Topic: t, Partition: p, Value: []byte(txnSentinel)})
		}
	}
	noErr(cl.ProduceSync(ctx, rs...).FirstErr(), "produce sentinels")
}

// kgoReadAll reads every partition of topic from the start at the isolation level up to its
// sentinel and returns the values before it, per partition. Records from transactions must
// be marked so, and offsets must increase.
func kgoReadAll(ctx context.Context, bootstrap, topic string, iso kgo.IsolationLevel) map[int32][]string {
	parts := map[int32]kgo.Offset{}
	for p := int32(0); p < txnPartitions; p++ {
		parts[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(bootstrap),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}),
		kgo.FetchIsolationLevel(iso),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	noErr(err, "consumer")
	defer cl.Close()
	out := map[int32][]string{}
	done := map[int32]bool{}
	last := map[int32]int64{}
	for len(done) < txnPartitions {
		pctx, pcancel := context.WithTimeout(ctx, 15*time.Second)
		fs := cl.PollFetches(pctx)
		pcancel()
		if err := fs.Err0(); errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			counts := map[int32]int{}
			for p, vs := range out {
				counts[p] = len(vs)
			}
			need(false, "%s: read the sentinel on %d of %d partitions before timing out (records per partition %v)", topic, len(done), txnPartitions, counts)
		}
		fs.EachError(func(t string, p int32, err error) { noErr(err, "fetch %s/%d", t, p) })
		fs.EachRecord(func(r *kgo.Record) {
			p := r.Partition
			need(!done[p], "%s/%d: record at %d after the sentinel", topic, p, r.Offset)
			if o, ok := last[p]; ok {
				need(r.Offset > o, "%s/%d: offset %d after %d", topic, p, r.Offset, o)
			}
			last[p] = r.Offset
			v := string(r.Value)
			need(r.Attrs.IsTransactional() == (v != txnSentinel), "%s/%d: %q at %d has transactional=%v", topic, p, v, r.Offset, r.Attrs.IsTransactional())
			if v == txnSentinel {
				done[p] = true
				return
			}
			out[p] = append(out[p], v)
		})
	}
	return out
}
