package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func strp(s string) *string { return &s }

// Where a described config's value comes from, as kmsg names Kafka's ConfigSource values.
const (
	srcTopic          = "DYNAMIC_TOPIC_CONFIG"
	srcBroker         = "DYNAMIC_BROKER_CONFIG"
	srcClusterDefault = "DYNAMIC_DEFAULT_BROKER_CONFIG"
	srcStatic         = "STATIC_BROKER_CONFIG"
	srcDefault        = "DEFAULT_CONFIG"
)

// configOf finds one config of a described resource.
func configOf(rcs kadm.ResourceConfigs, name, key string) (kadm.Config, bool) {
	for _, rc := range rcs {
		if rc.Name != name {
			continue
		}
		noErr(rc.Err, "describe configs of %s", name)
		for _, c := range rc.Configs {
			if c.Key == key {
				return c, true
			}
		}
	}
	return kadm.Config{}, false
}

func needTopicConfig(ctx context.Context, adm *kadm.Client, topic, key, value string, source string) {
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	noErr(err, "describe configs of %s", topic)
	c, ok := configOf(rcs, topic, key)
	need(ok, "%s: config %s not described", topic, key)
	need(c.MaybeValue() == value && c.Source.String() == source, "%s: %s = %q (source %s), want %q (source %s)", topic, key, c.MaybeValue(), c.Source, value, source)
}

// The data topic: per partition 100 records whose timestamps climb a second at a time, except
// record 70, which is far in the future and so the partition's maximum.
const admRecords = 100

func admTimestamp(i int) time.Time {
	if i == 70 {
		return baseTime.Add(1000 * time.Second)
	}
	return baseTime.Add(time.Duration(i) * time.Second)
}

