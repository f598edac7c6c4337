package run

import (
	"context"
	"errors"
	"fmt"

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
// plain list filters over the job history, opened for reading only (it
// works on a database this user cannot write, and changes nothing).
func (o *Options) filterIDs(ctx context.Context, ids []string) ([]string, error) {
	db, err := history.OpenReadOnly(ctx, history.Path(o.CacheDir))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if o.FailedFrom != "" {
		jid, err := ResolveJID(ctx, db, o.FailedFrom)
		if err != nil {
			return nil, err
		}
		retry, err := db.Retry(ctx, jid)
		if errors.Is(err, history.ErrNotFound) {
			return nil, Usagef("--failed-from %s: the job is not in the history %s (see brine jobs.list_jobs)", jid, db.Path())
		}
		if err != nil {
			return nil, err
		}
		ids = keepListed(ids, retry)
		if len(ids) == 0 {
			fmt.Fprintf(o.Log, "brine: job %s has no failed, unreachable or not-run host in the target (%d to retry in all): nothing to run\n", jid, len(retry))
			return nil, errNothingToRun
		}
	}
	if o.NewHosts {
		done, err := db.Provisioned(ctx)
		if err != nil {
			return nil, err
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
