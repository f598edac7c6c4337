package dispatch

import (
	"fmt"
	"path"
	"strings"

	"brine/provision/controller/executorbin"
	"brine/provision/lib/shquote"
)

// The shell scripts brine runs on a host before its executor is there.
// Every value from the roster or the command line goes in through
// shquote.Quote into a shell variable, and is only ever used as "$var".
//
// The trust model (README, "What happens on a host"): the executor runs as
// the executing user E (the login user, or sudo_user/root with sudo), and
// only from a directory that no one but E and root can write. The start
// script checks that itself, before it runs anything, without following
// symlinks: every directory from / down to the thin dir's parent belongs to
// root or E and is closed to writes by group and others (the sticky,
// root-owned /tmp and /var/tmp pass as parents only); the thin dir is a real
// directory of E's that others cannot write; the executor is a plain file of
// E's that others cannot write, with one link, whose sha256 matches its
// name. A thin dir that fails is moved aside (when E may rename it) and made
// again, or E gets a fresh private directory (mktemp -d under the root-owned
// /var/tmp or /tmp) for the run; a note tells the operator which. With sudo
// every script runs as E through `sudo /bin/sh -c`, uploads included: the
// executor is written by E into E's directory, never executed from a place
// the login user can write.

// executorCorrupt is brine-exec's exit status when its bytes do not match
// its name (executor.ExitCorrupt); the upload script uses it too.
const executorCorrupt = 97

// executorUnsafe is the scripts' exit status when no safe directory can be
// had (executor.ExitUnsafe).
const executorUnsafe = 98

// Markers the remote shell prints so the controller can tell the executor's
// JSON from the shell's own findings.
const (
	markMissing = "BRINE-MISSING"
	markPresent = "BRINE-PRESENT"
	markNote    = "BRINE-NOTE"
	markReady   = "BRINE-UPLOAD-READY"
	markPrompt  = "BRINE-SUDO-PROMPT:"
)

// sudoPrefix returns the sudo wrapper for a command; with a password sudo
// reads it from stdin (-S) after printing prompt on stderr, so the password
// never appears in argv.
func sudoPrefix(sudo bool, user string, withPassword bool, prompt string) string {
	if !sudo {
		return ""
	}
	if user == "" {
		user = "root"
	}
	if withPassword {
		return fmt.Sprintf("sudo -S -p %s -H -u %s -- ", shquote.Quote(prompt), shquote.Quote(user))
	}
	return fmt.Sprintf("sudo -n -H -u %s -- ", shquote.Quote(user))
}

// asUser wraps script so that it runs as the executing user: as is, or
// through `sudo /bin/sh -c` (prefix from sudoPrefix).
func asUser(script, prefix string) string {
	if prefix == "" {
		return script
	}
	return prefix + "/bin/sh -c " + shquote.Quote(script)
}

// checks are the shell functions the scripts share. bad prints those of
// its arguments that are neither a directory of root or of this user that
// group and others cannot write (the sticky, root-owned /tmp and /var/tmp
// pass) nor a plain file of this user's that group and others cannot
// write, with one link; find never follows a symlink here, so a symlink is
// bad. chain prints the bad ones among D's parents, / first, and the
// further arguments. unsafe names a path with its mode and owner.
const checks = `umask 077; set -f
case $d in /*) ;; *) d=$PWD/$d ;; esac
me=$(id -u) || exit 98
bad() {
	find "$@" -prune ! \( -type d \( -user 0 -o -user "$me" \) \( ! -perm -020 ! -perm -002 -o \( -path /tmp -o -path /var/tmp \) -user 0 -perm -1000 \) -o -type f -user "$me" ! -perm -020 ! -perm -002 -links 1 \) -print 2>/dev/null
}
chain() {
	p=; r=${1#/}; shift; n=$#
	set -- "$@" /
	while :; do
		case $r in */*) ;; *) break ;; esac
		c=${r%%/*}; r=${r#*/}
		[ -n "$c" ] || continue
		p=$p/$c; set -- "$@" "$p"
	done
	while [ "$n" -gt 0 ]; do set -- "$@" "$1"; shift; n=$((n - 1)); done
	bad "$@"
}
unsafe() {
	set -- "$1" $(ls -ldn -- "$1" 2>/dev/null)
	echo "$1 (mode $2, owner uid $4)"
}
first() {
	while IFS= read -r l; do [ -n "$l" ] && { echo "$l"; return; }; done <<EOF
$1
EOF
}
`

