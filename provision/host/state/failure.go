package state

import (
	"context"

	"brine/provision/wire/lowstate"
)

// markedFailure returns the function that stands for a state the compiler
// marked with lowstate.KeyFail (a salt:// source it could not find, a file
// template that does not render): the state fails as Salt fails it when it
// runs, after its requisites and unless/onlyif checks, so its dependants
// fail through their requisites and every other state runs. In a dry run it
// fails with the marker's test comment, or runs fn as usual without one.
func markedFailure(c lowstate.Chunk, test bool, fn Func) Func {
	f, ok := c.Failure()
	if !ok {
		return fn
	}
	comment := f.Comment
	if test {
		if f.TestComment == "" {
			return fn
		}
		comment = f.TestComment
	}
	return func(context.Context, *Env, lowstate.Chunk) *lowstate.Result {
		res := Failed(comment)
		for k, v := range f.Changes {
			res.Changes[k] = v
		}
		return res
	}
}
