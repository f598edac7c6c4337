package history

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"brine/provision/controller/result"
)

// Job is one recorded run: Salt's job load (fun, arg, tgt, tgt_type, user)
// plus what brine knows about it.
type Job struct {
	// JID is Salt's 20-digit job id; Begin assigns it.
	JID string
	// Start is when the run started; End is zero while it runs, and stays
	// zero when the run was killed.
	Start, End time.Time
	// ExitCode is brine's exit status for the run (once it ended).
	ExitCode int
	// User is who ran it (Salt's "sudo_<user>" when through sudo).
	User string
	// Target and TargetType are the target as given and its kind (glob,
	// pcre, list, grain, compound, nodegroup, local).
	Target, TargetType string
	// Fun is the function; Args its arguments as typed, secrets masked.
	Fun  string
	Args []string
	// TreeHash identifies the state tree and pillar the run compiled
	// (empty for functions that compile nothing).
	TreeHash string
	// Hosts are the targeted host ids in run order (Salt's Minions).
	Hosts []string
	// Provisions makes a host that succeeds in this job count as
	// provisioned for --new-hosts (a full, non-test highstate).
	Provisions bool
	// FixedJID says JID was chosen by the operator (--jid): Begin refuses
	// it when the history holds it already, instead of moving it on.
	FixedJID bool
}

// ErrJIDTaken is Begin's error for a fixed JID the history holds already.
var ErrJIDTaken = errors.New("the job history holds this job id already: give another, or none")

// Host is one host's stored result.
type Host struct {
	result.HostReturn
	// Index is the host's position in the roster: the order of hosts
	// across runs that split one roster.
	Index int
	// Seq is the order the host finished in (0 first), which is the order
	// a run without --static prints hosts in; -1 when it never ran (a run
	// shows it only in its recap).
	Seq int
}

// Status is a host's outcome in the fleet recap's terms: ok, failed,
// unreachable or not run.
func Status(r result.HostReturn) string {
	switch {
	case r.Unreachable:
		return "unreachable"
	case r.Failure == result.NotRun:
		return "not run"
	case !r.Succeeded():
		return "failed"
	}
	return "ok"
}

// Begin records the start of job j, so a run that is killed still shows
// up. It assigns j.JID from j.Start when it is empty; a jid another run
// already holds (two brine processes started in the same microsecond) is
// moved on by a microsecond until it is free, as Salt's unique_jid does.
func (d *DB) Begin(ctx context.Context, j *Job) error {
	if j.JID == "" {
		j.JID = NewJID(j.Start)
	}
	args, hosts, err := jobJSON(j)
	if err != nil {
		return err
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		for range 100000 {
			res, err := tx.ExecContext(ctx, `INSERT INTO jobs
				(jid, start_ns, end_ns, user, target, target_type, fun, args, tree_hash, hosts, provisions)
				VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(jid) DO NOTHING`,
				j.JID, j.Start.UnixNano(), j.User, j.Target, j.TargetType, j.Fun, args, j.TreeHash, hosts, j.Provisions)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 1 {
				return err
			}
			if j.FixedJID {
				return ErrJIDTaken
			}
			j.JID = nextJID(j.JID)
		}
		return fmt.Errorf("no free job id after %s", j.JID)
	})
}

