// Package compile compiles Salt state trees (YAML + Jinja) on the controller
// into per-host lowstate: top file matching, pillar, SLS rendering, include,
// extend, exclude, requisites, ordering, and the files states reference.
package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"brine/provision/controller/compile/jinja"
	"brine/provision/controller/download"
	"brine/provision/host/modules"
	"brine/provision/host/state"
	"brine/provision/host/state/builtin"
	"brine/provision/wire/lowstate"
	"brine/provision/wire/spec"

	"gopkg.in/yaml.v3"
)

// Host is what a compile needs to know about one target.
type Host struct {
	ID string
	// Grains are the collected grains with roster grains already on top.
	Grains map[string]any
	// Pillar is the command-line pillar, merged on top of the rendered pillar.
	Pillar map[string]any
	// Opts are extra options (test: true...) visible as `opts` in Jinja.
	Opts map[string]any
	// Call runs an execution module function on the target for a state or
	// file template (salt['file.file_exists']('/x'), see provision/host/modules)
	// and returns its JSON-decoded return (json.Number or float64 numbers
	// are both fine). When nil, a template making such a call fails the
	// compile with an error wrapping ErrNeedsTarget: the runner then opens
	// the interactive session and compiles again with Call set.
	Call func(ctx context.Context, fun string, args []any, kwargs map[string]any) (any, error)
	// OnPillar, when set, is called once per compile with the host's pillar
	// (rendered and merged, command-line pillar on top; what rendered so far
	// when the pillar has errors) before any state or file template renders
	// and before a pillar error is returned, so the caller can register
	// secret values before any message could print one.
	OnPillar func(pillar map[string]any)
}

// ErrNeedsTarget is wrapped by the error of a compile whose templates call
// an execution module that must answer from the target while Host.Call is
// nil.
var ErrNeedsTarget = errors.New("templates call execution modules that run on the target")

// Result of a compile.
type Result struct {
	// High is the ordered highstate (show_highstate, show_sls).
	High High
	// Low is the ordered lowstate (show_lowstate, and the bundle).
	Low []lowstate.Chunk
	// Files maps sha256 hex to content for every file the chunks reference.
	Files map[string][]byte
	// Pillar is the host's rendered pillar with the command-line pillar on top.
	Pillar map[string]any
}

// Errors is a list of Salt-style compile error messages.
type Errors struct {
	// Msgs are the errors as Salt returns them (the host's return).
	Msgs []string
	// Details are what Salt logs instead of returning (a pillar render
	// error's file, line and message): the runner shows them as the
	// host's notes.
	Details []string
	// needsTarget: a template called a target function without Host.Call.
	needsTarget bool
}

// Error joins the messages, one per line.
func (e *Errors) Error() string {
	return strings.Join(append(slices.Clone(e.Msgs), e.Details...), "\n")
}

// Messages are the errors as the host's return lists them.
func (e *Errors) Messages() []string { return e.Msgs }

// Notes are the details the operator reads beside the return.
func (e *Errors) Notes() []string { return e.Details }

// Unwrap is ErrNeedsTarget when the compile stopped for a target call.
func (e *Errors) Unwrap() error {
	if e.needsTarget {
		return ErrNeedsTarget
	}
	return nil
}

// renderer renders a Jinja template (implemented by jinja.Env).
type renderer interface {
	RenderWith(name string, src []byte, vars map[string]any, o jinja.Options) (string, error)
	Reads(display string, src []byte, statics map[string]any, tracked []string) (jinja.Reads, error)
}

// Compiler compiles for many hosts. It is safe for concurrent use and caches
// file contents, parsed YAML and rendered (template, context) pairs.
type Compiler struct {
	tree Tree
	cat  spec.Catalog      // the state functions brine implements
	reqs map[string]bool   // requisite keywords kept on chunks
	ins  map[string]string // _in forms -> the requisite they add

	mu       sync.Mutex
	envs     map[string]renderer // file-root saltenv -> template env
	penvs    map[string]renderer // pillar saltenv -> template env
	files    sync.Map            // absolute path -> fileEntry
	slsLists sync.Map            // saltenv -> sorted SLS names
	fsLists  sync.Map            // saltenv -> *fileLists (cp.list_master...)
	renders  *cache              // render cache key -> rendered string
	reads    sync.Map            // template analysis key -> readsEntry (what a template reads)
	// wholeKeys keys every render on the whole grains, pillar and opts, as
	// before renders were keyed on what they read (benchmarks compare).
	wholeKeys bool
	yamls     *cache // sha256 of text -> *yamlEntry
	// local runs the execution modules pillar templates call: Salt
	// renders pillar on the master, with the master's own modules.
	local *modules.Env

	remote *download.Fetcher // http(s) sources; nil: never downloaded
}

