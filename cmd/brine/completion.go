package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/report"
	"brine/provision/controller/run"
)

// completion is `brine completion bash|zsh|fish` (the shell's completion
// script), `brine completion man` (the man page, brine.1), and `brine
// completion complete -- WORD... CURRENT`, which the scripts call: the
// candidates for CURRENT after WORDs, one a line (flags, their values,
// host ids from the roster, functions from the catalog, SLS names from the
// file roots, files).
func completion(c *cli.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("brine completion bash|zsh|fish: print the completion script for a shell (man: the man page)")
	}
	switch args[0] {
	case "bash":
		_, err := io.WriteString(stdout, bashCompletion)
		return err
	case "zsh":
		_, err := io.WriteString(stdout, zshCompletion)
		return err
	case "fish":
		_, err := io.WriteString(stdout, fishCompletion)
		return err
	case "man":
		page, err := manPage(c.App)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, page)
		return err
	case "complete":
		words := args[1:]
		if len(words) > 0 && words[0] == "--" {
			words = words[1:]
		}
		for _, w := range complete(c, words) {
			fmt.Fprintln(stdout, w)
		}
		return nil
	}
	return usagef("brine completion %s: want bash, zsh, fish or man", args[0])
}

// isCompletionWord is the word after "completion" that makes the command
// line brine's own completion command (and not a run on a host called
// "completion").
func isCompletionWord(w string) bool {
	switch w {
	case "bash", "zsh", "fish", "man", "complete":
		return true
	}
	return false
}

// flagChoices are the fixed values of flags that have them.
func flagChoices(name string) []string {
	switch name {
	case "out", "output":
		return report.Outputters()
	case "state-output", "state_output":
		var out []string
		for _, m := range []string{"full", "terse", "mixed", "changes", "filter"} {
			out = append(out, m, m+"_id")
		}
		return out
	case "state-verbose", "state_verbose":
		return []string{"True", "False"}
	case "roster":
		return []string{"flat", "ansible", "sshconfig", "scan"}
	case "host-key-policy":
		return []string{"strict", "accept-new", "ignore"}
	case "log-level", "l", "log-file-level":
		return levelNames()
	case "failed-from":
		return []string{"last"}
	}
	return nil
}

// fileFlags are the flags whose values are paths.
var fileFlags = map[string]bool{
	"saltfile": true, "config-dir": true, "c": true, "config": true, "roster-file": true, "out-file": true, "output-file": true,
	"ssh-config": true, "known-hosts": true, "priv": true, "log-file": true, "file-root": true, "pillar-root": true, "cache-dir": true,
}

