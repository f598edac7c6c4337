package funcs

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"brine/provision/lib/pyfmt"
)

// ArgError is a call whose arguments do not fit the function, worded as
// Salt words it: Invalid is Salt's SaltInvocationError for keyword
// arguments the function does not take ("The following keyword arguments
// are not valid: x=1"), raised before the call; otherwise Msg is the
// TypeError Python raises for the call ("run() missing 1 required
// positional argument: 'cmd'").
type ArgError struct {
	Func    string
	Invalid bool
	Msg     string
}

func (e *ArgError) Error() string { return e.Msg }

// Bound is a call bound to its function's parameters.
type Bound struct {
	F *Func
	// Values holds every named parameter: the value given, or the
	// default.
	Values map[string]any
	// Given marks the parameters the call set.
	Given map[string]bool
	// Rest are the positional arguments past the named ones (*args).
	Rest []any
	// Extra are the keyword arguments no parameter takes (**kwargs).
	Extra map[string]any
}

// CheckKwargs is Salt's check of command-line keyword arguments before the
// call (salt.minion.load_args_and_kwargs): a function without **kwargs
// takes only its own parameters' names. order lists the keywords as given
// (nil: sorted).
func (f *Func) CheckKwargs(kwargs map[string]any, order []string) error {
	if f.Kwargs != "" {
		return nil
	}
	var bad []string
	for _, k := range keyOrder(kwargs, order) {
		if _, ok := f.Param(k); !ok {
			bad = append(bad, k+"="+pyfmt.Str(kwargs[k]))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &ArgError{Func: f.Name, Invalid: true, Msg: "The following keyword arguments are not valid: " + strings.Join(bad, ", ")}
}

// keyOrder returns the keys of kw in order (those order lacks, sorted, after).
func keyOrder(kw map[string]any, order []string) []string {
	out := make([]string, 0, len(kw))
	seen := map[string]bool{}
	for _, k := range order {
		if _, ok := kw[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	var rest []string
	for k := range kw {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Bind binds args and kwargs to the parameters as a Python call does, and
// fails with the TypeError Python raises, checked in CPython's order:
// unexpected or repeated keywords, too many positional arguments, missing
// positional, missing keyword-only. Keywords starting with "__" (Salt's
// __pub_* data) go to **kwargs, or are dropped when there is none.
func (f *Func) Bind(args []any, kwargs map[string]any, order []string) (*Bound, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	b := &Bound{F: f, Values: map[string]any{}, Given: map[string]bool{}}
	var positional []Param
	for _, p := range f.Params {
		if !p.KwOnly {
			positional = append(positional, p)
		}
	}
	for i, v := range args {
		if i < len(positional) {
			b.Values[positional[i].Name] = v
			b.Given[positional[i].Name] = true
		} else if f.Varargs != "" {
			b.Rest = append(b.Rest, v)
		}
	}
	py := f.PyName + "()"
	for _, k := range keyOrder(kwargs, order) {
		v := kwargs[k]
		if _, ok := f.Param(k); ok {
			if b.Given[k] {
				return nil, &ArgError{Func: f.Name, Msg: fmt.Sprintf("%s got multiple values for argument '%s'", py, k)}
			}
			b.Values[k], b.Given[k] = v, true
			continue
		}
		if f.Kwargs == "" {
			if strings.HasPrefix(k, "__") {
				continue
			}
			return nil, &ArgError{Func: f.Name, Msg: fmt.Sprintf("%s got an unexpected keyword argument '%s'", py, k)}
		}
		if b.Extra == nil {
			b.Extra = map[string]any{}
		}
		b.Extra[k] = v
	}
	if len(args) > len(positional) && f.Varargs == "" {
		return nil, &ArgError{Func: f.Name, Msg: tooMany(py, positional, len(args), b)}
	}
	var missing, missingKw []string
	for _, p := range f.Params {
		if b.Given[p.Name] {
			continue
		}
		if p.Required {
			if p.KwOnly {
				missingKw = append(missingKw, "'"+p.Name+"'")
			} else {
				missing = append(missing, "'"+p.Name+"'")
			}
			continue
		}
		v, err := Literal(p.Default)
		if err != nil {
			return nil, err
		}
		b.Values[p.Name] = v
	}
	if len(missing) > 0 {
		return nil, &ArgError{Func: f.Name, Msg: fmt.Sprintf("%s missing %d required positional %s: %s", py, len(missing), plural(len(missing), "argument"), pyList(missing))}
	}
	if len(missingKw) > 0 {
		return nil, &ArgError{Func: f.Name, Msg: fmt.Sprintf("%s missing %d required keyword-only %s: %s", py, len(missingKw), plural(len(missingKw), "argument"), pyList(missingKw))}
	}
	return b, nil
}

// tooMany is CPython's too_many_positional message.
func tooMany(py string, positional []Param, given int, b *Bound) string {
	required := 0
	for _, p := range positional {
		if p.Required {
			required++
		}
	}
	takes := ""
	if required < len(positional) {
		takes = fmt.Sprintf("from %d to %d positional arguments", required, len(positional))
	} else {
		takes = fmt.Sprintf("%d positional %s", len(positional), plural(len(positional), "argument"))
	}
	kwOnlyGiven := 0
	for _, p := range b.F.Params {
		if p.KwOnly && b.Given[p.Name] {
			kwOnlyGiven++
		}
	}
	was := "were"
	if given == 1 && kwOnlyGiven == 0 {
		was = "was"
	}
	if kwOnlyGiven > 0 {
		return fmt.Sprintf("%s takes %s but %d positional %s (and %d keyword-only %s) were given", py, takes, given,
			plural(given, "argument"), kwOnlyGiven, plural(kwOnlyGiven, "argument"))
	}
	return fmt.Sprintf("%s takes %s but %d %s given", py, takes, given, was)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// pyList joins names as CPython's format_missing does: "'a'", "'a' and
// 'b'", "'a', 'b', and 'c'".
func pyList(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1]
}

// Str returns parameter k as Python's str() prints it ("" for None).
func (b *Bound) Str(k string) string {
	v := b.Values[k]
	if v == nil {
		return ""
	}
	return pyfmt.Str(v)
}

// Truth is parameter k's Python truth value.
func (b *Bound) Truth(k string) bool { return pyfmt.Truth(b.Values[k]) }

// IsNone reports a parameter that is None.
func (b *Bound) IsNone(k string) bool { return b.Values[k] == nil }

// Int reads parameter k as an integer (an int, a whole float, or a string
// of digits).
func (b *Bound) Int(k string) (int, bool) {
	switch t := b.Values[k].(type) {
	case int:
		return t, true
	case float64:
		if t == float64(int(t)) {
			return int(t), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(t))
		return n, err == nil
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Exception is an error an execution function raises, named as Salt's
// exception classes are: CommandExecutionError (what a plain error is),
// SaltInvocationError, CommandNotFoundError, or a Python builtin
// (Exception, ValueError...).
type Exception struct {
	Type string
	Msg  string
	// Info is a CommandExecutionError's info: salt-call prints it after
	// the message, in the nested outputter ("Additional info follows").
	Info any
}

func (e *Exception) Error() string { return e.Msg }

// Raise returns the exception typ with the formatted message.
func Raise(typ, format string, a ...any) error {
	return &Exception{Type: typ, Msg: fmt.Sprintf(format, a...)}
}

// Retcode is salt-call's exit code for a function that raised err: 255
// (its sys.exit(-1)) when the function does not exist, else 1.
func Retcode(err error) int {
	var ex *Exception
	if errors.As(err, &ex) && ex.Type == "NotAvailable" {
		return 255
	}
	return 1
}

// Raised words err as salt-call prints it on its standard error when the
// function fun raised it (salt/cli/caller.py): "Error running 'fun': msg"
// for a CommandExecutionError, "Passed invalid arguments: msg.\n\nUsage:"
// for a TypeError (a SaltInvocationError is one; the usage follows on
// standard output), the message alone for the keyword check before the
// call, and the last line of Python's traceback ("Exception: msg") for
// anything else.
func Raised(fun string, err error) string {
	var ae *ArgError
	if errors.As(err, &ae) {
		if ae.Invalid {
			return ae.Msg
		}
		return "Passed invalid arguments: " + ae.Msg + ".\n\nUsage:"
	}
	var ex *Exception
	if errors.As(err, &ex) {
		switch ex.Type {
		case "CommandExecutionError":
		case "TypeError", "SaltInvocationError":
			// salt-call prints the function's docstring after "Usage:",
			// on its standard output
			return "Passed invalid arguments: " + ex.Msg + ".\n\nUsage:"
		case "CommandNotFoundError":
			return fmt.Sprintf("Command required for '%s' not found: %s", fun, ex.Msg)
		case "NotAvailable":
			return ex.Msg
		default:
			return ex.Type + ": " + ex.Msg
		}
		return fmt.Sprintf("Error running '%s': %s", fun, ex.Msg)
	}
	return fmt.Sprintf("Error running '%s': %s", fun, err.Error())
}

// InvalidKwargs is salt.utils.args.invalid_kwargs: the SaltInvocationError
// a function raises for keyword arguments it does not take through its
// **kwargs (sorted by key).
func InvalidKwargs(fun string, kw map[string]any) error {
	var bad []string
	for _, k := range keyOrder(kw, nil) {
		if !strings.HasPrefix(k, "__") {
			bad = append(bad, k+"="+pyfmt.Str(kw[k]))
		}
	}
	return &ArgError{Func: fun, Invalid: true, Msg: "The following keyword arguments are not valid: " + strings.Join(bad, ", ")}
}
