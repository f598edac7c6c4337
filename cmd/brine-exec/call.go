package main

import (
	"context"

	"brine/provision/execmod"
	"brine/provision/state"
)

// call answers the execution module calls the controller's templates make
// (salt['file.file_exists'](...)) from this host: its files, users,
// packages, services and commands (package execmod).
func call(ctx context.Context, fun string, args []any, kwargs map[string]any) (any, error) {
	return execmod.Call(ctx, &execmod.Env{Exec: state.NewHostExecutor()}, fun, args, kwargs)
}
