// Package builtin assembles the registry of every state module brine ships,
// and the catalog of their specs.
package builtin

import (
	"brine/provision/state"
	"brine/provision/state/spec"
)

// Registry returns a fresh registry with every built-in state module.
func Registry() state.Registry {
	r := state.Registry{}
	for _, m := range modules() {
		r[m.name] = m.module()
	}
	return r
}

// Catalog returns a fresh catalog of the specs of every built-in state
// function, without building the modules themselves (the controller needs
// only the specs: brine's compiler checks chunks against them, and
// sys.list_state_functions and sys.state_doc print them).
func Catalog() spec.Catalog {
	c := spec.Catalog{}
	for _, m := range modules() {
		c[m.name] = m.spec()
	}
	return c
}

// entry is one state module: its Salt name, constructor and spec.
type entry struct {
	name   string
	module func() *state.Module
	spec   func() *spec.Module
}