// complete is the candidates for the last of words (the word being typed)
// after the others.
func complete(c *cli.Context, words []string) []string {
	cur := ""
	if len(words) > 0 {
		cur, words = words[len(words)-1], words[:len(words)-1]
	}
	fs := c.App.Flags
	var pos []string
	local, raw, afterDash := false, false, false
	for i := 0; i < len(words); i++ {
		w := words[i]
		if afterDash || !looksLikeFlag(w) {
			pos = append(pos, w)
			continue
		}
		if w == "--" {
			afterDash = true
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		f, ok := flagByName(fs, name)
		if !ok {
			continue
		}
		switch f.Names()[0] {
		case "local":
			local = true
		case "raw":
			raw = true
		}
		if takesValue(f) && !hasValue {
			i++ // its value
		}
	}
	// The value of the flag before cur.
	if len(words) > 0 && looksLikeFlag(words[len(words)-1]) && !afterDash {
		name := strings.TrimLeft(words[len(words)-1], "-")
		if f, ok := flagByName(fs, name); ok && takesValue(f) && !strings.Contains(name, "=") {
			if ch := flagChoices(name); ch != nil {
				return withPrefix(ch, cur)
			}
			if fileFlags[name] {
				return files(cur)
			}
			return nil
		}
	}
	if strings.HasPrefix(cur, "-") && !afterDash {
		return withPrefix(flagNames(fs), cur)
	}
	if local {
		pos = append([]string{""}, pos...) // no TARGET
	}
	switch {
	case len(pos) == 0:
		// TARGET: host ids, or a runner function (no TARGET).
		cands := hostIDs(c)
		for _, f := range run.Functions() {
			if f.Kind == run.RunnerFun {
				cands = append(cands, f.Name)
			}
		}
		return withPrefix(cands, cur)
	case raw:
		return nil // a shell command
	case len(pos) == 1:
		if f, ok := run.LookupFunction(pos[0]); ok && f.Kind == run.RunnerFun {
			break // a runner function's arguments
		}
		return withPrefix(run.FunctionNames(), cur)
	}
	fun := pos[len(pos)-1]
	if len(pos) >= 2 {
		fun = pos[1]
	}
	switch fun {
	case "state.apply", "state.sls", "state.test", "state.show_sls":
		// SLS names, comma separated: complete the last one.
		head := ""
		if i := strings.LastIndexByte(cur, ','); i >= 0 {
			head, cur = cur[:i+1], cur[i+1:]
		}
		var out []string
		for _, n := range withPrefix(append(slsNames(c), "test=True"), cur) {
			out = append(out, head+n)
		}
		return out
	case "jobs.lookup_jid", "jobs.list_job":
		return withPrefix([]string{"last"}, cur)
	case "jobs.merge":
		return files(cur)
	}
	return nil
}

func withPrefix(cands []string, prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// files lists the paths starting with prefix (directories end in /).
func files(prefix string) []string {
	dir, base := filepath.Split(prefix)
	read := dir
	if read == "" {
		read = "."
	}
	ents, err := os.ReadDir(read)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), base) || strings.HasPrefix(e.Name(), ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		p := dir + e.Name()
		if e.IsDir() {
			p += "/"
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// completionOptions are the run options the settings give (the Saltfile,
// brine.yaml), for reading the roster and the file roots; nil when they
// cannot be had (completion then offers nothing from them).
func completionOptions(c *cli.Context) *run.Options {
	st, err := applySettings(c)
	if err != nil {
		return nil
	}
	o, err := options(c, st)
	if err != nil {
		return nil
	}
	o.Log = io.Discard
	return &o
}

// hostIDs are the roster's ids (none when it cannot be read).
func hostIDs(c *cli.Context) []string {
	o := completionOptions(c)
	if o == nil {
		return nil
	}
	hosts, _, err := run.RosterHosts(c.Context, *o)
	if err != nil {
		return nil
	}
	ids := make([]string, len(hosts))
	for i, h := range hosts {
		ids[i] = h.ID
	}
	return ids
}

// slsNames are the SLS names of the file roots (none when they cannot be
// read).
func slsNames(c *cli.Context) []string {
	o := completionOptions(c)
	if o == nil {
		return nil
	}
	names, err := run.StateNames(*o)
	if err != nil {
		return nil
	}
	return names
}

// The completion scripts: each asks `brine completion complete` for the
// candidates of the word being typed, with the words before it.

const bashCompletion = `# brine(1) completion for bash: source it, or put it in
# /etc/bash_completion.d/brine (brine completion bash > /etc/bash_completion.d/brine)
_brine() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local IFS=$'\n'
    COMPREPLY=($(brine completion complete -- "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null))
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
        compopt -o nospace 2>/dev/null
    fi
}
complete -F _brine brine
`

const zshCompletion = `#compdef brine
# brine(1) completion for zsh: put it in a directory of $fpath as _brine
# (brine completion zsh > "${fpath[1]}/_brine"), or source it.
_brine() {
    local -a cands
    cands=(${(f)"$(brine completion complete -- ${words[2,CURRENT-1]} ${words[CURRENT]} 2>/dev/null)"})
    compadd -Q -a cands
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _brine "$@"
else
    compdef _brine brine
fi
`

const fishCompletion = `# brine(1) completion for fish: brine completion fish > ~/.config/fish/completions/brine.fish
function __brine_complete
    set -l words (commandline -opc)
    set -e words[1]
    brine completion complete -- $words (commandline -ct) 2>/dev/null
end
complete -c brine -f -a '(__brine_complete)'
`
