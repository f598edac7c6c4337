package connect

import (
	"bytes"
	"fmt"
	"sync"
)

// Default bounds on what a host may send in answer to one command: every
// byte a host sends is held in memory only up to these.
const (
	// DefaultMaxAnswer bounds a command's stdout (the executor's answer).
	DefaultMaxAnswer = 64 << 20
	// DefaultMaxStderr bounds a command's stderr.
	DefaultMaxStderr = 1 << 20
)

// TooLargeError means a host sent more than a bound allows on one stream of
// one command; the reader stopped there and ended the command.
type TooLargeError struct {
	// What names the stream ("the answer", "stderr").
	What string
	// N is how many bytes had come when the reader stopped.
	N int64
	// Limit is the bound it passed.
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("answer too large (%d bytes): %s passed the limit of %s, so brine stopped reading and closed the connection", e.N, e.What, Size(e.Limit))
}

// Size prints a byte count the way the limits are given: 64 MiB, 1 MiB.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// LimitBuffer collects what is written up to Limit bytes; past it, it
// keeps nothing more, calls Over once (to end the command) and remembers
// the error. Safe for one writer and readers after the writer is done, and
// for concurrent Err calls.
type LimitBuffer struct {
	What  string
	Limit int64
	// Over, when set, is called once, with the error, when Limit is
	// passed.
	Over func(error)

	mu  sync.Mutex
	b   bytes.Buffer
	n   int64
	err error
}

func (l *LimitBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.n += int64(len(p))
	if l.err != nil {
		l.mu.Unlock()
		return len(p), nil
	}
	if l.n > l.Limit {
		l.err = &TooLargeError{What: l.What, N: l.n, Limit: l.Limit}
		err, over := l.err, l.Over
		l.mu.Unlock()
		if over != nil {
			over(err)
		}
		return len(p), nil
	}
	l.b.Write(p)
	l.mu.Unlock()
	return len(p), nil
}

// Bytes returns what was kept (a copy).
func (l *LimitBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

// Err is the *TooLargeError once Limit was passed, else nil.
func (l *LimitBuffer) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