type fileEntry struct {
	data []byte
	ok   bool
}

// maxCache bounds the rendered-template and parsed-YAML caches; each
// resets when full.
const maxCache = 20000

// New returns a compiler for tree.
func New(tree Tree, opts ...Option) *Compiler {
	if tree.FileRoots == nil {
		tree.FileRoots = map[string][]string{}
	}
	c := &Compiler{tree: tree, cat: builtin.Catalog(), reqs: requisites(), ins: requisiteIns(),
		envs: map[string]renderer{}, penvs: map[string]renderer{},
		renders: newCache(maxCache), yamls: newCache(maxCache),
		local: &modules.Env{Exec: state.NewHostExecutor()}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// readFile returns a file's content, cached for the compiler's lifetime.
func (c *Compiler) readFile(path string) ([]byte, bool) {
	if v, ok := c.files.Load(path); ok {
		e := v.(fileEntry)
		return e.data, e.ok
	}
	b, err := os.ReadFile(path)
	e := fileEntry{data: b, ok: err == nil}
	if err == nil {
		if st, serr := os.Stat(path); serr != nil || st.IsDir() {
			e = fileEntry{}
		}
	}
	c.files.Store(path, e)
	return e.data, e.ok
}

// find resolves a relative path in roots: the first root that has it wins.
func (c *Compiler) find(roots []string, rel string) (path string, data []byte, ok bool) {
	rel = cleanRel(rel)
	if rel == "" {
		return "", nil, false
	}
	for _, r := range roots {
		p := filepath.Join(r, filepath.FromSlash(rel))
		if b, ok := c.readFile(p); ok {
			return p, b, true
		}
	}
	return "", nil, false
}

// cleanRel normalises a salt:// relative path and refuses escapes.
func cleanRel(rel string) string {
	rel = strings.TrimPrefix(rel, "salt://")
	if i := strings.IndexByte(rel, '?'); i >= 0 {
		rel = rel[:i]
	}
	rel = strings.TrimLeft(filepath.ToSlash(rel), "/")
	clean := filepath.ToSlash(filepath.Clean(rel))
	if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return ""
	}
	return clean
}

// envRenderer returns the template environment of a saltenv (pillar trees
// get their own, resolving imports in the pillar roots).
func (c *Compiler) envRenderer(env string, pillar bool) renderer {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, roots := c.envs, c.tree.FileRoots[env]
	if pillar {
		m, roots = c.penvs, c.tree.PillarRoots[env]
	}
	if r, ok := m[env]; ok {
		return r
	}
	r := newRenderer(&loader{c: c, roots: roots, env: env})
	m[env] = r
	return r
}

// newRenderer builds the Jinja environment.
func newRenderer(l jinja.Loader) renderer { return jinja.New(l) }

// loader resolves template imports in one saltenv's roots.
type loader struct {
	c     *Compiler
	roots []string
	env   string
}

// Load implements jinja.Loader.
func (l *loader) Load(name string) ([]byte, string, error) {
	p, b, ok := l.c.find(l.roots, name)
	if !ok {
		return nil, "", fmt.Errorf("template %q not found in saltenv %q", name, l.env)
	}
	return b, p, nil
}

// hasJinja reports whether src contains Jinja markup at all.
func hasJinja(src []byte) bool {
	s := string(src)
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// render renders src with vars through the compiler's cache. static
// identifies what the render depends on besides the host (saltenv, sls, a
// file's context; "" disables caching); the rest of the key is what the
// template reads of grains, pillar and opts (see renderKey), so hosts that
// differ only in grains the template never looks at share one render. A
// render that called an execution module depends on the answers, not only
// on the key, so it is never stored (keying it by the answers would mean
// making the calls first, which is the costly part). Dictionary key order
// (run.order) is not in the key: it comes from the same files for every
// host.
func (r *run) render(rd renderer, display string, src []byte, vars map[string]any, static string) (string, error) {
	if !hasJinja(src) {
		return string(src), nil
	}
	var ck string
	if static != "" {
		ck = r.renderKey(rd, display, src, vars, static)
		if v, ok := r.c.renders.get(ck); ok {
			return v.(string), nil
		}
	}
	before := r.calls
	out, err := safeRender(rd, display, src, vars, r.order)
	if err != nil {
		return "", err
	}
	if ck != "" && r.calls == before {
		r.c.renders.put(ck, out)
	}
	return out, nil
}

// safeRender calls the engine and turns a panic into an error.
func safeRender(r renderer, display string, src []byte, vars map[string]any, o *jinja.KeyOrder) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: template engine failure: %v", display, p)
		}
	}()
	return r.RenderWith(display, src, vars, jinja.Options{Order: o})
}