// Finish records the end of job j (j.End, and j.Args again: secrets found
// during the run are masked in them by now) with every host's result, and
// marks the hosts that succeeded as provisioned when j.Provisions.
func (d *DB) Finish(ctx context.Context, j *Job, hosts []Host) error {
	args, hostList, err := jobJSON(j)
	if err != nil {
		return err
	}
	type row struct {
		h               Host
		ret, err, notes []byte
		status          string
	}
	rows := make([]row, len(hosts))
	enc := &returnEncoder{}
	for i, h := range hosts {
		ret, err := enc.encode(h.Return)
		if err != nil {
			return fmt.Errorf("job %s: host %s: %w", j.JID, h.ID, err)
		}
		// The status from the JSON form: the outputters' own form, and
		// cheaper for them than the run's typed or float64 values.
		hr := h.HostReturn
		if hr.Return, err = enc.generic(); err != nil {
			return fmt.Errorf("job %s: host %s: %w", j.JID, h.ID, err)
		}
		notes, err := json.Marshal(nonNil(h.Notes))
		if err != nil {
			return err
		}
		rows[i] = row{h: h, ret: ret, err: []byte(h.Error), notes: notes, status: Status(hr)}
	}
	end := j.End
	if end.IsZero() {
		end = time.Now()
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		// An upsert: the start row may have been pruned by another
		// process while a long run went on.
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs
			(jid, start_ns, end_ns, exit_code, user, target, target_type, fun, args, tree_hash, hosts, provisions)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(jid) DO UPDATE SET end_ns = excluded.end_ns, exit_code = excluded.exit_code, args = excluded.args, hosts = excluded.hosts`,
			j.JID, j.Start.UnixNano(), end.UnixNano(), j.ExitCode, j.User, j.Target, j.TargetType, j.Fun, args, j.TreeHash, hostList, j.Provisions); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM returns WHERE jid = ?`, j.JID); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO returns
			(jid, host, idx, seq, status, fun, retcode, unreachable, failure, notes, duration_ns, error, ret)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		prov, err := tx.PrepareContext(ctx, `INSERT INTO provisioned (host, jid, at_ns) VALUES (?, ?, ?)
			ON CONFLICT(host) DO UPDATE SET jid = excluded.jid, at_ns = excluded.at_ns`)
		if err != nil {
			return err
		}
		defer prov.Close()
		for _, r := range rows {
			var seq any
			if r.h.Seq >= 0 {
				seq = r.h.Seq
			}
			if _, err := ins.ExecContext(ctx, j.JID, r.h.ID, r.h.Index, seq, r.status, r.h.Fun, r.h.Retcode,
				r.h.Unreachable, r.h.Failure, string(r.notes), int64(r.h.Duration), r.err, r.ret); err != nil {
				return fmt.Errorf("host %s: %w", r.h.ID, err)
			}
			if j.Provisions && r.status == "ok" {
				if _, err := prov.ExecContext(ctx, r.h.ID, j.JID, end.UnixNano()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Jobs returns every job in the history, oldest first, without hosts.
func (d *DB) Jobs(ctx context.Context) ([]Job, error) {
	rs, err := d.db.QueryContext(ctx, `SELECT jid, start_ns, end_ns, exit_code, user, target, target_type, fun, args, tree_hash, provisions
		FROM jobs ORDER BY jid`)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", d.path, err)
	}
	defer rs.Close()
	var out []Job
	for rs.Next() {
		j, err := scanJob(rs, false)
		if err != nil {
			return nil, fmt.Errorf("job history %s: %w", d.path, err)
		}
		out = append(out, *j)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("job history %s: %w", d.path, err)
	}
	return out, nil
}

// Latest is the most recent job's id (ErrNotFound when there is none).
func (d *DB) Latest(ctx context.Context) (string, error) {
	var jid sql.NullString
	if err := d.db.QueryRowContext(ctx, `SELECT max(jid) FROM jobs`).Scan(&jid); err != nil {
		return "", fmt.Errorf("job history %s: %w", d.path, err)
	}
	if !jid.Valid {
		return "", ErrNotFound
	}
	return jid.String, nil
}

// Lookup returns job jid and its hosts' results in run order (hosts
// without a result, from a killed run, are absent).
func (d *DB) Lookup(ctx context.Context, jid string) (*Job, []Host, error) {
	row := d.db.QueryRowContext(ctx, `SELECT jid, start_ns, end_ns, exit_code, user, target, target_type, fun, args, tree_hash, provisions, hosts
		FROM jobs WHERE jid = ?`, jid)
	j, err := scanJob(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("job %s: %w", jid, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("job history %s: job %s: %w", d.path, jid, err)
	}
	rs, err := d.db.QueryContext(ctx, `SELECT host, idx, seq, fun, retcode, unreachable, failure, notes, duration_ns, error, ret
		FROM returns WHERE jid = ?`, jid)
	if err != nil {
		return nil, nil, fmt.Errorf("job history %s: job %s: %w", d.path, jid, err)
	}
	defer rs.Close()
	byID := map[string]Host{}
	for rs.Next() {
		var h Host
		var seq sql.NullInt64
		var dur int64
		var errText, ret []byte
		var notes string
		if err := rs.Scan(&h.ID, &h.Index, &seq, &h.Fun, &h.Retcode, &h.Unreachable, &h.Failure, &notes, &dur, &errText, &ret); err != nil {
			return nil, nil, fmt.Errorf("job history %s: job %s: %w", d.path, jid, err)
		}
		if err := json.Unmarshal([]byte(notes), &h.Notes); err != nil {
			return nil, nil, fmt.Errorf("job history %s: job %s: host %s: notes: %w", d.path, jid, h.ID, err)
		}
		if len(h.Notes) == 0 {
			h.Notes = nil
		}
		h.Seq = -1
		if seq.Valid {
			h.Seq = int(seq.Int64)
		}
		h.Duration = time.Duration(dur)
		h.Error = string(errText)
		if h.Return, err = decodeReturn(ret); err != nil {
			return nil, nil, fmt.Errorf("job history %s: job %s: host %s: %w", d.path, jid, h.ID, err)
		}
		byID[h.ID] = h
	}
	if err := rs.Err(); err != nil {
		return nil, nil, fmt.Errorf("job history %s: job %s: %w", d.path, jid, err)
	}
	hosts := make([]Host, 0, len(byID))
	for _, id := range j.Hosts {
		if h, ok := byID[id]; ok {
			hosts = append(hosts, h)
			delete(byID, id)
		}
	}
	var extra []Host // not in the targeted list: kept, in roster order
	for _, h := range byID {
		extra = append(extra, h)
	}
	sort.Slice(extra, func(a, b int) bool {
		if extra[a].Index != extra[b].Index {
			return extra[a].Index < extra[b].Index
		}
		return extra[a].ID < extra[b].ID
	})
	return j, append(hosts, extra...), nil
}

// Retry lists the hosts of job jid that did not succeed: failed,
// unreachable, or without a result (not run, or the run was killed), in
// run order.
func (d *DB) Retry(ctx context.Context, jid string) ([]string, error) {
	j, hosts, err := d.Lookup(ctx, jid)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, h := range hosts {
		if Status(h.HostReturn) == "ok" {
			ok[h.ID] = true
		}
	}
	var out []string
	for _, id := range j.Hosts {
		if !ok[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// Provisioned returns the hosts that ever succeeded in a job marked
// Provisions. It is kept apart from the jobs, so pruning old jobs never
// makes a provisioned host look new.
func (d *DB) Provisioned(ctx context.Context) (map[string]bool, error) {
	rs, err := d.db.QueryContext(ctx, `SELECT host FROM provisioned`)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", d.path, err)
	}
	defer rs.Close()
	out := map[string]bool{}
	for rs.Next() {
		var h string
		if err := rs.Scan(&h); err != nil {
			return nil, fmt.Errorf("job history %s: %w", d.path, err)
		}
		out[h] = true
	}
	return out, rs.Err()
}

// Keep is how much history to keep; zero fields keep everything.
type Keep struct {
	// Jobs is how many of the newest jobs to keep.
	Jobs int
	// Age drops jobs that started longer ago than this.
	Age time.Duration
}

// Prune deletes the jobs Keep does not keep, with their results, and
// says how many it deleted.
func (d *DB) Prune(ctx context.Context, k Keep, now time.Time) (int, error) {
	if k.Jobs <= 0 && k.Age <= 0 {
		return 0, nil
	}
	cutoff := int64(-1 << 63)
	if k.Age > 0 {
		cutoff = now.Add(-k.Age).UnixNano()
	}
	limit := -1 // SQLite: no limit
	if k.Jobs > 0 {
		limit = k.Jobs
	}
	doomed := `SELECT jid FROM jobs WHERE start_ns < ?1 OR jid NOT IN (SELECT jid FROM jobs ORDER BY jid DESC LIMIT ?2)`
	var n int64
	err := d.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM returns WHERE jid IN (`+doomed+`)`, cutoff, limit); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE jid IN (`+doomed+`)`, cutoff, limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

type scanner interface{ Scan(...any) error }

func scanJob(s scanner, withHosts bool) (*Job, error) {
	var j Job
	var start int64
	var end, code sql.NullInt64
	var args, hosts string
	dest := []any{&j.JID, &start, &end, &code, &j.User, &j.Target, &j.TargetType, &j.Fun, &args, &j.TreeHash, &j.Provisions}
	if withHosts {
		dest = append(dest, &hosts)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	j.Start = time.Unix(0, start)
	if end.Valid {
		j.End = time.Unix(0, end.Int64)
		j.ExitCode = int(code.Int64)
	}
	if err := json.Unmarshal([]byte(args), &j.Args); err != nil {
		return nil, fmt.Errorf("job %s: args: %w", j.JID, err)
	}
	if withHosts {
		if err := json.Unmarshal([]byte(hosts), &j.Hosts); err != nil {
			return nil, fmt.Errorf("job %s: hosts: %w", j.JID, err)
		}
	}
	return &j, nil
}

func jobJSON(j *Job) (args, hosts string, err error) {
	a, err := json.Marshal(nonNil(j.Args))
	if err != nil {
		return "", "", err
	}
	h, err := json.Marshal(nonNil(j.Hosts))
	if err != nil {
		return "", "", err
	}
	return string(a), string(h), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// returnEncoder stores returns as gzip'd JSON, reusing its compressor
// (a flate writer is costly to make) across the hosts of a job. The
// outputters print every return through its JSON form (json.Number for
// numbers), so the decoded value prints byte for byte as the original
// did; a value JSON cannot hold is stored as its fmt string, as the
// outputters print it.
type returnEncoder struct {
	js  bytes.Buffer
	out bytes.Buffer
	zw  *gzip.Writer
}

// generic decodes the JSON of the last encode as the outputters see it.
func (e *returnEncoder) generic() (any, error) {
	dec := json.NewDecoder(bytes.NewReader(e.js.Bytes()))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func (e *returnEncoder) encode(v any) ([]byte, error) {
	e.js.Reset()
	je := json.NewEncoder(&e.js)
	if err := je.Encode(v); err != nil {
		e.js.Reset()
		if err := je.Encode(fmt.Sprint(v)); err != nil {
			return nil, err
		}
	}
	e.out.Reset()
	if e.zw == nil {
		zw, err := gzip.NewWriterLevel(&e.out, gzip.BestSpeed)
		if err != nil {
			return nil, err
		}
		e.zw = zw
	} else {
		e.zw.Reset(&e.out)
	}
	if _, err := e.zw.Write(e.js.Bytes()); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(e.out.Bytes()), nil
}

func decodeReturn(b []byte) (any, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Outcome is a host's latest result for one function: the job and the
// host's status in it (ok, failed, unreachable, not run; a host the job
// targeted but has no result for, from a killed run, is not run).
type Outcome struct {
	JID, Status string
}

// LatestOutcomes returns, for each host of ids, its outcome in the most
// recent job that called fun and targeted it; hosts no such job targeted
// are absent. It reads jobs newest first and stops once every host of
// ids is decided.
func (d *DB) LatestOutcomes(ctx context.Context, fun string, ids []string) (map[string]Outcome, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	rs, err := d.db.QueryContext(ctx, `SELECT jid, hosts FROM jobs WHERE fun = ? ORDER BY jid DESC`, fun)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", d.path, err)
	}
	type job struct {
		jid   string
		hosts []string
	}
	var jobs []job
	for rs.Next() {
		var j job
		var hosts string
		if err := rs.Scan(&j.jid, &hosts); err != nil {
			rs.Close()
			return nil, fmt.Errorf("job history %s: %w", d.path, err)
		}
		if err := json.Unmarshal([]byte(hosts), &j.hosts); err != nil {
			rs.Close()
			return nil, fmt.Errorf("job history %s: job %s: hosts: %w", d.path, j.jid, err)
		}
		jobs = append(jobs, j)
	}
	if err := rs.Err(); err != nil {
		rs.Close()
		return nil, fmt.Errorf("job history %s: %w", d.path, err)
	}
	rs.Close()
	out := map[string]Outcome{}
	for _, j := range jobs {
		if len(out) == len(want) {
			break
		}
		var open bool
		for _, h := range j.hosts {
			if _, done := out[h]; want[h] && !done {
				open = true
				break
			}
		}
		if !open {
			continue
		}
		status := map[string]string{}
		rows, err := d.db.QueryContext(ctx, `SELECT host, status FROM returns WHERE jid = ?`, j.jid)
		if err != nil {
			return nil, fmt.Errorf("job history %s: job %s: %w", d.path, j.jid, err)
		}
		for rows.Next() {
			var h, s string
			if err := rows.Scan(&h, &s); err != nil {
				rows.Close()
				return nil, fmt.Errorf("job history %s: job %s: %w", d.path, j.jid, err)
			}
			status[h] = s
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("job history %s: job %s: %w", d.path, j.jid, err)
		}
		for _, h := range j.hosts {
			if _, done := out[h]; !want[h] || done {
				continue
			}
			s, ok := status[h]
			if !ok {
				s = "not run"
			}
			out[h] = Outcome{JID: j.jid, Status: s}
		}
	}
	return out, nil
}
