package grains

import "context"

// Collect returns the grains of the host whose file system is at root ("" is
// the real "/"). The "id" grain defaults to the fqdn; callers set the roster
// id with SetID.
func Collect(ctx context.Context, root string) map[string]any {
	return CollectWith(ctx, Options{Root: root})
}
