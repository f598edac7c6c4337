package cron

import (
	"strings"
)

// Tag is the line Salt writes above the entries it manages.
const Tag = "# Lines below here are managed by Salt, do not edit"

// idMarker precedes a job's identifier in its comment line.
const idMarker = "SALT_CRON_IDENTIFIER"

// Job is one managed cron line (timed, or special such as @reboot).
type Job struct {
	Minute, Hour, DayMonth, Month, DayWeek string
	// Special is "@reboot", "@hourly"... ("" for a timed job).
	Special    string
	Cmd        string
	Comment    string
	Identifier string
	Commented  bool
}

// Env is one managed NAME=value line.
type Env struct{ Name, Value string }

// Tab is a parsed crontab, split the way Salt's cron module splits it.
type Tab struct {
	// Pre are the lines above Tag, kept verbatim.
	Pre     []string
	Env     []Env
	Jobs    []Job
	Special []Job
}

// Parse reads a crontab.
func Parse(s string) *Tab {
	t := &Tab{}
	managed := false
	var comment, ident string
	hasComment := false
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.TrimSpace(line) == Tag {
			managed = true
			continue
		}
		if !managed {
			if line != "" || len(t.Pre) > 0 {
				t.Pre = append(t.Pre, line)
			}
			continue
		}
		commented := false
		if rest, ok := strings.CutPrefix(line, "#DISABLED#"); ok {
			line, commented = rest, true
		}
		switch {
		case strings.HasPrefix(line, "@"):
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			t.Special = append(t.Special, Job{Special: f[0], Cmd: strings.Join(f[1:], " "), Comment: comment, Identifier: ident, Commented: commented})
			comment, ident, hasComment = "", "", false
		case strings.HasPrefix(line, "#"):
			c := strings.TrimLeft(line, "# ")
			if i := strings.Index(c, idMarker); i >= 0 {
				id := c[i+len(idMarker):]
				c = strings.TrimRight(c[:i], " ")
				if len(id) > 1 {
					ident = id[1:]
				}
			}
			if !hasComment {
				comment, hasComment = c, true
			} else {
				comment += "\n" + c
			}
		case strings.Index(line, "=") > 0 && (!strings.Contains(line, " ") || strings.Index(line, "=") < strings.Index(line, " ")):
			name, value, _ := strings.Cut(line, "=")
			t.Env = append(t.Env, Env{Name: name, Value: value})
		case len(strings.Split(line, " ")) > 5:
			f := strings.Split(line, " ")
			t.Jobs = append(t.Jobs, Job{Minute: f[0], Hour: f[1], DayMonth: f[2], Month: f[3], DayWeek: f[4],
				Cmd: strings.Join(f[5:], " "), Comment: comment, Identifier: ident, Commented: commented})
			comment, ident, hasComment = "", "", false
		}
	}
	return t
}

func (j Job) render(b *strings.Builder) {
	if j.Comment != "" || j.Identifier != "" {
		b.WriteString("#")
		if j.Comment != "" {
			b.WriteString(" " + strings.ReplaceAll(strings.TrimRight(j.Comment, " \n"), "\n", "\n# "))
		}
		if j.Identifier != "" {
			b.WriteString(" " + idMarker + ":" + j.Identifier)
		}
		b.WriteString("\n")
	}
	if j.Commented {
		b.WriteString("#DISABLED#")
	}
	if j.Special != "" {
		b.WriteString(j.Special + " " + j.Cmd + "\n")
		return
	}
	b.WriteString(strings.Join([]string{j.Minute, j.Hour, j.DayMonth, j.Month, j.DayWeek, j.Cmd}, " ") + "\n")
}

// String renders the crontab as Salt does: the unmanaged lines, Tag, then
// the environment, the timed jobs and the special jobs.
func (t *Tab) String() string {
	var b strings.Builder
	for _, p := range t.Pre {
		b.WriteString(p + "\n")
	}
	b.WriteString(Tag + "\n")
	for _, e := range t.Env {
		if e.Value == "" {
			b.WriteString(e.Name + "=\"\"\n")
		} else {
			b.WriteString(e.Name + "=" + e.Value + "\n")
		}
	}
	for _, j := range t.Jobs {
		j.render(&b)
	}
	for _, j := range t.Special {
		j.render(&b)
	}
	return b.String()
}

// matches reports whether job j is the one a state identifies by
// identifier (or, for a job without identifier, by command).
func (j Job) matches(cmd, identifier string) bool {
	if j.Identifier != "" {
		return j.Identifier == identifier
	}
	return j.Cmd == cmd
}

// find returns the index of the matching job in list, or -1.
func find(list []Job, cmd, identifier string) int {
	for i, j := range list {
		if j.matches(cmd, identifier) {
			return i
		}
	}
	return -1
}
