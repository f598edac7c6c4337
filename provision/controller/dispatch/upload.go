package dispatch

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"

	"brine/provision/controller/connect"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/result"
)

// upload copies the executor for the host's machine type into the thin
// dir: gzip-compressed through one exec when the host has gzip (the usual
// case: fewest bytes, one round trip), else by SFTP, else streamed raw.
// Every way fails when no byte moves for the timeout.
func (hr *hostRun) upload(machine string, gz bool) ([]*executorbin.Executor, error) {
	arch := executorbin.ArchFromUname(machine)
	if arch == "" {
		return nil, fail(result.UploadFailed, fmt.Errorf("no executor for this host's architecture %q (brine ships %s)", machine, strings.Join(executorbin.Arches(), ", ")))
	}
	e, err := hr.r.Store.Get(hr.hard, arch)
	if err != nil {
		return nil, err
	}
	var data []byte
	if gz {
		data, err = e.Gzip()
	} else {
		data, err = e.Data()
	}
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	how := "gzip"
	defer func() {
		hr.r.trace(hr.h.ID, fmt.Sprintf("upload executor %s (%d bytes, %s)", e.SHA[:12], len(data), how), t0)
	}()
	// With sudo the bytes go through `sudo /bin/sh -c`, written by the
	// user the executor runs as; SFTP would write them as the login user.
	pw := hr.sudoPassword() != ""
	if !gz {
		how = "sftp"
		err = errNoSFTP
		if !hr.h.Sudo {
			err = hr.uploadSFTP(e.SHA, data)
		}
		if errors.Is(err, errNoSFTP) {
			how = "stream"
			err = hr.uploadStream(uploadScript(hr.thinDir(), e.SHA, false, pw), data)
		}
	} else {
		err = hr.uploadStream(uploadScript(hr.thinDir(), e.SHA, true, pw), data)
	}
	if err != nil {
		var f *failure
		if errors.As(err, &f) || connect.IsLost(err) || hr.hard.Err() != nil {
			return nil, err
		}
		return nil, fail(result.UploadFailed, fmt.Errorf("upload failed: %w", err))
	}
	// The cache records the executor only once it has answered (and so
	// verified itself); see exec.
	return []*executorbin.Executor{e}, nil
}

// progress counts the bytes that have moved; total is how many there are.
type progress struct {
	r     io.Reader
	n     atomic.Int64
	total int64
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	return n, err
}

// finishFactor: once every byte is sent, the host has this many timeouts
// to finish writing the executor. The bytes sit in the SSH channel's
// window (2 MB with OpenSSH: a whole executor) long before the host has
// read them, so that time covers its reading, unpacking and hashing.
const finishFactor = 3

// watch cancels ctx with a "no byte moved" failure when p has not moved for
// the runner's timeout, or, once all of p is sent, when the host has not
// finished within finishFactor timeouts; stop ends the watch.
func (hr *hostRun) watch(cancel context.CancelCauseFunc, p *progress) (stop func()) {
	idle := hr.r.timeout()
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(idle / 10)
		defer tick.Stop()
		last, since := p.n.Load(), time.Now()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				n := p.n.Load()
				switch {
				case n != last:
					last, since = n, time.Now()
				case n >= p.total && time.Since(since) >= finishFactor*idle:
					cancel(fail(result.UploadFailed, fmt.Errorf("upload failed: the host did not finish writing the executor within %s of the last byte (%d bytes sent)", finishFactor*idle, n)))
					return
				case n < p.total && time.Since(since) >= idle:
					cancel(fail(result.UploadFailed, fmt.Errorf("upload failed: no byte moved for %s (%d bytes sent)", idle, n)))
					return
				}
			}
		}
	}()
	return func() { close(done) }
}

