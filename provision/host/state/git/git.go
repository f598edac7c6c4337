// Package git implements Salt's git.latest: clone a repository or bring a
// checkout to the wanted revision, driving the git binary on the host.
package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the git state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"latest": latest, "config_set": configSet},
		Virtual: virtual}
}

// virtual is Salt's git state __virtual__: the git execution module loads
// only where the git binary is.
func virtual(env *state.Env) string {
	if env.Exec != nil && state.HostPath(env, "/") != "/" {
		return "" // unit tests on a fake root run a fake git
	}
	if _, err := exec.LookPath("git"); err != nil {
		return "'git' __virtual__ returned False: git module could not be loaded"
	}
	return ""
}

var reSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// runner runs git as the state's user.
type runner struct {
	env  *state.Env
	user string
}

func (r runner) git(ctx context.Context, argv ...string) (string, error) {
	full := append([]string{"git"}, argv...)
	res := r.env.Exec.Run(ctx, state.Cmd{Argv: full, RunAs: r.user, Env: map[string]string{"GIT_TERMINAL_PROMPT": "0"}})
	if err := hostcmd.Check(res, full...); err != nil {
		return res.Stdout, err
	}
	return strings.TrimSpace(res.Stdout), nil
}

// remoteSHA resolves rev on the remote with ls-remote: a branch first, then
// a (peeled) tag, then HEAD; a full sha is returned as is. loc is how Salt
// names it in comments (remoteLoc).
func (r runner) remoteSHA(ctx context.Context, url, rev string) (sha, loc string, err error) {
	if reSHA.MatchString(rev) {
		return rev, short(rev), nil
	}
	out, err := r.git(ctx, "ls-remote", url, rev)
	if err != nil {
		return "", "", err
	}
	refs := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if sha, ref, ok := strings.Cut(strings.TrimSpace(l), "\t"); ok {
			refs[ref] = sha
		}
	}
	if rev == "HEAD" {
		if sha, ok := refs["HEAD"]; ok {
			return sha, "remote HEAD (" + short(sha) + ")", nil
		}
	}
	if sha, ok := refs["refs/heads/"+rev]; ok {
		return sha, "origin/" + rev + " (" + short(sha) + ")", nil
	}
	for _, ref := range []string{"refs/tags/" + rev + "^{}", "refs/tags/" + rev} {
		if sha, ok := refs[ref]; ok {
			return sha, rev + " (" + short(sha) + ")", nil
		}
	}
	return "", "", errNoRev
}

// errNoRev is remoteSHA's answer for a revision the remote does not have.
var errNoRev = errors.New("no such revision")

// remoteErr words a remoteSHA failure as Salt's git.latest does.
func remoteErr(rev string, err error) *lowstate.Result {
	if errors.Is(err, errNoRev) {
		return state.Failedf("No revision matching '%s' exists in the remote repository", rev)
	}
	return state.Failedf("Failed to check remote refs: %v", err)
}

func isEmptyDir(p string) bool {
	ents, err := os.ReadDir(p)
	return err == nil && len(ents) == 0
}

// localKnown is what the checkout itself knows of rev without asking the
// remote: the sha of origin/<rev>, of the tag rev, of origin/HEAD, or rev
// itself when it is a sha present locally ("" when unknown). sure is true
// when the answer cannot have moved on the remote (a sha, a tag).
func (r runner) localKnown(ctx context.Context, dir, rev string) (sha string, sure bool) {
	parse := func(ref string) string {
		out, err := r.git(ctx, "-C", dir, "rev-parse", "-q", "--verify", ref+"^{commit}")
		if err != nil {
			return ""
		}
		return out
	}
	switch {
	case reSHA.MatchString(rev):
		return parse(rev), true
	case rev == "HEAD":
		return parse("refs/remotes/origin/HEAD"), false
	}
	if sha := parse("refs/remotes/origin/" + rev); sha != "" {
		return sha, false
	}
	if sha := parse("refs/tags/" + rev); sha != "" {
		return sha, true
	}
	return "", false
}

