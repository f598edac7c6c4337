package compile

import (
	"context"
	"fmt"
	"path"
	"strings"

	"brine/inventory/match"
	"brine/provision/controller/compile/jinja"

	"gopkg.in/yaml.v3"
)

// run is the state of one host's compile.
type run struct {
	c      *Compiler
	ctx    context.Context
	host   Host
	grains map[string]any
	pillar map[string]any
	opts   map[string]any

	errs []string
	// pillarErrs are the pillar's errors (Salt's words), details what
	// Salt logs about them instead of returning it (Errors.Details)
	pillarErrs, details []string
	mods                map[string]bool
	iorder              int
	high                *fileState
	files               map[string][]byte
	salt                [3]*saltObj // the `salt` of state templates, of pillar templates, of file templates
	// hostPillar is the pillar as file templates see it (hostView)
	hostPillar map[string]any

	calls       int                       // execution module calls made (renders that made some are not cached)
	memo        map[string]any            // answers of pure calls, until the next impure one
	needsTarget bool                      // a template called a target function without Host.Call
	accum       map[string]map[string]any // file.accumulated data by target file
	// order keeps the dictionary key order Salt's ordered YAML loader
	// keeps (pillar and SLS data iterate in file order in templates)
	order *jinja.KeyOrder
}

func (c *Compiler) newRun(ctx context.Context, h Host) *run {
	grains := h.Grains
	if grains == nil {
		grains = map[string]any{}
	}
	if _, ok := grains["id"]; !ok && h.ID != "" {
		g := make(map[string]any, len(grains)+1)
		for k, v := range grains {
			g[k] = v
		}
		g["id"] = h.ID
		grains = g
	}
	id := h.ID
	if id == "" {
		id, _ = grains["id"].(string)
	}
	h.ID = id
	opts := map[string]any{"id": id, "test": false, "saltenv": nil, "file_client": "local"}
	roots := map[string]any{}
	for k, v := range c.tree.FileRoots {
		l := make([]any, len(v))
		for i, s := range v {
			l[i] = s
		}
		roots[k] = l
	}
	opts["file_roots"] = roots
	for k, v := range h.Opts {
		opts[k] = v
	}
	return &run{
		c: c, ctx: ctx, host: h, grains: grains, opts: opts,
		mods: map[string]bool{}, iorder: 10000, high: newFileState(), order: jinja.NewKeyOrder(),
		files: map[string][]byte{},
	}
}

func (r *run) errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// saltObj returns the run's `salt` template object for state and file
// templates, or for pillar templates, built once.
func (r *run) saltObj(pillar bool) *saltObj {
	i := 0
	if pillar {
		i = 1
	}
	if r.salt[i] == nil {
		r.salt[i] = newSaltObj(r, pillar, func() map[string]any { return r.pillar })
	}
	return r.salt[i]
}

// hostView returns the pillar and the `salt` of file templates. Salt
// renders those on the host (file.managed's template), from the pillar
// salt-ssh sent there as JSON: the same data in the same order, but plain
// dicts where SLS templates, rendered with the master's pillar, have
// OrderedDicts; so `|yaml` sorts a pillar mapping in a file template and
// keeps its order in an SLS.
func (r *run) hostView() (map[string]any, *saltObj) {
	if r.hostPillar == nil {
		r.hostPillar, _ = jsonCopy(r.pillar, r.order).(map[string]any)
	}
	if r.salt[2] == nil {
		r.salt[2] = newSaltObj(r, false, func() map[string]any { return r.hostPillar })
	}
	return r.hostPillar, r.salt[2]
}

// failure is the compile error for the messages collected so far.
func (r *run) failure() error {
	return &Errors{Msgs: r.errs, needsTarget: r.needsTarget}
}

// baseVars are the template variables shared by every render of this host;
// pillar templates get the `salt` whose execution modules run on the
// controller.
func (r *run) baseVars(env string, pillar bool) map[string]any {
	return map[string]any{
		"grains":  r.grains,
		"pillar":  r.pillar,
		"salt":    r.saltObj(pillar),
		"opts":    r.opts,
		"saltenv": env,
		"env":     env,
	}
}

