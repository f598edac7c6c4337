package test_test

import (
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	teststate "brine/provision/host/state/test"
	"brine/provision/wire/lowstate"
)

func TestFunctions(t *testing.T) {
	T, F := lowstate.Bool(true), lowstate.Bool(false)
	for _, tc := range []struct {
		fun     string
		args    lowstate.Chunk
		test    bool
		result  *bool
		comment string
		changes bool
	}{
		{"succeed_without_changes", nil, false, T, "Success!", false},
		{"succeed_without_changes", nil, true, T, "Success!", false},
		{"nop", nil, false, T, "Success!", false},
		{"succeed_with_changes", nil, false, T, "Success!", true},
		{"succeed_with_changes", nil, true, nil, "If we weren't testing, this would be successful with changes", true},
		{"fail_without_changes", nil, false, F, "Failure!", false},
		{"fail_without_changes", nil, true, F, "If we weren't testing, this would be a failure!", false},
		{"fail_with_changes", nil, false, F, "Failure!", true},
		{"fail_with_changes", nil, true, nil, "If we weren't testing, this would be failed with changes", true},
		{"show_notification", lowstate.Chunk{"text": "hello there"}, false, T, "hello there", false},
		{"show_notification", nil, false, F, "Missing required argument text.", false},
		{"succeed_with_changes", lowstate.Chunk{"comment": "custom"}, false, T, "custom", true},
		{"configurable_test_state", lowstate.Chunk{"changes": false, "result": false, "comment": "c"}, false, F, "c", false},
		{"configurable_test_state", lowstate.Chunk{"changes": true, "result": true}, true, nil, "This is a test", true},
		{"configurable_test_state", lowstate.Chunk{"changes": false}, true, T, "This is a test", false},
		{"configurable_test_state", lowstate.Chunk{"changes": "maybe"}, false, F, "You have specified the state option 'changes' with invalid arguments. It must be either True, False, or 'Random'", false},
	} {
		c := lowstate.Chunk{"state": "test", "fun": tc.fun, "name": "n", "__id__": "n"}
		for k, v := range tc.args {
			c[k] = v
		}
		r := statetest.Call(&state.Env{Test: tc.test}, teststate.Module(), "", c)
		okRes := (r.Result == nil && tc.result == nil) || (r.Result != nil && tc.result != nil && *r.Result == *tc.result)
		if !okRes || r.Comment != tc.comment || (len(r.Changes) > 0) != tc.changes {
			t.Errorf("%s test=%v: got %v %q %v", tc.fun, tc.test, r.Result, r.Comment, r.Changes)
		}
	}
}
