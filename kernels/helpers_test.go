package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"lookout/quant"
)

// forEachImpl runs f as a subtest for every Impl this CPU supports (Generic
// included), with the exported functions switched to that Impl for the
// duration. Tests compare what im computes with Generic.
func forEachImpl(t *testing.T, f func(t *testing.T, im Impl)) {
	t.Helper()
	for _, im := range Impls() {
		t.Run(im.Name, func(t *testing.T) {
			restore := useImpl(im)
			defer restore()
			f(t, im)
		})
	}
}

// newRand returns a generator with a fixed seed per test, so failures
// reproduce.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x10c0)) }

// u is the float32 unit roundoff, 2⁻²⁴.
const u = 0x1p-24

// Offsets at which test inputs start inside a larger buffer, so that
// assembly kernels see starts that are not aligned to their vector width.
var misalignments = []int{0, 1, 3}

// guardedBytes returns a slice of n bytes that starts off bytes into a
// buffer with guard bytes (0xa5) before and after it; check fails the test
// if a guard byte changed, i.e. a kernel wrote outside its output.
func guardedBytes(n, off int) (s []byte, check func(t *testing.T, what string)) {
	const pad = 64
	buf := make([]byte, off+n+pad)
	for i := range buf {
		buf[i] = 0xa5
	}
	s = buf[off : off+n : off+n]
	return s, func(t *testing.T, what string) {
		t.Helper()
		for i, b := range buf {
			if (i < off || i >= off+n) && b != 0xa5 {
				t.Fatalf("%s: guard byte %d (slice [%d,%d)) overwritten: %#x", what, i, off, off+n, b)
			}
		}
	}
}

// sentinel is a NaN payload no kernel computes; guards of float outputs are
// set to it and compared bit for bit.
const sentinel = 0x7fa5a5a5

// guardedFloats is guardedBytes for float32 outputs, with sentinel guards.
func guardedFloats(n, off int) (s []float32, check func(t *testing.T, what string)) {
	const pad = 16
	buf := make([]float32, off+n+pad)
	for i := range buf {
		buf[i] = math.Float32frombits(sentinel)
	}
	s = buf[off : off+n : off+n]
	return s, func(t *testing.T, what string) {
		t.Helper()
		for i, v := range buf {
			if (i < off || i >= off+n) && math.Float32bits(v) != sentinel {
				t.Fatalf("%s: guard value %d (slice [%d,%d)) overwritten: %v", what, i, off, off+n, v)
			}
		}
	}
}

// placeBytes copies src into a fresh buffer at offset off and returns the
// copy, so that kernels read it from a misaligned start.
func placeBytes(src []byte, off int) []byte {
	buf := make([]byte, off+len(src)+8)
	copy(buf[off:], src)
	return buf[off : off+len(src) : off+len(src)]
}

func placeFloats(src []float32, off int) []float32 {
	buf := make([]float32, off+len(src)+4)
	copy(buf[off:], src)
	return buf[off : off+len(src) : off+len(src)]
}

func placeU16(src []uint16, off int) []uint16 {
	buf := make([]uint16, off+len(src)+4)
	copy(buf[off:], src)
	return buf[off : off+len(src) : off+len(src)]
}

// scaleKind picks how block scales are drawn.
type scaleKind int

const (
	scalesNormal    scaleKind = iota // typical magnitudes, both signs
	scalesSubnormal                  // f16 subnormals, the smallest scales
	scalesLarge                      // up to 65504, the largest finite f16
	scalesMixed                      // all of the above plus zeros
	scalesNonFinite                  // normal, with some ±Inf and NaN
)

func (k scaleKind) String() string {
	return [...]string{"normal", "subnormal", "large", "mixed", "nonfinite"}[k]
}

// randScale returns f16 scale bits of the given kind.
func randScale(r *rand.Rand, k scaleKind) uint16 {
	sign := uint16(r.IntN(2)) << 15
	switch k {
	case scalesSubnormal:
		return sign | uint16(1+r.IntN(0x3ff))
	case scalesLarge:
		return sign | uint16(0x7800+r.IntN(0x3ff+1)) // [32768, 65504]
	case scalesMixed:
		if r.IntN(8) == 0 {
			return sign // ±0
		}
		return randScale(r, scaleKind(r.IntN(3)))
	case scalesNonFinite:
		switch r.IntN(8) {
		case 0:
			return sign | 0x7c00 // ±Inf
		case 1:
			return sign | 0x7e00 // NaN
		}
	}
	return quant.F32ToF16(float32(r.NormFloat64() * 0.02))
}

// valueKind picks how quants are drawn.
type valueKind int

const (
	valuesRandom   valueKind = iota // uniform over the format's range
	valuesMax                       // weights at their largest, activations +127
	valuesMin                       // weights at their most negative, activations ±127 alternating
	valuesExtremes                  // only the extreme codes, mixed
)

func (k valueKind) String() string {
	return [...]string{"random", "max", "min", "extremes"}[k]
}

// randQ4_0 returns nb Q4_0 blocks.
func randQ4_0(r *rand.Rand, nb int, sk scaleKind, vk valueKind) []byte {
	b := make([]byte, nb*blockBytesQ4_0)
	for i := range nb {
		blk := b[i*blockBytesQ4_0:]
		binary.LittleEndian.PutUint16(blk, randScale(r, sk))
		for j := 2; j < blockBytesQ4_0; j++ {
			switch vk {
			case valuesRandom:
				blk[j] = byte(r.IntN(256))
			case valuesMax:
				blk[j] = 0xff // nibbles 15: +7
			case valuesMin:
				blk[j] = 0x00 // nibbles 0: −8
			case valuesExtremes:
				blk[j] = [4]byte{0x00, 0xff, 0x0f, 0xf0}[r.IntN(4)]
			}
		}
	}
	return b
}

