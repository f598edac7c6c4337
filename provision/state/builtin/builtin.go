// Package builtin assembles the registry of every state module brine ships.
package builtin

import (
	"brine/provision/state"
	"brine/provision/state/cmd"
	"brine/provision/state/file"
	"brine/provision/state/module"
	"brine/provision/state/test"
)

// Registry returns a fresh registry with every built-in state module.
func Registry() state.Registry {
	r := state.Registry{
		"file":   file.Module(),
		"cmd":    cmd.Module(),
		"test":   test.Module(),
		"module": module.Module(),
	}
	addSystem(r)
	return r
}
