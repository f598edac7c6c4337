package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// hoistFlags moves flags that follow positional arguments in front of them,
// so `brine '*' cmd.run 'uname -a' --out json` works as with salt-ssh
// (urfave/cli stops at the first positional). "--" ends flag scanning.
func hoistFlags(args []string, flags []cli.Flag) []string {
	takesValue := map[string]bool{}
	known := map[string]bool{}
	for _, f := range flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			known[n] = true
			takesValue[n] = !isBool
		}
	}
	var fl, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if j := strings.IndexByte(name, '='); j >= 0 {
			name = name[:j]
		}
		if !known[name] {
			// Not ours (e.g. `cmd.run -- ls -la`-style args): positional.
			pos = append(pos, a)
			continue
		}
		fl = append(fl, a)
		if takesValue[name] && !strings.Contains(a, "=") && i+1 < len(args) {
			fl = append(fl, args[i+1])
			i++
		}
	}
	out := append(fl, "--")
	return append(out, pos...)
}

// splitKwargs separates Salt-style key=value arguments from positional
// ones; values are parsed like Salt's YAML loader (True, 1, [a, b]).
func splitKwargs(args []string) ([]string, map[string]any) {
	var pos []string
	kw := map[string]any{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if ok && isIdent(k) {
			kw[k] = parseValue(v)
			continue
		}
		pos = append(pos, a)
	}
	return pos, kw
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
