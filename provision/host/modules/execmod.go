// Package modules holds the Salt execution module functions that templates
// call and that must give the target's answer: salt['file.file_exists'](...),
// salt['cmd.run'](...), salt['pkg.version'](...) and friends, with the
// arguments, return shapes and error messages of Salt 3007 (salt/modules/*.py).
// It runs on the target, inside brine-exec.
//
// How a template's call reaches the target (the design): the controller keeps
// compiling (one compiler, one Jinja engine, the tree stays on the
// controller). The compiler first compiles with no target at hand; a tree
// whose templates call none of these functions compiles as before and costs
// one exec per host per run. When a template does call one, the compile stops
// with compile.ErrNeedsTarget; the runner then starts the executor in
// interactive mode on the SAME exec session that will run the states (no
// extra exec, no extra connection) and compiles again while it runs: each
// call is one wire.Call line on the executor's stdin, answered by one
// wire.Reply line on its stdout (Call here), and the bundle follows on the
// same stdin. A call therefore costs one round trip on an open session, and
// the compiler remembers the answers of the functions that only read (Pure)
// within one compile. Rendering on the host instead would need the whole tree
// and the Jinja engine in the executor and would split the compile in two
// places; calling first and compiling afterwards cannot work because which
// calls a template makes depends on the answers it gets.
//
// Pillar templates are rendered on the controller, as Salt renders pillar on
// the master: there, these functions run on the controller (Salt's master
// runs its own execution modules for pillar).
package modules

import (
	"context"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"brine/provision/host/state"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/funcs"
)

// Env is where the functions run.
type Env struct {
	// Root prefixes every absolute path a function reads; "" is the real
	// root. Unit tests point it at a temp directory.
	Root string
	// Exec runs the commands (cmd.*, pkg.version, service.status...).
	Exec state.Executor
	// Grains are the host's grains (os_family picks the package manager,
	// init the service manager).
	Grains map[string]any
	// Ifaces lists the network interfaces when the host has no `ip`
	// command; nil means the host's own (Go's net package).
	Ifaces func() ([]Iface, error)
	// Now is the clock of status.time; nil means time.Now.
	Now func() time.Time
	// ID is the host's roster id (the id grain).
	ID string
	// File returns a bundle file by the hash of its content; Sources maps
	// the salt:// URLs the controller sent (cp.*, cmd.script) to those
	// hashes. Both are nil when the request carried no files.
	File    func(hash string) ([]byte, error)
	Sources map[string]string
	// GrainsChanged is set by a function that changed the persistent
	// grains (grains.setval...): the executor collects them again for its
	// answer, so the controller's cache sees the change.
	GrainsChanged bool
}

// Iface is one network interface, for Env.Ifaces.
type Iface struct {
	Name   string
	HWAddr string
	Up     bool
	// Broadcast is set for interfaces that have IPv4 broadcast.
	Broadcast bool
	Addrs     []*net.IPNet
}

// stateEnv is the state engine's view of env, for the shared helpers
// (hostcmd, the package and service providers, user lookups).
func (e *Env) stateEnv() *state.Env {
	return &state.Env{Root: e.Root, Exec: e.Exec, Grains: e.Grains}
}

// fn is one execution module function's implementation; its signature
// is the catalog's (provision/wire/funcs).
type fn struct {
	run func(c *call) (any, error)
}

// call is one bound invocation.
type call struct {
	ctx  context.Context
	env  *Env
	fun  string
	a    map[string]any // bound parameters (defaults filled in)
	rest []any          // extra positional arguments ("*")
	kw   map[string]any // extra keyword arguments ("**")
	// order lists the keyword arguments as the caller gave them.
	order []string
	// retcode is the host's return code the function sets (Salt's
	// __context__["retcode"]); 0 unless it says otherwise.
	retcode int
}

// table is every function's implementation, built once on first use and
// read-only after that (the only package-level state: immutable data).
func table() map[string]fn {
	tableOnce.Do(func() { tableMap = buildTable() })
	return tableMap
}

var (
	tableOnce sync.Once
	tableMap  map[string]fn
)

func buildTable() map[string]fn {
	t := map[string]fn{}
	for _, part := range []map[string]fn{testFuncs(), grainsFuncs(), saltutilFuncs(), pkgFuncs(), serviceFuncs(), fileEditFuncs(), fileMoreFuncs(), cpFuncs(), userFuncs(), networkMoreFuncs(), gitFuncs(), hostsFuncs(), sysinfoFuncs(), statusFuncs(), timeLocaleFuncs(), cronFuncs(), sshFuncs(), archiveFuncs(), fileFuncs(), cmdFuncs(), systemFuncs(), networkFuncs()} {
		for k, v := range part {
			t[k] = v
		}
	}
	return t
}

