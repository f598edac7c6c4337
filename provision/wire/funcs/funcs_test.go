package funcs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestCatalog: every signature parses, every function has a doc line and
// every doc a function, names are mod.fun.
func TestCatalog(t *testing.T) {
	c, problems := Documented()
	for _, p := range problems {
		t.Error(p)
	}
	if len(c) < 100 {
		t.Fatalf("catalog has %d functions", len(c))
	}
	seen := map[string]bool{}
	for _, e := range table() {
		if seen[e.name] {
			t.Errorf("%s twice in the table", e.name)
		}
		seen[e.name] = true
	}
	for name, f := range c {
		if f.Err != nil {
			t.Errorf("%s: %v", name, f.Err)
		}
		if mod, fun, ok := strings.Cut(name, "."); !ok || mod == "" || fun == "" || strings.Contains(fun, ".") {
			t.Errorf("bad name %q", name)
		}
		if strings.Contains(f.Doc, "\n") {
			t.Errorf("%s: doc is more than a line", name)
		}
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	c := New()
	for name, want := range map[string]string{
		"test.echo":       "test.echo(text)",
		"test.arg":        "test.arg(*args, **kwargs)",
		"pillar.items":    "pillar.items(*args, pillar=None, pillar_enc=None, pillarenv=None, saltenv=None)",
		"grains.get":      `grains.get(key, default="", delimiter=DEFAULT_TARGET_DELIM, ordered=True)`,
		"test.true":       "test.true()",
		"file.readlink":   "file.readlink(path, canonicalize=False)",
		"service.enabled": "service.enabled(name, root=None, **kwargs)",
	} {
		if got := c[name].Signature(); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}

// bindCase is one call against a Salt signature and what Python makes of
// it: the bound values, or the TypeError / SaltInvocationError message.
type bindCase struct {
	fun    string
	args   []any
	kwargs map[string]any
	order  []string
	want   map[string]any // a subset of Values
	rest   []any
	extra  map[string]any
	err    string
	cli    string // CheckKwargs's message
}

// TestBind checks binding against Salt 3007.1's signatures; the messages
// are CPython 3.11's (Debian 12's python3) and Salt's load_args_and_kwargs.
func TestBind(t *testing.T) {
	cases := []bindCase{
		{fun: "cmd.run", args: []any{"ls", "/tmp"}, want: map[string]any{"cmd": "ls", "cwd": "/tmp", "runas": nil, "rstrip": true, "output_loglevel": "debug", "shell": nil}},
		{fun: "cmd.run", args: []any{"ls"}, kwargs: map[string]any{"cwd": "/", "python_shell": true}, want: map[string]any{"cwd": "/", "python_shell": true}},
		{fun: "cmd.run", kwargs: map[string]any{"foo": 1}, extra: map[string]any{"foo": 1}, err: "run() missing 1 required positional argument: 'cmd'"},
		{fun: "cmd.run", args: []any{"ls"}, kwargs: map[string]any{"cmd": "x"}, err: "run() got multiple values for argument 'cmd'"},
		{fun: "test.echo", args: []any{"a", "b"}, err: "echo() takes 1 positional argument but 2 were given"},
		{fun: "test.echo", err: "echo() missing 1 required positional argument: 'text'"},
		{fun: "test.ping", args: []any{1}, err: "ping() takes 0 positional arguments but 1 was given"},
		{fun: "test.true", args: []any{1}, err: "true_() takes 0 positional arguments but 1 was given"},
		{fun: "test.echo", kwargs: map[string]any{"txt": "x"}, err: "echo() got an unexpected keyword argument 'txt'", cli: "The following keyword arguments are not valid: txt=x"},
		{fun: "test.retcode", args: []any{1, 2}, err: "retcode() takes from 0 to 1 positional arguments but 2 were given"},
		{fun: "file.readlink", args: []any{"/a", true, 3}, err: "readlink() takes from 1 to 2 positional arguments but 3 were given"},
		{fun: "grains.setval", err: "setval() missing 2 required positional arguments: 'key' and 'val'"},
		{fun: "network.ip_in_subnet", kwargs: map[string]any{"b": []any{1, "x"}, "a": true}, order: []string{"b", "a"},
			err: "ip_in_subnet() got an unexpected keyword argument 'b'", cli: "The following keyword arguments are not valid: b=[1, 'x'], a=True"},
		{fun: "test.arg", args: []any{1, "two"}, kwargs: map[string]any{"k": 3, "__pub_fun": "test.arg"}, rest: []any{1, "two"}, extra: map[string]any{"k": 3, "__pub_fun": "test.arg"}},
		{fun: "pkg.version", args: []any{"bash", "sed"}, rest: []any{"bash", "sed"}},
		{fun: "pillar.items", args: []any{"a"}, kwargs: map[string]any{"saltenv": "dev"}, rest: []any{"a"}, want: map[string]any{"saltenv": "dev", "pillar": nil}},
		{fun: "pillar.items", kwargs: map[string]any{"nope": 1}, err: "items() got an unexpected keyword argument 'nope'", cli: "The following keyword arguments are not valid: nope=1"},
		{fun: "grains.get", args: []any{"os"}, want: map[string]any{"key": "os", "default": "", "delimiter": ":", "ordered": true}},
		{fun: "test.echo", args: []any{"x"}, kwargs: map[string]any{"__pub_jid": "1"}, want: map[string]any{"text": "x"}, cli: "The following keyword arguments are not valid: __pub_jid=1"},
		{fun: "state.apply", args: []any{"a", "b"}, err: "apply_() takes from 0 to 1 positional arguments but 2 were given"},
	}
	c := New()
	for _, tc := range cases {
		f, ok := c.Get(tc.fun)
		if !ok {
			t.Fatalf("%s not in the catalog", tc.fun)
		}
		cliErr := f.CheckKwargs(tc.kwargs, tc.order)
		if (cliErr == nil) != (tc.cli == "") || cliErr != nil && cliErr.Error() != tc.cli {
			t.Errorf("%s %v %v: CheckKwargs %v, want %q", tc.fun, tc.args, tc.kwargs, cliErr, tc.cli)
		}
		b, err := f.Bind(tc.args, tc.kwargs, tc.order)
		if tc.err != "" {
			var ae *ArgError
			if err == nil || !errors.As(err, &ae) || err.Error() != tc.err {
				t.Errorf("%s %v %v: error %v, want %q", tc.fun, tc.args, tc.kwargs, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %v %v: %v", tc.fun, tc.args, tc.kwargs, err)
			continue
		}
		for k, v := range tc.want {
			if got, ok := b.Values[k]; !ok || !reflect.DeepEqual(got, v) {
				t.Errorf("%s: %s = %#v, want %#v", tc.fun, k, got, v)
			}
		}
		if !reflect.DeepEqual(b.Rest, tc.rest) || !reflect.DeepEqual(b.Extra, tc.extra) {
			t.Errorf("%s: rest %v extra %v, want %v %v", tc.fun, b.Rest, b.Extra, tc.rest, tc.extra)
		}
	}
}

func TestKeywordOnly(t *testing.T) {
	f := parse("x.f", "a, *, k, j=2")
	if _, err := f.Bind([]any{1, 2}, map[string]any{"k": 1}, nil); err == nil || err.Error() != "f() takes 1 positional argument but 2 positional arguments (and 1 keyword-only argument) were given" {
		t.Errorf("got %v", err)
	}
	if _, err := f.Bind([]any{1}, nil, nil); err == nil || err.Error() != "f() missing 1 required keyword-only argument: 'k'" {
		t.Errorf("got %v", err)
	}
	g := parse("x.g", "a, b, c")
	if _, err := g.Bind(nil, nil, nil); err == nil || err.Error() != "g() missing 3 required positional arguments: 'a', 'b', and 'c'" {
		t.Errorf("got %v", err)
	}
	if f := parse("x.h", "a=[1, 'b,c'], b={'k': (1, 2)}, c=-1.5"); f.Err != nil || len(f.Params) != 3 {
		t.Errorf("literal defaults: %+v", f)
	}
	if f := parse("x.h", "a=os.sep"); f.Err == nil {
		t.Error("a non-literal default parsed")
	}
}

func TestSelectAndClosest(t *testing.T) {
	c := New()
	if got := c.Select("test.ping", "grains.get"); !reflect.DeepEqual(got, []string{"grains.get", "test.ping"}) {
		t.Errorf("Select functions: %v", got)
	}
	if got := c.Select("test"); len(got) < 10 || got[0] != "test.arg" {
		t.Errorf("Select module: %v", got)
	}
	if got := c.Select("*.ping"); !reflect.DeepEqual(got, []string{"network.ping", "test.ping"}) {
		t.Errorf("Select glob: %v", got)
	}
	if got := c.Closest("test.pnig", 3); len(got) == 0 || got[0] != "test.ping" {
		t.Errorf("Closest: %v", got)
	}
	if got := c.Closest("tset.ping", 3); len(got) == 0 || got[0] != "test.ping" {
		t.Errorf("Closest module typo: %v", got)
	}
	if got := c.Closest("zzzzzz.qqqqqq", 3); len(got) != 0 {
		t.Errorf("Closest of nonsense: %v", got)
	}
}