// pickSHA sets s to the executor's hash for the host's machine type: the
// one candidate, or by `uname -m` among several (first contact, when the
// controller ships more than one architecture).
func pickSHA(cands []*executorbin.Executor) string {
	if len(cands) == 1 {
		return "s=" + shquote.Quote(cands[0].SHA) + "\n"
	}
	var b strings.Builder
	b.WriteString("case $(uname -m) in\n")
	for _, e := range cands {
		var pats []string
		for _, m := range []string{"x86_64", "amd64", "aarch64", "arm64", "armv8l"} {
			if executorbin.ArchFromUname(m) == e.Arch {
				pats = append(pats, m)
			}
		}
		if len(pats) > 0 {
			fmt.Fprintf(&b, "%s) s=%s ;;\n", strings.Join(pats, "|"), shquote.Quote(e.SHA))
		}
	}
	b.WriteString("*) s= ;;\nesac\n")
	return b.String()
}

// startScript finds the executor in thinDir, checks the directories and the
// executor as the package comment says, and execs it (with -ready when
// ready); with probe set it only prints markPresent instead. When the
// executor is missing (or was unsafe and removed) it prints the missing
// line naming the directory to upload to: thinDir, or a fresh private one
// when thinDir cannot be made safe. Every finding is a markNote line.
func startScript(thinDir string, cands []*executorbin.Executor, ready, probe bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s\n", shquote.Quote(path.Clean(thinDir)))
	// the login's umask, for the executor: the checks run under 077, the
	// states under the session's (Salt's: commands and the files they and
	// file states create get the modes they would under salt-ssh)
	b.WriteString("u=$(umask)\n")
	b.WriteString(checks)
	b.WriteString(pickSHA(cands))
	b.WriteString(`x=$d/brine-exec-$s
note() { echo "` + markNote + ` $*"; }
missing() {
	echo "` + markMissing + ` $(uname -m) $(command -v gzip >/dev/null 2>&1 && echo gzip || echo -) $1"
	exit 0
}
fresh() {
	for p in /var/tmp /tmp; do
		if [ -d "$p" ] && [ -z "$(chain "$p/x")" ] && t=$(mktemp -d "$p/.brine-$me.XXXXXXXX" 2>/dev/null); then
			note "$1: using a fresh private directory $t for this run"
			missing "$t"
		fi
	done
	echo "$1, and there is no safe place for a fresh private directory (/var/tmp, /tmp)" >&2
	exit 98
}
bp=; bd=; bx=
while IFS= read -r l; do
	case $l in
	"$d") bd=1 ;;
	"$x") bx=1 ;;
	?*) [ -n "$bp" ] || bp=$l ;;
	esac
done <<EOF
$(chain "$d" "$d" "$x")
EOF
[ -z "$bp" ] || fresh "thin_dir $d cannot be trusted: its parent $(unsafe "$bp") is not a directory of root's or uid $me's closed to others"
if [ ! -e "$d" ] && [ ! -L "$d" ]; then
	missing "$d"
fi
if [ -n "$bd" ] || [ -L "$d" ] || [ ! -d "$d" ] || [ ! -O "$d" ] || [ "$d" = /tmp ] || [ "$d" = /var/tmp ]; then
	w=$(unsafe "$d")
	if a=$(mktemp -d "$d.unsafe.XXXXXX" 2>/dev/null); then
		if mv -- "$d" "$a/" 2>/dev/null; then
			if mkdir -- "$d" 2>/dev/null; then
				note "thin_dir $w was not a private directory of uid $me: moved it aside into $a and made a fresh one"
				missing "$d"
			fi
			fresh "thin_dir $w was not a private directory of uid $me: moved it aside into $a, but $d came back at once"
		fi
		rmdir -- "$a" 2>/dev/null
	fi
	fresh "thin_dir $w is not a private directory of uid $me and cannot be moved aside"
fi
if [ ! -e "$x" ] && [ ! -L "$x" ]; then
	missing "$d"
fi
if [ -n "$bx" ] || [ -L "$x" ] || [ ! -f "$x" ]; then
	w=$(unsafe "$x")
	rm -rf -- "$x"
	note "the executor $w was not a plain file of uid $me with one link, closed to others: removed it"
	missing "$d"
fi
v=
if command -v sha256sum >/dev/null 2>&1; then
	case $(sha256sum < "$x") in
	"$s "*) ;;
	*) rm -f -- "$x"; note "the executor $x did not match its sha256: removed it"; missing "$d" ;;
	esac
else
	v="-verify $s"
fi
`)
	if probe {
		b.WriteString("echo " + markPresent + "\n")
		return b.String()
	}
	flags := ""
	if ready {
		flags = " -ready"
	}
	b.WriteString(`umask "$u"; exec "$x"` + flags + " $v\n")
	return b.String()
}

