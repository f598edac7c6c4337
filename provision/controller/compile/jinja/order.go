package jinja

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

// KeyOrder keeps the order of dictionary keys for data that travels as Go
// maps, which have none. Salt renders YAML into ordered dictionaries, so a
// template iterating pillar data (`for k, v in pillar.x.items()`) sees the
// keys in file order, and a dictionary built by merging keeps the
// destination's keys first.
//
// A KeyOrder knows each map it was told about by its identity: a map noted
// with its keys converts into the engine in that order, whatever order
// other maps with the same keys have (the pillar's jobs in YAML order, and
// the same jobs parsed back from a `|json` that sorted them, each keep
// their own, as in Salt). Keys added to a noted map since come after the
// noted ones. A map never noted (built by Go code from pieces) takes the
// order noted for its set of keys when that set was seen in one order
// only, else sorted keys. One KeyOrder serves one compile (one host); it
// is safe for concurrent use.
type KeyOrder struct {
	mu   sync.Mutex
	sets map[string][]string // sorted keys joined by "\x00" -> the order; nil: ambiguous
	maps map[unsafe.Pointer]mapOrder
}

// mapOrder is a noted map's key order. It holds the map, so its address
// is not reused by another map while the KeyOrder lives.
type mapOrder struct {
	m    map[string]any
	keys []string
	// plain: a plain dict in Salt, not an OrderedDict (see Ordered)
	plain bool
}

// NewKeyOrder returns an empty KeyOrder.
func NewKeyOrder() *KeyOrder {
	return &KeyOrder{sets: map[string][]string{}, maps: map[unsafe.Pointer]mapOrder{}}
}

func setKey(keys []string) string {
	s := slices.Clone(keys)
	sort.Strings(s)
	return strings.Join(s, "\x00")
}

// mapID is m's identity (nil for a nil map).
func mapID(m map[string]any) unsafe.Pointer {
	if m == nil {
		return nil
	}
	return reflect.ValueOf(m).UnsafePointer()
}

// Note records keys as the order of m (which may be nil: the order of
// maps with these keys that were never noted themselves).
func (o *KeyOrder) Note(m map[string]any, keys []string) {
	if o == nil || len(keys) < 2 && m == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.note(m, keys, false)
}

// noteDict is Note for a template's dict: ordered says whether it is an
// OrderedDict in Salt (else a plain dict).
func (o *KeyOrder) noteDict(m map[string]any, keys []string, ordered bool) {
	if o == nil || len(keys) < 2 && m == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.note(m, keys, !ordered)
}

// Ordered reports whether m is, in Salt, an OrderedDict: data of the
// state tree's or pillar's YAML (Salt's YAML renderer builds
// OrderedDicts), and copies and merges into such data. PyYAML's dump
// (`|yaml`) writes an OrderedDict's keys in its order and a plain dict's
// sorted. A map never noted is a plain dict.
func (o *KeyOrder) Ordered(m map[string]any) bool {
	if o == nil || m == nil {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.maps[mapID(m)]
	return ok && !e.plain
}

func (o *KeyOrder) note(m map[string]any, keys []string, plain bool) {
	if id := mapID(m); id != nil {
		o.maps[id] = mapOrder{m: m, keys: slices.Clone(keys), plain: plain}
	}
	if len(keys) < 2 {
		return
	}
	k := setKey(keys)
	if prev, seen := o.sets[k]; seen {
		if prev != nil && !slices.Equal(prev, keys) {
			o.sets[k] = nil
		}
		return
	}
	o.sets[k] = slices.Clone(keys)
}

// Keys returns m's keys in order: m's noted order (keys added since after
// it, sorted), else the order noted for its key set, else sorted.
func (o *KeyOrder) Keys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if o == nil || len(keys) < 1 {
		return keys
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.keys(m, keys)
}

// keys is Keys with sorted, m's keys sorted, under o.mu.
func (o *KeyOrder) keys(m map[string]any, sorted []string) []string {
	if e, ok := o.maps[mapID(m)]; ok {
		out := make([]string, 0, len(sorted))
		in := make(map[string]bool, len(e.keys))
		for _, k := range e.keys {
			if _, ok := m[k]; ok && !in[k] {
				out = append(out, k)
				in[k] = true
			}
		}
		for _, k := range sorted {
			if !in[k] {
				out = append(out, k)
			}
		}
		return out
	}
	if len(sorted) < 2 {
		return sorted
	}
	if ord := o.sets[strings.Join(sorted, "\x00")]; ord != nil {
		return slices.Clone(ord)
	}
	return sorted
}

// Copied notes dst, a copy of src (the same keys), in src's order.
func (o *KeyOrder) Copied(src, dst map[string]any) {
	if o == nil || len(dst) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	id := mapID(dst)
	if id == nil {
		return
	}
	e, ok := o.maps[mapID(src)]
	o.maps[id] = mapOrder{m: dst, keys: o.keys(src, sortedKeys(src)), plain: !ok || e.plain}
}

// CopiedPlain notes dst, a copy of src that reached the host as JSON
// (salt-ssh's pillar for templates rendered there): src's order, as
// Python's dict keeps JSON's, but a plain dict, so `|yaml` sorts it.
func (o *KeyOrder) CopiedPlain(src, dst map[string]any) {
	if o == nil || len(dst) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if id := mapID(dst); id != nil {
		o.maps[id] = mapOrder{m: dst, keys: o.keys(src, sortedKeys(src)), plain: true}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Merged notes the order of dst after the keys of src were merged into it
// (Salt's dictupdate.update: dst's keys first, then src's new ones in
// src's order), given dst's keys before the merge. dst stays what it was
// (an OrderedDict or a plain dict).
func (o *KeyOrder) Merged(before []string, src, dst map[string]any) {
	if o == nil {
		return
	}
	ordered := o.Ordered(dst)
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
	o.noteDict(dst, out, ordered)
}
