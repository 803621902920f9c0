// Package arm64 holds the NEON assembly kernels for 64-bit ARM boards in two
// paths: SDOT for dotprod cores (Pi 5 Cortex-A76, Orin Cortex-A78AE) and plain
// NEON (SMULL/SADALP) for the Pi 4's Cortex-A72. It exports raw kernels only;
// package kernels dispatches to them and tests them against its Go references.
package arm64
