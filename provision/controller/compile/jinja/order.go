package jinja

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// KeyOrder keeps the order of dictionary keys for data that travels as Go
// maps, which have none. Salt renders YAML into ordered dictionaries, so a
// template iterating pillar data (`for k, v in pillar.x.items()`) sees the
// keys in file order, and a dictionary built by merging keeps the
// destination's keys first. A KeyOrder is keyed by a map's set of keys: a
// map whose key set was noted in one order converts into the engine in that
// order; a set seen in two different orders, or never seen, falls back to
// sorted keys. One KeyOrder serves one compile (one host); it is safe for
// concurrent use.
type KeyOrder struct {
	mu sync.Mutex
	m  map[string][]string // sorted keys joined by "\x00" -> the order; nil: ambiguous
}

// NewKeyOrder returns an empty KeyOrder.
func NewKeyOrder() *KeyOrder { return &KeyOrder{m: map[string][]string{}} }

func setKey(keys []string) string {
	s := slices.Clone(keys)
	sort.Strings(s)
	return strings.Join(s, "\x00")
}

// Note records keys (a dictionary's keys, in order).
func (o *KeyOrder) Note(keys []string) {
	if o == nil || len(keys) < 2 {
		return
	}
	k := setKey(keys)
	o.mu.Lock()
	defer o.mu.Unlock()
	if prev, seen := o.m[k]; seen {
		if prev != nil && !slices.Equal(prev, keys) {
			o.m[k] = nil
		}
		return
	}
	o.m[k] = slices.Clone(keys)
}

// Keys returns m's keys in their noted order, else sorted.
func (o *KeyOrder) Keys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if o == nil || len(keys) < 2 {
		return keys
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if ord := o.m[strings.Join(keys, "\x00")]; ord != nil {
		return slices.Clone(ord)
	}
	return keys
}

// Merged notes the order of dst after the keys of src were merged into it
// (Salt's dictupdate.update: dst's keys first, then src's new ones), given
// dst's keys before the merge.
func (o *KeyOrder) Merged(before []string, src, dst map[string]any) {
	if o == nil {
		return
	}
	have := make(map[string]bool, len(before))
	for _, k := range before {
		have[k] = true
	}
	out := slices.Clone(before)
	for _, k := range o.Keys(src) {
		if !have[k] {
			if _, ok := dst[k]; ok {
				out = append(out, k)
				have[k] = true
			}
		}
	}
	o.Note(out)
}
