package main

import (
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"brine/provision/controller/progress"
)

// newProgressView reads the progress flags (before any host is contacted,
// so a mistake costs nothing): a status line when stderr is a terminal,
// plain lines with --progress elsewhere, nothing with --no-progress.
func newProgressView(c *cli.Context, stdout, stderr io.Writer) (*progress.View, error) {
	if c.Bool("progress") && c.Bool("no-progress") {
		return nil, usagef("--progress and --no-progress contradict each other: give one")
	}
	o := progress.Options{W: stderr}
	sameTTY := false
	switch {
	case c.Bool("no-progress"):
	case isTerminal(stderr) && os.Getenv("TERM") != "dumb":
		o.Mode = progress.Live
		o.Color = !c.Bool("no-color") && os.Getenv("NO_COLOR") == ""
		sameTTY = sameFile(stdout, stderr)
		f := underlying(stderr).(*os.File)
		o.Width = func() int {
			w, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0
			}
			return w
		}
	case c.Bool("progress"):
		o.Mode = progress.Lines
	}
	return progress.NewView(c.Context, o, sameTTY), nil
}

// sameFile reports whether a and b are the same open file (one terminal).
func sameFile(a, b io.Writer) bool {
	fa, ok1 := underlying(a).(*os.File)
	fb, ok2 := underlying(b).(*os.File)
	if !ok1 || !ok2 {
		return false
	}
	sa, err1 := fa.Stat()
	sb, err2 := fb.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
