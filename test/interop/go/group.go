package main

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	groupPartitions = 6
	groupChunks     = 20
	groupChunkSize  = 100
	// Consumers run with short sessions and heartbeats so rebalances take about a second.
	groupSession   = 6 * time.Second
	groupHeartbeat = 500 * time.Millisecond
	groupRebalance = 10 * time.Second
)

type partOffset struct {
	p int32
	o int64
}

// tracker is shared by all members of one group: what each consumed, and how their
// assignments changed.
type tracker struct {
	mu       sync.Mutex
	seen     map[partOffset][]string
	values   map[partOffset]string
	perMem   map[string]int
	held     map[string]map[int32]bool
	emptied  map[string]int // times a member still in the group had its whole assignment revoked
	lost     int
	errs     []string
	assigned map[string]int
}

func newTracker() *tracker {
	return &tracker{
		seen: map[partOffset][]string{}, values: map[partOffset]string{}, perMem: map[string]int{},
		held: map[string]map[int32]bool{}, emptied: map[string]int{}, assigned: map[string]int{},
	}
}

func (t *tracker) consumed(member string, p int32, o int64, value []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := partOffset{p, o}
	if owner := t.held[member]; !owner[p] {
		t.errs = append(t.errs, fmt.Sprintf("%s consumed %d@%d from a partition it does not hold", member, p, o))
	}
	t.seen[k] = append(t.seen[k], member)
	t.values[k] = string(value)
	t.perMem[member]++
}

func (t *tracker) assign(member string, ps []int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held[member] == nil {
		t.held[member] = map[int32]bool{}
	}
	for _, p := range ps {
		t.held[member][p] = true
	}
	t.assigned[member] += len(ps)
}

// revoke drops partitions; leaving says the member is on its way out of the group, where
// giving everything up is expected under every protocol.
func (t *tracker) revoke(member string, ps []int32, leaving bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	had := len(t.held[member])
	for _, p := range ps {
		delete(t.held[member], p)
	}
	if had > 0 && len(t.held[member]) == 0 && !leaving {
		t.emptied[member]++
	}
}

func (t *tracker) fail(format string, a ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, fmt.Sprintf(format, a...))
}

func (t *tracker) holdings() map[string][]int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string][]int32{}
	for m, ps := range t.held {
		for p := range ps {
			out[m] = append(out[m], p)
		}
		sort.Slice(out[m], func(i, j int) bool { return out[m][i] < out[m][j] })
	}
	return out
}

type groupMember interface {
	// stop leaves the group cleanly, committing what was consumed.
	stop() error
}

// groupRun is one scenario: members of one group consuming a topic while it is produced to,
// one joining and one leaving mid-stream.
type groupRun struct {
	bootstrap, topic, group, protocol string
	cooperative                       bool
	start                             func(name string, t *tracker) (groupMember, error)
}