// slsVars adds Salt's per-file template variables for a file at rel (path
// relative to the root, like "a/b/init.sls") compiled as sls.
func slsVars(vars map[string]any, sls, rel, full string) {
	tpldir := path.Dir(rel)
	slspath := tpldir
	if tpldir == "." {
		slspath = ""
	}
	vars["sls"] = sls
	vars["tplfile"] = rel
	vars["tplpath"] = full
	vars["tpldir"] = tpldir
	vars["tplroot"] = strings.Split(tpldir, "/")[0]
	vars["slspath"] = slspath
	vars["slsdotpath"] = strings.ReplaceAll(slspath, "/", ".")
	vars["slscolonpath"] = strings.ReplaceAll(slspath, "/", ":")
	vars["sls_path"] = strings.ReplaceAll(slspath, "/", "_")
}

// compilePillar renders the pillar top file and SLS files, then merges the
// command-line pillar on top.
func (r *run) compilePillar() error {
	cli := map[string]any{}
	if r.host.Pillar != nil {
		cli = deepCopyOrdered(r.host.Pillar, r.order).(map[string]any)
	}
	r.pillar = deepCopyOrdered(cli, r.order).(map[string]any)
	if len(r.c.tree.PillarRoots) == 0 {
		r.pillarDone()
		return nil
	}
	pillar := map[string]any{}
	for _, env := range envOrder(r.c.tree.PillarRoots) {
		roots := r.c.tree.PillarRoots[env]
		full, src, ok := r.c.find(roots, "top.sls")
		if !ok {
			continue
		}
		targets, err := r.renderTopFile(env, full, src, true)
		if err != nil {
			r.pillarErr("Rendering Primary Top file failed, render error:\n" + err.Error())
			continue
		}
		for _, sec := range targets {
			if sec.env != env {
				continue
			}
			for _, sls := range r.matchTargets(sec) {
				if _, _, _, ok := r.c.slsFile(roots, sls); !ok && ignoreMissing(sec, sls) {
					continue
				}
				data := r.renderPillarSLS(env, sls, map[string]bool{})
				pillar = mergeDict(pillar, data, false, r.order)
				r.pillar = mergeDict(deepCopyOrdered(pillar, r.order).(map[string]any), cli, false, r.order)
			}
		}
	}
	r.pillar = mergeDict(pillar, cli, false, r.order)
	r.pillarDone()
	if len(r.pillarErrs) > 0 {
		// salt/client/ssh/wrapper/state.py: a pillar with errors stops the
		// function before any state compiles
		return &Errors{Msgs: append([]string{"Pillar failed to render with the following messages:"}, r.pillarErrs...),
			Details: r.details, needsTarget: r.needsTarget}
	}
	if len(r.errs) > 0 {
		return r.failure()
	}
	return nil
}

// pillarErr records an error of the pillar's compile, in Salt's words.
func (r *run) pillarErr(msg string) { r.pillarErrs = append(r.pillarErrs, msg) }

// pillarRenderErr records a pillar SLS that failed to render. As Salt's
// pillar_safe_render_error (on by default) has it, the host's return
// says which SLS and that the details are in the log; the details (file,
// line, error) go to the log, which for brine is the host's notes on
// stderr: a render error may quote pillar data, which stays out of
// returns that are saved and shipped.
func (r *run) pillarRenderErr(sls, detail string) {
	r.pillarErr(fmt.Sprintf("Rendering SLS '%s' failed. Please see master log for details.", sls))
	r.details = append(r.details, fmt.Sprintf("Rendering SLS '%s' failed, render error: %s", sls, detail))
}

// pillarDone hands the pillar to Host.OnPillar, before anything else
// renders or an error leaves the compile.
func (r *run) pillarDone() {
	if r.host.OnPillar != nil {
		r.host.OnPillar(r.pillar)
	}
}

