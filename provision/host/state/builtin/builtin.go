// Package builtin assembles the registry of every state module brine ships,
// and the catalog of their specs.
package builtin

//go:generate go test -run TestREADMEStates -update .

import (
	"brine/provision/host/state"
	"brine/provision/wire/spec"
)

// Registry returns a fresh registry with every built-in state module.
func Registry() state.Registry {
	r := state.Registry{}
	for name, m := range modules() {
		r[name] = m()
	}
	return r
}

// Catalog returns a fresh catalog of the specs of every built-in state
// function, with their documentation, without building the modules
// themselves (the controller needs only the specs: brine's compiler checks
// chunks against them, and sys.list_state_functions and sys.state_doc print
// them). The specs have a table of their own so the controller does not
// link the modules' code, and the docs are read only here so the executor
// (whose modules carry their specs) does not link the text;
// TestCatalogMatchesRegistry keeps the tables in step.
func Catalog() spec.Catalog {
	c := spec.Catalog{}
	for name, e := range specs() {
		m := e.spec()
		m.Document(e.doc())
		c[name] = m
	}
	return c
}
