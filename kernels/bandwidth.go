package kernels

import "time"

// bwChunk is the unit of work of ReadBandwidth: each worker copies its
// chunks into a bwChunk-byte buffer on its own stack, which stays in L1, so
// that the time measured is that of the reads.
const bwChunk = 4 << 10

// ReadBandwidth measures how fast p's workers read memory: it allocates and
// fills a buffer of bytes bytes (rounded down to 4 KiB, at least 4 KiB;
// make it far larger than the caches), reads it once untimed, then reads
// it over and over with the runtime's memmove (vector loads) for about d,
// and returns the best pass in bytes per second. The buffer is garbage
// afterwards (its memory counts towards the process's peak RSS).
func ReadBandwidth(p *Pool, bytes int64, d time.Duration) float64 {
	n := int(max(bytes/bwChunk, 1))
	buf := make([]byte, n*bwChunk)
	for i := 0; i < len(buf); i += 64 {
		buf[i] = byte(i >> 6)
	}
	read := func(start, end int) {
		var dst [bwChunk]byte
		for c := start; c < end; c++ {
			copy(dst[:], buf[c*bwChunk:(c+1)*bwChunk])
		}
	}
	p.Run(n, read) // warm up: page tables, workers awake
	best := 0.0
	deadline := time.Now().Add(d)
	for pass := 0; pass < 1 || time.Now().Before(deadline); pass++ {
		start := time.Now()
		p.Run(n, read)
		best = max(best, float64(len(buf))/time.Since(start).Seconds())
	}
	return best
}
