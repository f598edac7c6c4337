package execute

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"brine/provision/bundle"
	"brine/provision/payload"
	"brine/provision/report"
	"brine/provision/wire"
)

// Local runs job on this machine with the same executor and bundle a remote
// host would get, without SSH (salt-call --local).
type Local struct {
	Store    *payload.Store
	CacheDir string
	// ID is the minion id to report (default: the hostname).
	ID     string
	Grains map[string]any
}

// Run runs the job locally and returns its result.
func (l *Local) Run(ctx context.Context, job Job) report.HostReturn {
	start := time.Now()
	return job.finish(l.run(ctx, job), l.ID, start)
}

func (l *Local) run(ctx context.Context, job Job) report.HostReturn {
	if job.Raw {
		return report.HostReturn{Retcode: 1, Error: "-r/--raw needs a remote host; with --local run the command yourself"}
	}
	exe, err := l.executable(ctx)
	if err != nil {
		return report.HostReturn{Retcode: 1, Error: err.Error()}
	}
	call := func(req *wire.Request, data []byte) (*wire.Response, error) {
		req.ID, req.Grains = l.ID, l.Grains
		var in bytes.Buffer
		if err := wire.WriteRequest(&in, req, data); err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, exe, "-local")
		var out, stderr bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = &in, &out, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("executor %s: %v: %s", exe, err, bytes.TrimSpace(stderr.Bytes()))
		}
		return parseResponse(out.Bytes())
	}
	var data []byte
	req := &wire.Request{Fun: job.Fun, Args: job.Args, Kwargs: job.Kwargs, Test: job.Test, Failhard: job.Failhard, LockTimeout: job.LockTimeout.Seconds()}
	if job.Compile != nil || job.Show != nil {
		gr, err := call(&wire.Request{Fun: "grains.items"}, nil)
		if err != nil {
			return report.HostReturn{Retcode: 1, Error: err.Error()}
		}
		if job.Show != nil {
			ret, err := job.Show(ctx, l.ID, gr.Grains)
			if err != nil {
				return report.HostReturn{Retcode: 1, Error: err.Error()}
			}
			return report.HostReturn{Return: ret}
		}
		b, err := job.Compile(ctx, l.ID, gr.Grains)
		if err != nil {
			return report.HostReturn{Retcode: 1, Error: err.Error()}
		}
		data, req.BundleSHA, err = bundle.Pack(b)
		if err != nil {
			return report.HostReturn{Retcode: 1, Error: err.Error()}
		}
		req.BundleSize = int64(len(data))
	}
	resp, err := call(req, data)
	if err != nil {
		return report.HostReturn{Retcode: 1, Error: err.Error()}
	}
	return fromResponse(resp)
}

// executable writes this machine's executor into the cache (once per
// version) and returns its path.
func (l *Local) executable(ctx context.Context) (string, error) {
	e, err := l.Store.Get(ctx, runtime.GOARCH)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(l.CacheDir, "local")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "brine-exec-"+e.SHA)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	data, err := e.Data()
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	f.Close()
	if err := os.Chmod(f.Name(), 0o700); err != nil {
		return "", err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return "", err
	}
	return p, nil
}