// uploadScript writes stdin (gzip-compressed when gz) to dir as the
// executor named sha, atomically: dir and its parents checked as in
// startScript (dir created, private, when missing), a temp file, its hash
// checked (when sha256sum is there), a rename; concurrent runs never see a
// half-written executor. With ready it first prints markReady, so the
// controller sends the bytes only once sudo has had its password.
func uploadScript(dir, sha string, gz, ready bool) string {
	write := `cat > "$t"`
	if gz {
		write = `gzip -dc > "$t"`
	}
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s\n", shquote.Quote(path.Clean(dir)))
	b.WriteString(checks)
	fmt.Fprintf(&b, "s=%s\n", shquote.Quote(sha))
	if ready {
		b.WriteString("echo " + markReady + "\n")
	}
	b.WriteString(`bp=$(first "$(chain "$d")")
[ -z "$bp" ] || { echo "thin_dir $d cannot be trusted: its parent $(unsafe "$bp") is not a directory of root's or uid $me's closed to others" >&2; exit 98; }
mkdir -p -- "$d" || exit 98
if [ -n "$(chain "$d" "$d")" ] || [ -L "$d" ] || [ ! -d "$d" ] || [ ! -O "$d" ] || [ "$d" = /tmp ] || [ "$d" = /var/tmp ]; then
	echo "thin_dir $(unsafe "$d") is not a private directory of uid $me: refusing to use it" >&2
	exit 98
fi
chmod 700 -- "$d" || exit 98
t=$d/.brine-exec-$s.tmp.$$
` + write + ` || { e=$?; rm -f -- "$t"; exit $e; }
if command -v sha256sum >/dev/null 2>&1; then
	case $(sha256sum < "$t") in
	"$s "*) ;;
	*) rm -f -- "$t"; echo "the executor arrived corrupted in $d (its sha256 is not $s)" >&2; exit 97 ;;
	esac
fi
chmod 700 -- "$t" && mv -f -- "$t" "$d/brine-exec-$s"
`)
	return b.String()
}

// removeScript removes cached executors that could not start (a corrupt
// one is replaced by the next upload).
func removeScript(thinDir string, shas []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "d=%s; rm -f", shquote.Quote(path.Clean(thinDir)))
	for _, s := range shas {
		fmt.Fprintf(&b, " \"$d/brine-exec-%s\"", s)
	}
	return b.String()
}

// wipeScript removes the thin dir (--wipe after -r, and a run's fresh
// private directory). An executor another run is using (it holds a shared
// flock on it) is left in place with the directory, and a note says so;
// without flock(1) everything goes, as before.
func wipeScript(thinDir string) string {
	return fmt.Sprintf(`d=%s
[ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ] || exit 0
busy=
for f in "$d"/brine-exec-* "$d"/.brine-exec-*; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	case $f in
	*/brine-exec-*) if command -v flock >/dev/null 2>&1; then flock -n -x "$f" rm -f -- "$f" || busy="$busy ${f##*/}"; continue; fi ;;
	esac
	rm -f -- "$f"
done
if [ -n "$busy" ]; then
	echo "%s wipe: left$busy in $d: in use by another run"
else
	rm -rf -- "$d"
fi
`, shquote.Quote(path.Clean(thinDir)), markNote)
}

// parseMissing reads the missing line: the machine type, whether the host
// has gzip, and the directory the executor is to be uploaded to ("" from
// a host that did not say).
func parseMissing(line string) (machine string, gz bool, dir string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), markMissing)
	if !ok {
		return "", false, "", false
	}
	rest = strings.TrimLeft(rest, " ")
	machine, rest, _ = strings.Cut(rest, " ")
	g, dir, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(dir, "/") {
		return machine, g == "gzip", "", true
	}
	return machine, g == "gzip", path.Clean(dir), true
}

// parseNote reads a note line.
func parseNote(line string) (string, bool) {
	n, ok := strings.CutPrefix(strings.TrimSpace(line), markNote+" ")
	return n, ok
}
