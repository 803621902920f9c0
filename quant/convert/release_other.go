//go:build !linux

package convert

// dropPages is a no-op where madvise is not used; see release_linux.go.
func dropPages(b []byte) {}
