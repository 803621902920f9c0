// Package firmware is the appliance: configuration, the capture -> classify ->
// caption pipeline, rules that turn label scores into pin levels, the local
// HTTP API, metrics, health and the watchdog.
package firmware
