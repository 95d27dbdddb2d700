package main

import (
	"fmt"
	"os"
	"strings"
)

// Shared by the transaction scenarios, kgo-txn and sarama-txn.

const (
	// txnPartitions is the partition count of every topic the transaction scenarios create.
	txnPartitions = 4
	// txnSentinel is produced without a transaction to every partition once all transactions
	// have ended: a consumer that has read it has read everything before it, markers included.
	txnSentinel = "sentinel"
)

// txnDebug turns on the clients' own logs (kgo at info, Sarama's logger) on stderr.
var txnDebug = os.Getenv("INTEROP_TXN_DEBUG") != ""

// sameValues says how got differs from want, in order, or "" when they are equal.
func sameValues(got, want []string) string {
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("value %d is %q, want %q (read %d, want %d)", i, got[i], want[i], len(got), len(want))
		}
	}
	if len(got) != len(want) {
		var extra []string
		if len(got) > len(want) {
			extra = got[len(want):]
		} else {
			extra = want[len(got):]
		}
		if len(extra) > 5 {
			extra = extra[:5]
		}
		return fmt.Sprintf("read %d values, want %d (first of the difference: %s)", len(got), len(want), strings.Join(extra, ", "))
	}
	return ""
}

// withoutPrefix drops the values starting with prefix and says how many it dropped.
func withoutPrefix(vs []string, prefix string) ([]string, int) {
	out := make([]string, 0, len(vs))
	n := 0
	for _, v := range vs {
		if strings.HasPrefix(v, prefix) {
			n++
			continue
		}
		out = append(out, v)
	}
	return out, n
}
