package history

import (
	"strings"
	"time"
)

// jidLayout is Salt's jid, %Y%m%d%H%M%S%f (salt/utils/jid.py gen_jid),
// written with a dot that NewJID drops.
const jidLayout = "20060102150405.000000"

// NewJID is Salt's job id for t: 20 digits, YYYYmmddHHMMSSffffff, in UTC as
// Salt's gen_jid. DB.Begin makes it unique in the history.
func NewJID(t time.Time) string {
	return strings.Replace(t.UTC().Format(jidLayout), ".", "", 1)
}

// ParseJID returns the time a jid names; ok is false when s is not 20
// digits naming a valid time.
func ParseJID(s string) (t time.Time, ok bool) {
	if len(s) != 20 {
		return time.Time{}, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	t, err := time.Parse(jidLayout, s[:14]+"."+s[14:])
	return t, err == nil
}

// StartTime formats a jid as Salt's jid_to_time does for the StartTime of
// jobs.list_jobs: "2026, Nov 28 10:30:00.123456" (UTC, as the jid).
func StartTime(jid string) string {
	t, ok := ParseJID(jid)
	if !ok {
		return ""
	}
	return t.Format("2006, Jan 02 15:04:05.000000")
}

// nextJID is the jid one microsecond after jid (a collision's successor).
func nextJID(jid string) string {
	t, ok := ParseJID(jid)
	if !ok {
		return jid
	}
	return NewJID(t.Add(time.Microsecond))
}
