package history

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"brine/provision/controller/result"
)

// writeTimeout bounds recording a job's end, which runs even after Ctrl-C
// has cancelled the run's context.
const writeTimeout = 30 * time.Second

// startWait bounds how long a run waits at its start for a job history
// another process holds busy; then it runs unrecorded, saying so.
const startWait = 3 * time.Second

// Recorder records one run in the job history: the job at its start, the
// order hosts finish in, and every host's result at its end, with the
// run's secrets masked. When the history cannot be opened or written it
// says so on Log and the run goes on unrecorded: history never stops a
// run. Finished is to be called one at a time (as the runner calls its
// observers).
type Recorder struct {
	db      *DB
	job     Job
	index   map[string]int
	seq     map[string]int
	secrets []string
	keep    Keep
	log     io.Writer
}

// Record opens the history at path and records the start of job (whose
// Args are masked with secrets first), giving it its jid. index holds the
// roster position of each host; keep is the pruning done at the end; log
// (brine's stderr) is told when the history fails. Its one error is
// ErrJIDTaken (a job.FixedJID the history holds): nothing is recorded.
func Record(ctx context.Context, path string, job Job, index map[string]int, secrets []string, keep Keep, log io.Writer) (*Recorder, error) {
	r := &Recorder{job: job, index: index, seq: map[string]int{}, secrets: secrets, keep: keep, log: log}
	r.job.Args = r.mask(job.Args)
	db, err := OpenWith(ctx, path, Options{Wait: startWait, Waiting: func() {
		fmt.Fprintf(log, "brine: job history %s is busy (another brine process is writing it): waiting up to %s\n", path, startWait)
	}})
	if err == nil {
		if err = db.Begin(ctx, &r.job); err != nil {
			db.Close()
		} else {
			r.db = db
		}
	}
	if errors.Is(err, ErrJIDTaken) {
		return nil, err
	}
	if err != nil {
		if !job.FixedJID {
			r.job.JID = NewJID(r.job.Start)
		}
		fmt.Fprintf(log, "brine: warning: job history: %v: this run is not recorded\n", err)
	}
	return r, nil
}

// Recorded reports whether the history holds the run (false when it
// could not be opened or written at the start).
func (r *Recorder) Recorded() bool { return r.db != nil }

// JID is the run's job id (one is made up when the history failed, so
// the run still has one to print).
func (r *Recorder) JID() string { return r.job.JID }

// Started does nothing: a host is recorded when it finishes.
func (r *Recorder) Started(string, time.Time) {}

// Finished notes the order hosts finish in (jobs.lookup_jid prints them
// in it).
func (r *Recorder) Finished(h result.HostReturn) {
	if _, ok := r.seq[h.ID]; !ok {
		r.seq[h.ID] = len(r.seq)
	}
}

// mask redacts the run's secret values in args.
func (r *Recorder) mask(args []string) []string {
	red := result.Redact(result.HostReturn{Return: append([]string{}, args...)}, r.secrets)
	out, _ := red.Return.([]string)
	return out
}

// Finish records every host's result and the end of the job with brine's
// exit code, masking the secrets found during the run (each host's secret
// pillar, from hostSecrets when set), then prunes the history. It runs
// even when ctx was cancelled (an interrupted run is recorded too), for at
// most writeTimeout.
func (r *Recorder) Finish(ctx context.Context, all []result.HostReturn, hostSecrets func(string) []string, exitCode int) {
	if r.db == nil {
		return
	}
	defer r.db.Close()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if hostSecrets != nil {
		for _, h := range r.job.Hosts {
			r.secrets = append(r.secrets, hostSecrets(h)...)
		}
	}
	r.job.Args = r.mask(r.job.Args)
	r.job.End, r.job.ExitCode = time.Now(), exitCode
	hosts := make([]Host, len(all))
	for i, h := range all {
		seq, ok := r.seq[h.ID]
		if !ok {
			seq = -1
		}
		hosts[i] = Host{HostReturn: result.Redact(h, r.secrets), Index: r.index[h.ID], Seq: seq}
	}
	if err := r.db.Finish(ctx, &r.job, hosts); err != nil {
		fmt.Fprintf(r.log, "brine: warning: job history: %v: job %s is recorded without its results\n", err, r.job.JID)
		return
	}
	if _, err := r.db.Prune(ctx, r.keep, time.Now()); err != nil {
		fmt.Fprintf(r.log, "brine: warning: job history: prune: %v\n", err)
	}
}
