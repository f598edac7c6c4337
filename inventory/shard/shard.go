// Package shard splits the targeted hosts between N controllers
// (--shard K/N): each host id belongs to exactly one shard, always the same
// one, whatever other hosts exist.
//
// A host's shard is jump consistent hashing (Lamping and Veach, 2014) of the
// first 8 bytes of the SHA-256 of its id. Any per-id hash is as balanced as
// chance allows (BenchmarkBalance measures plain hash mod N, rendezvous
// hashing and jump hashing alike: the largest shard is within about 3σ of
// n/N for 30, 500 and 10,000 ids and N = 2..16); jump hashing is chosen
// because when N grows to N+1 only the hosts that the new shard takes move,
// so each shard's controller keeps the hosts, caches and known_hosts it
// already has. SHA-256 is stable across versions, platforms and processes.
package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Spec is shard K of N; K is 1-based.
type Spec struct{ K, N int }

// Parse reads "K/N", 1 <= K <= N.
func Parse(s string) (Spec, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("--shard %q: want K/N, e.g. --shard 2/3 for the second of three shards", s)
	}
	if ni < 1 || ki < 1 || ki > ni {
		return Spec{}, fmt.Errorf("--shard %q: K must be from 1 to N and N at least 1", s)
	}
	return Spec{K: ki, N: ni}, nil
}

// String is "K/N".
func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// Has reports whether host id is in this shard.
func (s Spec) Has(id string) bool { return Of(id, s.N) == s.K-1 }

// Of is the 0-based shard of host id among n.
func Of(id string, n int) int {
	sum := sha256.Sum256([]byte(id))
	return jump(binary.BigEndian.Uint64(sum[:8]), n)
}

// jump is Lamping and Veach's jump consistent hash: key to a bucket in
// [0, n), moving only 1/(n+1) of the keys when n grows by one.
func jump(key uint64, n int) int {
	b, j := int64(-1), int64(0)
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}
