package match

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"brine/provision/lib/fnmatch"
)

// term is one matcher with its pattern checked (and compiled) up front.
type term struct {
	kind    string
	pattern string
	delim   string
	re      *regexp.Regexp
	ids     map[string]bool
	prefix  netip.Prefix
}

// newTerm checks pattern for the matcher kind; delim is for the data
// matchers ("" is ":").
func newTerm(kind, pattern, delim string) (*term, error) {
	if kind == "" {
		kind = "glob"
	}
	t := &term{kind: kind, pattern: pattern, delim: delim}
	var err error
	switch kind {
	case "glob":
	case "pcre":
		t.re, err = compileMatch(pattern)
	case "list":
		t.ids = map[string]bool{}
		for _, id := range strings.Split(pattern, ",") {
			t.ids[strings.TrimSpace(id)] = true
		}
	case "grain", "pillar":
	case "grain_pcre", "pillar_pcre":
		_, err = Data(pattern, nil, true, delim)
	case "ipcidr":
		t.prefix, err = parseCIDR(pattern)
	default:
		return nil, fmt.Errorf("unsupported matcher %q", kind)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (t *term) eval(tg *Target, idOnly bool) tri {
	switch t.kind {
	case "glob":
		return truth(fnmatch.Match(t.pattern, tg.ID))
	case "pcre":
		return truth(t.re.MatchString(tg.ID))
	case "list":
		return truth(t.ids[tg.ID])
	}
	if idOnly {
		return unknown
	}
	switch t.kind {
	case "grain", "grain_pcre":
		ok, _ := Data(t.pattern, tg.Grains, t.kind == "grain_pcre", t.delim)
		return truth(ok)
	case "pillar", "pillar_pcre":
		ok, _ := Data(t.pattern, tg.Pillar, t.kind == "pillar_pcre", t.delim)
		return truth(ok)
	case "ipcidr":
		return truth(inPrefix(t.prefix, tg.Grains))
	}
	return no
}

func (t *term) walk(f func(*term)) { f(t) }

// parseCIDR reads a network (10.0.0.0/8) or a single address, as Salt's
// ipcidr matcher does; a network with host bits set is refused, as Python's
// ip_network refuses it.
func parseCIDR(expr string) (netip.Prefix, error) {
	if !strings.Contains(expr, "/") {
		a, err := netip.ParseAddr(expr)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid ipcidr target %q: %w", expr, err)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(expr)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid ipcidr target %q: %w", expr, err)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("invalid ipcidr target %q: host bits set (the network is %s)", expr, m)
	}
	return p, nil
}

// inPrefix reports whether one of the host's ipv4/ipv6 grains is in p.
func inPrefix(p netip.Prefix, grains map[string]any) bool {
	for _, g := range []string{"ipv4", "ipv6"} {
		list, _ := grains[g].([]any)
		for _, ip := range list {
			s, _ := ip.(string)
			if a, err := netip.ParseAddr(s); err == nil && p.Contains(a) {
				return true
			}
		}
	}
	return false
}
