package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// saramaGroup runs a Sarama ConsumerGroup with the named strategy.
func saramaGroup(bootstrap string, args []string) (map[string]any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want one strategy: range, roundrobin, sticky or cooperative-sticky")
	}
	// Strategies are stateful, so each member gets its own. The protocol versions vary too:
	// 2.1 sends JoinGroup v3 and OffsetCommit v6, 3.9 the flexible versions.
	var (
		strategy func() sarama.BalanceStrategy
		version  = sarama.V3_9_0_0
	)
	switch args[0] {
	case "range":
		strategy = sarama.NewBalanceStrategyRange
	case "roundrobin":
		strategy = sarama.NewBalanceStrategyRoundRobin
		version = sarama.V2_1_0_0
	case "sticky":
		strategy = sarama.NewBalanceStrategySticky
	case "cooperative-sticky":
		strategy = sarama.NewBalanceStrategyCooperativeSticky
	default:
		return nil, fmt.Errorf("unknown strategy %q", args[0])
	}
	topic := "sarama-group-" + args[0]
	g := groupRun{
		bootstrap: bootstrap, topic: topic, group: topic, protocol: args[0], cooperative: args[0] == "cooperative-sticky",
		start: func(name string, t *tracker) (groupMember, error) {
			return startSaramaMember(bootstrap, topic, topic, version, strategy(), name, t)
		},
	}
	return g.run()
}

type saramaMember struct {
	cg      sarama.ConsumerGroup
	cancel  context.CancelFunc
	leaving *atomic.Bool
	wg      sync.WaitGroup
	failed  error
}

func (m *saramaMember) stop() error {
	m.leaving.Store(true)
	m.cancel()
	m.wg.Wait()
	// Close sends LeaveGroup; the session's offsets were committed when Consume returned.
	if err := m.cg.Close(); err != nil {
		return err
	}
	return m.failed
}

type saramaHandler struct {
	name    string
	t       *tracker
	leaving *atomic.Bool
}

func (h *saramaHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *saramaHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	p := claim.Partition()
	h.t.assign(h.name, []int32{p})
	defer func() { h.t.revoke(h.name, []int32{p}, h.leaving.Load()) }()
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			h.t.consumed(h.name, msg.Partition, msg.Offset, msg.Value)
			sess.MarkMessage(msg, "")
		case <-sess.Context().Done():
			return nil
		}
	}
}

func startSaramaMember(bootstrap, group, topic string, version sarama.KafkaVersion, strategy sarama.BalanceStrategy, name string, t *tracker) (groupMember, error) {
	cfg := saramaConfig(version)
	cfg.ClientID = name
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{strategy}
	cfg.Consumer.Group.Session.Timeout = groupSession
	cfg.Consumer.Group.Heartbeat.Interval = groupHeartbeat
	cfg.Consumer.Group.Rebalance.Timeout = groupRebalance
	cfg.Consumer.Group.Rebalance.Retry.Backoff = 200 * time.Millisecond
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Interval = 100 * time.Millisecond
	cfg.Consumer.MaxWaitTime = groupHeartbeat
	cfg.Consumer.Return.Errors = true
	cg, err := sarama.NewConsumerGroup([]string{bootstrap}, group, cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &saramaMember{cg: cg, cancel: cancel, leaving: &atomic.Bool{}}
	h := &saramaHandler{name: name, t: t, leaving: m.leaving}
	m.wg.Add(2)
	go func() {
		defer m.wg.Done()
		for ctx.Err() == nil {
			// Being stopped in the middle of a rebalance surfaces as the context's error.
			err := cg.Consume(ctx, []string{topic}, h)
			if err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) && ctx.Err() == nil {
				m.failed = fmt.Errorf("%s: consume: %w", name, err)
				return
			}
		}
	}()
	go func() {
		defer m.wg.Done()
		for {
			select {
			case err := <-cg.Errors():
				t.fail("%s: %v", name, err)
			case <-ctx.Done():
				return
			}
		}
	}()
	return m, nil
}
