// Package deploy holds the manifests that run brine past one controller:
// kubernetes/ (the volume and tree, applied once; run/: an Indexed Job of shards
// whose count is set in run/settings.yaml; a merge Job) and github-actions/ (a
// matrix of shards). It has no code; its test checks that every manifest is
// valid YAML of the right shape and that the shard count agrees everywhere.
package deploy
