// Package shlex splits a command line into words the way Python's shlex
// module does, for the places where brine reads text as Salt or Ansible do
// (cmd.run without a shell, the kernelparams grain, Ansible inventory lines
// and ssh arguments).
package shlex

import (
	"errors"
	"strings"
)

// Split splits s into words as Python's shlex.split(s) (POSIX mode) does:
// blanks separate words, '...' is literal, "..." honours \" and \\, a
// backslash outside quotes escapes the next character. An unclosed quote
// or a final backslash is an error, with Python's words.
func Split(s string) ([]string, error) { return split(s, false) }

// SplitComments is Python's shlex.split(s, comments=True), how Ansible
// reads its INI inventory lines: as Split, and a '#' outside quotes starts
// a comment to the end of its line, even inside a word.
func SplitComments(s string) ([]string, error) { return split(s, true) }

func split(s string, comments bool) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("No escaped character")
			}
			inWord = true
			i++
			cur.WriteByte(s[i])
		case ch == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("No closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case ch == '"':
			inWord = true
			i++
			for ; ; i++ {
				if i >= len(s) {
					return nil, errors.New("No closing quotation")
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || comments && ch == '#':
			if ch == '#' {
				if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
					i += j
				} else {
					i = len(s)
				}
			}
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			inWord = true
			cur.WriteByte(ch)
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