func (g groupRun) run() (map[string]any, error) {
	ctx, cancel := timeout(90 * time.Second)
	defer cancel()
	admin, err := kgo.NewClient(kgo.SeedBrokers(g.bootstrap))
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	adm := kadm.NewClient(admin)
	if r, err := adm.CreateTopic(ctx, groupPartitions, 1, nil, g.topic); err != nil || r.Err != nil {
		return nil, fmt.Errorf("create %s: %v %v", g.topic, err, r.Err)
	}

	t := newTracker()
	produced := map[partOffset]string{}
	var prodMu sync.Mutex
	progress := make(chan int, groupChunks)
	prodErr := make(chan error, 1)
	go func() {
		defer close(progress)
		prod, err := kgo.NewClient(kgo.SeedBrokers(g.bootstrap), kgo.ProducerLinger(time.Millisecond))
		if err != nil {
			prodErr <- err
			return
		}
		defer prod.Close()
		for c := 0; c < groupChunks; c++ {
			rs := make([]*kgo.Record, groupChunkSize)
			for i := range rs {
				n := c*groupChunkSize + i
				rs[i] = &kgo.Record{Topic: g.topic, Key: []byte("k" + strconv.Itoa(n%97)), Value: []byte("v" + strconv.Itoa(n))}
			}
			res := prod.ProduceSync(ctx, rs...)
			if err := res.FirstErr(); err != nil {
				prodErr <- fmt.Errorf("produce: %w", err)
				return
			}
			prodMu.Lock()
			for _, r := range res {
				produced[partOffset{r.Record.Partition, r.Record.Offset}] = string(r.Record.Value)
			}
			prodMu.Unlock()
			progress <- c + 1
			time.Sleep(100 * time.Millisecond)
		}
		prodErr <- nil
	}()

	members := map[string]groupMember{}
	startMember := func(name string) error {
		m, err := g.start(name, t)
		if err != nil {
			return fmt.Errorf("start %s: %w", name, err)
		}
		members[name] = m
		logf("%s started", name)
		return nil
	}
	stopMember := func(name string) error {
		err := members[name].stop()
		delete(members, name)
		logf("%s stopped", name)
		if err != nil {
			return fmt.Errorf("stop %s: %w", name, err)
		}
		return nil
	}
	defer func() {
		for name := range members {
			_ = members[name].stop()
		}
	}()

	if err := startMember("m1"); err != nil {
		return nil, err
	}
	for c := range progress {
		var err error
		switch c {
		case 5:
			err = startMember("m2")
		case 10:
			err = startMember("m3")
		case 15:
			err = stopMember("m1")
		}
		if err != nil {
			return nil, err
		}
	}
	if err := <-prodErr; err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, g.topic)
	if err != nil {
		return nil, fmt.Errorf("list end offsets: %w", err)
	}
	end := map[int32]int64{}
	total := int64(0)
	ends.Each(func(o kadm.ListedOffset) {
		end[o.Partition] = o.Offset
		total += o.Offset
	})
	if total != groupChunks*groupChunkSize || len(produced) != groupChunks*groupChunkSize {
		return nil, fmt.Errorf("log ends sum to %d, %d records acknowledged, produced %d", total, len(produced), groupChunks*groupChunkSize)
	}

	// Wait for the two remaining members to have committed everything.
	committedAll := func() (bool, string, error) {
		os, err := adm.FetchOffsets(ctx, g.group)
		if err != nil {
			return false, "", err
		}
		var behind []string
		for p, e := range end {
			o, ok := os.Lookup(g.topic, p)
			if !ok || o.Err != nil || o.At != e {
				behind = append(behind, fmt.Sprintf("%d: committed %d, end %d", p, o.At, e))
			}
		}
		sort.Strings(behind)
		return len(behind) == 0, fmt.Sprint(behind), nil
	}
	for {
		ok, behind, err := committedAll()
		if err != nil {
			return nil, fmt.Errorf("fetch offsets: %w", err)
		}
		if ok {
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("group never committed up to the log end: %s", behind)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The survivors must split the topic between them, as the broker sees it too.
	var described kadm.DescribedGroup
	for {
		hs := t.holdings()
		ds, err := adm.DescribeGroups(ctx, g.group)
		if err != nil {
			return nil, fmt.Errorf("describe group: %w", err)
		}
		described = ds[g.group]
		if len(hs["m1"]) == 0 && len(hs["m2"])+len(hs["m3"]) == groupPartitions && len(hs["m2"]) > 0 && len(hs["m3"]) > 0 &&
			described.State == "Stable" && len(described.Members) == 2 {
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("assignment never settled: members hold %v, broker says %s with %d members", hs, described.State, len(described.Members))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if described.Protocol != g.protocol || described.ProtocolType != "consumer" {
		return nil, fmt.Errorf("group protocol %q/%q, want consumer/%q", described.ProtocolType, described.Protocol, g.protocol)
	}
	brokerView := map[int32]bool{}
	for _, m := range described.Members {
		// The broker hands back each member's subscription as the member sent it.
		sub, ok := m.Join.AsConsumer()
		need(ok && len(sub.Topics) == 1 && sub.Topics[0] == g.topic, "member %s subscription %+v, want [%s]", m.MemberID, sub, g.topic)
		ca, ok := m.Assigned.AsConsumer()
		if !ok {
			return nil, fmt.Errorf("member %s has no consumer assignment", m.MemberID)
		}
		for _, tp := range ca.Topics {
			for _, p := range tp.Partitions {
				if brokerView[p] {
					return nil, fmt.Errorf("partition %d assigned to two members: %+v", p, described.Members)
				}
				brokerView[p] = true
			}
		}
	}
	if len(brokerView) != groupPartitions {
		return nil, fmt.Errorf("broker's view of the assignment covers %d of %d partitions", len(brokerView), groupPartitions)
	}

	for _, name := range []string{"m2", "m3"} {
		if err := stopMember(name); err != nil {
			return nil, err
		}
	}
	// Leaving commits nothing new, so the offsets are still at the log end, and the group is empty.
	if ok, behind, err := committedAll(); err != nil || !ok {
		return nil, fmt.Errorf("after the members left, committed offsets: %s %v", behind, err)
	}
	ds, err := adm.DescribeGroups(ctx, g.group)
	if err != nil {
		return nil, fmt.Errorf("describe group: %w", err)
	}
	// An emptied group keeps its protocol type but selects no protocol, as in Kafka.
	if d := ds[g.group]; d.State != "Empty" || len(d.Members) != 0 || d.ProtocolType != "consumer" || d.Protocol != "" {
		return nil, fmt.Errorf("group after everyone left: state %s, %d members, protocol %q/%q", d.State, len(d.Members), d.ProtocolType, d.Protocol)
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.errs) > 0 {
		return nil, fmt.Errorf("%d problems, first: %s", len(t.errs), t.errs[0])
	}
	dups := 0
	for k, v := range produced {
		got, ok := t.values[k]
		if !ok {
			return nil, fmt.Errorf("record %d@%d (%s) was never consumed", k.p, k.o, v)
		}
		if got != v {
			return nil, fmt.Errorf("record %d@%d consumed as %q, produced as %q", k.p, k.o, got, v)
		}
		dups += len(t.seen[k]) - 1
	}
	for k := range t.seen {
		if _, ok := produced[k]; !ok {
			return nil, fmt.Errorf("consumed %d@%d, which was never produced", k.p, k.o)
		}
	}
	for _, name := range []string{"m1", "m2", "m3"} {
		if t.perMem[name] == 0 {
			return nil, fmt.Errorf("%s consumed nothing (per member: %v)", name, t.perMem)
		}
	}
	// Cooperative rebalancing only takes away what moves, so a member that stays never has its
	// whole assignment revoked; eager rebalancing revokes everything every time.
	emptied := 0
	for _, n := range t.emptied {
		emptied += n
	}
	if g.cooperative && emptied > 0 {
		return nil, fmt.Errorf("cooperative group revoked a staying member's whole assignment %d times (%v)", emptied, t.emptied)
	}
	if !g.cooperative && emptied == 0 {
		return nil, fmt.Errorf("eager group never revoked a whole assignment across three rebalances")
	}
	return map[string]any{
		"records": len(produced), "duplicates": dups, "perMember": t.perMem, "lost": t.lost,
		"fullRevokes": emptied, "protocol": described.Protocol,
	}, nil
}
