//go:build !linux

package kernels

import "time"

// threadCPU is not measured on this OS; benchmarks then omit their CPU-time
// rates.
func threadCPU() time.Duration { return 0 }
