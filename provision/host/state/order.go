package state

import (
	"fmt"
	"sort"
	"strings"

	"brine/provision/lib/fnmatch"
	"brine/provision/wire/lowstate"
)

// Requisite types the engine knows, in Salt's spelling.
const (
	reqRequire      = "require"
	reqRequireAny   = "require_any"
	reqWatch        = "watch"
	reqWatchAny     = "watch_any"
	reqOnchanges    = "onchanges"
	reqOnchangesAny = "onchanges_any"
	reqOnfail       = "onfail"
	reqOnfailAny    = "onfail_any"
	reqOnfailAll    = "onfail_all"
	reqPrereq       = "prereq"
	reqPrerequired  = "prerequired" // implicit: the prereq target requires the prereq holder
	reqListen       = "listen"
)

// orderedReqTypes returns the requisite keywords that create run-time edges.
func orderedReqTypes() []string {
	return []string{reqRequire, reqRequireAny, reqWatch, reqWatchAny, reqOnchanges, reqOnchangesAny,
		reqOnfail, reqOnfailAny, reqOnfailAll, reqPrereq}
}

// edge is one requisite of a node: the requisite type and the node it points to.
type edge struct {
	typ string
	to  int
}

// node is one chunk (or the test-mode prereq check of a chunk) in the run graph.
type node struct {
	idx   int // index in runner.nodes
	chunk lowstate.Chunk
	tag   string
	// check is true for the test-mode pre-run of a prereq target; of is the
	// real node it checks.
	check bool
	of    int
	order float64
	deps  []edge
	// selfReq: a requisite of the chunk matches the chunk itself (an sls
	// requisite naming the SLS that includes it, say), which Salt's
	// call_chunk finds active: "Recursive requisite found".
	selfReq bool
	// errs are requisite resolution errors; the state fails with them.
	errs []string
}

