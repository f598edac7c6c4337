package state

import "sort"

// SupplementaryGIDs returns the sorted gids of the groups listing user as a
// member.
func SupplementaryGIDs(env *Env, user string) []int {
	var out []int
	for _, g := range MemberGroups(env, user) {
		out = append(out, g.GID)
	}
	sort.Ints(out)
	return out
}
