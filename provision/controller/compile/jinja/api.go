package jinja

import (
	"crypto/sha256"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// Loader resolves template names used by {% import %}, {% from %}, {% include %},
// {% import_yaml %} and {% import_json %}; it returns the source and a display name for errors.
type Loader interface {
	Load(name string) (src []byte, display string, err error)
}

// Callable is a Go function callable from templates, e.g. salt['pillar.get']('a:b', 'x').
type Callable func(args []any, kwargs map[string]any) (any, error)

// Getter lets Go values answer attribute (x.name) and item (x[key]) access from templates.
type Getter interface {
	GetAttr(name string) (any, bool)
	GetItem(key any) (any, bool)
}

// Undefined is what a Getter returns for a name it knows is missing: the
// template sees an undefined value (`is defined` and `is callable` are false,
// `in` is false) and any use of it fails with Msg, so the Getter, not the
// engine, words the error.
type Undefined struct {
	Name string
	Msg  string
}

// Error is a template syntax or runtime error, located by file and line.
type Error struct {
	File string
	Line int
	Msg  string
	// Undefined marks the use of an undefined value (Jinja's
	// UndefinedError, which Salt words "Jinja variable ...").
	Undefined bool
	// Syntax marks a template that does not parse (TemplateSyntaxError).
	Syntax bool
}

// Error formats the error as "File:Line: Msg".
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxCacheEntries bounds the parse cache; when exceeded the cache is reset.
const maxCacheEntries = 4096

// Env is a configured template environment; safe for concurrent Render calls.
type Env struct {
	loader  Loader
	filters map[string]filterFunc
	tests   map[string]testFunc
	// strMethods are the str methods ("{{ s.split(':') }}").
	strMethods map[string]strMethodFunc

	mu    sync.RWMutex
	cache map[cacheKey]*template
}

type cacheKey struct {
	name   string
	loaded bool
	sum    [32]byte
}

// New builds an environment with Salt's filters and tests and the given loader (nil: no imports).
func New(loader Loader) *Env {
	return &Env{
		loader:     loader,
		filters:    builtinFilters(),
		tests:      builtinTests(),
		strMethods: builtinStrMethods(),
		cache:      map[cacheKey]*template{},
	}
}

// Render renders src (template name `name`, used in errors as "name:LINE: message") with vars
// as the context. Errors are *Error; Render never panics.
func (e *Env) Render(name string, src []byte, vars map[string]any) (out string, err error) {
	return e.RenderWith(name, src, vars, Options{})
}

// Options are per-render settings.
type Options struct {
	// Order gives Go maps reaching the template (vars, function results)
	// their dictionary key order, and learns the order of dictionaries the
	// template hands to functions (nil: keys sorted).
	Order *KeyOrder
}

// RenderWith is Render with options.
func (e *Env) RenderWith(name string, src []byte, vars map[string]any, o Options) (out string, err error) {
	r := &renderer{env: e, name: name, order: o.Order}
	defer func() {
		if p := recover(); p != nil {
			out = ""
			err = r.recovered(p)
		}
	}()
	tpl, err := e.parse(name, name, src, false)
	if err != nil {
		return "", err
	}
	globals := newFrame(nil, tpl)
	for k, v := range vars {
		globals.set(k, fromGoOrdered(v, r.order))
	}
	r.globals = globals
	var sb strings.Builder
	r.out = &sb
	f := newFrame(globals, tpl)
	r.runTemplate(tpl, f)
	if tpl.trailingNewline {
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}

// recovered turns a panic value from the evaluator into an *Error.
func (r *renderer) recovered(p any) error {
	switch v := p.(type) {
	case *Error:
		return v
	default:
		file, line := r.name, 0
		if r.cur != nil {
			file = r.cur.tpl.display
		}
		line = r.line
		return &Error{File: file, Line: line, Msg: fmt.Sprintf("internal template engine error: %v\n%s", v, firstLines(string(debug.Stack()), 12))}
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// parse returns the cached AST for (name, src) or parses and caches it; loaded marks
// templates that came through the Loader.
func (e *Env) parse(name, display string, src []byte, loaded bool) (*template, error) {
	key := cacheKey{name: name + "\x00" + display, loaded: loaded, sum: sha256.Sum256(src)}
	e.mu.RLock()
	t, ok := e.cache[key]
	e.mu.RUnlock()
	if ok {
		return t, nil
	}
	t, err := parseTemplate(name, display, string(src))
	if err != nil {
		return nil, err
	}
	t.loaded = loaded
	e.mu.Lock()
	if len(e.cache) >= maxCacheEntries {
		e.cache = map[cacheKey]*template{}
	}
	e.cache[key] = t
	e.mu.Unlock()
	return t, nil
}
