// Package host holds the packages that run on a target inside brine-exec:
// the executor's request loop, the host lock, grains, the state engine with
// its modules, and Salt's execution modules. Nothing here imports the
// controller: what a host needs arrives in the bundle (see provision/wire).
package host
