package execute

import (
	"fmt"
	"strings"
)

// executorCorrupt is brine-exec's exit status when its bytes do not match
// its name (executor.ExitCorrupt); the upload script uses it too.
const executorCorrupt = 97

// Markers the remote shell prints so the controller can tell the executor's
// JSON from the shell's own findings.
const (
	markMissing = "BRINE-MISSING"
	markPrompt  = "BRINE-SUDO-PROMPT:"
)

// quote quotes s for /bin/sh.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

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
		return fmt.Sprintf("sudo -S -p %s -H -u %s -- ", quote(markPrompt), quote(user))
	}
	return fmt.Sprintf("sudo -n -H -u %s -- ", quote(user))
}

// runScript finds a cached executor among the candidate hashes and execs it;
// when none is there it prints the missing marker and the machine type.
func runScript(thinDir string, shas []string, prefix string, ready bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; ", quote(thinDir))
	flags := ""
	if ready {
		flags = " -ready"
	}
	for _, s := range shas {
		fmt.Fprintf(&b, "if [ -x \"$d/brine-exec-%s\" ]; then exec %s\"$d/brine-exec-%s\"%s; fi; ", s, prefix, s, flags)
	}
	fmt.Fprintf(&b, "echo \"%s $(uname -m)\"", markMissing)
	return b.String()
}

// uploadScript writes stdin to the cache atomically: a private directory
// (never a symlink), a temp file, a hash check where sha256sum exists, and a
// rename, so concurrent runs never see a half-written executor.
func uploadScript(thinDir, sha string) string {
	return fmt.Sprintf(`umask 077; d=%s; `+
		`if [ -L "$d" ]; then echo "%s is a symlink: refusing to use it" >&2; exit 98; fi; `+
		`mkdir -p "$d" && chmod 700 "$d" || exit 98; `+
		`t="$d/.brine-exec-%s.tmp.$$"; cat > "$t" || { rm -f "$t"; exit 1; }; `+
		`if command -v sha256sum >/dev/null 2>&1; then echo "%s  $t" | sha256sum -c --status || { rm -f "$t"; echo "upload corrupted" >&2; exit 97; }; fi; `+
		`chmod 700 "$t" && mv -f "$t" "$d/brine-exec-%s"`,
		quote(thinDir), thinDir, sha, sha, sha)
}

// removeScript removes cached executors (a corrupt one is replaced by the
// next upload).
func removeScript(thinDir string, shas []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; rm -f", quote(thinDir))
	for _, s := range shas {
		fmt.Fprintf(&b, " \"$d/brine-exec-%s\"", s)
	}
	return b.String()
}
