package adhoc

import (
	"errors"
	"fmt"
	"strings"

	"brine/provision/wire"
	"brine/provision/wire/funcs"
)

// Call is one ad-hoc call: the function and its arguments as Salt's CLI
// reads them, bound to the function's signature.
type Call struct {
	Func   *funcs.Func
	Args   []any
	Kwargs map[string]any
	// Order lists the keyword arguments as given.
	Order []string
	Bound *funcs.Bound
}

// Refused is a call that cannot run, found on the controller before any
// host is contacted: every targeted host answers Msg (worded as salt-call
// prints it) with Retcode, as each would under salt-ssh.
type Refused struct {
	Fun     string
	Msg     string
	Retcode int
	// Stdout is what salt-call prints on its standard output with the
	// error: the function's documentation after "Usage:" for arguments
	// that do not fit.
	Stdout string
	// Closest are the nearest names brine has, for a function it does not
	// have.
	Closest []string
}

func (r *Refused) Error() string { return r.Msg }

// Prepare reads the words after the function name as Salt's CLI does and
// binds them to the function's Salt signature: an unknown function is
// Salt's "'x.y' is not available." (with the closest names brine has), an
// unknown keyword, a missing argument or too many positionals the message
// salt-call prints, all as *Refused. noParse is Parse's.
func Prepare(cat funcs.Catalog, fun string, words []string, noParse ...string) (*Call, error) {
	f, ok := cat.Get(fun)
	if !ok {
		// salt-call exits -1 (255) for a function it does not have
		return nil, &Refused{Fun: fun, Msg: fmt.Sprintf("'%s' is not available.", fun), Retcode: 255, Closest: cat.Closest(fun, 3)}
	}
	args, kwargs, order := Parse(words, noParse...)
	c := &Call{Func: f, Args: args, Kwargs: kwargs, Order: order}
	if err := f.CheckKwargs(kwargs, order); err != nil {
		return nil, &Refused{Fun: fun, Msg: funcs.Raised(fun, err), Retcode: 1}
	}
	b, err := f.Bind(args, kwargs, order)
	if err != nil {
		var ae *funcs.ArgError
		if errors.As(err, &ae) {
			return nil, &Refused{Fun: fun, Msg: funcs.Raised(fun, err), Retcode: 1, Stdout: usage(fun)}
		}
		return nil, err
	}
	c.Bound = b
	return c, nil
}

// usage is brine's documentation of fun, where salt-call prints the
// function's docstring: its doc line and signature.
func usage(fun string) string {
	cat, _ := funcs.Documented()
	f, ok := cat[fun]
	if !ok {
		return ""
	}
	return f.Doc + "\n\n    CLI Example:\n\n        brine '*' " + strings.TrimSpace(strings.TrimSuffix(strings.Replace(f.Signature(), "(", " ", 1), ")"))
}

// Wire is the call as it travels to the executor.
func (c *Call) Wire() *wire.Call {
	return &wire.Call{Fun: c.Func.Name, Args: c.Args, Kwargs: c.Kwargs, Order: c.Order}
}

// Positional returns the bound call as positional arguments in the
// signature's order, then *args, with **kwargs apart: how the controller
// calls the compiler's implementation (the same code templates call).
func (c *Call) Positional() ([]any, map[string]any) {
	var args []any
	kw := map[string]any{}
	for _, p := range c.Func.Params {
		if p.KwOnly {
			kw[p.Name] = c.Bound.Values[p.Name]
			continue
		}
		args = append(args, c.Bound.Values[p.Name])
	}
	args = append(args, c.Bound.Rest...)
	for k, v := range c.Bound.Extra {
		kw[k] = v
	}
	return args, kw
}

// Hint is the line brine prints on stderr for a function it does not
// have: the closest names, or where to look.
func (r *Refused) Hint() string {
	if !strings.HasSuffix(r.Msg, "is not available.") {
		return ""
	}
	if len(r.Closest) == 0 {
		return fmt.Sprintf("%s is not a function brine has (brine '*' sys.list_functions lists them)", r.Fun)
	}
	return fmt.Sprintf("%s is not a function brine has; did you mean %s?", r.Fun, strings.Join(r.Closest, ", "))
}
