package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// fleets are id sets of the kinds rosters hold: numbered names, FQDNs and
// addresses, and random ones.
func fleets(n int) map[string][]string {
	r := rand.New(rand.NewSource(int64(n)))
	out := map[string][]string{}
	for i := 0; i < n; i++ {
		out["numbered"] = append(out["numbered"], fmt.Sprintf("web%04d", i+1))
		out["fqdn"] = append(out["fqdn"], fmt.Sprintf("node-%d.%s.example.com", i, []string{"ams", "fra", "nyc"}[i%3]))
		out["addr"] = append(out["addr"], fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		out["random"] = append(out["random"], fmt.Sprintf("%x", r.Uint64()))
	}
	return out
}

func TestParse(t *testing.T) {
	for _, ok := range []string{"1/1", "1/3", "3/3", " 2/16 "} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "3", "0/3", "4/3", "-1/3", "1/0", "a/b", "1/3/4", "1.5/3"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if s, _ := Parse("2/5"); s.String() != "2/5" {
		t.Errorf("String = %s", s)
	}
}

// Every host is in exactly one of the N shards.
func TestCoverage(t *testing.T) {
	for _, ids := range fleets(500) {
		for n := 1; n <= 16; n++ {
			for _, id := range ids {
				in := 0
				for k := 1; k <= n; k++ {
					if (Spec{K: k, N: n}).Has(id) {
						in++
					}
				}
				if in != 1 {
					t.Fatalf("%s is in %d of %d shards", id, in, n)
				}
			}
		}
	}
}

// A host's shard does not depend on which other hosts exist, nor on the
// order they come in: the same id gives the same shard in another fleet.
func TestStability(t *testing.T) {
	all := fleets(1000)["fqdn"]
	small := append([]string(nil), all[:100]...)
	for i, j := 0, len(small)-1; i < j; i, j = i+1, j-1 {
		small[i], small[j] = small[j], small[i]
	}
	for n := 2; n <= 16; n++ {
		big := map[string]int{}
		for _, id := range all {
			big[id] = Of(id, n)
		}
		for _, id := range small {
			if Of(id, n) != big[id] {
				t.Fatalf("%s moved between fleets at n=%d", id, n)
			}
		}
	}
}

// Growing from n to n+1 shards only moves hosts into the new shard.
func TestGrowingMovesOnlyToTheNewShard(t *testing.T) {
	ids := fleets(2000)["random"]
	for n := 1; n < 16; n++ {
		moved := 0
		for _, id := range ids {
			a, b := Of(id, n), Of(id, n+1)
			if a != b {
				moved++
				if b != n {
					t.Fatalf("%s moved from %d to %d going from %d to %d shards", id, a, b, n, n+1)
				}
			}
		}
		// About 1/(n+1) of the hosts move; 5σ of the binomial.
		p := 1 / float64(n+1)
		if d := math.Abs(float64(moved) - p*float64(len(ids))); d > 5*math.Sqrt(float64(len(ids))*p*(1-p)) {
			t.Errorf("%d of %d hosts moved going to %d shards", moved, len(ids), n+1)
		}
	}
}

// Shards are as balanced as independent random placement: each shard's
// size is within 4σ of n/N (σ of the binomial); for 10,000 hosts in 16
// shards that is ±97 hosts around 625.
func TestBalance(t *testing.T) {
	for _, size := range []int{500, 10000} {
		for kind, ids := range fleets(size) {
			for n := 2; n <= 16; n++ {
				counts := make([]int, n)
				for _, id := range ids {
					counts[Of(id, n)]++
				}
				p := 1 / float64(n)
				sigma := math.Sqrt(float64(size) * p * (1 - p))
				for k, c := range counts {
					if d := math.Abs(float64(c) - float64(size)*p); d > 4*sigma {
						t.Errorf("%d %s ids, %d shards: shard %d holds %d (expected %.0f ± %.0f)", size, kind, n, k+1, c, float64(size)*p, 4*sigma)
					}
				}
			}
		}
	}
}

// BenchmarkBalance measures the split methods considered: the largest
// shard's excess over n/N in percent (worst over N = 2..16 and the id
// kinds), for 30, 500 and 10,000 ids.
//
//	go test -run '^$' -bench Balance -benchtime 1x ./inventory/shard
func BenchmarkBalance(b *testing.B) {
	key := func(id string) uint64 {
		s := sha256.Sum256([]byte(id))
		return binary.BigEndian.Uint64(s[:8])
	}
	methods := map[string]func(id string, n int) int{
		"mod":  func(id string, n int) int { return int(key(id) % uint64(n)) },
		"jump": Of,
		"rendezvous": func(id string, n int) int {
			best, bk := uint64(0), 0
			for k := 0; k < n; k++ {
				s := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s", k, id)))
				if w := binary.BigEndian.Uint64(s[:8]); w >= best {
					best, bk = w, k
				}
			}
			return bk
		},
	}
	for _, size := range []int{30, 500, 10000} {
		for _, name := range []string{"mod", "rendezvous", "jump"} {
			b.Run(fmt.Sprintf("%s/%d", name, size), func(b *testing.B) {
				worst, worstSigma := 0.0, 0.0
				for i := 0; i < b.N; i++ {
					for _, ids := range fleets(size) {
						for n := 2; n <= 16; n++ {
							counts := make([]int, n)
							for _, id := range ids {
								counts[methods[name](id, n)]++
							}
							mean := float64(size) / float64(n)
							sigma := math.Sqrt(float64(size) / float64(n) * (1 - 1/float64(n)))
							for _, c := range counts {
								worst = math.Max(worst, (float64(c)-mean)/mean*100)
								worstSigma = math.Max(worstSigma, (float64(c)-mean)/sigma)
							}
						}
					}
				}
				b.ReportMetric(worst, "max-excess-%")
				b.ReportMetric(worstSigma, "max-excess-σ")
			})
		}
	}
}
