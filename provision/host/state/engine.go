package state

import (
	"context"
	"fmt"
	"strings"
	"time"

	"brine/provision/wire/lowstate"
	"brine/provision/wire/spec"
)

// Options for one run.
type Options struct {
	// Test is test=True: predict, change nothing.
	Test bool
	// Failhard stops the run at the first failed state (ignored with Test).
	Failhard bool
	// Registry holds the state modules (builtin.Registry()).
	Registry Registry
	// Env gives the functions File/Pillar/Grains/Exec/Root; Env.Test is set
	// from Test. A nil Exec gets NewHostExecutor().
	Env *Env
	// Now, when set, replaces time.Now (tests).
	Now func() time.Time
}

// Comments the engine writes, in Salt's words.
const (
	commentOnfailNotRun    = "State was not run because onfail req did not change"
	commentOnchangesNotRun = "State was not run because none of the onchanges reqs changed"
	commentPrereqNoChange  = "No changes detected"
	commentRecursive       = "Recursive requisite found"
)

// stateKeywords are chunk keys that belong to the engine, never to a
// function's arguments (used by `use`).
func stateKeywords() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"state", "fun", "name", "names", "__id__", "__sls__", "__env__", "order",
		"check_cmd", "failhard", "onlyif", "unless", "creates", "retry", "parallel", "reload_modules",
		"reload_grains", "reload_pillar", "fire_event", "saltenv", "use", "use_in", "listen", "listen_in",
		"require_in", "watch_in", "onchanges_in", "onfail_in", "prereq_in", "onfail_stop",
		"__sls_included_from__", "__prereq__", "__prerequiring__", "sfun"} {
		m[k] = true
	}
	for _, k := range orderedReqTypes() {
		m[k] = true
	}
	return m
}

type runner struct {
	ctx     context.Context
	o       Options
	nodes   []*node
	chunks  []lowstate.Chunk
	res     lowstate.Results
	byIdx   map[int]*lowstate.Result // real results by chunk index
	pre     map[int]*lowstate.Result // prereq test-mode results by chunk index
	runNum  int
	stopped bool // failhard triggered: nothing more runs or is reported
	// skipped marks chunks the engine did not run (onfail/onchanges/prereq
	// without changes, failed requisites): Salt's __state_ran__ False.
	skipped map[int]bool
	now     func() time.Time
}