// Names lists the functions this package implements, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(table()))
}

// Has reports whether fun ("file.file_exists") is implemented here.
func Has(fun string) bool {
	_, ok := table()[fun]
	return ok
}

// Pure reports whether fun only reads the host, so the compiler may reuse
// its answer within one compile (never true for cmd.*, which may change the
// host and whose output may change from call to call).
func Pure(fun string) bool {
	f, ok := funcs.Lookup(fun)
	return ok && f.Pure
}

// Result is what a function call gives the ad-hoc command line: its
// return, the host's return code (Salt's __context__["retcode"]) and the
// error it raised.
type Result struct {
	Return  any
	Retcode int
	Err     error
}

// Call runs fun with args and kwargs as Python has them: a float64 is a
// float (see pyfmt.Ints for arguments decoded from JSON). The result is made of JSON-encodable values.
// An unknown function is Salt's "'mod.fun' is not available." error.
func Call(ctx context.Context, env *Env, fun string, args []any, kwargs map[string]any) (any, error) {
	r := Run(ctx, env, fun, args, kwargs, nil)
	return r.Return, r.Err
}

// Run is Call with the return code, and the keyword arguments' order as
// given (for Python's messages; nil: sorted).
func Run(ctx context.Context, env *Env, fun string, args []any, kwargs map[string]any, order []string) Result {
	impl, ok := table()[fun]
	spec, inCatalog := funcs.Lookup(fun)
	if !ok || !inCatalog {
		return Result{Err: NotAvailable(fun)}
	}
	if env == nil {
		env = &Env{}
	}
	b, err := spec.Bind(args, kwargs, order)
	if err != nil {
		return Result{Err: err}
	}
	c := &call{ctx: ctx, env: env, fun: fun, a: b.Values, rest: b.Rest, kw: b.Extra, order: order}
	v, err := impl.run(c)
	return Result{Return: v, Retcode: c.retcode, Err: err}
}

// virtualFalse is salt-call's error for a function of a module whose
// __virtual__ refused to load on this host (loader's missing_fun_string).
func virtualFalse(mod, reason string) error {
	return &funcs.Exception{Type: "NotAvailable", Msg: "'" + mod + "' __virtual__ returned False: " + reason}
}

// NotAvailable is Salt's error for a function brine does not have.
func NotAvailable(fun string) error {
	return funcs.Raise("NotAvailable", "'%s' is not available.", fun)
}

// str returns parameter k as Python's str() would print it ("" for None).
func (c *call) str(k string) string {
	v := c.a[k]
	if v == nil {
		return ""
	}
	return pyStr(v)
}

// isNone reports a parameter that is None (absent with a None default).
func (c *call) isNone(k string) bool { return c.a[k] == nil }

// truth is parameter k's Python truth value.
func (c *call) truth(k string) bool { return truthy(c.a[k]) }

// pyStr is Python's str().
func pyStr(v any) string { return pyfmt.Str(v) }

// truthy is Python's truth value.
func truthy(v any) bool { return pyfmt.Truth(v) }

// strList reads a list argument: a list, or a comma-separated string (Salt's
// salt.utils.args.split_input).
func strList(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, pyStr(e))
		}
		return out
	case string:
		var out []string
		for _, p := range strings.Split(t, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	return []string{pyStr(v)}
}

// source returns the content of a salt:// file the controller sent with
// the request (Env.Sources, by the URL as the call names it); ok is false
// when the controller found no such file in its file roots.
func (c *call) source(url, saltenv string) ([]byte, bool, error) {
	h, ok := c.env.Sources[url]
	if !ok || h == "" || c.env.File == nil {
		return nil, false, nil
	}
	b, err := c.env.File(h)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// salt is __salt__[fun](*args, **kwargs) from inside a function: the
// same module code, sharing the host's return code as Salt's __context__
// does (a command run through cmd.* sets it).
func (c *call) salt(fun string, args []any, kwargs map[string]any) (any, error) {
	r := Run(c.ctx, c.env, fun, args, kwargs, nil)
	if strings.HasPrefix(fun, "cmd.") && r.Err == nil {
		c.retcode = r.Retcode
	}
	return r.Return, r.Err
}

// cmdRun is __salt__["cmd.run"](line): no shell, stderr merged, the host's
// return code set.
func (c *call) cmdRun(line string, kw map[string]any) (string, error) {
	v, err := c.salt("cmd.run", []any{line}, kw)
	s, _ := v.(string)
	return s, err
}
