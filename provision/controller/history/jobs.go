package history

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"brine/provision/controller/result"
)

// ErrBadJID is wrapped by ResolveJID's error for an argument that is not a
// job id.
var ErrBadJID = errors.New("not a job id")

// argError is a mistake in a job argument: its message for the operator,
// wrapping ErrNotFound or ErrBadJID.
type argError struct {
	msg  string
	kind error
}

func (e *argError) Error() string { return e.msg }
func (e *argError) Unwrap() error { return e.kind }

// ResolveJID checks a JID argument; "last" is the latest job. Its errors
// wrap ErrNotFound (an empty history) or ErrBadJID: the operator's to fix.
func ResolveJID(ctx context.Context, db *DB, jid string) (string, error) {
	if jid == "last" {
		j, err := db.Latest(ctx)
		if errors.Is(err, ErrNotFound) {
			return "", &argError{fmt.Sprintf("the job history %s is empty: no last job", db.Path()), ErrNotFound}
		}
		return j, err
	}
	if _, ok := ParseJID(jid); !ok {
		return "", &argError{fmt.Sprintf("%q is not a job id: want 20 digits (YYYYmmddHHMMSSffffff) or last; see brine jobs.list_jobs", jid), ErrBadJID}
	}
	return jid, nil
}

// Filter selects jobs for jobs.list_jobs: by fnmatch patterns on the
// function and on the target (any pattern matches; none: all), the Limit
// most recent (0: all).
type Filter struct {
	Functions, Targets []string
	Limit              int
}

// ParseFilter reads jobs.list_jobs' arguments as Salt's runner takes them:
// no positional ones, search_function= and search_target= (comma
// separated fnmatch patterns) and limit= (over limit, --max-jobs's value).
func ParseFilter(pos []string, kw map[string]any, limit int) (Filter, error) {
	if len(pos) > 0 {
		return Filter{}, fmt.Errorf("jobs.list_jobs takes no positional arguments (got %q): filter with search_function=GLOB or search_target=GLOB", pos[0])
	}
	f := Filter{Limit: limit}
	for k, v := range kw {
		switch k {
		case "search_function":
			f.Functions = splitInput(fmt.Sprint(v))
		case "search_target":
			f.Targets = splitInput(fmt.Sprint(v))
		case "limit":
			n, err := strconv.Atoi(fmt.Sprint(v))
			if err != nil || n < 0 {
				return Filter{}, fmt.Errorf("limit=%v: want a number of jobs", v)
			}
			f.Limit = n
		default:
			return Filter{}, fmt.Errorf("jobs.list_jobs: unknown argument %s= (use search_function=, search_target=, limit= or --max-jobs)", k)
		}
	}
	if f.Limit < 0 {
		return Filter{}, fmt.Errorf("--max-jobs %d: want a number of jobs", f.Limit)
	}
	return f, nil
}

// splitInput is Salt's salt.utils.args.split_input for a string: a comma
// separated list.
func splitInput(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ListJobs is jobs.list_jobs: the jobs f selects, oldest first.
func ListJobs(ctx context.Context, db *DB, f Filter) ([]Job, error) {
	jobs, err := db.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	var out []Job
	for _, j := range jobs {
		if globAny(f.Functions, j.Fun) && globAny(f.Targets, j.Target) {
			out = append(out, j)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, nil
}

// globAny is true when there are no patterns or one matches s (fnmatch).
func globAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// Load is Salt's format_jid_instance of a job ({Function, Arguments,
// Target, Target-type, User, StartTime}, jobs.list_jobs' value for it),
// plus EndTime once it ended (Salt's list_job key).
func (j Job) Load() map[string]any {
	args := make([]any, len(j.Args))
	for i, a := range j.Args {
		args[i] = a
	}
	v := map[string]any{"Function": j.Fun, "Arguments": args, "Target": j.Target,
		"Target-type": j.TargetType, "User": j.User, "StartTime": StartTime(j.JID)}
	if !j.End.IsZero() {
		v["EndTime"] = j.End.UTC().Format("2006, Jan 02 15:04:05.000000")
	}
	return v
}

// Detail is jobs.list_job's return for a job and its hosts: the Load, its
// jid, Minions (the targeted hosts), TreeHash and Result ({host: {return,
// retcode, success}}, as Salt's job cache returns it). ret is a host's
// return as the outputters show it (report.Data).
func Detail(j *Job, hosts []result.HostReturn, ret func(result.HostReturn) any) map[string]any {
	v := j.Load()
	minions := make([]any, len(j.Hosts))
	for i, h := range j.Hosts {
		minions[i] = h
	}
	v["jid"], v["Minions"], v["TreeHash"] = j.JID, minions, j.TreeHash
	res := map[string]any{}
	for _, h := range hosts {
		rc := h.Retcode
		if h.Unreachable && rc == 0 {
			rc = 255
		}
		res[h.ID] = map[string]any{"return": ret(h), "retcode": rc, "success": h.Succeeded()}
	}
	v["Result"] = res
	return v
}

// Replay is a recorded job as its run printed it (jobs.lookup_jid).
type Replay struct {
	Job *Job
	// All are the hosts' results in run order; Index their roster
	// positions.
	All   []result.HostReturn
	Index map[string]int
	// Streamed are the hosts in the order the run printed them as they
	// finished (hosts that never ran are only in All).
	Streamed []result.HostReturn
	// Missing are targeted hosts with no result (the run was killed).
	Missing []string
}

// Ended reports whether the run ended (it was not killed, or is not still
// running).
func (r *Replay) Ended() bool { return !r.Job.End.IsZero() }

// Lookup reads job jid for a replay. A job the history does not hold is an
// error wrapping ErrNotFound.
func Lookup(ctx context.Context, db *DB, jid string) (*Replay, error) {
	job, hosts, err := db.Lookup(ctx, jid)
	if errors.Is(err, ErrNotFound) {
		return nil, &argError{fmt.Sprintf("job %s is not in the history %s (see brine jobs.list_jobs)", jid, db.Path()), ErrNotFound}
	}
	if err != nil {
		return nil, err
	}
	r := &Replay{Job: job, All: make([]result.HostReturn, len(hosts)), Index: map[string]int{}}
	var streamed []Host
	got := map[string]bool{}
	for i, h := range hosts {
		r.All[i] = h.HostReturn
		r.Index[h.ID] = h.Index
		got[h.ID] = true
		if h.Seq >= 0 {
			streamed = append(streamed, h)
		}
	}
	sort.SliceStable(streamed, func(i, j int) bool { return streamed[i].Seq < streamed[j].Seq })
	for _, h := range streamed {
		r.Streamed = append(r.Streamed, h.HostReturn)
	}
	for _, id := range job.Hosts {
		if !got[id] {
			r.Missing = append(r.Missing, id)
		}
	}
	return r, nil
}