// slsFile resolves an SLS name to a file in roots: a/b.sls, then a/b/init.sls.
func (c *Compiler) slsFile(roots []string, sls string) (full, rel string, src []byte, ok bool) {
	base := strings.ReplaceAll(sls, ".", "/")
	for _, rel := range []string{base + ".sls", base + "/init.sls"} {
		if full, src, ok := c.find(roots, rel); ok {
			return full, rel, src, true
		}
	}
	return "", "", nil, false
}

// renderPillarSLS renders one pillar SLS and its includes.
func (r *run) renderPillarSLS(env, sls string, seen map[string]bool) map[string]any {
	if seen[sls] {
		return nil
	}
	seen[sls] = true
	full, rel, src, ok := r.c.slsFile(r.c.tree.PillarRoots[env], sls)
	if !ok {
		r.pillarErr(fmt.Sprintf("Specified SLS '%s' in environment '%s' is not available on the salt master", sls, env))
		return nil
	}
	vars := r.baseVars(env, true)
	slsVars(vars, sls, rel, full)
	text, err := r.render(r.c.envRenderer(env, true), full, src, vars, "pillar\x00"+env+"\x00"+sls)
	if err != nil {
		r.pillarRenderErr(sls, err.Error())
		return nil
	}
	root, err := r.c.parseCached(text)
	if err != nil {
		r.pillarRenderErr(sls, fmt.Sprintf("%s: %v", full, err))
		return nil
	}
	if root == nil {
		return nil
	}
	v, err := nodeValueOrdered(root, "", r.order)
	if err != nil {
		r.pillarRenderErr(sls, fmt.Sprintf("%s: %v", full, err))
		return nil
	}
	data, ok := v.(map[string]any)
	if !ok {
		r.pillarErr(fmt.Sprintf("SLS '%s' does not render to a dictionary", sls))
		return nil
	}
	inc, has := data["include"]
	if !has {
		return data
	}
	delete(data, "include")
	list, ok := inc.([]any)
	if !ok {
		r.pillarErr(fmt.Sprintf("Include Declaration in SLS '%s' is not formed as a list", sls))
		return data
	}
	out := map[string]any{}
	for _, it := range list {
		name, key := "", ""
		switch t := it.(type) {
		case string:
			name = t
		case map[string]any:
			for k, v := range t {
				name = k
				if m, ok := v.(map[string]any); ok {
					key, _ = m["key"].(string)
				}
			}
		}
		name, err := relativeSLS(sls, name, strings.HasSuffix(rel, "/init.sls"))
		if err != nil {
			r.pillarErr(err.Error())
			continue
		}
		sub := r.renderPillarSLS(env, name, seen)
		if key != "" {
			parts := strings.Split(key, ":")
			for i := len(parts) - 1; i >= 0; i-- {
				sub = map[string]any{parts[i]: sub}
			}
		}
		out = mergeDict(out, sub, false, r.order)
	}
	return mergeDict(out, data, false, r.order)
}

// topSection is one saltenv section of a top file: target -> entries.
type topSection struct {
	env     string
	targets []topTarget
}

type topTarget struct {
	expr          string
	kind          string
	sls           []string
	file          string
	line          int
	invalid       string
	ignoreMissing bool // pillar tops: `- ignore_missing: True`
}

