// Package gpio drives the output pins rules switch and reads trigger buttons,
// through periph.io, with a simulated bank for tests and boards without pins.
package gpio
