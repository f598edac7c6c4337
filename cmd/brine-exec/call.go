package main

import (
	"context"

	"brine/provision/host/executor"
	"brine/provision/host/modules"
	"brine/provision/lib/pyfmt"
)

// call answers the execution module calls the controller's templates make
// (salt['file.file_exists'](...)) from this host: its files, users,
// packages, services and commands (package execmod), with the session's
// command runner and grains. The arguments crossed the wire as JSON:
// their whole numbers are ints again, as Python's json.loads reads them.
func call(ctx context.Context, host executor.CallHost, fun string, args []any, kwargs map[string]any) (any, error) {
	args, _ = pyfmt.Ints(args).([]any)
	kwargs, _ = pyfmt.Ints(kwargs).(map[string]any)
	return modules.Call(ctx, &modules.Env{Root: host.Root, Exec: host.Exec, Grains: host.Grains}, fun, args, kwargs)
}
