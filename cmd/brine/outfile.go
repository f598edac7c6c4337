package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
// first write, so a usage error leaves nothing behind.
type outFile struct {
	path   string
	append bool
	f      *os.File
	tmp    string // the temp file to rename over path; "" when writing in place
	err    error
}

// Write opens the file on first use.
func (o *outFile) Write(p []byte) (int, error) {
	if o.f == nil && o.err == nil {
		o.err = o.open()
	}
	if o.err != nil {
		return 0, o.err
	}
	return o.f.Write(p)
}

func (o *outFile) open() error {
	if o.append {
		f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("--out-file: %w", err)
		}
		o.f = f
		return nil
	}
	target, mode := o.path, os.FileMode(0o600)
	if fi, err := os.Stat(o.path); err == nil {
		if !fi.Mode().IsRegular() {
			f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				return fmt.Errorf("--out-file: %w", err)
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
		return fmt.Errorf("--out-file: %w", err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("--out-file: %w", err)
	}
	o.f, o.tmp, o.path = f, f.Name(), target
	return nil
}

// commit makes the output FILE: the temp file synced and renamed over it
// (an empty output still replaces it, as Salt truncates it).
func (o *outFile) commit() error {
	if o.f == nil && o.err == nil {
		o.err = o.open()
	}
	if o.err != nil {
		return o.err
	}
	if o.tmp == "" {
		return closeWrap(o.f.Close())
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

// abort drops an incomplete output: FILE stays as it was.
func (o *outFile) abort() {
	if o.f == nil {
		return
	}
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

func closeWrap(err error) error {
	if err != nil {
		return fmt.Errorf("--out-file: %w", err)
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
