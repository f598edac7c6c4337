package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"brine/inventory/roster"
	"brine/provision/controller/history"
	"brine/provision/controller/result"
)

// errNothingToRun ends a run that --failed-from or --new-hosts left
// without hosts: nothing to do is success.
var errNothingToRun = errors.New("nothing to run")

// selectFromHistory narrows the targeted hosts (and those targeting could
// not decide, already failed) by FailedFrom and NewHosts. It returns
// errNothingToRun, after saying why on the log, when no host is left.
func (o *Options) selectFromHistory(ctx context.Context, hosts []*roster.Host, failed []result.HostReturn) ([]*roster.Host, []result.HostReturn, error) {
	if o.FailedFrom == "" && !o.NewHosts || len(hosts)+len(failed) == 0 {
		return hosts, failed, nil
	}
	var ids []string
	for _, r := range failed {
		ids = append(ids, r.ID)
	}
	for _, h := range hosts {
		ids = append(ids, h.ID)
	}
	ids, err := o.filterIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	var h2 []*roster.Host
	for _, h := range hosts {
		if keep[h.ID] {
			h2 = append(h2, h)
		}
	}
	var f2 []result.HostReturn
	for _, r := range failed {
		if keep[r.ID] {
			f2 = append(f2, r)
		}
	}
	return h2, f2, nil
}

// filterIDs narrows ids (targeted host ids) by FailedFrom and NewHosts:
// plain list filters over the job histories (CacheDir's and those of
// HistoryFrom), opened for reading only (it works on a database this user
// cannot write, and changes nothing).
func (o *Options) filterIDs(ctx context.Context, ids []string) ([]string, error) {
	dbs, err := o.histories(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, db := range dbs {
			db.Close()
		}
	}()
	switch {
	case o.FailedFrom == "last":
		retry, err := failedLast(ctx, dbs, o.Fun, ids)
		if err != nil {
			return nil, err
		}
		if len(retry) == 0 {
			fmt.Fprintf(o.Log, "brine: no targeted host's last %s failed, was unreachable or was not run (--failed-from last): nothing to run\n", o.Fun)
			return nil, errNothingToRun
		}
		ids = retry
	case o.FailedFrom != "":
		jid, err := ResolveJID(ctx, dbs[0], o.FailedFrom)
		if err != nil {
			return nil, err
		}
		var retry []string
		found := false
		for _, db := range dbs {
			r, err := db.Retry(ctx, jid)
			if errors.Is(err, history.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			found = true
			retry = append(retry, r...)
		}
		if !found {
			return nil, Usagef("--failed-from %s: the job is not in the history %s (see brine jobs.list_jobs)", jid, dbs[0].Path())
		}
		ids = keepListed(ids, retry)
		if len(ids) == 0 {
			fmt.Fprintf(o.Log, "brine: job %s has no failed, unreachable or not-run host in the target (%d to retry in all): nothing to run\n", jid, len(retry))
			return nil, errNothingToRun
		}
	}
	if o.NewHosts {
		done := map[string]bool{}
		for _, db := range dbs {
			p, err := db.Provisioned(ctx)
			if err != nil {
				return nil, err
			}
			for h := range p {
				done[h] = true
			}
		}
		n := len(ids)
		ids = dropProvisioned(ids, done)
		if len(ids) == 0 {
			fmt.Fprintf(o.Log, "brine: all %d targeted hosts have had a successful highstate (--new-hosts): nothing to run\n", n)
			return nil, errNothingToRun
		}
	}
	return ids, nil
}

// histories opens CacheDir's job history and those of the cache
// directories HistoryFrom names (glob patterns; a directory without a
// history, or CacheDir itself, is skipped), read only, CacheDir's first.
func (o *Options) histories(ctx context.Context) ([]*history.DB, error) {
	own := history.Path(o.CacheDir)
	db, err := history.OpenReadOnly(ctx, own)
	if err != nil {
		return nil, err
	}
	dbs := []*history.DB{db}
	seen := map[string]bool{filepath.Clean(own): true}
	for _, pat := range o.HistoryFrom {
		dirs, err := filepath.Glob(pat)
		if err != nil {
			closeAll(dbs)
			return nil, Usagef("--history-from %s: %v", pat, err)
		}
		if dirs == nil && !hasMeta(pat) {
			dirs = []string{pat}
		}
		for _, dir := range dirs {
			p := filepath.Clean(history.Path(dir))
			if seen[p] {
				continue
			}
			seen[p] = true
			if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
				continue
			}
			db, err := history.OpenReadOnly(ctx, p)
			if err != nil {
				closeAll(dbs)
				return nil, err
			}
			dbs = append(dbs, db)
		}
	}
	return dbs, nil
}

func closeAll(dbs []*history.DB) {
	for _, db := range dbs {
		db.Close()
	}
}

// hasMeta says whether a glob pattern has a wildcard.
func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// failedLast is --failed-from last: the hosts of ids (in their order)
// whose latest result for fun, across the histories, was not ok. A host
// no job of fun targeted is left out.
func failedLast(ctx context.Context, dbs []*history.DB, fun string, ids []string) ([]string, error) {
	latest := map[string]history.Outcome{}
	for _, db := range dbs {
		m, err := db.LatestOutcomes(ctx, fun, ids)
		if err != nil {
			return nil, err
		}
		for h, oc := range m {
			if cur, ok := latest[h]; !ok || oc.JID > cur.JID {
				latest[h] = oc
			}
		}
	}
	var out []string
	for _, id := range ids {
		if oc, ok := latest[id]; ok && oc.Status != "ok" {
			out = append(out, id)
		}
	}
	return out, nil
}

// ResolveJID is history.ResolveJID with its argument errors as usage
// errors.
func ResolveJID(ctx context.Context, db *history.DB, jid string) (string, error) {
	jid, err := history.ResolveJID(ctx, db, jid)
	if errors.Is(err, history.ErrNotFound) || errors.Is(err, history.ErrBadJID) {
		return "", UsageError{err}
	}
	return jid, err
}

// keepListed keeps the ids that are in list, in the order of ids.
func keepListed(ids, list []string) []string {
	in := make(map[string]bool, len(list))
	for _, id := range list {
		in[id] = true
	}
	var out []string
	for _, id := range ids {
		if in[id] {
			out = append(out, id)
		}
	}
	return out
}

// dropProvisioned drops the ids that done holds.
func dropProvisioned(ids []string, done map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if !done[id] {
			out = append(out, id)
		}
	}
	return out
}
