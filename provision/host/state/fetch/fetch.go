// Package fetch gets the bytes a state's source names on the target: a file
// the compiler put in the bundle (salt:// sources, and http(s) sources it
// downloaded on the controller, lowstate.KeyFile), a file:// URL or an
// absolute path on the host. The executor has no network client: remote
// sources are the controller's job (provision/controller/download).
package fetch

import (
	"context"
	"fmt"
	"os"
	"strings"

	"brine/provision/host/state"
	"brine/provision/lib/sourcehash"
	"brine/provision/wire/lowstate"
)

// Source returns the content of src for chunk c.
func Source(_ context.Context, env *state.Env, c lowstate.Chunk, src string) ([]byte, error) {
	if h := c.Str(lowstate.KeyFile); h != "" && env.File != nil {
		b, err := env.File(h)
		if err != nil {
			return nil, fmt.Errorf("bundled file for %s: %w", src, err)
		}
		return b, nil
	}
	switch {
	case strings.HasPrefix(src, "salt://"):
		return nil, fmt.Errorf("source %s was not bundled by the compiler (does the file exist in the state tree?)", src)
	case strings.HasPrefix(src, "file://"):
		b, err := os.ReadFile(state.HostPath(env, strings.TrimPrefix(src, "file://")))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src, err)
		}
		return b, nil
	case strings.HasPrefix(src, "/"):
		b, err := os.ReadFile(state.HostPath(env, src))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src, err)
		}
		return b, nil
	case strings.Contains(src, "://"):
		return nil, fmt.Errorf("remote source %s was not downloaded by the controller", src)
	}
	return nil, fmt.Errorf("unsupported source %q (use salt://, http(s)://, file:// or an absolute path)", src)
}

// Verify checks data against a Salt source_hash digest ("sha256=HEX" or a
// bare digest); the errors are Salt's.
func Verify(src string, data []byte, sourceHash string) error {
	want, err := sourcehash.Parse(sourceHash)
	if err != nil {
		return err
	}
	return sourcehash.Check(src, data, want)
}
