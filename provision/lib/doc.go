// Package lib holds small helpers both sides use that know nothing of
// brine: Python-compatible formatting (pyfmt), fnmatch, shlex and shell
// quoting, source hashes, atomic file writes and terminal-safe text.
package lib
