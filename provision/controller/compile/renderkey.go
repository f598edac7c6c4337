package compile

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"sort"
	"strings"

	"brine/provision/controller/compile/jinja"
	"brine/provision/host/modules"
)

// A render's cache key is what it depends on: the template, the static part
// the caller gives (saltenv, sls, a file's context), and the values of the
// grains, pillar and opts keys the template reads (package jinja's Reads,
// with the calls through `salt` mapped by callReads). Hosts that differ only
// in grains a template never looks at (id, fqdn, addresses, for a map.jinja
// that reads os_family) share its render. Whatever the analysis cannot
// narrow counts whole, so a key never leaves out something the render read.

// trackedVars are the host-specific template variables.
func trackedVars() []string { return []string{"grains", "pillar", "opts"} }

// readsEntry is a cached analysis.
type readsEntry struct {
	reads jinja.Reads
	ok    bool
}

// readsOf analyses a template once per (file, content, static variables);
// sum is src's sha256.
func (r *run) readsOf(rd renderer, display string, src []byte, sum [32]byte, statics map[string]any) (jinja.Reads, bool) {
	h := sha256.New()
	h.Write(sum[:])
	fmt.Fprintf(h, "\x00%s", display)
	keys := make([]string, 0, len(statics))
	for k := range statics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s=%v", k, statics[k])
	}
	ck := string(h.Sum(nil))
	if v, ok := r.c.reads.Load(ck); ok {
		e := v.(readsEntry)
		return e.reads, e.ok
	}
	rs, err := rd.Reads(display, src, statics, trackedVars())
	e := readsEntry{reads: rs, ok: err == nil && !rs.Dynamic}
	r.c.reads.Store(ck, e)
	return e.reads, e.ok
}

// staticVars are the string variables of a render other than the tracked
// ones: they name templates (tpldir ~ '/map.jinja').
func staticVars(vars map[string]any) map[string]any {
	st := map[string]any{}
	for k, v := range vars {
		if s, ok := v.(string); ok {
			st[k] = s
		}
	}
	for _, t := range trackedVars() {
		delete(st, t)
	}
	return st
}

// renderKey is the cache key of rendering src with vars (see above).
func (r *run) renderKey(rd renderer, display string, src []byte, vars map[string]any, static string) string {
	h := sha256.New()
	sum := sha256.Sum256(src)
	h.Write(sum[:])
	fmt.Fprintf(h, "\x00%s\x00%s", display, static)
	data := map[string]map[string]any{"grains": r.grains, "pillar": r.pillar, "opts": r.opts}
	reads, ok := r.readsOf(rd, display, src, sum, staticVars(vars))
	ok = ok && !r.c.wholeKeys
	keys := map[string]map[string]bool{}
	whole := map[string]bool{}
	if ok {
		for v, ks := range reads.Keys {
			keys[v] = map[string]bool{}
			for k := range ks {
				keys[v][k] = true
			}
		}
		for v := range reads.Whole {
			whole[v] = true
		}
		for _, c := range reads.Calls {
			if !callReads(c, func(v, k string) {
				if keys[v] == nil {
					keys[v] = map[string]bool{}
				}
				keys[v][k] = true
			}, func(v string) { whole[v] = true }) {
				ok = false
				break
			}
		}
	}
	for _, v := range trackedVars() {
		if !ok || whole[v] {
			fmt.Fprintf(h, "\x00%s:*", v)
			writeJSON(h, data[v])
			continue
		}
		ks := make([]string, 0, len(keys[v]))
		for k := range keys[v] {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(h, "\x00%s:%s=", v, k)
			if val, present := data[v][k]; present {
				writeJSON(h, val)
			} else {
				h.Write([]byte{0xff}) // absent differs from null
			}
		}
	}
	return string(h.Sum(nil))
}

func writeJSON(h hash.Hash, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintf(h, "%#v", v)
		return
	}
	h.Write(b)
}

// callReads maps a call through `salt` to what it reads, for the compile
// time functions of newSaltObj: key(v, k) for a top-level key of grains,
// pillar or opts, whole(v) for all of one. It returns false for a call it
// cannot narrow (a key that is not a constant, a function it does not know),
// which makes the whole render's key cover everything.
func callReads(c jinja.SaltCall, key func(v, k string), whole func(v string)) bool {
	// arg is the argument at pos or named kw, with def when absent.
	arg := func(pos int, kw string, def any) (any, bool) {
		if a, ok := c.Kwargs[kw]; ok && kw != "" {
			return a.Value, a.Const
		}
		if pos >= 0 && pos < len(c.Args) {
			return c.Args[pos].Value, c.Args[pos].Const
		}
		return def, true
	}
	// topKey is the top-level key of a colon path ("a:b" -> "a").
	topKey := func(pos int, kw string) (string, bool) {
		v, ok := arg(pos, kw, nil)
		s, isStr := v.(string)
		if !ok || !isStr {
			return "", false
		}
		delim := ":"
		if d, ok := c.Kwargs["delimiter"]; ok {
			ds, isStr := d.Value.(string)
			if !d.Const || !isStr || ds == "" {
				return "", false
			}
			delim = ds
		}
		k, _, _ := strings.Cut(s, delim)
		return k, true
	}
	one := func(v string, pos int, kw string) bool {
		k, ok := topKey(pos, kw)
		if ok {
			key(v, k)
		}
		return ok
	}
	switch c.Fun {
	case "grains.get", "grains.has_value":
		return one("grains", 0, "key")
	case "pillar.get", "pillar.fetch", "pillar.keys":
		return one("pillar", 0, "key")
	case "grains.item", "pillar.item":
		v := strings.TrimSuffix(c.Fun, ".item")
		for i := range c.Args {
			if !one(v, i, "") {
				return false
			}
		}
		return true
	case "config.get", "config.option", "opts.get":
		return one("opts", 0, "key") && one("grains", 0, "key") && one("pillar", 0, "key")
	case "grains.filter_by":
		k, ok := arg(1, "grain", "os_family")
		s, isStr := k.(string)
		if !ok || !isStr {
			return false
		}
		key("grains", strings.SplitN(s, ":", 2)[0])
		return true
	case "pillar.filter_by":
		return one("pillar", 1, "pillar")
	case "grains.items", "grains.ls":
		whole("grains")
		return true
	case "pillar.items", "pillar.raw", "pillar.ls":
		whole("pillar")
		return true
	case "config.items":
		whole("opts")
		return true
	case "defaults.merge", "defaults.deepcopy", "defaults.update", "slsutil.merge", "slsutil.update",
		"file.join", "file.dirname", "file.basename", "test.true", "test.false", "test.ping":
		return true // only their arguments, which the analysis walked
	}
	if strings.HasPrefix(c.Fun, "log.") {
		return true
	}
	// The host answers these: a render that calls one is never stored.
	return modules.Has(c.Fun)
}
