//go:build purego || !(amd64 || arm64)

package kernels

// archImpls returns the assembly Impls this CPU supports, best first. This
// build has none: it is a purego build, or GOARCH has no assembly kernels, so
// Generic runs. dispatch_amd64.go and dispatch_arm64.go define it otherwise.
func archImpls() []Impl { return nil }
