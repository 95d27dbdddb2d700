package main

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/IBM/sarama"
)

func saramaConfigs(admin sarama.ClusterAdmin, r sarama.ConfigResource) map[string]sarama.ConfigEntry {
	entries, err := admin.DescribeConfig(r)
	noErr(err, "describe config of %s", r.Name)
	out := map[string]sarama.ConfigEntry{}
	for _, e := range entries {
		out[e.Name] = e
	}
	return out
}

func needSaramaTopicConfig(admin sarama.ClusterAdmin, topic, key, value string, source sarama.ConfigSource) {
	e, ok := saramaConfigs(admin, sarama.ConfigResource{Type: sarama.TopicResource, Name: topic})[key]
	need(ok, "%s: config %s not described", topic, key)
	need(e.Value == value && e.Source == source && e.Default == (source == sarama.SourceDefault),
		"%s: %s = %q (source %s, default %v), want %q (source %s)", topic, key, e.Value, e.Source, e.Default, value, source)
}

// waitFor polls cond every 50 ms for up to 20 s.
func waitFor(what string, cond func() bool) {
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		need(time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(50 * time.Millisecond)
	}
}

// saramaAdmin exercises Sarama's ClusterAdmin: topics, configs, partitions, records and groups.
//
// An optional argument is the broker's num.partitions, which it must then report as set in
// its static configuration.
func saramaAdmin(bootstrap string, args []string) (map[string]any, error) {
	cfg := saramaConfig(sarama.V3_9_0_0)
	admin, err := sarama.NewClusterAdmin([]string{bootstrap}, cfg)
	noErr(err, "cluster admin")
	defer admin.Close()
	checks := 0
	step := func(what string) {
		checks++
		logf("ok: %s", what)
	}

	brokers, controller, err := admin.DescribeCluster()
	noErr(err, "describe cluster")
	need(len(brokers) == 1 && brokers[0].ID() == 1 && brokers[0].Addr() == bootstrap && controller == 1,
		"describe cluster: %d brokers (first %d at %s), controller %d", len(brokers), brokers[0].ID(), brokers[0].Addr(), controller)
	step("describe cluster")

	bc := saramaConfigs(admin, sarama.ConfigResource{Type: sarama.BrokerResource, Name: "1"})
	np, ok := bc["num.partitions"]
	need(ok && np.Value != "", "broker 1 num.partitions: %+v", np)
	if len(args) > 0 {
		need(np.Value == args[0] && np.Source == sarama.SourceStaticBroker && !np.Default, "broker 1 num.partitions %q (source %s), want %q (static)", np.Value, np.Source, args[0])
	}
	defaultPartitions, err := strconv.Atoi(np.Value)
	noErr(err, "num.partitions %q", np.Value)
	step("describe broker config")

	noErr(admin.CreateTopic("sa-conf", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"cleanup.policy": strp("compact"), "retention.ms": strp("3600000")}}, false), "create sa-conf")
	noErr(admin.CreateTopic("sa-data", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false), "create sa-data")
	// -1 asks for the broker's defaults (KIP-464).
	noErr(admin.CreateTopic("sa-default", &sarama.TopicDetail{NumPartitions: -1, ReplicationFactor: -1}, false), "create sa-default")
	err = admin.CreateTopic("sa-data", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false)
	need(errors.Is(err, sarama.ErrTopicAlreadyExists), "creating sa-data again: %v, want TOPIC_ALREADY_EXISTS", err)
	noErr(admin.CreateTopic("sa-dry", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, true), "validate creating sa-dry")
	step("create topics")

	// ListTopics describes every topic's configs and keeps those that are not defaults.
	topics, err := admin.ListTopics()
	noErr(err, "list topics")
	_, dry := topics["sa-dry"]
	need(!dry, "validate-only creation created sa-dry")
	conf := topics["sa-conf"]
	need(conf.NumPartitions == 2 && conf.ReplicationFactor == 1 && len(conf.ConfigEntries) == 2 &&
		conf.ConfigEntries["cleanup.policy"] != nil && *conf.ConfigEntries["cleanup.policy"] == "compact" &&
		conf.ConfigEntries["retention.ms"] != nil && *conf.ConfigEntries["retention.ms"] == "3600000",
		"listed sa-conf: %d partitions, replication %d, non-default configs %v", conf.NumPartitions, conf.ReplicationFactor, showConfigs(conf.ConfigEntries))
	data := topics["sa-data"]
	need(data.NumPartitions == 2 && len(data.ConfigEntries) == 0, "listed sa-data: %d partitions, non-default configs %v", data.NumPartitions, showConfigs(data.ConfigEntries))
	def := topics["sa-default"]
	need(int(def.NumPartitions) == defaultPartitions && def.ReplicationFactor == 1, "sa-default got %d partitions, replication %d; broker default %d, 1",
		def.NumPartitions, def.ReplicationFactor, defaultPartitions)
	metas, err := admin.DescribeTopics([]string{"sa-conf", "sa-data", "sa-missing"})
	noErr(err, "describe topics")
	for _, m := range metas {
		if m.Name == "sa-missing" {
			need(errors.Is(m.Err, sarama.ErrUnknownTopicOrPartition), "describing a missing topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", m.Err)
			continue
		}
		need(errors.Is(m.Err, sarama.ErrNoError) && len(m.Partitions) == 2 && m.Uuid != (sarama.Uuid{}), "described %s: %v, %d partitions, id %v", m.Name, m.Err, len(m.Partitions), m.Uuid)
		for _, p := range m.Partitions {
			need(p.Leader == 1 && fmt.Sprint(p.Replicas) == "[1]" && fmt.Sprint(p.Isr) == "[1]", "%s/%d: leader %d replicas %v isr %v", m.Name, p.ID, p.Leader, p.Replicas, p.Isr)
		}
	}
	need(len(metas) == 3, "described %d topics, asked for 3", len(metas))
	step("list and describe topics")

	needSaramaTopicConfig(admin, "sa-conf", "retention.ms", "3600000", sarama.SourceTopic)
	needSaramaTopicConfig(admin, "sa-conf", "cleanup.policy", "compact", sarama.SourceTopic)
	sb := saramaConfigs(admin, sarama.ConfigResource{Type: sarama.TopicResource, Name: "sa-conf"})["segment.bytes"]
	need(sb.Value != "" && sb.Default && sb.Source == sarama.SourceDefault, "sa-conf segment.bytes: %+v", sb)
	only := saramaConfigs(admin, sarama.ConfigResource{Type: sarama.TopicResource, Name: "sa-conf", ConfigNames: []string{"retention.ms"}})
	need(len(only) == 1 && only["retention.ms"].Value == "3600000", "describing only retention.ms of sa-conf gave %d entries", len(only))
	_, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: "sa-missing"})
	need(errors.Is(err, sarama.ErrUnknownTopicOrPartition), "describing configs of a missing topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	step("describe topic configs")

	// AlterConfig replaces all of a topic's dynamic configs, IncrementalAlterConfig only the named.
	noErr(admin.AlterConfig(sarama.TopicResource, "sa-conf", map[string]*string{"retention.ms": strp("7200000")}, false), "alter sa-conf")
	needSaramaTopicConfig(admin, "sa-conf", "retention.ms", "7200000", sarama.SourceTopic)
	needSaramaTopicConfig(admin, "sa-conf", "cleanup.policy", "delete", sarama.SourceDefault)
	noErr(admin.IncrementalAlterConfig(sarama.TopicResource, "sa-conf", map[string]sarama.IncrementalAlterConfigsEntry{
		"cleanup.policy": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: strp("compact")},
		"retention.ms":   {Operation: sarama.IncrementalAlterConfigsOperationDelete},
	}, false), "incremental alter sa-conf")
	needSaramaTopicConfig(admin, "sa-conf", "cleanup.policy", "compact", sarama.SourceTopic)
	needSaramaTopicConfig(admin, "sa-conf", "retention.ms", "604800000", sarama.SourceDefault)
	err = admin.IncrementalAlterConfig(sarama.TopicResource, "sa-conf", map[string]sarama.IncrementalAlterConfigsEntry{
		"no.such.config": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: strp("1")},
	}, false)
	need(errors.Is(err, sarama.ErrInvalidConfig), "setting an unknown config: %v, want INVALID_CONFIG", err)
	step("alter and incremental alter configs")

	noErr(admin.CreatePartitions("sa-data", 4, nil, false), "create partitions")
	noErr(admin.CreatePartitions("sa-data", 6, nil, true), "validate create partitions")
	err = admin.CreatePartitions("sa-data", 3, nil, false)
	need(errors.Is(err, sarama.ErrInvalidPartitions), "shrinking sa-data to 3 partitions: %v, want INVALID_PARTITIONS", err)
	metas, err = admin.DescribeTopics([]string{"sa-data"})
	noErr(err, "describe sa-data")
	need(len(metas) == 1 && len(metas[0].Partitions) == 4, "sa-data has %d partitions, want 4", len(metas[0].Partitions))
	step("create partitions")

	// Records: 50 in partition 0, 30 in partition 1, then the first 20 of partition 0 deleted.
	pcfg := saramaConfig(sarama.V3_9_0_0)
	pcfg.Producer.Partitioner = sarama.NewManualPartitioner
	pcfg.Producer.Return.Successes = true
	var msgs []*sarama.ProducerMessage
	for p, n := range map[int32]int{0: 50, 1: 30} {
		for i := 0; i < n; i++ {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: "sa-data", Partition: p, Value: sarama.StringEncoder(fmt.Sprintf("p%d-%d", p, i))})
		}
	}
	noErr(saramaProduceSync(bootstrap, pcfg, msgs), "produce to sa-data")
	offsets := func(at int64) map[int32]int64 {
		rs, err := admin.ListOffsets(map[string]map[int32]int64{"sa-data": {0: at, 1: at, 2: at}}, nil)
		noErr(err, "list offsets")
		out := map[int32]int64{}
		for p, r := range rs["sa-data"] {
			// Sarama reports success here as ErrNoError rather than nil.
			need(r.Err == nil || errors.Is(r.Err, sarama.ErrNoError), "list offsets of sa-data/%d: %v", p, r.Err)
			out[p] = r.Offset
		}
		return out
	}
	need(fmt.Sprint(offsets(sarama.OffsetNewest)) == "map[0:50 1:30 2:0]" && fmt.Sprint(offsets(sarama.OffsetOldest)) == "map[0:0 1:0 2:0]",
		"sa-data offsets: newest %v oldest %v", offsets(sarama.OffsetNewest), offsets(sarama.OffsetOldest))
	noErr(admin.DeleteRecords("sa-data", map[int32]int64{0: 20}), "delete records")
	need(fmt.Sprint(offsets(sarama.OffsetOldest)) == "map[0:20 1:0 2:0]", "sa-data oldest offsets after deleting records: %v", offsets(sarama.OffsetOldest))
	err = admin.DeleteRecords("sa-data", map[int32]int64{1: 31})
	need(errors.Is(err, sarama.ErrOffsetOutOfRange), "deleting sa-data/1 past its end: %v, want OFFSET_OUT_OF_RANGE", err)
	step("list offsets and delete records")

	// Groups: a live member that reads everything and commits it.
	t := newTracker()
	member, err := startSaramaMember(bootstrap, "sa-group", "sa-data", sarama.V3_9_0_0, sarama.NewBalanceStrategyRange(), "sa-member", t)
	noErr(err, "start sa-member")
	stopped := false
	defer func() {
		if !stopped {
			_ = member.stop()
		}
	}()
	committed := func() map[int32]int64 {
		r, err := admin.ListConsumerGroupOffsets("sa-group", map[string][]int32{"sa-data": {0, 1}})
		noErr(err, "list consumer group offsets")
		out := map[int32]int64{}
		for _, p := range []int32{0, 1} {
			if b := r.GetBlock("sa-data", p); b != nil {
				need(errors.Is(b.Err, sarama.ErrNoError), "committed offset of sa-data/%d: %v", p, b.Err)
				out[p] = b.Offset
			}
		}
		return out
	}
	waitFor("sa-member to commit everything", func() bool { return fmt.Sprint(committed()) == "map[0:50 1:30]" })
	groups, err := admin.ListConsumerGroups()
	noErr(err, "list consumer groups")
	need(groups["sa-group"] == "consumer", "listed groups %v", groups)
	descs, err := admin.DescribeConsumerGroups([]string{"sa-group"})
	noErr(err, "describe consumer groups")
	need(len(descs) == 1, "described %d groups", len(descs))
	d := descs[0]
	need(errors.Is(d.Err, sarama.ErrNoError) && d.State == "Stable" && d.ProtocolType == "consumer" && d.Protocol == "range" && len(d.Members) == 1,
		"described sa-group: %v state %s protocol %s/%s, %d members", d.Err, d.State, d.ProtocolType, d.Protocol, len(d.Members))
	for _, m := range d.Members {
		a, err := m.GetMemberAssignment()
		noErr(err, "decode member assignment")
		ps := append([]int32(nil), a.Topics["sa-data"]...)
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		need(m.ClientId == "sa-member" && fmt.Sprint(ps) == "[0 1 2 3]", "member %s (%s) assigned %v", m.MemberId, m.ClientId, a.Topics)
	}
	err = admin.DeleteConsumerGroup("sa-group")
	need(errors.Is(err, sarama.ErrNonEmptyGroup), "deleting a group with a member: %v, want NON_EMPTY_GROUP", err)
	step("list and describe consumer groups")

	stopped = true
	noErr(member.stop(), "stop sa-member")
	noErr(admin.DeleteConsumerGroupOffset("sa-group", "sa-data", 0), "delete group offset")
	_, err = admin.AlterConsumerGroupOffsets("sa-group", map[string]map[int32]sarama.OffsetAndMetadata{"sa-data": {1: {Offset: 5, Metadata: "five"}}}, nil)
	noErr(err, "alter consumer group offsets")
	r, err := admin.ListConsumerGroupOffsets("sa-group", map[string][]int32{"sa-data": {0, 1}})
	noErr(err, "list consumer group offsets")
	b0, b1 := r.GetBlock("sa-data", 0), r.GetBlock("sa-data", 1)
	need(b0 != nil && b0.Offset == -1 && b1 != nil && b1.Offset == 5 && b1.Metadata == "five", "offsets after deleting partition 0's and setting 1's: %+v %+v", b0, b1)
	noErr(admin.DeleteConsumerGroup("sa-group"), "delete sa-group")
	groups, err = admin.ListConsumerGroups()
	noErr(err, "list consumer groups")
	_, still := groups["sa-group"]
	need(!still, "sa-group listed after deleting it")
	err = admin.DeleteConsumerGroup("sa-group")
	need(errors.Is(err, sarama.ErrGroupIDNotFound), "deleting sa-group again: %v, want GROUP_ID_NOT_FOUND", err)
	step("group offsets and delete consumer group")

	for _, name := range []string{"sa-conf", "sa-data", "sa-default"} {
		noErr(admin.DeleteTopic(name), "delete %s", name)
	}
	topics, err = admin.ListTopics()
	noErr(err, "list topics")
	for _, name := range []string{"sa-conf", "sa-data", "sa-default"} {
		_, ok := topics[name]
		need(!ok, "%s listed after deleting it", name)
	}
	err = admin.DeleteTopic("sa-conf")
	need(errors.Is(err, sarama.ErrUnknownTopicOrPartition), "deleting sa-conf again: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	step("delete topics")

	return map[string]any{"checks": checks}, nil
}

func showConfigs(m map[string]*string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v == nil {
			out[k] = "<null>"
		} else {
			out[k] = *v
		}
	}
	return out
}
