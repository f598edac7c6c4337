package bundle

import "brine/provision/wire/lowstate"

// Pack encodes b and returns the bytes and their hex sha256.
func Pack(b *lowstate.Bundle) ([]byte, string, error) {
	var p Packer
	return p.Pack(b)
}
