package main

import (
	"errors"
	"io"
	"sync"
	"syscall"
)

// checked is one of brine's outputs (stdout, stderr, --out-file's file)
// with every write checked: the first failed or short write is kept, and
// nothing more is written after it, so the output is either whole or
// known to be cut. A reader that went away (EPIPE: `brine ... | head`) is
// told apart: that is not an error of the run.
type checked struct {
	mu   sync.Mutex
	w    io.Writer
	name string // "stdout", "stderr", or the file's name
	err  error
}

func newChecked(w io.Writer, name string) *checked { return &checked{w: w, name: name} }

func (c *checked) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// Err is the first failed write (nil when every write succeeded).
func (c *checked) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// gone reports whether the reader went away (EPIPE).
func (c *checked) gone() bool { return isGone(c.Err()) }

// failed is the write error that must be reported: any but EPIPE.
func (c *checked) failed() error {
	if err := c.Err(); err != nil && !isGone(err) {
		return err
	}
	return nil
}

func isGone(err error) bool { return errors.Is(err, syscall.EPIPE) }

// underlying is the writer a checked one wraps (for terminal checks).
func underlying(w io.Writer) io.Writer {
	for {
		c, ok := w.(*checked)
		if !ok {
			return w
		}
		w = c.w
	}
}