// yamlEntry is a cached parse of one rendered text.
type yamlEntry struct {
	root *yaml.Node
	err  error
}

// parseCached parses YAML text, caching by content.
func (c *Compiler) parseCached(text string) (*yaml.Node, error) {
	sum := sha256.Sum256([]byte(text))
	k := string(sum[:])
	if v, ok := c.yamls.get(k); ok {
		e := v.(*yamlEntry)
		return e.root, e.err
	}
	n, err := parseYAML([]byte(text))
	e := &yamlEntry{root: n, err: err}
	c.yamls.put(k, e)
	return n, err
}

// hashBytes returns the hex sha256 of b.
func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// contextKey hashes the canonical JSON of the values a render depends on.
func contextKey(parts ...any) string {
	b, err := json.Marshal(parts)
	if err != nil {
		return ""
	}
	return hashBytes(b)
}

// Pillar renders the host's pillar with the command-line pillar on top.
func (c *Compiler) Pillar(ctx context.Context, h Host) (map[string]any, error) {
	r := c.newRun(ctx, h)
	if err := r.compilePillar(); err != nil {
		return nil, err
	}
	return r.pillar, nil
}

// Call answers, for the host, an execution function its templates call
// on the controller (pillar.*, config.*, grains readers, slsutil.*...,
// the functions salt-ssh runs on the master): the host's pillar is
// compiled first, and the function is the very one templates call, so the
// command line and salt['mod.fun'] give the same answer. ok is false for a
// function the compiler does not answer.
func (c *Compiler) Call(ctx context.Context, h Host, fun string, args []any, kwargs map[string]any) (v any, ok bool, err error) {
	r := c.newRun(ctx, h)
	if err := r.compilePillar(); err != nil {
		return nil, true, err
	}
	s := newSaltObj(r, false, func() map[string]any { return r.pillar })
	f, ok := s.fns[fun]
	if !ok {
		return nil, false, nil
	}
	v, err = f(args, kwargs)
	return v, true, err
}

// Top returns saltenv -> sls names matched for the host (state.show_top).
func (c *Compiler) Top(ctx context.Context, h Host) (map[string][]string, error) {
	r := c.newRun(ctx, h)
	if err := r.compilePillar(); err != nil {
		return nil, err
	}
	top, _, err := r.top()
	return top, err
}

// Highstate compiles everything the top files assign to the host.
func (c *Compiler) Highstate(ctx context.Context, h Host) (*Result, error) {
	r := c.newRun(ctx, h)
	if err := r.compilePillar(); err != nil {
		return nil, err
	}
	top, envs, err := r.top()
	if err != nil {
		return nil, err
	}
	for _, env := range envs {
		for _, pattern := range top[env] {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			names := []string{pattern}
			if strings.ContainsAny(pattern, "*?[") {
				names = matchSLS(c.listSLS(env), pattern)
			}
			for _, sls := range names {
				if _, _, _, ok := c.slsFile(c.tree.FileRoots[env], sls); !ok {
					r.errorf("No matching sls found for '%s' in env '%s'", pattern, env)
					continue
				}
				r.renderTop(env, sls)
			}
			if len(names) == 0 {
				r.errorf("No matching sls found for '%s' in env '%s'", pattern, env)
			}
		}
	}
	return r.finish()
}

// SLS compiles the named SLS files of saltenv (state.sls / show_sls).
func (c *Compiler) SLS(ctx context.Context, h Host, saltenv string, names []string) (*Result, error) {
	if saltenv == "" {
		saltenv = "base"
	}
	r := c.newRun(ctx, h)
	if err := r.compilePillar(); err != nil {
		return nil, err
	}
	for _, n := range names {
		for _, s := range strings.Split(n, ",") {
			if s = strings.TrimSpace(s); s != "" {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				// as Salt's render_highstate: a name (or glob) that no SLS
				// of the saltenv matches is "No matching sls found"
				matches := []string{s}
				if strings.ContainsAny(s, "*?[") {
					matches = matchSLS(c.listSLS(saltenv), s)
				}
				if len(matches) == 0 {
					r.errorf("No matching sls found for '%s' in env '%s'", s, saltenv)
				}
				for _, m := range matches {
					if _, _, _, ok := c.slsFile(c.tree.FileRoots[saltenv], m); !ok {
						r.errorf("No matching sls found for '%s' in env '%s'", s, saltenv)
						continue
					}
					r.renderTop(saltenv, m)
				}
			}
		}
	}
	return r.finish()
}