// parseReqs reads the requisite list under key k of chunk c, forgivingly
// (the compiler has checked the shapes).
func parseReqs(c lowstate.Chunk, k string) []lowstate.Ref {
	refs, _ := lowstate.ParseRequisites(c[k], lowstate.RefOptions{Compiled: true})
	return refs
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[]") }

// matcher resolves requisite references to chunk indices, as Salt does:
// by state module + id or name, by "id" (id or name, any module), by "sls",
// with fnmatch patterns ('*' crosses '/', as in salt/state.py and the
// compiler).
type matcher struct{ chunks []lowstate.Chunk }

func (m matcher) match(r lowstate.Ref) []int {
	var out []int
	glob := isGlob(r.Target)
	for i, c := range m.chunks {
		if matches(c, r, glob) {
			out = append(out, i)
		}
	}
	return out
}

func matches(c lowstate.Chunk, r lowstate.Ref, glob bool) bool {
	eq := func(s string) bool {
		if glob {
			return fnmatch.Match(r.Target, s)
		}
		return s == r.Target
	}
	switch r.Kind {
	case "sls":
		if eq(c.SLS()) {
			return true
		}
		if inc, ok := c["__sls_included_from__"]; ok {
			for _, s := range ToStrings(inc) {
				if eq(s) {
					return true
				}
			}
		}
		return false
	case "id":
		return eq(c.ID()) || eq(c.Name())
	default:
		return c.State() == r.Kind && (eq(c.ID()) || eq(c.Name()))
	}
}

// orderValue turns a chunk's "order" into a number the way Salt does: first
// is 0, last is after everything, absent is cap, negative counts from the end.
func orderValue(c lowstate.Chunk, capv float64) float64 {
	v, ok := c["order"]
	if !ok || v == nil {
		return capv
	}
	switch t := v.(type) {
	case float64:
		if t < 0 {
			return t + capv + 1e6
		}
		return t
	case int:
		if t < 0 {
			return float64(t) + capv + 1e6
		}
		return float64(t)
	case int64:
		if t < 0 {
			return float64(t) + capv + 1e6
		}
		return float64(t)
	case string:
		switch t {
		case "first":
			return 0
		case "last":
			return capv + 1e6
		}
	}
	return capv
}

func orderCap(chunks []lowstate.Chunk) float64 {
	capv := 1.0
	for _, c := range chunks {
		switch t := c["order"].(type) {
		case float64:
			if t >= capv {
				capv = t + 1
			}
		case int:
			if float64(t) >= capv {
				capv = float64(t) + 1
			}
		case int64:
			if float64(t) >= capv {
				capv = float64(t) + 1
			}
		}
	}
	return capv
}

// buildGraph creates one node per chunk plus one check node per prereq
// target, resolves requisites into edges and returns the nodes.
func buildGraph(chunks []lowstate.Chunk, reg Registry) []*node {
	m := matcher{chunks}
	capv := orderCap(chunks)
	nodes := make([]*node, len(chunks))
	for i, c := range chunks {
		nodes[i] = &node{idx: i, chunk: c, tag: c.Tag(), of: i, order: orderValue(c, capv)}
	}
	checkOf := map[int]int{} // prereq target -> its check node
	for i, c := range chunks {
		n := nodes[i]
		hasModWatch := false
		if mod := reg[c.State()]; mod != nil && mod.ModWatch != nil {
			hasModWatch = true
		}
		lost := map[string][]lowstate.Ref{}
		for _, typ := range orderedReqTypes() {
			for _, r := range parseReqs(c, typ) {
				targets := m.match(r)
				if len(targets) == 0 {
					lost[typ] = append(lost[typ], r)
					continue
				}
				et := typ
				// watch on a state without mod_watch behaves like require (Salt).
				if !hasModWatch && typ == reqWatch {
					et = reqRequire
				} else if !hasModWatch && typ == reqWatchAny {
					et = reqRequireAny
				}
				for _, t := range targets {
					if t == i {
						if typ != reqPrereq {
							n.selfReq = true
						}
						continue
					}
					if typ != reqPrereq {
						n.deps = append(n.deps, edge{et, t})
						continue
					}
					ci, ok := checkOf[t]
					if !ok {
						ci = len(nodes)
						checkOf[t] = ci
						nodes = append(nodes, &node{idx: ci, chunk: chunks[t], tag: chunks[t].Tag(), check: true, of: t, order: nodes[t].order})
					}
					n.deps = append(n.deps, edge{reqPrereq, ci})
					nodes[t].deps = append(nodes[t].deps, edge{reqPrerequired, i})
				}
			}
		}
		if len(lost) > 0 {
			n.errs = append(n.errs, notFoundComment(lost))
		}
	}
	// A check node carries the requisites of the chunk it checks, except the
	// prereq relations themselves.
	for t, ci := range checkOf {
		for _, e := range nodes[t].deps {
			if e.typ != reqPrerequired && e.typ != reqPrereq {
				nodes[ci].deps = append(nodes[ci].deps, e)
			}
		}
	}
	return nodes
}

// notFoundComment is Salt's comment for a state whose requisites point at
// nothing (state.py call_chunk): the state fails with it before it runs.
func notFoundComment(lost map[string][]lowstate.Ref) string {
	var b strings.Builder
	b.WriteString("The following requisites were not found:\n")
	order := []string{reqRequire, reqRequireAny, reqWatch, reqWatchAny, reqPrereq, reqOnfail, reqOnfailAny,
		reqOnchanges, reqOnchangesAny, reqOnfailAll}
	for _, typ := range order {
		if len(lost[typ]) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s%s:\n", strings.Repeat(" ", 19), typ)
		for _, r := range lost[typ] {
			fmt.Fprintf(&b, "%s%s: %s\n", strings.Repeat(" ", 23), r.Kind, r.Target)
		}
	}
	return b.String()
}

// topoOrder is the order Salt's State.call_chunks runs the nodes in: the
// chunks in order (order, then definition), each after its requisites,
// which call_chunk runs depth first in the order it lists requisite types
// (require, require_any, watch, watch_any, prereq, onfail, onfail_any,
// onchanges, onchanges_any, then prerequired) and, within a type, as they
// are written, each matching chunk in chunk order. A prereq target's
// test-mode check node comes before the node that prereqs it; the target
// itself runs after that node (prerequired).
//
// A requisite cycle is found where Salt finds it: a node whose requisite
// is already on the way down (or is the node itself) is recursive (Salt's
// "Recursive requisite found") and stops there; the nodes above it then
// fail through their requisites.
func topoOrder(nodes []*node) (order []int, recursive map[int]bool) {
	n := len(nodes)
	recursive = map[int]bool{}
	rank := map[string]int{}
	for i, t := range []string{reqRequire, reqRequireAny, reqWatch, reqWatchAny, reqPrereq, reqOnfail, reqOnfailAny,
		reqOnfailAll, reqOnchanges, reqOnchangesAny, reqPrerequired} {
		rank[t] = i
	}
	visited := make([]bool, n)
	onPath := make([]bool, n)
	var visit func(i int)
	visit = func(i int) {
		if visited[i] {
			return
		}
		visited[i] = true
		onPath[i] = true
		defer func() { onPath[i] = false; order = append(order, i) }()
		if nodes[i].selfReq {
			recursive[i] = true
			return
		}
		deps := append([]edge(nil), nodes[i].deps...)
		sort.SliceStable(deps, func(a, b int) bool { return rank[deps[a].typ] < rank[deps[b].typ] })
		for _, e := range deps {
			if onPath[e.to] {
				recursive[i] = true
				return
			}
			visit(e.to)
		}
	}
	top := make([]int, 0, n)
	for i, nd := range nodes {
		if !nd.check {
			top = append(top, i)
		}
	}
	sort.SliceStable(top, func(a, b int) bool {
		na, nb := nodes[top[a]], nodes[top[b]]
		if na.order != nb.order {
			return na.order < nb.order
		}
		return na.of < nb.of
	})
	for _, i := range top {
		visit(i)
	}
	for i := range nodes {
		visit(i) // check nodes no chunk reaches (none expected)
	}
	return order, recursive
}