// renderTopFile renders and parses a top file.
func (r *run) renderTopFile(env, full string, src []byte, pillar bool) ([]topSection, error) {
	vars := r.baseVars(env, pillar)
	slsVars(vars, "top", "top.sls", full)
	text, err := r.render(r.c.envRenderer(env, pillar), full, src, vars, fmt.Sprintf("top\x00%s\x00%v", env, pillar))
	if err != nil {
		return nil, fmt.Errorf("Rendering top file %s failed: %w", full, err)
	}
	root, err := r.c.parseCached(text)
	if err != nil {
		return nil, fmt.Errorf("Rendering top file %s failed: %w", full, err)
	}
	if root == nil {
		return nil, nil
	}
	envs, err := mappingPairs(root)
	if err != nil {
		return nil, fmt.Errorf("top file %s: %v", full, err)
	}
	var out []topSection
	for _, e := range envs {
		if e.Key == "include" {
			continue
		}
		sec := topSection{env: e.Key}
		if resolveAlias(e.Val).Kind == yaml.ScalarNode && e.Val.Tag == "!!null" {
			out = append(out, sec)
			continue
		}
		tgts, err := mappingPairs(e.Val)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: Unable to render top file. No targets found.", full, e.KeyN.Line)
		}
		for _, t := range tgts {
			tt := topTarget{expr: t.Key, file: full, line: t.KeyN.Line}
			v, err := nodeValueOrdered(t.Val, "", r.order)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", full, t.KeyN.Line, err)
			}
			list, ok := v.([]any)
			if !ok && v != nil {
				if s, isStr := v.(string); isStr {
					list = []any{s}
				} else {
					tt.invalid = fmt.Sprintf("%s:%d: target '%s' in saltenv '%s' is not formed as a list", full, t.KeyN.Line, t.Key, e.Key)
				}
			}
			for _, it := range list {
				switch x := it.(type) {
				case string:
					tt.sls = append(tt.sls, x)
				case map[string]any:
					if m, ok := x["match"].(string); ok {
						tt.kind = m
					}
					if b, ok := x["ignore_missing"].(bool); ok {
						tt.ignoreMissing = b
					}
				}
			}
			sec.targets = append(sec.targets, tt)
		}
		out = append(out, sec)
	}
	return out, nil
}

// matchTargets returns the SLS names of the section's targets that match the
// host.
func (r *run) matchTargets(sec topSection) []string {
	var out []string
	seen := map[string]bool{}
	t := match.Target{ID: r.host.ID, Grains: r.grains, Pillar: r.pillar, Nodegroups: r.c.tree.Nodegroups}
	for _, tt := range sec.targets {
		if tt.invalid != "" {
			r.errs = append(r.errs, tt.invalid)
			continue
		}
		ok, err := match.Match(tt.kind, tt.expr, t)
		if err != nil {
			r.errorf("%s:%d: target '%s': %v", tt.file, tt.line, tt.expr, err)
			continue
		}
		if !ok {
			continue
		}
		for _, s := range tt.sls {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// top merges the saltenvs' top files (Salt's "merge" strategy: the base top
// file's sections win; another saltenv's top file only contributes its own
// saltenv's section, when base did not define it) and matches the host.
func (r *run) top() (map[string][]string, []string, error) {
	var merged []topSection
	defined := map[string]int{}
	found := false
	for _, env := range envOrder(r.c.tree.FileRoots) {
		full, src, ok := r.c.find(r.c.tree.FileRoots[env], "top.sls")
		if !ok {
			continue
		}
		found = true
		secs, err := r.renderTopFile(env, full, src, false)
		if err != nil {
			r.errs = append(r.errs, err.Error())
			continue
		}
		for _, s := range secs {
			if env != "base" && (s.env != env || defined[s.env] > 0) {
				continue
			}
			if i, ok := defined[s.env]; ok && env == "base" {
				merged[i-1].targets = append(merged[i-1].targets, s.targets...)
				continue
			}
			merged = append(merged, s)
			defined[s.env] = len(merged)
		}
	}
	if !found {
		return nil, nil, &Errors{Msgs: []string{fmt.Sprintf("No Top file or master_tops data matches found: no top.sls in the file roots %v", r.c.tree.FileRoots)}}
	}
	top := map[string][]string{}
	var envs []string
	for _, s := range merged {
		m := r.matchTargets(s)
		if len(m) == 0 {
			continue
		}
		if _, ok := top[s.env]; !ok {
			envs = append(envs, s.env)
		}
		top[s.env] = append(top[s.env], m...)
	}
	if len(r.errs) > 0 {
		return nil, nil, r.failure()
	}
	return top, envs, nil
}

// ignoreMissing reports whether a matched pillar SLS may be missing.
func ignoreMissing(sec topSection, sls string) bool {
	for _, tt := range sec.targets {
		if tt.ignoreMissing {
			for _, s := range tt.sls {
				if s == sls {
					return true
				}
			}
		}
	}
	return false
}
