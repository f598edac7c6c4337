// Package jinja is a Jinja2 template engine with Salt's extensions, written for
// rendering Salt state trees (SLS files, map.jinja, formula templates) on the
// brine controller without Python.
//
// Why a self-written engine instead of wrapping github.com/nikolalohinski/gonja/v2:
// Salt trees rely on Python-faithful semantics that gonja does not give us —
// mutation through methods (.append, .update, .setdefault on values shared by
// reference), Python's %-formatting and str.format (gonja panics with a
// divide-by-zero on `"%s-%s" % ('a','b')`), Salt's statements ({% import_yaml %},
// {% load_yaml %}), and `salt['m.f']` on Go objects. Owning the lexer, parser and
// evaluator also gives exact "file:line: message" errors for syntax and runtime
// problems, bounded recursion, step and memory budgets, and a single recover
// point, so a bad template in a user's tree can never crash the controller.
//
// Pipeline: lexer (whitespace control exactly like Jinja2 with trim_blocks and
// lstrip_blocks off; one trailing newline of the source is dropped and re-added,
// as Salt does) -> recursive-descent parser -> immutable AST, cached per
// (name, source hash) in the Env -> tree-walking evaluator. Lists and dicts are
// internal reference types (insertion-ordered dicts) so mutation is visible
// through every alias, as in Python; values are converted back to plain Go values
// where they leave the engine (Callable and Getter arguments). Go maps passed in
// vars become dicts with sorted keys, so output is deterministic.
//
// Salt specifics: the render vars are globals, visible to imported templates with
// or without context (Salt puts its context into the template globals); an import
// without context sees its own tpldir/tplfile/tpldot (Salt's loader sets them) when
// the caller provided those names; {% import_yaml/json/text %} renders the file as
// a template and then parses it, like Salt's SerializerExtension; "./" and "../"
// template names are resolved against the importing template's name, or for the
// top-level template (whose name may be a display path) against the tpldir global; the json
// filter is json.dumps(sort_keys=True), yaml is PyYAML safe_dump flow style with
// sorted keys, min/max/unique/to_bool/avg follow Salt's overrides.
//
// Limits (each a render error, never a crash): 200 nested macro calls, includes
// or imports; 200 levels of template nesting; 20M loop iterations and calls; 64 MiB
// of output; 16 MiB per computed string, 1M items per list and 256 MiB of computed
// strings and list slots per render.
//
// Known, deliberate differences from CPython Jinja2: integers are int64 (overflow
// becomes float instead of a big int); |yaml never wraps lines at 80 columns and
// writes strings with newlines as one double-quoted scalar (PyYAML folds them over
// several lines); range() returns a list; {% trans %} is not supported; blocks in a child template
// run in a scope nested in the child's top level; str.format resolves "{x.k}" on dicts by key as well.
package jinja
