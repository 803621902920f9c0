//go:build !race

package kernels

// See race.go.

func raceReadBytes([]byte)      {}
func raceReadFloats([]float32)  {}
func raceWriteFloats([]float32) {}
func raceWriteBytes([]byte)     {}
func raceReadU16([]uint16)      {}