// predictUpdate is the dry run for an existing checkout. Test mode never
// contacts the remote (a dry run must work offline and download nothing),
// so it predicts from the checkout's own copy of the remote refs, in Salt's
// words: "Remote 'origin' would be fetched" when only a fetch can tell.
func (r runner) predictUpdate(ctx context.Context, dir, target, rev, head, dirty string, forceReset bool) *lowstate.Result {
	known, sure := r.localKnown(ctx, dir, rev)
	if known == head && sure {
		if dirty != "" {
			return state.OK(fmt.Sprintf("Repository %s is up-to-date, but with uncommitted changes. Set 'force_reset' to True to purge uncommitted changes.", target))
		}
		return state.OK(fmt.Sprintf("Repository %s is up-to-date", target))
	}
	actions := []string{}
	if !sure {
		actions = append(actions, "Remote 'origin' would be fetched")
	}
	ch := map[string]any{}
	if known != "" && known != head {
		ch["revision"] = map[string]any{"old": head, "new": known}
		_, ffErr := r.git(ctx, "-C", dir, "merge-base", "--is-ancestor", head, known)
		switch {
		case ffErr == nil && dirty == "":
			actions = append(actions, fmt.Sprintf("Repository would be fast-forwarded from %s to %s", short(head), short(known)))
		case forceReset:
			ch["forced update"] = true
			actions = append(actions, fmt.Sprintf("Repository would be hard-reset from %s to %s", short(head), short(known)))
		default:
			return state.Failedf("Repository would be updated from %s to %s, but this is not a fast-forward merge. Set 'force_reset' to True to force this update.", short(head), short(known))
		}
	}
	return state.Pending(formatComments(actions), ch)
}

// formatComments joins Salt's git.latest action list: ". " between them
// and a final "." when there are several.
func formatComments(cs []string) string {
	s := strings.Join(cs, ". ")
	if len(cs) > 1 {
		s += "."
	}
	return s
}