// uploadStream runs script as the executing user with data on its stdin;
// with a sudo password the data goes only once sudo has had it and the
// script says it is reading (markReady).
func (hr *hostRun) uploadStream(script string, data []byte) error {
	ctx, cancel := context.WithCancelCause(hr.hard)
	defer cancel(nil)
	pr := &progress{r: bytes.NewReader(data), total: int64(len(data))}
	pw := hr.sudoPassword()
	events := make(chan string, 8)
	// Wait returns only once stderr is all written: no lock needed.
	tooLarge := func(err error) { cancel(fail(result.UploadFailed, err)) }
	stderr := &markWriter{events: events, strip: true, limit: hr.r.maxStderr(), over: tooLarge}
	if pw != "" {
		stderr.marks = []string{markPrompt}
	}
	p, err := hr.conn.Start(ctx, asUser(script, hr.sudo()), stderr)
	if err != nil {
		return err
	}
	ctl := &ctlWriter{w: p.Stdin()}
	lines := readLines(p.Stdout(), hr.r.maxStderr(), "the upload's output", tooLarge)
	if pw != "" {
		next := func() (line, bool) {
			for l := range lines {
				if l.err != nil {
					return l, false
				}
				if strings.TrimSpace(string(l.b)) == markReady {
					return l, true
				}
			}
			return line{err: io.EOF}, false
		}
		if err := hr.answerSudo(pw, ctl, events, next, p.Kill); err != nil {
			p.Kill()
			_ = p.Wait()
			return err
		}
	}
	stop := hr.watch(cancel, pr)
	defer stop()
	go func() {
		_, _ = io.Copy(ctl.w, pr)
		ctl.close()
	}()
	for l := range lines {
		if n, ok := parseNote(string(l.b)); ok {
			hr.note(n)
		}
	}
	werr := p.Wait()
	if c := context.Cause(ctx); ctx.Err() != nil {
		return c
	}
	var ee *connect.ExitError
	if errors.As(werr, &ee) {
		msg := strings.TrimSpace(string(stderr.bytes()))
		if strings.Contains(msg, "No space left") {
			return fmt.Errorf("thin_dir %s is full (%s)", hr.thinDir(), msg)
		}
		if msg == "" {
			msg = fmt.Sprintf("exit %d", ee.Status)
		}
		return fmt.Errorf("to %s: %s", hr.thinDir(), msg)
	}
	return werr
}

// errNoSFTP means the connection offers no sftp subsystem; the caller
// streams instead.
var errNoSFTP = errors.New("no sftp subsystem")

// uploadSFTP writes the executor to thinDir/brine-exec-<sha> through a temp
// file and a rename, creating thinDir 0700 and refusing a thin dir that is a
// symlink or open to others. An sftp subsystem that does not answer within
// the timeout counts as none.
func (hr *hostRun) uploadSFTP(sha string, data []byte) error {
	c, ok := hr.conn.(*connect.Client)
	if !ok {
		return errNoSFTP
	}
	ctx, cancel := context.WithCancelCause(hr.hard)
	defer cancel(nil)
	sc, err := c.SFTP(ctx, hr.r.timeout())
	if err != nil {
		if hr.hard.Err() != nil || connect.IsLost(err) {
			return err
		}
		return errNoSFTP
	}
	defer sc.Close()
	defer context.AfterFunc(ctx, func() { sc.Close() })()
	thinDir := hr.thinDir()
	fi, err := sc.Lstat(thinDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := sc.MkdirAll(thinDir); err != nil {
			return fmt.Errorf("create %s: %w", thinDir, err)
		}
		if err := sc.Chmod(thinDir, 0o700); err != nil {
			return fmt.Errorf("chmod %s: %w", thinDir, err)
		}
	case err != nil:
		return fmt.Errorf("stat %s: %w", thinDir, err)
	case fi.Mode()&os.ModeSymlink != 0 || !fi.IsDir():
		return fmt.Errorf("%s is not a directory (or is a symlink): refusing to use it as thin_dir", thinDir)
	case fi.Mode().Perm() != 0o700:
		if err := sc.Chmod(thinDir, 0o700); err != nil {
			return fmt.Errorf("%s has mode %04o and cannot be made private: %w", thinDir, fi.Mode().Perm(), err)
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	final := path.Join(thinDir, "brine-exec-"+sha)
	tmp := path.Join(thinDir, ".brine-exec-"+sha+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	pr := &progress{r: bytes.NewReader(data), total: int64(len(data))}
	stop := hr.watch(cancel, pr)
	_, err = f.ReadFrom(pr)
	stop()
	if c := context.Cause(ctx); ctx.Err() != nil {
		return c
	}
	if err != nil {
		f.Close()
		sc.Remove(tmp)
		return hr.sftpWriteErr(sc, tmp, len(data), err)
	}
	if err := f.Chmod(0o700); err != nil {
		f.Close()
		sc.Remove(tmp)
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		sc.Remove(tmp)
		return hr.sftpWriteErr(sc, tmp, len(data), err)
	}
	if err := sc.PosixRename(tmp, final); err != nil {
		if err2 := sc.Rename(tmp, final); err2 != nil {
			sc.Remove(tmp)
			return fmt.Errorf("rename %s: %w", final, err)
		}
	}
	return nil
}

// sftpWriteErr explains a failed write: SFTP says only "Failure", so ask
// the server how much room the thin dir has.
func (hr *hostRun) sftpWriteErr(sc *sftp.Client, tmp string, size int, err error) error {
	if st, serr := sc.StatVFS(hr.thinDir()); serr == nil {
		if free := st.FreeSpace(); free < uint64(size) {
			return fmt.Errorf("thin_dir %s is full: %d bytes free, the executor needs %d", hr.thinDir(), free, size)
		}
	}
	return fmt.Errorf("write %s: %w", tmp, err)
}
