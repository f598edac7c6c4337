package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// outFile is --out-file FILE: the output goes to FILE instead of stdout.
//
// Without --out-file-append it is written to a temp file beside FILE that
// replaces FILE only once the output is complete (Salt truncates FILE at
// the start and writes into it): a brine killed half-way leaves FILE as it
// was and never a truncated output that looks whole. With
// --out-file-append it is appended as it comes, as Salt does. A new FILE is
// created 0600 (Salt leaves it to the umask): outputs hold what hosts
// returned. An existing FILE keeps its mode; one that is not a regular file
// (/dev/stdout, a FIFO) is written in place. The file is opened at the
// start of the run (before anything is applied: an unwritable FILE stops
// the run first) or at the first write; a run that ends before it printed
// (a usage error) leaves nothing behind.
type outFile struct {
	path   string
	append bool
	f      *os.File
	tmp    string // the temp file to rename over path; "" when writing in place
	err    error
	// created: open made FILE (append), so abort removes it again.
	created bool
	// done: committed or aborted.
	done bool
}

// Write opens the file on first use.
func (o *outFile) Write(p []byte) (int, error) {
	if err := o.open(); err != nil {
		return 0, err
	}
	return o.f.Write(p)
}

// open opens the file once; later calls return the first one's error.
func (o *outFile) open() error {
	if o.f == nil && o.err == nil {
		o.err = o.doOpen()
	}
	return o.err
}

func (o *outFile) doOpen() error {
	if o.append {
		_, err := os.Lstat(o.path)
		existed := err == nil
		f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("--out-file %s: %w", o.path, unwrapPath(err))
		}
		o.f, o.created = f, !existed
		return nil
	}
	target, mode := o.path, os.FileMode(0o600)
	if fi, err := os.Stat(o.path); err == nil {
		if !fi.Mode().IsRegular() {
			f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				return fmt.Errorf("--out-file %s: %w", o.path, unwrapPath(err))
			}
			o.f = f
			return nil
		}
		mode = fi.Mode().Perm()
		// Replace what a symlink points to, not the link.
		if real, err := filepath.EvalSymlinks(o.path); err == nil {
			target = real
		}
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".brine-*.tmp")
	if err != nil {
		return fmt.Errorf("--out-file %s: cannot write in %s: %w", o.path, filepath.Dir(target), unwrapPath(err))
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("--out-file %s: %w", o.path, unwrapPath(err))
	}
	o.f, o.tmp, o.path = f, f.Name(), target
	return nil
}

// commit makes the output FILE: the temp file synced and renamed over it
// (an empty output still replaces it, as Salt truncates it).
func (o *outFile) commit() error {
	o.done = true
	if err := o.open(); err != nil {
		return err
	}
	if o.tmp == "" {
		err := o.f.Sync()
		if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
			err = nil // a FIFO or a device: nothing to sync
		}
		if cerr := o.f.Close(); err == nil {
			err = cerr
		}
		return closeWrap(err)
	}
	err := o.f.Sync()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp, o.path)
	}
	if err != nil {
		os.Remove(o.tmp)
	}
	return closeWrap(err)
}

// abort drops an incomplete output: FILE stays as it was (a FILE this run
// created for appending, and wrote nothing to, is removed).
func (o *outFile) abort() {
	o.done = true
	if o.f == nil {
		return
	}
	if o.created {
		if fi, err := o.f.Stat(); err == nil && fi.Size() == 0 {
			os.Remove(o.path)
		}
	}
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

func closeWrap(err error) error {
	if err != nil {
		return unwrapPath(err)
	}
	return nil
}

// outputWriter is w, or --out-file's file.
func outputWriter(path string, appendTo bool, w io.Writer) (io.Writer, *outFile, error) {
	if path == "" {
		if appendTo {
			return nil, nil, usagef("--out-file-append needs --out-file FILE")
		}
		return w, nil, nil
	}
	f := &outFile{path: path, append: appendTo}
	return f, f, nil
}
