//go:build !purego && !linux

package amd64

import "time"

// threadCPU is not measured on this OS; benchmarks then omit their CPU-time
// metric.
func threadCPU() time.Duration { return 0 }
