package main

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
)

// kgoGroup runs a franz-go consumer group with the named balancer.
func kgoGroup(bootstrap string, args []string) (map[string]any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want one balancer: cooperative-sticky or range")
	}
	var balancer kgo.GroupBalancer
	switch args[0] {
	case "cooperative-sticky":
		balancer = kgo.CooperativeStickyBalancer()
	case "range":
		balancer = kgo.RangeBalancer()
	default:
		return nil, fmt.Errorf("unknown balancer %q", args[0])
	}
	topic := "kgo-group-" + args[0]
	g := groupRun{
		bootstrap: bootstrap, topic: topic, group: topic, protocol: args[0], cooperative: balancer.IsCooperative(),
		start: func(name string, t *tracker) (groupMember, error) {
			return startKgoMember(bootstrap, topic, balancer, name, t)
		},
	}
	return g.run()
}

type kgoMember struct {
	cancel context.CancelFunc
	done   chan error
}

func (m *kgoMember) stop() error {
	m.cancel()
	return <-m.done
}

func partitionsOf(m map[string][]int32) []int32 {
	var ps []int32
	for _, p := range m {
		ps = append(ps, p...)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// startKgoMember joins the group and consumes until stopped. Rebalances are held off while a
// poll's records are processed, and every poll is committed before they are allowed again, so
// a partition changing hands continues exactly where its previous owner stopped.
func startKgoMember(bootstrap, topic string, balancer kgo.GroupBalancer, name string, t *tracker) (groupMember, error) {
	var leaving atomic.Bool
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(bootstrap),
		kgo.ClientID(name),
		kgo.ConsumerGroup(topic),
		kgo.ConsumeTopics(topic),
		kgo.Balancers(balancer),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(groupSession),
		kgo.HeartbeatInterval(groupHeartbeat),
		kgo.RebalanceTimeout(groupRebalance),
		kgo.FetchMaxWait(groupHeartbeat),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			t.assign(name, partitionsOf(m))
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, c *kgo.Client, m map[string][]int32) {
			if err := c.CommitUncommittedOffsets(ctx); err != nil {
				t.fail("%s: commit on revoke: %v", name, err)
			}
			t.revoke(name, partitionsOf(m), leaving.Load())
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			t.fail("%s lost partitions %v (its membership was fenced or expired)", name, m)
			t.revoke(name, partitionsOf(m), leaving.Load())
		}),
	)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &kgoMember{cancel: cancel, done: make(chan error, 1)}
	go func() {
		var failed error
		for ctx.Err() == nil && failed == nil {
			fs := cl.PollRecords(ctx, 500)
			fs.EachError(func(tp string, p int32, err error) {
				if ctx.Err() == nil {
					failed = fmt.Errorf("%s: fetch %s/%d: %w", name, tp, p, err)
				}
			})
			fs.EachRecord(func(r *kgo.Record) { t.consumed(name, r.Partition, r.Offset, r.Value) })
			if err := cl.CommitUncommittedOffsets(context.Background()); err != nil && failed == nil {
				failed = fmt.Errorf("%s: commit: %w", name, err)
			}
			cl.AllowRebalance()
		}
		leaving.Store(true)
		cl.Close()
		m.done <- failed
	}()
	return m, nil
}
