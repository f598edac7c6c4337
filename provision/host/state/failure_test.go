package state_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"brine/provision/wire/lowstate"
)

// TestCompiledFailure: a state the compiler marked (missing salt://
// source) fails with Salt's comment when it runs, its dependants fail
// through the requisite, every other state runs; the marker survives the
// bundle's JSON.
func TestCompiledFailure(t *testing.T) {
	missing := chunk("s", "/etc/motd", "file.managed", "source", "salt://files/nope", lowstate.KeyFail, lowstate.Failure{
		Comment:     "Source file salt://files/nope not found in saltenv 'base'",
		TestComment: "Unable to manage file: Source file salt://files/nope not found in saltenv 'base'",
	})
	script := chunk("s", "run-it", "cmd.script", "source", "salt://x.sh", lowstate.KeyFail, lowstate.Failure{
		Comment: "Unable to cache script salt://x.sh from saltenv 'base'",
		Changes: map[string]any{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true},
	})
	dep := chunk("s", "after", "test.nop", "require", req("file", "/etc/motd"))
	other := chunk("s", "other", "test.succeed_with_changes")
	lost := chunk("s", "lost", "test.nop", "require", []any{"nothere", map[string]any{"pkg.installed": "vim"}}, "watch", req("file", "/nope"))
	var wired []lowstate.Chunk
	b, _ := json.Marshal([]lowstate.Chunk{missing, script, dep, other, lost})
	if err := json.Unmarshal(b, &wired); err != nil {
		t.Fatal(err)
	}

	res := runChunks(t, false, wired...)
	want(t, byID(t, res, "/etc/motd"), F, "Source file salt://files/nope not found in saltenv 'base'")
	want(t, byID(t, res, "after"), F, "One or more requisite failed: s./etc/motd")
	want(t, byID(t, res, "other"), T, "")
	r := byID(t, res, "run-it")
	want(t, r, F, "Unable to cache script salt://x.sh from saltenv 'base'")
	if !reflect.DeepEqual(r.Changes, map[string]any{"pid": float64(0), "retcode": float64(1), "stdout": "", "stderr": "", "cache_error": true}) {
		t.Errorf("cmd.script changes %v", r.Changes)
	}
	if got := byID(t, res, "lost").Comment; got != "The following requisites were not found:\n"+
		"                   require:\n                       id: nothere\n                       pkg: vim\n"+
		"                   watch:\n                       file: /nope\n" {
		t.Errorf("lost requisites comment %q", got)
	}

	// a dry run: the test comment; no test comment means the state's own
	// prediction (cmd.script: would have been executed)
	res = runChunks(t, true, wired...)
	want(t, byID(t, res, "/etc/motd"), F, "Unable to manage file: Source file salt://files/nope not found in saltenv 'base'")
	want(t, byID(t, res, "after"), F, "One or more requisite failed")
	if r := byID(t, res, "run-it"); r.Comment == "Unable to cache script salt://x.sh from saltenv 'base'" {
		t.Errorf("dry run of cmd.script must predict, got %+v", r)
	}
}
