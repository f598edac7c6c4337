package file

import (
	"fmt"

	"brine/provision/host/state"
	"brine/provision/lib/sourcehash"
	"brine/provision/wire/lowstate"
)

// A dry run downloads nothing (test=True): an http(s) source the controller
// had no copy of reaches file.managed as lowstate.KeyUnfetched, and the
// prediction works from the source_hash alone.

// unfetchedContent allows a missing remote content only in a dry run.
func unfetchedContent(env *state.Env, u string) *lowstate.Result {
	if env.Test {
		return nil
	}
	return state.Failed(fmt.Sprintf("Source file %s was not downloaded by the controller", u))
}

// unfetchedDiff is the change predicted for an existing file whose remote
// content was not downloaded: none when the file already has the content's
// source_hash, else a note naming the URL.
func unfetchedDiff(c lowstate.Chunk, old []byte) string {
	u := c.Str(lowstate.KeyUnfetched)
	if u == "" || !state.ArgBool(c, "replace", true) {
		return ""
	}
	if !state.ArgBool(c, "skip_verify", false) {
		if want, err := sourcehash.Parse(c.Str("source_hash")); err == nil && want.Matches(old) {
			return ""
		}
	}
	return fmt.Sprintf("Replace the content with %s (not downloaded with test=True)", u)
}
