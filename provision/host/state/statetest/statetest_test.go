package statetest

import (
	"testing"

	"brine/provision/wire/lowstate"
)

func TestResult(t *testing.T) {
	for _, tc := range []struct {
		r    *lowstate.Result
		want string
	}{
		{&lowstate.Result{}, "None"},
		{&lowstate.Result{Result: lowstate.Bool(true)}, "true"},
		{&lowstate.Result{Result: lowstate.Bool(false)}, "false"},
	} {
		if got := Result(tc.r); got != tc.want {
			t.Errorf("Result(%v) = %q, want %q", tc.r.Result, got, tc.want)
		}
	}
}
