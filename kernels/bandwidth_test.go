package kernels

import (
	"testing"
	"time"
)

// TestReadBandwidth checks that the probe returns a plausible positive rate
// on a small buffer (8 MiB, a few milliseconds; the number itself is not
// asserted beyond being positive and finite).
func TestReadBandwidth(t *testing.T) {
	for _, threads := range []int{1, 2} {
		p := NewPool(threads)
		bw := ReadBandwidth(p, 8<<20, 5*time.Millisecond)
		p.Close()
		if !(bw > 0) || bw > 1e15 {
			t.Errorf("threads=%d: %g B/s", threads, bw)
		}
		t.Logf("threads=%d: %.1f GB/s", threads, bw/1e9)
	}
	p := NewPool(1)
	defer p.Close()
	if bw := ReadBandwidth(p, 1, 0); !(bw > 0) {
		t.Errorf("tiny buffer: %g", bw)
	}
}
