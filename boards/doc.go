// Package boards describes the supported boards as data (cores and their
// big/little layout, SIMD features, memory, pin names, camera defaults,
// recommended models) and detects the one it runs on from /proc/device-tree.
package boards
