package main

import (
	"context"

	"brine/provision/execmod"
	"brine/provision/executor"
)

// call answers the execution module calls the controller's templates make
// (salt['file.file_exists'](...)) from this host: its files, users,
// packages, services and commands (package execmod), with the session's
// command runner and grains.
func call(ctx context.Context, host executor.CallHost, fun string, args []any, kwargs map[string]any) (any, error) {
	return execmod.Call(ctx, &execmod.Env{Root: host.Root, Exec: host.Exec, Grains: host.Grains}, fun, args, kwargs)
}