// kadmAdmin exercises kadm's topic, config, offset, group and producer administration.
//
// An optional argument is the broker's num.partitions, which it must then report as set in
// its static configuration.
func kadmAdmin(bootstrap string, args []string) (map[string]any, error) {
	ctx, cancel := timeout(60 * time.Second)
	defer cancel()
	// kadm answers metadata from a cache for MetadataMinAge (5 s by default); the checks here
	// want the broker's view right after each change.
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.MetadataMinAge(10*time.Millisecond))
	noErr(err, "client")
	defer cl.Close()
	adm := kadm.NewClient(cl)
	checks := 0
	step := func(what string) {
		checks++
		logf("ok: %s", what)
	}

	// Cluster: one broker, node 1, which is also the controller, at the address we dialled.
	host, port, _ := net.SplitHostPort(bootstrap)
	meta, err := adm.BrokerMetadata(ctx)
	noErr(err, "broker metadata")
	need(len(meta.Brokers) == 1 && meta.Brokers[0].NodeID == 1 && meta.Brokers[0].Host == host && strconv.Itoa(int(meta.Brokers[0].Port)) == port,
		"metadata brokers %+v, want node 1 at %s", meta.Brokers, bootstrap)
	need(meta.Controller == 1 && meta.Cluster != "", "metadata controller %d, cluster %q", meta.Controller, meta.Cluster)
	step("broker metadata")

	// Topics: created with configs, which come back in the response (CreateTopics v5+).
	created, err := adm.CreateTopics(ctx, 2, 1, map[string]*string{"cleanup.policy": strp("compact"), "retention.ms": strp("3600000")}, "adm-conf")
	noErr(err, "create adm-conf")
	cr := created["adm-conf"]
	noErr(cr.Err, "create adm-conf")
	need(cr.NumPartitions == 2 && cr.ReplicationFactor == 1, "create adm-conf answered %d partitions, replication %d", cr.NumPartitions, cr.ReplicationFactor)
	cp, rm := cr.Configs["cleanup.policy"], cr.Configs["retention.ms"]
	need(cp.MaybeValue() == "compact" && rm.MaybeValue() == "3600000", "create adm-conf answered configs %v", cr.Configs)
	created, err = adm.CreateTopics(ctx, 3, 1, map[string]*string{"retention.ms": strp("86400000")}, "adm-data")
	noErr(err, "create adm-data")
	noErr(created["adm-data"].Err, "create adm-data")
	again, err := adm.CreateTopics(ctx, 1, 1, nil, "adm-data")
	noErr(err, "create adm-data again")
	need(errors.Is(again["adm-data"].Err, kerr.TopicAlreadyExists), "creating adm-data again: %v, want TOPIC_ALREADY_EXISTS", again["adm-data"].Err)
	bad, err := adm.CreateTopics(ctx, 1, 1, map[string]*string{"cleanup.policy": strp("sometimes")}, "adm-bad")
	noErr(err, "create adm-bad")
	need(errors.Is(bad["adm-bad"].Err, kerr.InvalidConfig), "creating a topic with cleanup.policy=sometimes: %v, want INVALID_CONFIG", bad["adm-bad"].Err)
	dry, err := adm.ValidateCreateTopics(ctx, 1, 1, nil, "adm-dry")
	noErr(err, "validate create adm-dry")
	noErr(dry["adm-dry"].Err, "validate create adm-dry")
	step("create topics")

	topics, err := adm.ListTopics(ctx)
	noErr(err, "list topics")
	need(topics.Has("adm-conf") && topics.Has("adm-data") && !topics.Has("adm-bad") && !topics.Has("adm-dry"), "listed topics %v", topics.Names())
	for name, n := range map[string]int{"adm-conf": 2, "adm-data": 3} {
		td := topics[name]
		noErr(td.Err, "list %s", name)
		need(len(td.Partitions) == n && td.ID != (kadm.TopicID{}), "%s: %d partitions, id %s", name, len(td.Partitions), td.ID)
		for _, p := range td.Partitions {
			need(p.Err == nil && p.Leader == 1 && fmt.Sprint(p.Replicas) == "[1]" && fmt.Sprint(p.ISR) == "[1]", "%s/%d: %+v", name, p.Partition, p)
		}
	}
	for _, name := range topics.Names() {
		need(!topics[name].IsInternal, "ListTopics listed internal topic %s", name)
	}
	step("list and describe topics")

	// Configs: explicit ones are dynamic topic configs, the rest defaults.
	needTopicConfig(ctx, adm, "adm-conf", "cleanup.policy", "compact", srcTopic)
	needTopicConfig(ctx, adm, "adm-conf", "retention.ms", "3600000", srcTopic)
	rcs, err := adm.DescribeTopicConfigs(ctx, "adm-conf")
	noErr(err, "describe adm-conf")
	// The synonyms, in order of precedence, start with the topic's own setting.
	syn, _ := configOf(rcs, "adm-conf", "retention.ms")
	need(len(syn.Synonyms) > 0 && syn.Synonyms[0].Key == "retention.ms" && syn.Synonyms[0].Value != nil && *syn.Synonyms[0].Value == "3600000" &&
		syn.Synonyms[0].Source.String() == srcTopic, "adm-conf retention.ms synonyms: %+v", syn.Synonyms)
	seg, ok := configOf(rcs, "adm-conf", "segment.bytes")
	need(ok && seg.MaybeValue() != "" && seg.Source.String() != srcTopic, "adm-conf segment.bytes: %+v", seg)
	bcs, err := adm.DescribeBrokerConfigs(ctx, 1)
	noErr(err, "describe broker configs")
	np, ok := configOf(bcs, "1", "num.partitions")
	need(ok && np.MaybeValue() != "", "broker 1 num.partitions: %+v", np)
	if len(args) > 0 {
		need(np.MaybeValue() == args[0] && np.Source.String() == srcStatic, "broker 1 num.partitions %q (source %s), want %q (STATIC_BROKER_CONFIG)",
			np.MaybeValue(), np.Source, args[0])
	}
	_, ok = configOf(bcs, "1", "log.retention.hours")
	need(ok, "broker 1 does not describe log.retention.hours")
	step("describe topic and broker configs")

	// Incremental alters touch only the named keys; APPEND and SUBTRACT edit list configs.
	alter := func(cs ...kadm.AlterConfig) {
		rs, err := adm.AlterTopicConfigs(ctx, cs, "adm-conf")
		noErr(err, "incremental alter adm-conf")
		for _, r := range rs {
			noErr(r.Err, "incremental alter %s (%s)", r.Name, r.ErrMessage)
		}
	}
	alter(kadm.AlterConfig{Op: kadm.SetConfig, Name: "retention.ms", Value: strp("7200000")},
		kadm.AlterConfig{Op: kadm.AppendConfig, Name: "cleanup.policy", Value: strp("delete")})
	needTopicConfig(ctx, adm, "adm-conf", "retention.ms", "7200000", srcTopic)
	needTopicConfig(ctx, adm, "adm-conf", "cleanup.policy", "compact,delete", srcTopic)
	alter(kadm.AlterConfig{Op: kadm.SubtractConfig, Name: "cleanup.policy", Value: strp("compact")},
		kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "retention.ms"})
	needTopicConfig(ctx, adm, "adm-conf", "cleanup.policy", "delete", srcTopic)
	needTopicConfig(ctx, adm, "adm-conf", "retention.ms", "604800000", srcDefault)
	rs, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: strp("soon")}}, "adm-conf")
	noErr(err, "incremental alter with a bad value")
	need(len(rs) == 1 && errors.Is(rs[0].Err, kerr.InvalidConfig), "setting retention.ms=soon: %+v, want INVALID_CONFIG", rs)
	// The legacy AlterConfigs replaces the topic's whole dynamic config with what it is given.
	rs, err = adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "max.message.bytes", Value: strp("2000000")}}, "adm-conf")
	noErr(err, "alter adm-conf")
	for _, r := range rs {
		noErr(r.Err, "alter %s (%s)", r.Name, r.ErrMessage)
	}
	needTopicConfig(ctx, adm, "adm-conf", "max.message.bytes", "2000000", srcTopic)
	needTopicConfig(ctx, adm, "adm-conf", "cleanup.policy", "delete", srcDefault)
	step("incremental and legacy alter configs")

	// Dynamic broker configs: a cluster-wide default and a per-broker value, which wins, and
	// which topics without their own setting inherit.
	alterBroker := func(cs []kadm.AlterConfig, brokers ...int32) {
		rs, err := adm.AlterBrokerConfigs(ctx, cs, brokers...)
		noErr(err, "alter broker configs %v", brokers)
		for _, r := range rs {
			noErr(r.Err, "alter broker config %q (%s)", r.Name, r.ErrMessage)
		}
	}
	alterBroker([]kadm.AlterConfig{{Op: kadm.SetConfig, Name: "log.retention.ms", Value: strp("1234567")}})
	alterBroker([]kadm.AlterConfig{{Op: kadm.SetConfig, Name: "log.retention.ms", Value: strp("7654321")}}, 1)
	bcs, err = adm.DescribeBrokerConfigs(ctx, 1)
	noErr(err, "describe broker 1 configs")
	lr, _ := configOf(bcs, "1", "log.retention.ms")
	need(lr.MaybeValue() == "7654321" && lr.Source.String() == srcBroker, "broker 1 log.retention.ms: %+v", lr)
	bcs, err = adm.DescribeBrokerConfigs(ctx)
	noErr(err, "describe cluster-wide broker configs")
	lr, _ = configOf(bcs, "", "log.retention.ms")
	need(lr.MaybeValue() == "1234567" && lr.Source.String() == srcClusterDefault, "cluster-wide log.retention.ms: %+v", lr)
	needTopicConfig(ctx, adm, "adm-conf", "retention.ms", "7654321", srcBroker)
	alterBroker([]kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: "log.retention.ms"}}, 1)
	needTopicConfig(ctx, adm, "adm-conf", "retention.ms", "1234567", srcClusterDefault)
	alterBroker([]kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: "log.retention.ms"}})
	needTopicConfig(ctx, adm, "adm-conf", "retention.ms", "604800000", srcDefault)
	step("dynamic broker configs")

	// Partitions can be added but not taken away.
	cps, err := adm.CreatePartitions(ctx, 2, "adm-data")
	noErr(err, "create partitions")
	noErr(cps["adm-data"].Err, "create partitions (%s)", cps["adm-data"].ErrMessage)
	cps, err = adm.UpdatePartitions(ctx, 4, "adm-data")
	noErr(err, "update partitions down")
	need(errors.Is(cps["adm-data"].Err, kerr.InvalidPartitions), "shrinking adm-data to 4 partitions: %v, want INVALID_PARTITIONS", cps["adm-data"].Err)
	topics, err = adm.ListTopics(ctx, "adm-data")
	noErr(err, "list adm-data")
	need(len(topics["adm-data"].Partitions) == 5, "adm-data has %d partitions after adding 2 to 3", len(topics["adm-data"].Partitions))
	step("create partitions")

	// Data: idempotent produce to partitions 0-2, in two requests per partition so that the
	// producer state the broker keeps comes from a later batch than the first.
	prod, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	noErr(err, "producer")
	defer prod.Close()
	for _, split := range [][2]int{{0, 80}, {80, admRecords}} {
		var rs []*kgo.Record
		for p := int32(0); p < 3; p++ {
			for i := split[0]; i < split[1]; i++ {
				rs = append(rs, &kgo.Record{Topic: "adm-data", Partition: p, Value: []byte(fmt.Sprintf("p%d-%d", p, i)), Timestamp: admTimestamp(i)})
			}
		}
		noErr(prod.ProduceSync(ctx, rs...).FirstErr(), "produce to adm-data")
	}
	pid, epoch, err := prod.ProducerID(ctx)
	noErr(err, "producer id")
	described, err := adm.DescribeProducers(ctx, kadm.TopicsSet{"adm-data": {0: {}, 1: {}, 2: {}, 3: {}}})
	noErr(err, "describe producers")
	for p := int32(0); p < 4; p++ {
		dp := described["adm-data"].Partitions[p]
		noErr(dp.Err, "describe producers of adm-data/%d", p)
		if p == 3 {
			need(len(dp.ActiveProducers) == 0, "adm-data/3 was never produced to, yet has producers %v", dp.ActiveProducers)
			continue
		}
		got, ok := dp.ActiveProducers[pid]
		need(ok && len(dp.ActiveProducers) == 1, "adm-data/%d: producers %v, want only %d", p, dp.ActiveProducers, pid)
		need(got.ProducerEpoch == epoch && got.LastSequence == admRecords-1 && got.CurrentTxnStartOffset == -1 &&
			got.LastTimestamp == admTimestamp(admRecords-1).UnixMilli() && got.Leader == 1,
			"adm-data/%d: producer %+v, want epoch %d, last sequence %d, last timestamp %d (max of the last batch), no transaction",
			p, got, epoch, admRecords-1, admTimestamp(admRecords-1).UnixMilli())
	}
	step("describe producers")

	// Offsets by position and by time.
	starts, err := adm.ListStartOffsets(ctx, "adm-data")
	noErr(err, "list start offsets")
	ends, err := adm.ListEndOffsets(ctx, "adm-data")
	noErr(err, "list end offsets")
	for p := int32(0); p < 5; p++ {
		want := int64(admRecords)
		if p > 2 {
			want = 0
		}
		s, _ := starts.Lookup("adm-data", p)
		e, _ := ends.Lookup("adm-data", p)
		need(s.Err == nil && s.Offset == 0 && e.Err == nil && e.Offset == want, "adm-data/%d: start %+v end %+v, want 0 and %d", p, s, e, want)
	}
	type byTime struct {
		what   string
		list   func() (kadm.ListedOffsets, error)
		offset int64
		ts     int64
	}
	for _, bt := range []byTime{
		{"at record 40's time", func() (kadm.ListedOffsets, error) {
			return adm.ListOffsetsAfterMilli(ctx, admTimestamp(40).UnixMilli(), "adm-data")
		}, 40, admTimestamp(40).UnixMilli()},
		// The earliest offset at or after the time, not the closest timestamp: record 70.
		{"after record 95's time", func() (kadm.ListedOffsets, error) {
			return adm.ListOffsetsAfterMilli(ctx, admTimestamp(95).UnixMilli()+1, "adm-data")
		}, 70, admTimestamp(70).UnixMilli()},
		// Past every record the broker answers -1 and kadm falls back to the end offset.
		{"after every record", func() (kadm.ListedOffsets, error) {
			return adm.ListOffsetsAfterMilli(ctx, admTimestamp(70).UnixMilli()+1, "adm-data")
		}, admRecords, -2},
		{"max timestamp", func() (kadm.ListedOffsets, error) { return adm.ListMaxTimestampOffsets(ctx, "adm-data") }, 70, admTimestamp(70).UnixMilli()},
	} {
		lo, err := bt.list()
		noErr(err, "list offsets %s", bt.what)
		for p := int32(0); p < 3; p++ {
			o, ok := lo.Lookup("adm-data", p)
			need(ok && o.Err == nil && o.Offset == bt.offset && (bt.ts == -2 || o.Timestamp == bt.ts),
				"adm-data/%d list offsets %s: %+v, want offset %d timestamp %d", p, bt.what, o, bt.offset, bt.ts)
		}
	}
	step("list offsets start, end, after a time, max timestamp")

	// One broker, never re-elected: epoch 0 ends at the log end, an epoch from the future is unknown.
	var ofle kadm.OffsetForLeaderEpochRequest
	ofle.Add("adm-data", 0, 0)
	ofle.Add("adm-data", 3, 0)
	ofle.Add("adm-data", 1, 5)
	epochs, err := adm.OffsetForLeaderEpoch(ctx, ofle)
	noErr(err, "offset for leader epoch")
	for p, want := range map[int32][2]int64{0: {0, admRecords}, 3: {0, 0}, 1: {-1, -1}} {
		e := epochs["adm-data"][p]
		need(e.Err == nil && int64(e.LeaderEpoch) == want[0] && e.EndOffset == want[1], "offset for leader epoch of adm-data/%d: %+v, want epoch %d end %d", p, e, want[0], want[1])
	}
	step("offset for leader epoch")

	// Delete records: the start offset moves and reading from the start begins there.
	var del kadm.Offsets
	del.AddOffset("adm-data", 0, 30, -1)
	del.AddOffset("adm-data", 1, admRecords, -1)
	drs, err := adm.DeleteRecords(ctx, del)
	noErr(err, "delete records")
	for p, want := range map[int32]int64{0: 30, 1: admRecords} {
		r, ok := drs.Lookup("adm-data", p)
		need(ok && r.Err == nil && r.LowWatermark == want, "delete records adm-data/%d: %+v, want low watermark %d", p, r, want)
	}
	var past kadm.Offsets
	past.AddOffset("adm-data", 2, admRecords+1, -1)
	drs, err = adm.DeleteRecords(ctx, past)
	noErr(err, "delete records past the end")
	r, _ := drs.Lookup("adm-data", 2)
	need(errors.Is(r.Err, kerr.OffsetOutOfRange), "deleting adm-data/2 past its end: %+v, want OFFSET_OUT_OF_RANGE", r)
	starts, err = adm.ListStartOffsets(ctx, "adm-data")
	noErr(err, "list start offsets")
	for p, want := range map[int32]int64{0: 30, 1: admRecords, 2: 0} {
		s, _ := starts.Lookup("adm-data", p)
		need(s.Err == nil && s.Offset == want, "adm-data/%d start offset after delete records: %+v, want %d", p, s, want)
	}
	rd, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"adm-data": {0: kgo.NewOffset().AtStart()}}))
	noErr(err, "reader")
	fs := rd.PollRecords(ctx, 1)
	rd.Close()
	noErr(fs.Err0(), "read adm-data/0")
	first := fs.Records()
	need(len(first) == 1 && first[0].Offset == 30 && string(first[0].Value) == "p0-30", "first record of adm-data/0 after delete: %+v", first)
	step("delete records")

	// Groups: one that only has offsets, committed by the admin, and one with a live member.
	var commit kadm.Offsets
	commit.Add(kadm.Offset{Topic: "adm-data", Partition: 1, At: 10, LeaderEpoch: 4, Metadata: "ten"})
	commit.Add(kadm.Offset{Topic: "adm-data", Partition: 2, At: 20, LeaderEpoch: -1, Metadata: "twenty"})
	noErr(adm.CommitAllOffsets(ctx, "adm-offsets", commit), "commit offsets")
	fetched, err := adm.FetchOffsets(ctx, "adm-offsets")
	noErr(err, "fetch offsets")
	for p, want := range map[int32]kadm.Offset{1: {At: 10, LeaderEpoch: 4, Metadata: "ten"}, 2: {At: 20, LeaderEpoch: -1, Metadata: "twenty"}} {
		o, ok := fetched.Lookup("adm-data", p)
		need(ok && o.Err == nil && o.At == want.At && o.LeaderEpoch == want.LeaderEpoch && o.Metadata == want.Metadata,
			"fetched offset of adm-data/%d: %+v, want %+v", p, o, want)
	}
	need(len(fetched["adm-data"]) == 2, "fetched offsets %v, want partitions 1 and 2 only", fetched["adm-data"])

	assigned := make(chan struct{}, 1)
	live, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ClientID("adm-member"), kgo.ConsumerGroup("adm-live"), kgo.ConsumeTopics("adm-data"),
		kgo.SessionTimeout(groupSession), kgo.HeartbeatInterval(groupHeartbeat),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) {
			select {
			case assigned <- struct{}{}:
			default:
			}
		}))
	noErr(err, "live member")
	defer live.Close()
	var liveRead atomic.Int64
	go func() {
		for {
			fs := live.PollFetches(ctx)
			if fs.IsClientClosed() || ctx.Err() != nil {
				return
			}
			liveRead.Add(int64(fs.NumRecords()))
		}
	}()
	select {
	case <-assigned:
	case <-ctx.Done():
		need(false, "the live member was never assigned partitions")
	}
	// What is left after the deletions: 70 records in partition 0, 100 in partition 2.
	for liveRead.Load() < 170 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	need(liveRead.Load() == 170, "the live member read %d records, want 170", liveRead.Load())
	noErr(live.CommitUncommittedOffsets(ctx), "live member commit")
	lags, err := adm.Lag(ctx, "adm-live")
	noErr(err, "lag of adm-live")
	for _, p := range []int32{0, 2} {
		l := lags["adm-live"].Lag["adm-data"][p]
		need(l.Err == nil && l.Lag == 0 && l.Member != nil && l.Member.ClientID == "adm-member", "adm-live lag on adm-data/%d: %+v", p, l)
	}

	listed, err := adm.ListGroups(ctx)
	noErr(err, "list groups")
	need(listed["adm-offsets"].State == "Empty" && listed["adm-live"].State == "Stable" && listed["adm-live"].ProtocolType == "consumer" &&
		listed["adm-live"].Coordinator == 1, "listed groups %+v", listed)
	need(listed["adm-offsets"].GroupType == "classic" && listed["adm-live"].GroupType == "classic", "listed group types %+v, want classic (ListGroups v5)", listed)
	stable, err := adm.ListGroups(ctx, "Stable")
	noErr(err, "list stable groups")
	_, hasOffsetsGroup := stable["adm-offsets"]
	need(!hasOffsetsGroup && stable["adm-live"].Group == "adm-live", "groups listed as Stable: %+v", stable)
	dgs, err := adm.DescribeGroups(ctx, "adm-live", "adm-offsets", "adm-never")
	noErr(err, "describe groups")
	dl := dgs["adm-live"]
	need(dl.Err == nil && dl.State == "Stable" && dl.Protocol == "cooperative-sticky" && len(dl.Members) == 1 && dl.Members[0].ClientID == "adm-member",
		"described adm-live: %+v", dl)
	assign, ok := dl.Members[0].Assigned.AsConsumer()
	need(ok && len(assign.Topics) == 1 && len(assign.Topics[0].Partitions) == 5, "adm-live member assignment %+v", assign)
	need(dgs["adm-offsets"].Err == nil && dgs["adm-offsets"].State == "Empty" && len(dgs["adm-offsets"].Members) == 0, "described adm-offsets: %+v", dgs["adm-offsets"])
	need(dgs["adm-never"].Err == nil && dgs["adm-never"].State == "Dead", "described a group that never existed: %+v", dgs["adm-never"])
	step("list and describe groups")

	// A group's offsets for a topic it is subscribed to cannot be deleted, nor can a live group.
	dels, err := adm.DeleteOffsets(ctx, "adm-live", kadm.TopicsSet{"adm-data": {0: {}}})
	noErr(err, "delete live group offsets")
	derr, _ := dels.Lookup("adm-data", 0)
	need(errors.Is(derr, kerr.GroupSubscribedToTopic), "deleting offsets of a topic adm-live consumes: %v, want GROUP_SUBSCRIBED_TO_TOPIC", derr)
	dres, err := adm.DeleteGroups(ctx, "adm-live")
	noErr(err, "delete live group")
	need(errors.Is(dres["adm-live"].Err, kerr.NonEmptyGroup), "deleting a group with a member: %v, want NON_EMPTY_GROUP", dres["adm-live"].Err)
	dels, err = adm.DeleteOffsets(ctx, "adm-offsets", kadm.TopicsSet{"adm-data": {1: {}}})
	noErr(err, "delete offsets")
	derr, ok = dels.Lookup("adm-data", 1)
	need(ok && derr == nil, "deleting adm-offsets' offset of adm-data/1: %v", derr)
	fetched, err = adm.FetchOffsets(ctx, "adm-offsets")
	noErr(err, "fetch offsets")
	o1, ok1 := fetched.Lookup("adm-data", 1)
	o2, _ := fetched.Lookup("adm-data", 2)
	need((!ok1 || o1.At == -1) && o2.At == 20, "offsets after deleting adm-data/1: %+v", fetched)
	step("commit, fetch and delete offsets")

	noErr(live.LeaveGroupContext(ctx), "leave adm-live")
	liveOffsets, err := adm.FetchOffsets(ctx, "adm-live")
	noErr(err, "fetch adm-live offsets")
	for _, p := range []int32{0, 2} {
		o, _ := liveOffsets.Lookup("adm-data", p)
		need(o.At == admRecords, "adm-live committed adm-data/%d at %d, want %d", p, o.At, admRecords)
	}
	dres, err = adm.DeleteGroups(ctx, "adm-live", "adm-offsets", "adm-never")
	noErr(err, "delete groups")
	need(dres["adm-live"].Err == nil && dres["adm-offsets"].Err == nil && errors.Is(dres["adm-never"].Err, kerr.GroupIDNotFound),
		"delete groups: %+v", dres)
	listed, err = adm.ListGroups(ctx)
	noErr(err, "list groups")
	for _, g := range []string{"adm-live", "adm-offsets"} {
		_, ok := listed[g]
		need(!ok, "group %s still listed after deleting it", g)
	}
	step("delete groups")

	// Delete topics, which are then gone, and a second delete fails.
	dts, err := adm.DeleteTopics(ctx, "adm-conf", "adm-data")
	noErr(err, "delete topics")
	for _, t := range []string{"adm-conf", "adm-data"} {
		noErr(dts[t].Err, "delete %s", t)
	}
	topics, err = adm.ListTopics(ctx)
	noErr(err, "list topics")
	need(!topics.Has("adm-conf") && !topics.Has("adm-data"), "topics after deleting: %v", topics.Names())
	dts, err = adm.DeleteTopics(ctx, "adm-conf")
	noErr(err, "delete adm-conf again")
	need(errors.Is(dts["adm-conf"].Err, kerr.UnknownTopicOrPartition), "deleting adm-conf again: %v, want UNKNOWN_TOPIC_OR_PARTITION", dts["adm-conf"].Err)
	step("delete topics")

	// Last, so that everything above is checked even while this fails. Without tiered storage
	// the local log is the whole log: the earliest local offset (-4, ListOffsets v8+) is the log
	// start offset, and there is no latest tiered offset (-5, v9), which is therefore -1.
	// Neither comes with a timestamp.
	r1, err := adm.CreateTopic(ctx, 3, 1, nil, "adm-local")
	noErr(err, "create adm-local")
	noErr(r1.Err, "create adm-local")
	var lrs []*kgo.Record
	for p := int32(0); p < 2; p++ {
		for i := 0; i < 10; i++ {
			lrs = append(lrs, &kgo.Record{Topic: "adm-local", Partition: p, Value: []byte("v"), Timestamp: admTimestamp(i)})
		}
	}
	noErr(prod.ProduceSync(ctx, lrs...).FirstErr(), "produce to adm-local")
	var trim kadm.Offsets
	trim.AddOffset("adm-local", 0, 4, -1)
	trim.AddOffset("adm-local", 1, 10, -1)
	_, err = adm.DeleteRecords(ctx, trim)
	noErr(err, "delete records of adm-local")
	local, err := adm.ListLocalLogStartOffsets(ctx, "adm-local")
	noErr(err, "list earliest local offsets")
	tiered, err := adm.ListLatestRemoteOffsets(ctx, "adm-local")
	noErr(err, "list latest tiered offsets")
	for p, start := range []int64{4, 10, 0} {
		p := int32(p)
		l, _ := local.Lookup("adm-local", p)
		need(l.Err == nil && l.Offset == start && l.Timestamp == -1, "adm-local/%d earliest local offset (ListOffsets timestamp -4): %+v, want offset %d (the log start), timestamp -1", p, l, start)
		t, _ := tiered.Lookup("adm-local", p)
		need(t.Err == nil && t.Offset == -1 && t.Timestamp == -1, "adm-local/%d latest tiered offset (ListOffsets timestamp -5): %+v, want offset -1, timestamp -1 (no tiered storage)", p, t)
	}
	dts, err = adm.DeleteTopics(ctx, "adm-local")
	noErr(err, "delete adm-local")
	noErr(dts["adm-local"].Err, "delete adm-local")
	step("list earliest local and latest tiered offsets")

	return map[string]any{"checks": checks}, nil
}
