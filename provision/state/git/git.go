// Package git implements Salt's git.latest: clone a repository or bring a
// checkout to the wanted revision, driving the git binary on the host.
package git

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"brine/provision/lowstate"
	"brine/provision/state"
	"brine/provision/state/hostcmd"
)

// Module returns the git state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"latest": latest, "config_set": configSet}}
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
// a (peeled) tag, then HEAD; a full sha is returned as is.
func (r runner) remoteSHA(ctx context.Context, url, rev string) (string, error) {
	if reSHA.MatchString(rev) {
		return rev, nil
	}
	out, err := r.git(ctx, "ls-remote", url, rev)
	if err != nil {
		return "", err
	}
	refs := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if sha, ref, ok := strings.Cut(strings.TrimSpace(l), "\t"); ok {
			refs[ref] = sha
		}
	}
	for _, ref := range []string{"refs/heads/" + rev, "refs/tags/" + rev + "^{}", "refs/tags/" + rev, rev} {
		if sha, ok := refs[ref]; ok {
			return sha, nil
		}
	}
	return "", fmt.Errorf("revision %q not found in %s", rev, url)
}

func isEmptyDir(p string) bool {
	ents, err := os.ReadDir(p)
	return err == nil && len(ents) == 0
}

func latest(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	url := c.Name()
	target := c.Str("target")
	if url == "" || target == "" {
		return state.Failed("git.latest needs name (the repository URL) and target")
	}
	if !hostcmd.Has(env, "git") {
		return state.Failed("git is not installed on this host")
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

	want, err := r.remoteSHA(ctx, url, rev)
	if err != nil {
		return state.Failedf("Failed to resolve revision %s of %s: %v", rev, url, err)
	}
	fi, statErr := os.Stat(dir)
	_, gitErr := os.Stat(dir + "/.git")
	exists := statErr == nil
	isRepo := exists && gitErr == nil
	if exists && !fi.IsDir() {
		return state.Failedf("Target %s exists and is not a directory", target)
	}
	if exists && !isRepo && !isEmptyDir(dir) && !forceClone {
		return state.Failedf("Target '%s' exists, is non-empty and is not a git repository. Set force_clone: True to overwrite it", target)
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
		ch := map[string]any{"new": url + " => " + target, "revision": map[string]any{"old": nil, "new": want}}
		if env.Test {
			return state.Pending(fmt.Sprintf("%s would be cloned to %s", url, target), ch)
		}
		if exists {
			if err := os.RemoveAll(dir); err != nil {
				return state.Failedf("Failed to remove %s before cloning: %v", target, err)
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
			return state.Failedf("Failed to clone %s to %s: %v", url, target, err)
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
		return state.Changed(fmt.Sprintf("Repository %s cloned to %s", url, target), ch)
	}

	head, err := r.git(ctx, "-C", dir, "rev-parse", "HEAD")
	if err != nil {
		return state.Failedf("Cannot read HEAD of %s: %v", target, err)
	}
	if head == want {
		return state.OK(fmt.Sprintf("Repository %s is up-to-date", target))
	}
	dirty, err := r.git(ctx, "-C", dir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return state.Failedf("Cannot read the status of %s: %v", target, err)
	}
	if dirty != "" && !forceReset {
		return state.Failedf("Repository %s has local changes; set force_reset: True to discard them:\n%s", target, dirty)
	}
	ch := map[string]any{"revision": map[string]any{"old": head, "new": want}}
	if env.Test {
		return state.Pending(fmt.Sprintf("Repository %s would be updated from %s to %s", target, short(head), short(want)), ch)
	}
	fetch := []string{"-C", dir, "fetch", "-q", "origin"}
	if depth > 0 {
		fetch = append(fetch, "--depth", strconv.Itoa(depth))
	}
	if rev != "HEAD" && !reSHA.MatchString(rev) {
		fetch = append(fetch, rev)
	}
	if _, err := r.git(ctx, fetch...); err != nil {
		return state.Failedf("Failed to fetch %s into %s: %v", url, target, err)
	}
	if reSHA.MatchString(rev) {
		if _, err := r.git(ctx, "-C", dir, "cat-file", "-e", rev+"^{commit}"); err != nil {
			if _, err := r.git(ctx, "-C", dir, "fetch", "-q", "origin", rev); err != nil {
				return state.Failedf("Revision %s is not in %s: %v", rev, url, err)
			}
		}
	}
	_, ffErr := r.git(ctx, "-C", dir, "merge-base", "--is-ancestor", head, want)
	switch {
	case ffErr == nil && dirty == "":
		if _, err := r.git(ctx, "-C", dir, "merge", "-q", "--ff-only", want); err != nil {
			return state.Failedf("Failed to fast-forward %s to %s: %v", target, short(want), err)
		}
	case forceReset:
		if _, err := r.git(ctx, "-C", dir, "reset", "-q", "--hard", want); err != nil {
			return state.Failedf("Failed to reset %s to %s: %v", target, short(want), err)
		}
	default:
		return state.Failedf("Repository %s cannot be fast-forwarded from %s to %s; set force_reset: True to reset it", target, short(head), short(want))
	}
	return state.Changed(fmt.Sprintf("Repository %s updated from %s to %s", target, short(head), short(want)), ch)
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
