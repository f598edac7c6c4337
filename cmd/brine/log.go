package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
)

// level is a log level, with Salt's numbers (salt/_logging/impl.py).
type level int

// logLevels are Salt's log level names.
var logLevels = map[string]level{
	"all": 0, "garbage": 1, "trace": 5, "debug": 10, "profile": 15, "info": 20,
	"warning": 30, "error": 40, "critical": 50, "quiet": 1000,
}

const (
	levelDebug   level = 10
	levelInfo    level = 20
	levelWarning level = 30
	levelError   level = 40
)

func levelNames() []string {
	names := make([]string, 0, len(logLevels))
	for n := range logLevels {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return logLevels[names[i]] < logLevels[names[j]] })
	return names
}

func parseLevel(flag, s string) (level, error) {
	l, ok := logLevels[strings.ToLower(s)]
	if !ok {
		return 0, usagef("--%s %q: want one of %s", flag, s, strings.Join(levelNames(), ", "))
	}
	return l, nil
}

// logger is brine's leveled log: lines to the console (stderr) at or above
// the console level, and to the log file, stamped, at or above the file's.
// It is the run's Log: a line's level is read from its "brine: LEVEL:"
// prefix ("trace" lines are debug; a line without one is a warning, as
// brine's messages to the operator always were).
type logger struct {
	mu      sync.Mutex
	console io.Writer
	conLvl  level
	file    *os.File
	fileLvl level
	fileErr error
	partial []byte
}

// newLogger reads -l, --log-file, --log-file-level, -v and --trace.
func newLogger(c *cli.Context, console io.Writer) (*logger, error) {
	l := &logger{console: console}
	var err error
	if l.conLvl, err = parseLevel("log-level", c.String("log-level")); err != nil {
		return nil, err
	}
	if l.fileLvl, err = parseLevel("log-file-level", c.String("log-file-level")); err != nil {
		return nil, err
	}
	if !c.IsSet("log-level") {
		switch n := c.Count("verbose"); {
		case n >= 3:
			l.conLvl = levelDebug
		case n == 2:
			l.conLvl = levelInfo
		}
	}
	if c.Bool("trace") && l.conLvl > levelDebug {
		l.conLvl = levelDebug
	}
	if p := c.String("log-file"); p != "" {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, usagef("--log-file: %v", err)
		}
		l.file = f
	}
	return l, nil
}

// traces reports whether debug lines go anywhere (the run traces each
// host's network steps only then).
func (l *logger) traces() bool {
	return l.conLvl <= levelDebug || l.file != nil && l.fileLvl <= levelDebug
}

// Write takes whole lines (a partial one waits for its end).
func (l *logger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

// Logf logs one message at lvl ("brine: LEVEL: " is added).
func (l *logger) Logf(lvl level, format string, a ...any) {
	fmt.Fprintf(l, "brine: %s: %s\n", levelName(lvl), fmt.Sprintf(format, a...))
}

func levelName(lvl level) string {
	for n, v := range logLevels {
		if v == lvl && n != "all" {
			return n
		}
	}
	return "warning"
}

// lineLevel reads a line's level from its prefix.
func lineLevel(s string) level {
	rest, ok := strings.CutPrefix(s, "brine: ")
	if !ok {
		return levelWarning
	}
	word, _, _ := strings.Cut(rest, ":")
	switch word {
	case "trace", "debug":
		return levelDebug
	case "info":
		return levelInfo
	case "error":
		return levelError
	case "critical":
		return 50
	}
	return levelWarning
}

func (l *logger) line(s string) {
	lvl := lineLevel(s)
	if lvl >= l.conLvl {
		io.WriteString(l.console, s+"\n")
	}
	if l.file != nil && lvl >= l.fileLvl && l.fileErr == nil {
		// Salt's log file format: time, logger, level, pid, message.
		now := time.Now()
		stamp := fmt.Sprintf("%s,%03d [%-17s][%-8s][%d] %s\n", now.Format("2006-01-02 15:04:05"), now.Nanosecond()/1e6,
			"brine", strings.ToUpper(levelName(lvl)), os.Getpid(), strings.TrimPrefix(s, "brine: "))
		if _, err := io.WriteString(l.file, stamp); err != nil {
			l.fileErr = err
		}
	}
}

// Close ends the log: a partial line is written, the file closed; its
// error is the first failed write.
func (l *logger) Close() error {
	l.mu.Lock()
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
	f, err := l.file, l.fileErr
	l.file = nil
	l.mu.Unlock()
	if f == nil {
		return nil
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("log file %s: %w", f.Name(), err)
	}
	return nil
}