// Run executes the chunks and returns one result per chunk, keyed by Salt's
// state tag, plus listener results (listen) and Listen_Error entries as Salt
// does. Chunks run by "order", then definition order, with requisites pulling
// their targets earlier. Run never panics on bad chunks: each problem fails
// its state with a clear comment and the run goes on.
func Run(ctx context.Context, chunks []lowstate.Chunk, o Options) lowstate.Results {
	if o.Env == nil {
		o.Env = &Env{}
	}
	if o.Env.Exec == nil || o.Env.Accum == nil || o.Env.Memo == nil {
		e := *o.Env
		if e.Exec == nil {
			e.Exec = NewHostExecutor()
		}
		if e.Accum == nil {
			e.Accum = &Accumulators{}
		}
		if e.Memo == nil {
			e.Memo = &Memo{}
		}
		o.Env = &e
	}
	if o.Registry == nil {
		o.Registry = Registry{}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	cs := resolveUse(chunks)
	r := &runner{
		ctx: ctx, o: o, chunks: cs, res: lowstate.Results{},
		byIdx: map[int]*lowstate.Result{}, pre: map[int]*lowstate.Result{}, now: now, skipped: map[int]bool{},
	}
	r.nodes = buildGraph(cs, o.Registry)
	order, recursive := topoOrder(r.nodes)
	for _, i := range order {
		if r.stopped {
			// failhard: Salt returns only the states that ran
			// (State.call_chunks stops at check_failhard).
			break
		}
		n := r.nodes[i]
		switch {
		case recursive[i] && n.check:
			r.pre[n.of] = Failed(commentRecursive)
		case recursive[i]:
			r.record(n, Failed(commentRecursive), r.now())
			r.checkFailhard(n)
		default:
			r.runNode(n)
		}
	}
	r.listen()
	r.markOnfailHandled()
	return r.res
}

// resolveUse copies arguments from the states named in `use` (when the
// compiler left it unresolved), never overriding the chunk's own arguments.
func resolveUse(chunks []lowstate.Chunk) []lowstate.Chunk {
	out := make([]lowstate.Chunk, len(chunks))
	copy(out, chunks)
	m := matcher{chunks}
	kw := stateKeywords()
	for i, c := range chunks {
		refs := parseReqs(c, "use")
		if len(refs) == 0 {
			continue
		}
		nc := make(lowstate.Chunk, len(c))
		for k, v := range c {
			nc[k] = v
		}
		for _, ref := range refs {
			for _, t := range m.match(ref) {
				if t == i {
					continue
				}
				for k, v := range chunks[t] {
					if kw[k] || strings.HasPrefix(k, "__") {
						continue
					}
					if _, ok := nc[k]; ok {
						continue
					}
					nc[k] = v
					if k == "source" {
						// the resolved bundle content travels with the source
						for _, pk := range []string{lowstate.KeyFile, lowstate.KeyFiles, lowstate.KeyDirs, lowstate.KeySource} {
							if pv, ok := chunks[t][pk]; ok {
								nc[pk] = pv
							}
						}
					}
				}
			}
		}
		out[i] = nc
	}
	return out
}

// status computes Salt's requisite status of node n from the results so far:
// met, fail, change, pre, onfail, onchanges.
func (r *runner) status(n *node) (string, []int) {
	type group struct {
		typ   string
		stats map[string]bool
	}
	groups := map[string]*group{}
	var typs []string
	var failed []int
	for _, e := range n.deps {
		base := strings.TrimSuffix(strings.TrimSuffix(e.typ, "_any"), "_all")
		g := groups[e.typ]
		if g == nil {
			g = &group{typ: e.typ, stats: map[string]bool{}}
			groups[e.typ] = g
			typs = append(typs, e.typ)
		}
		var res *lowstate.Result
		if base == reqPrereq {
			res = r.pre[r.nodes[e.to].of]
		} else {
			res = r.byIdx[e.to]
		}
		if res == nil {
			// not run (cycle or failhard): counts as failed
			g.stats["fail"] = true
			continue
		}
		changed := len(res.Changes) > 0
		if base == reqOnfail {
			if isTrue(res.Result) {
				g.stats["onfail"] = true
				continue
			}
		} else if isFalse(res.Result) {
			g.stats["fail"] = true
			if base != reqPrereq {
				failed = append(failed, e.to)
			} else {
				failed = append(failed, r.nodes[e.to].of)
			}
			continue
		}
		switch {
		case base == reqOnchanges:
			if changed {
				g.stats["onchangesmet"] = true
			} else {
				g.stats["onchanges"] = true
			}
		case base == reqWatch && changed:
			g.stats["change"] = true
		case base == reqPrereq:
			if res.Result == nil {
				g.stats["premet"] = true
			} else {
				g.stats["pre"] = true
			}
		default:
			if !r.skipped[e.to] {
				g.stats["met"] = true
			}
		}
	}
	fun := map[string]bool{}
	for _, t := range typs {
		g := groups[t]
		s := g.stats
		if strings.HasSuffix(t, "_any") || t == reqOnfail {
			if s["met"] || s["change"] {
				delete(s, "fail")
			}
			if s["onchangesmet"] {
				delete(s, "onchanges")
				delete(s, "fail")
			}
			if s["onfail"] && s["met"] {
				delete(s, "onfail")
			}
		}
		if strings.HasSuffix(t, "_all") && s["onfail"] {
			delete(s, "met")
		}
		for k := range s {
			fun[k] = true
		}
	}
	switch {
	case fun["fail"]:
		return "fail", failed
	case fun["pre"]:
		if fun["premet"] {
			return "met", nil
		}
		return "pre", nil
	case fun["onfail"] && !fun["onchangesmet"]:
		return "onfail", nil
	case fun["onchanges"] && !fun["onchangesmet"]:
		return "onchanges", nil
	case fun["change"]:
		return "change", nil
	case fun["onfail"]:
		return "onfail", nil
	}
	return "met", nil
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

func (r *runner) runNode(n *node) {
	start := r.now()
	if n.check {
		r.runCheck(n)
		return
	}
	if err := r.ctx.Err(); err != nil {
		r.record(n, Failed(fmt.Sprintf("State was not run: the run stopped early (%v)", context.Cause(r.ctx))), start)
		return
	}
	if len(n.errs) > 0 {
		r.record(n, Failed(strings.Join(n.errs, "\n")), start)
		r.checkFailhard(n)
		return
	}
	st, failed := r.status(n)
	if st != "met" && st != "change" {
		r.skipped[n.idx] = true
	}
	switch st {
	case "fail":
		if pre := r.pre[n.idx]; pre != nil && isFalse(pre.Result) {
			res := *pre
			res.Changes = map[string]any{}
			r.record(n, &res, start)
			break
		}
		r.record(n, Failed("One or more requisite failed: "+r.failedNames(failed)), start)
	case "pre":
		r.record(n, OK(commentPrereqNoChange), start)
	case "onfail":
		r.record(n, OK(commentOnfailNotRun), start)
	case "onchanges":
		r.record(n, OK(commentOnchangesNotRun), start)
	case "change":
		res, skip := r.call(n.chunk, r.o.Test, false)
		if len(res.Changes) == 0 && !skip {
			res, _ = r.call(r.watchChunk(n), r.o.Test, true)
		}
		r.record(n, res, start)
	default:
		res, _ := r.call(n.chunk, r.o.Test, false)
		r.record(n, res, start)
	}
	r.checkFailhard(n)
}

// KeyWatchChanged is set on the chunk a mod_watch receives: the watched
// states that changed, as "state: id" (Salt's __reqs__, for test.mod_watch).
const KeyWatchChanged = "__brine_watch_changed__"

// watchChunk copies n's chunk for its mod_watch with KeyWatchChanged set.
func (r *runner) watchChunk(n *node) lowstate.Chunk {
	c := make(lowstate.Chunk, len(n.chunk)+2)
	for k, v := range n.chunk {
		c[k] = v
	}
	var changed []any
	for _, e := range n.deps {
		if e.typ != reqWatch && e.typ != reqWatchAny {
			continue
		}
		if res := r.byIdx[e.to]; res != nil && len(res.Changes) > 0 {
			t := r.chunks[e.to]
			changed = append(changed, t.State()+": "+t.ID())
		}
	}
	c[KeyWatchChanged] = changed
	c["sfun"] = n.chunk.Fun()
	return c
}

// runCheck is the test-mode pre-run of a prereq target.
func (r *runner) runCheck(n *node) {
	if r.stopped {
		return
	}
	st, failed := r.status(n)
	switch st {
	case "fail":
		r.pre[n.of] = Failed("One or more requisite failed: " + r.failedNames(failed))
	case "onfail", "onchanges", "pre":
		r.pre[n.of] = OK("State was not run")
	default:
		res, _ := r.call(n.chunk, true, false)
		if len(res.Changes) == 0 && st == "change" {
			res.Changes = map[string]any{"watch": "watch"}
			res.Result = nil
		}
		r.pre[n.of] = res
	}
}

func (r *runner) failedNames(idx []int) string {
	seen := map[string]bool{}
	var names []string
	for _, i := range idx {
		c := r.chunks[i]
		s := c.SLS() + "." + c.ID()
		if !seen[s] {
			seen[s] = true
			names = append(names, s)
		}
	}
	return strings.Join(names, ", ")
}

func (r *runner) checkFailhard(n *node) {
	if r.o.Test {
		return
	}
	res := r.byIdx[n.idx]
	if res == nil || !isFalse(res.Result) {
		return
	}
	if ArgBool(n.chunk, "failhard", r.o.Failhard) {
		r.stopped = true
	}
}

// record stores a result for node n with the engine's fields filled in.
func (r *runner) record(n *node, res *lowstate.Result, start time.Time) {
	r.fill(n.chunk, res, start)
	r.byIdx[n.idx] = res
	r.res[n.tag] = res
}

func (r *runner) fill(c lowstate.Chunk, res *lowstate.Result, start time.Time) {
	res.ID = c.ID()
	res.Name = c.Name()
	res.SLS = lowstate.SLSName(c.SLS())
	res.RunNum = r.runNum
	r.runNum++
	if res.Start == "" {
		res.Start = start.Format("15:04:05.000000")
		res.Duration = float64(r.now().Sub(start).Microseconds()) / 1000.0
	}
	if res.Changes == nil {
		res.Changes = map[string]any{}
	}
}

// listen runs the mod_watch of every listening state whose listened-to
// states changed, at the end of the run, as `listener_<id>`.
func (r *runner) listen() {
	m := matcher{r.chunks}
	done := map[string]bool{}
	for i, c := range r.chunks {
		refs := parseReqs(c, reqListen)
		fire := false
		for _, ref := range refs {
			targets := m.match(ref)
			if len(targets) == 0 && ref.Kind == "id" {
				continue // Salt ignores a bare listen target it cannot find
			}
			if len(targets) == 0 {
				tag := lowstate.Tag("Listen_Error", "listen_"+ref.Target, "listen_"+ref.Kind, "Listen_Error")
				res := Failed(fmt.Sprintf("Referenced state %s: %s does not exist", ref.Kind, ref.Target))
				res.Name = "listen_" + ref.Kind + ":" + ref.Target
				res.ID = "listen_" + ref.Target
				res.RunNum = r.runNum
				r.runNum++
				res.Start = r.now().Format("15:04:05.000000")
				r.res[tag] = res
				continue
			}
			for _, t := range targets {
				if res := r.byIdx[t]; res != nil && len(res.Changes) > 0 {
					fire = true
				}
			}
		}
		if !fire || r.byIdx[i] == nil {
			continue
		}
		lc := make(lowstate.Chunk, len(c))
		for k, v := range c {
			lc[k] = v
		}
		lc["__id__"] = "listener_" + c.ID()
		lc["sfun"] = c.Fun()
		lc["fun"] = "mod_watch"
		tag := lc.Tag()
		if done[tag] {
			continue
		}
		done[tag] = true
		start := r.now()
		res, _ := r.call(lc, r.o.Test, true)
		r.fill(lc, res, start)
		r.res[tag] = res
	}
}

// markOnfailHandled flags failed states whose onfail handlers all ran
// without failing: Salt does not count such failures against the run.
func (r *runner) markOnfailHandled() {
	handlers := map[int][]int{}
	for _, n := range r.nodes {
		if n.check {
			continue
		}
		for _, e := range n.deps {
			if strings.HasPrefix(e.typ, reqOnfail) {
				handlers[e.to] = append(handlers[e.to], n.idx)
			}
		}
	}
	for t, hs := range handlers {
		res := r.byIdx[t]
		if res == nil || !isFalse(res.Result) {
			continue
		}
		ok := true
		for _, h := range hs {
			if hr := r.byIdx[h]; hr == nil || isFalse(hr.Result) {
				ok = false
			}
		}
		res.OnfailHandled = ok
	}
}

// call runs one state function (or its mod_watch) with the state keywords
// (unless, onlyif, creates, check_cmd, retry). skipWatch reports that the
// state was skipped by unless/onlyif/creates (no mod_watch then).
func (r *runner) call(c lowstate.Chunk, test bool, modWatch bool) (res *lowstate.Result, skipWatch bool) {
	env := *r.o.Env
	env.Test = test
	mod := r.o.Registry[c.State()]
	var fn Func
	full := c.State() + "." + c.Fun()
	if modWatch {
		if mod != nil {
			fn = mod.ModWatch
		}
		full = c.State() + ".mod_watch"
	} else {
		fn, _ = r.o.Registry.Lookup(c.State(), c.Fun())
		fn = markedFailure(c, test, fn)
	}
	if fn == nil {
		return Failed(spec.NotFound(full, c.SLS())), false
	}
	if mod != nil && mod.Virtual != nil {
		if why := mod.Virtual(&env); why != "" {
			return Failed(fmt.Sprintf("State '%s' was not found in SLS '%s'\nReason: %s\n", full, c.SLS(), why)), false
		}
	}
	if c.Name() == "" {
		return Failed(fmt.Sprintf("Missing parameter name for state %s", full)), false
	}
	if !modWatch {
		if bad := checkSpec(mod, c, full); bad != nil {
			return bad, false
		}
	}
	own := map[string]bool{}
	if mod != nil {
		for _, k := range mod.OwnKeywords {
			own[k] = true
		}
	}
	if !modWatch {
		if skip := r.runChecks(c, &env, own); skip != nil {
			return skip, true
		}
	}
	res = safeCall(r.ctx, fn, &env, c, full)
	if !test && HasArg(c, "check_cmd") && !own["check_cmd"] {
		ok, comment := r.checkCmd(c, &env)
		res.Result = lowstate.Bool(ok)
		res.Comment = comment
	}
	if HasArg(c, "retry") {
		if test {
			res.Comment = strings.TrimSpace(res.Comment + "  " + retryTestComment(c))
		} else {
			res = r.retry(c, &env, fn, full, res, own)
		}
	}
	return res, false
}

// safeCall calls fn, turning a panic into a failed result.
func safeCall(ctx context.Context, fn Func, env *Env, c lowstate.Chunk, full string) (res *lowstate.Result) {
	defer func() {
		if p := recover(); p != nil {
			res = Failed(fmt.Sprintf("An exception occurred in this state: %s: %v", full, p))
		}
	}()
	res = fn(ctx, env, c)
	if res == nil {
		res = Failed(fmt.Sprintf("State %s returned no result", full))
	}
	if res.Changes == nil {
		res.Changes = map[string]any{}
	}
	return res
}

// checkSpec checks the chunk against its function's spec on the host, as
// the compiler did on the controller: a chunk that did not come through
// the compiler (or changed since, by `use`) still never reaches a function
// with a missing, unknown or mistyped argument.
func checkSpec(mod *Module, c lowstate.Chunk, full string) *lowstate.Result {
	if mod == nil || mod.Spec == nil {
		return nil
	}
	f, ok := mod.Spec.Funcs[c.Fun()]
	if !ok {
		return nil
	}
	probs := f.Check(full, c)
	if len(probs) == 0 {
		return nil
	}
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.Msg
	}
	return Failed(strings.Join(msgs, "\n"))
}
