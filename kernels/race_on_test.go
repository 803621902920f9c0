//go:build race

package kernels

// raceEnabled lets long tests do less under the race detector, which slows
// them tenfold.
const raceEnabled = true
