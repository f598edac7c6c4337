package main

import (
	"errors"
	"fmt"

	"brine/provision/controller/compile"
	"brine/provision/controller/dispatch"
)

// withTarget hands the compile of one host the runner's session to it
// (call is nil on the first try), and the hook that registers the host's
// secret pillar values as soon as its pillar is rendered, before any
// template or error could print one.
func withTarget(h compile.Host, call dispatch.Caller, onPillar func(map[string]any)) compile.Host {
	if call != nil {
		h.Call = call
	}
	h.OnPillar = onPillar
	return h
}

// targetErr tells the runner that a compile needs the host's answers.
func targetErr(err error) error {
	if errors.Is(err, compile.ErrNeedsTarget) {
		return fmt.Errorf("%w: %w", dispatch.ErrNeedsTarget, err)
	}
	return err
}