func latest(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	url := c.Name()
	target := c.Str("target")
	if url == "" || target == "" {
		return state.Failed("git.latest needs name (the repository URL) and target")
	}
	rev := c.Str("rev")
	if rev == "" {
		rev = "HEAD"
	}
	branch := c.Str("branch")
	forceClone := state.ArgBool(c, "force_clone", false) || state.ArgBool(c, "force", false)
	forceReset := state.ArgBool(c, "force_reset", false)
	depth := state.ArgInt(c, "depth", 0)
	r := runner{env: env, user: c.Str("user")}
	dir := state.HostPath(env, target)

	fi, statErr := os.Stat(dir)
	_, gitErr := os.Stat(dir + "/.git")
	exists := statErr == nil
	isRepo := exists && gitErr == nil
	if exists && !fi.IsDir() {
		return state.Failedf("Target '%s' exists and is a regular file, cannot proceed", target)
	}
	hasGit := hostcmd.Has(env, "git")
	if !hasGit && !(env.Test && !isRepo) {
		// In test mode a clone is predicted without git: an earlier state
		// may install it.
		return state.Failed("git is not installed on this host")
	}
	if exists && !isRepo && !isEmptyDir(dir) && !forceClone {
		return state.Failedf("Target '%s' exists, is non-empty and is not a git repository. Set the 'force_clone' option to True to remove this directory's contents and proceed with cloning the remote repository", target)
	}
	if isRepo {
		origin, _ := r.git(ctx, "-C", dir, "config", "--get", "remote.origin.url")
		if origin != url && forceClone {
			isRepo = false
		} else if origin != url {
			return state.Failedf("Remote 'origin' of %s is %s, not %s. Set force_clone: True to clone again", target, origin, url)
		}
	}
	if !isRepo {
		if env.Test {
			ch := map[string]any{"new": url + " => " + target}
			if exists && !isEmptyDir(dir) {
				ch["forced clone"] = true
				return state.Pending(fmt.Sprintf("Target directory %s exists. Since force_clone=True, the contents of %s would be deleted, and %s would be cloned into this directory.", target, target, url), ch)
			}
			return state.Pending(fmt.Sprintf("Repository %s would be cloned to %s", url, target), ch)
		}
		if _, _, err := r.remoteSHA(ctx, url, rev); err != nil {
			return remoteErr(rev, err)
		}
		ch := map[string]any{"new": url + " => " + target}
		if exists && !isEmptyDir(dir) {
			ch["forced clone"] = true
		}
		if exists {
			if err := os.RemoveAll(dir); err != nil {
				return state.Failedf("Unable to remove %s: %v", target, err)
			}
		}
		argv := []string{"clone"}
		if depth > 0 {
			argv = append(argv, "--depth", strconv.Itoa(depth))
		}
		switch {
		case branch != "":
			argv = append(argv, "--branch", branch)
		case rev != "HEAD" && !reSHA.MatchString(rev):
			argv = append(argv, "--branch", rev)
		}
		if _, err := r.git(ctx, append(argv, url, dir)...); err != nil {
			return state.Failedf("Clone failed: %v", err)
		}
		if reSHA.MatchString(rev) {
			if _, err := r.git(ctx, "-C", dir, "checkout", "-q", rev); err != nil {
				return state.Failedf("Cloned %s but failed to check out %s: %v", url, rev, err)
			}
		}
		head, err := r.git(ctx, "-C", dir, "rev-parse", "HEAD")
		if err != nil {
			return state.Failedf("Cloned %s but cannot read HEAD: %v", url, err)
		}
		ch["revision"] = map[string]any{"old": nil, "new": head}
		return state.Changed(fmt.Sprintf("%s cloned to %s", url, target), ch)
	}

	head, err := r.git(ctx, "-C", dir, "rev-parse", "HEAD")
	if err != nil {
		return state.Failedf("Cannot read HEAD of %s: %v", target, err)
	}
	dirty, err := r.git(ctx, "-C", dir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return state.Failedf("Cannot read the status of %s: %v", target, err)
	}
	if env.Test {
		return r.predictUpdate(ctx, dir, target, rev, head, dirty, forceReset)
	}
	want, loc, err := r.remoteSHA(ctx, url, rev)
	if err != nil {
		return remoteErr(rev, err)
	}
	if head == want {
		if dirty != "" {
			return state.OK(fmt.Sprintf("Repository %s is up-to-date, but with uncommitted changes. Set 'force_reset' to True to purge uncommitted changes.", target))
		}
		return state.OK(fmt.Sprintf("Repository %s is up-to-date", target))
	}
	if dirty != "" && !forceReset {
		return state.Failedf("Repository %s has local changes; set force_reset: True to discard them:\n%s", target, dirty)
	}
	ch := map[string]any{"revision": map[string]any{"old": head, "new": want}}
	var comments []string
	before, _ := r.git(ctx, "-C", dir, "for-each-ref", "refs/remotes", "refs/tags")
	fetch := []string{"-C", dir, "fetch", "-q", "origin"}
	if depth > 0 {
		fetch = append(fetch, "--depth", strconv.Itoa(depth))
	}
	if rev != "HEAD" && !reSHA.MatchString(rev) {
		fetch = append(fetch, rev)
	}
	if _, err := r.git(ctx, fetch...); err != nil {
		return state.Failedf("Fetch failed. Set 'force_fetch' to True to force the fetch if the failure was due to not being able to fast-forward. Output of the fetch command follows:\n\n%v", err)
	}
	if after, _ := r.git(ctx, "-C", dir, "for-each-ref", "refs/remotes", "refs/tags"); after != before {
		comments = append(comments, url+" was fetched, resulting in updated refs")
	}
	if reSHA.MatchString(rev) {
		if _, err := r.git(ctx, "-C", dir, "cat-file", "-e", rev+"^{commit}"); err != nil {
			if _, err := r.git(ctx, "-C", dir, "fetch", "-q", "origin", rev); err != nil {
				return state.Failedf("Fetch did not successfully retrieve rev '%s' from %s: %v", rev, url, err)
			}
		}
	}
	_, ffErr := r.git(ctx, "-C", dir, "merge-base", "--is-ancestor", head, want)
	switch {
	case ffErr == nil && dirty == "":
		if _, err := r.git(ctx, "-C", dir, "merge", "-q", "--ff-only", want); err != nil {
			return state.Failedf("Failed to fast-forward %s to %s: %v", target, short(want), err)
		}
		comments = append(comments, "Repository was fast-forwarded to "+loc)
	case forceReset:
		if _, err := r.git(ctx, "-C", dir, "reset", "-q", "--hard", want); err != nil {
			return state.Failedf("Failed to reset %s to %s: %v", target, short(want), err)
		}
		ch["forced update"] = true
		if dirty != "" {
			comments = append(comments, "Uncommitted changes were discarded")
		}
		comments = append(comments, "Repository was hard-reset to "+loc)
	default:
		return state.Failedf("Repository would be updated from %s to %s, but this is not a fast-forward merge. Set 'force_reset' to True to force this update.", short(head), short(want))
	}
	return state.Changed(formatComments(comments), ch)
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
