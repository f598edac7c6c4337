package dispatch

import (
	"fmt"
	"strings"

	"brine/provision/lib/shquote"
)

// The shell scripts brine runs on a host before its executor is there.
// Every value from the roster or the command line goes in through
// shquote.Quote into a shell variable, and is only ever used as "$var".

// executorCorrupt is brine-exec's exit status when its bytes do not match
// its name (executor.ExitCorrupt); the upload script uses it too.
const executorCorrupt = 97

// Markers the remote shell prints so the controller can tell the executor's
// JSON from the shell's own findings.
const (
	markMissing = "BRINE-MISSING"
	markPrompt  = "BRINE-SUDO-PROMPT:"
)

// sudoPrefix returns the sudo wrapper for a command; with a password sudo
// reads it from stdin (-S) after printing our prompt marker on stderr, so
// the password never appears in argv.
func sudoPrefix(sudo bool, user string, withPassword bool) string {
	if !sudo {
		return ""
	}
	if user == "" {
		user = "root"
	}
	if withPassword {
		return fmt.Sprintf("sudo -S -p %s -H -u %s -- ", shquote.Quote(markPrompt), shquote.Quote(user))
	}
	return fmt.Sprintf("sudo -n -H -u %s -- ", shquote.Quote(user))
}

// missingLine prints the missing marker, the machine type and whether the
// host can take a gzip-compressed upload.
const missingLine = `echo "` + markMissing + ` $(uname -m) $(command -v gzip >/dev/null 2>&1 && echo gzip)"`

// runScript finds a cached executor among the candidate hashes and execs it;
// when none is there it prints the missing line.
func runScript(thinDir string, shas []string, prefix string, ready bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; ", shquote.Quote(thinDir))
	flags := ""
	if ready {
		flags = " -ready"
	}
	for _, s := range shas {
		fmt.Fprintf(&b, "if [ -x \"$d/brine-exec-%s\" ]; then exec %s\"$d/brine-exec-%s\"%s; fi; ", s, prefix, s, flags)
	}
	b.WriteString(missingLine)
	return b.String()
}

// probeScript checks for a cached executor without running it.
func probeScript(thinDir string, shas []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; ", shquote.Quote(thinDir))
	for _, s := range shas {
		fmt.Fprintf(&b, "[ -x \"$d/brine-exec-%s\" ] && exit 0; ", s)
	}
	b.WriteString(missingLine)
	return b.String()
}

// uploadScript writes stdin (gzip-compressed when gz) to the cache
// atomically: a private directory of ours (never a symlink), a temp file
// and a rename, so concurrent runs never see a half-written executor. The
// content is not hashed here: the executor checks its own bytes against its
// name before it does anything else (wire.Request.ExecSHA) until the
// controller has seen it answer, and removes itself when they differ.
func uploadScript(thinDir, sha string, gz bool) string {
	write := `cat > "$t"`
	if gz {
		write = `gzip -dc > "$t"`
	}
	return fmt.Sprintf(`umask 077; d=%s; `+
		`if [ -L "$d" ]; then echo "$d is a symlink: refusing to use it as thin_dir" >&2; exit 98; fi; `+
		`mkdir -p "$d" || exit 98; `+
		`if [ ! -O "$d" ]; then echo "$d is not owned by $(id -un): refusing to use it as thin_dir" >&2; exit 98; fi; `+
		`chmod 700 "$d" || exit 98; `+
		`t="$d/.brine-exec-%s.tmp.$$"; %s || { e=$?; rm -f "$t"; exit $e; }; `+
		`chmod 700 "$t" && mv -f "$t" "$d/brine-exec-%s"`,
		shquote.Quote(thinDir), sha, write, sha)
}

// removeScript removes cached executors (a corrupt one is replaced by the
// next upload).
func removeScript(thinDir string, shas []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; rm -f", shquote.Quote(thinDir))
	for _, s := range shas {
		fmt.Fprintf(&b, " \"$d/brine-exec-%s\"", s)
	}
	return b.String()
}

// wipeScript removes the thin dir (--wipe after -r).
func wipeScript(thinDir string) string {
	return fmt.Sprintf(`d=%s; if [ -d "$d" ] && [ ! -L "$d" ]; then rm -rf "$d"; fi`, shquote.Quote(thinDir))
}

// parseMissing reads the missing line: the machine type, and whether the
// host has gzip.
func parseMissing(line string) (machine string, gz bool, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), markMissing)
	if !ok {
		return "", false, false
	}
	f := strings.Fields(rest)
	if len(f) > 0 {
		machine = f[0]
	}
	return machine, len(f) > 1 && f[1] == "gzip", true
}
