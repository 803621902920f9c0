//go:build purego || !amd64

package amd64

import "testing"

// TestNoAssembly makes a purego or non-amd64 test run say why nothing ran.
func TestNoAssembly(t *testing.T) {
	t.Skip("no assembly kernels in this build (purego tag or GOARCH != amd64)")
}
