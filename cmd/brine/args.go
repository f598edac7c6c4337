package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// hoistFlags moves flags that follow positional arguments in front of them,
// so `brine '*' cmd.run 'uname -a' --out json` works as with salt-ssh
// (urfave/cli stops at the first positional). A word that looks like a flag
// but is none of brine's is a usage error naming it, wherever it stands, so
// a typo never becomes part of a remote command; "--" ends flag scanning and
// everything after it is taken literally. --help, -h and --version are
// known everywhere. A switch may be repeated in one word, as -vvv
// (other letters run together, as -wv, are refused: a command's own flags
// after it must not turn into several of brine's).
func hoistFlags(args []string, flags []cli.Flag) ([]string, error) {
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
		if !looksLikeFlag(a) {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if j := strings.IndexByte(name, '='); j >= 0 {
			name = name[:j]
		}
		if sw, ok := shortSwitches(a, known, takesValue); ok {
			fl = append(fl, sw...)
			continue
		}
		switch name {
		case "help", "h":
			// Help wins over everything else on the line, as it would
			// in front of it (urfave/cli reads a positional after --help
			// as a help topic).
			return []string{"--brine-help"}, nil
		case "version":
			return []string{"--version"}, nil
		}
		if !known[name] {
			return nil, usagef("unknown flag %s (see brine --help; to pass it to a command, put it after --: brine '*' cmd.run -- ls -la)", a)
		}
		fl = append(fl, a)
		if takesValue[name] && !strings.Contains(a, "=") && i+1 < len(args) {
			fl = append(fl, args[i+1])
			i++
		}
	}
	out := append(fl, "--")
	return append(out, pos...), nil
}

// shortSwitches splits -vvv into -v -v -v: a single-dash word repeating
// one known switch (not a flag with a value).
func shortSwitches(a string, known, takesValue map[string]bool) ([]string, bool) {
	if len(a) < 3 || a[1] == '-' || known[a[1:]] {
		return nil, false
	}
	n := a[1:2]
	if !known[n] || takesValue[n] || strings.Trim(a[1:], n) != "" {
		return nil, false
	}
	return strings.Split(strings.Repeat("-"+n+"\x00", len(a)-1), "\x00")[:len(a)-1], true
}

// looksLikeFlag is true for -x and --xyz words; "-", negative numbers and
// words starting with a space are positional.
func looksLikeFlag(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	c := a[1]
	if c == '-' {
		return len(a) > 2
	}
	return !(c >= '0' && c <= '9' || c == '.')
}