// randQ8_0 returns nb Q8_0 blocks. Weights (act false) may hold −128;
// activations (act true) stay in [−127, 127], as QuantizeQ8_0 makes them.
func randQ8_0(r *rand.Rand, nb int, sk scaleKind, vk valueKind, act bool) []byte {
	lo := -128
	if act {
		lo = -127
	}
	b := make([]byte, nb*blockBytesQ8_0)
	for i := range nb {
		blk := b[i*blockBytesQ8_0:]
		binary.LittleEndian.PutUint16(blk, randScale(r, sk))
		for j := 2; j < blockBytesQ8_0; j++ {
			var q int
			switch vk {
			case valuesRandom:
				q = lo + r.IntN(127-lo+1)
			case valuesMax:
				q = 127
			case valuesMin:
				q = lo
				if act && j%2 == 0 {
					q = 127
				}
			case valuesExtremes:
				q = [3]int{lo, 127, -127}[r.IntN(3)]
			}
			blk[j] = byte(int8(q))
		}
	}
	return b
}

// blockTerms returns, for a weight row of nb blocks of format wt (Q4_0 or
// Q8_0) against Q8_0 activations a, the exact dot product Σ_b d_w·d_a·isum_b
// and A = Σ_b |d_w·d_a|·Σ_j |q_w·q_a| (the magnitude in Impl's accuracy
// contract), both in float64 (each term is exact there).
func blockTerms(wt quant.Type, w, a []byte, nb int) (exact, absSum float64) {
	wbb := blockBytesQ4_0
	if wt == quant.Q8_0 {
		wbb = blockBytesQ8_0
	}
	for b := range nb {
		wb, ab := w[b*wbb:], a[b*blockBytesQ8_0:]
		var isum, iabs int64
		for j := range blockLen {
			var q int64
			if wt == quant.Q4_0 {
				n := wb[2+j%16]
				if j >= 16 {
					n >>= 4
				}
				q = int64(n&0x0f) - 8
			} else {
				q = int64(int8(wb[2+j]))
			}
			p := q * int64(int8(ab[2+j]))
			isum += p
			iabs += max(p, -p)
		}
		d := float64(scaleF16(wb)) * float64(scaleF16(ab))
		exact += d * float64(isum)
		absSum += math.Abs(d * float64(iabs))
	}
	return exact, absSum
}

// dotBound is the tolerance between two float32 evaluations of a sum of n
// terms whose magnitudes add up to absSum, when each may order the additions
// differently and round (or fuse) each product: (2n+2)·u·absSum. Each
// evaluation is within (n+1)·u·absSum of the exact value (n−1 additions and
// one rounded product per term, to first order), so two of them are within
// twice that.
func dotBound(n int, absSum float64) float64 { return float64(2*n+2) * u * absSum }

// blockLanes is L in Impl's accuracy contract: how many lane partial sums a
// block-dot kernel may split each block's products into.
const blockLanes = 32

// blockDotBound is Impl's accuracy contract for the block dots (derived in
// impl.go): two evaluations of a row of nb blocks, each within
// (nb+blockLanes−1)·u·A of the exact value, are within (2nb+blockLanes)·u·A,
// A = Σ_b |d_w·d_a|·Σ_j |q_w·q_a|.
func blockDotBound(nb int, a float64) float64 { return float64(2*nb+blockLanes) * u * a }

// closeBlockDot is closeDot with the contract's rule for non-finite results:
// when want (Generic) is NaN, got must be NaN or infinite; when want is an
// infinity, got must be that infinity or NaN (a lane holding 0 times an
// infinite scale is NaN where the whole block's sum would give ±Inf). A
// finite want needs a finite got within bound.
func closeBlockDot(got, want float32, bound float64) bool {
	switch {
	case math.IsNaN(float64(want)):
		return math.IsNaN(float64(got)) || math.IsInf(float64(got), 0)
	case math.IsInf(float64(want), 0):
		return got == want || math.IsNaN(float64(got))
	}
	return math.Abs(float64(got)-float64(want)) <= bound
}

// closeDot reports whether got is within bound of want, with NaN matching NaN
// and infinities matching exactly (they come from infinite f16 scales and do
// not depend on the order of the additions).
func closeDot(got, want float32, bound float64) bool {
	switch {
	case math.IsNaN(float64(want)):
		return math.IsNaN(float64(got))
	case math.IsInf(float64(want), 0):
		return got == want
	}
	return math.Abs(float64(got)-float64(want)) <= bound
}

// randFloats returns n values from a normal distribution of the given scale.
func randFloats(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// blockCounts are the row lengths, in blocks, the dot tests cover: every
// count up to three blocks past a four-block unroll, then long rows.
var blockCounts = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 36, 72, 144}

// floatLens are the lengths the float dot tests cover: every length through
// a few 64-value unrolls, then long rows.
var floatLens = func() []int {
	var n []int
	for i := range 81 {
		n = append(n, i)
	}
	return append(n, 127, 128, 129, 255, 256, 1000, 1152, 4608)
}()
