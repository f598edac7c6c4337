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
// problems, bounded recursion, step and output budgets, and a single recover
// point, so a bad template in a user's tree can never crash the controller.
//
// Pipeline: lexer (whitespace control exactly like Jinja2 with trim_blocks and
// lstrip_blocks off) -> recursive-descent parser -> immutable AST, cached per
// (name, source hash) in the Env -> tree-walking evaluator. Lists and dicts are
// internal reference types (*List, *Dict with insertion order) so mutation is
// visible through every alias, as in Python; values are converted back to plain
// Go values where they leave the engine (Callable arguments).
package jinja
