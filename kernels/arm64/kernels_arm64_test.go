//go:build !purego

package arm64

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"

	"lookout/quant"
)

// The kernels are checked against the local references below (package
// kernels imports this one, so its Go references cannot be used here).
//
// Integer paths: the block sums must be exact. TestQuantDotsExact uses scales
// 1/2, 1 and 2, so every term d_w·d_a·isum_b is a multiple of 1/4; when the
// terms' magnitudes add up to less than 2²², every partial sum, in any order,
// is exact in float32, and the kernels must return the exact value: an error
// in any block sum shows.
//
// Float paths: a float kernel rounds each product once and adds n terms in
// float32 in some order, so |got − exact| ≤ (2·n+2)·2⁻²⁴·Σ|w_i·x_i|; NaN
// must give NaN and an infinite exact value the same infinity. The block dots
// are held to kernels.Impl's accuracy contract (kernels/impl.go), which lets
// a kernel accumulate up to L = 32 lane partial sums of each block in float32:
// |got − exact| ≤ (2·nb+32)·2⁻²⁴·A, A = Σ_b |d_w·d_a|·Σ_j |q_w·q_a|, and a
// non-finite exact value needs a non-finite result (the same infinity or
// NaN; NaN or an infinity for NaN). These NEON kernels keep exact block sums
// (L = 1), well inside that, and TestQuantDotsExact checks them bit for bit.

const (
	q4Bytes = 18 // f16 scale + 16 bytes of nibbles
	q8Bytes = 34 // f16 scale + 32 int8
)

func needDotProd(t testing.TB) {
	if !cpu.ARM64.HasASIMDDP {
		t.Skip("CPU lacks the dotprod extension (ASIMDDP, SDOT); run under QEMU_CPU=cortex-a76")
	}
}

// qkernel is one quantized kernel pair (four rows and one) under test.
type qkernel struct {
	name    string
	q4      bool
	dotprod bool
	x4      func(out *[4]float32, w []byte, stride int, a []byte, nb int)
	x1      func(w, a []byte, nb int) float32
}

var qkernels = []qkernel{
	{"Q4_0/DotProd", true, true, DotQ4_0Q8_0x4DotProd, DotQ4_0Q8_0DotProd},
	{"Q4_0/NEON", true, false, DotQ4_0Q8_0x4NEON, DotQ4_0Q8_0NEON},
	{"Q8_0/DotProd", false, true, DotQ8_0Q8_0x4DotProd, DotQ8_0Q8_0DotProd},
	{"Q8_0/NEON", false, false, DotQ8_0Q8_0x4NEON, DotQ8_0Q8_0NEON},
}

func (k qkernel) wBytes() int {
	if k.q4 {
		return q4Bytes
	}
	return q8Bytes
}

// blockSums returns the exact int32 sum of every block of the weight row w
// (Q4_0 when q4, else Q8_0) with the activations a, and the sum of the
// magnitudes of each block's products.
func blockSums(q4 bool, w, a []byte, nb int) (sums, absSums []int32) {
	s, as := make([]int32, nb), make([]int32, nb)
	for b := range nb {
		ab := a[b*q8Bytes+2 : (b+1)*q8Bytes]
		var sum, abs int32
		add := func(p int32) { sum += p; abs += max(p, -p) }
		if q4 {
			wb := w[b*q4Bytes+2 : (b+1)*q4Bytes]
			for j := range 16 {
				add((int32(wb[j]&0x0f) - 8) * int32(int8(ab[j])))
				add((int32(wb[j]>>4) - 8) * int32(int8(ab[16+j])))
			}
		} else {
			wb := w[b*q8Bytes+2 : (b+1)*q8Bytes]
			for j := range 32 {
				add(int32(int8(wb[j])) * int32(int8(ab[j])))
			}
		}
		s[b], as[b] = sum, abs
	}
	return s, as
}

// refDot returns the exact value (float64) of a quantized row dot, the sum
// of the magnitudes of its terms Σ_b |d_w·d_a·isum_b|, and the contract's
// A = Σ_b |d_w·d_a|·Σ_j |q_w·q_a|.
func refDot(q4 bool, w, a []byte, nb int) (exact, abs, absQ float64) {
	wb := q8Bytes
	if q4 {
		wb = q4Bytes
	}
	sums, absSums := blockSums(q4, w, a, nb)
	for b, isum := range sums {
		d := float64(f16(w[b*wb:])) * float64(f16(a[b*q8Bytes:]))
		t := d * float64(isum)
		exact += t
		abs += math.Abs(t)
		absQ += math.Abs(d * float64(absSums[b]))
	}
	return exact, abs, absQ
}

// closeToQ applies kernels.Impl's block-dot contract (see the top of this
// file) to a row of nb blocks with magnitude absQ.
func closeToQ(got float32, exact, absQ float64, nb int) bool {
	g := float64(got)
	switch {
	case math.IsNaN(exact):
		return math.IsNaN(g) || math.IsInf(g, 0)
	case math.IsInf(exact, 0):
		return g == exact || math.IsNaN(g)
	}
	return math.Abs(g-exact) <= float64(2*nb+32)*0x1p-24*absQ
}

func f16(b []byte) float32 { return quant.F16ToF32(binary.LittleEndian.Uint16(b)) }

// closeTo reports whether got is within (2n+2)·2⁻²⁴·abs of exact, NaN
// matching NaN and infinities matching exactly.
func closeTo(got float32, exact, abs float64, n int) bool {
	switch {
	case math.IsNaN(exact):
		return math.IsNaN(float64(got))
	case math.IsInf(exact, 0):
		return float64(got) == exact
	}
	return math.Abs(float64(got)-exact) <= float64(2*n+2)*0x1p-24*abs
}

// Scale kinds for the f16 block scales.
const (
	scaleNormal    = iota // ordinary magnitudes, both signs
	scaleSubnormal        // f16 subnormals
	scaleExtreme          // largest finite, smallest subnormal, zeros, mixed with normal
	scaleInf              // some ±Inf among normal scales
	scaleExact            // 1/2, 1, 2: integer-exact arithmetic
	numScaleKinds
)

var scaleNames = []string{"normal", "subnormal", "extreme", "inf", "exact"}

func randScale(r *rand.Rand, kind int) uint16 {
	sign := uint16(r.IntN(2)) << 15
	switch kind {
	case scaleSubnormal:
		return sign | uint16(1+r.IntN(0x3ff))
	case scaleExtreme:
		return sign | []uint16{0x7bff, 0x0001, 0x0000, 0x3c00, 0x0400, 0x03ff}[r.IntN(6)]
	case scaleInf:
		if r.IntN(4) == 0 {
			return sign | 0x7c00
		}
	case scaleExact:
		return []uint16{0x3800, 0x3c00, 0x4000}[r.IntN(3)]
	}
	// Exponents 2⁻¹⁰..2⁴ (f16 biased 5..19), random mantissa.
	return sign | uint16(5+r.IntN(15))<<10 | uint16(r.IntN(1024))
}

// Value kinds for the quants.
const (
	valRandom  = iota // uniform over the legal range
	valExtreme        // nibbles 0/15, int8 −128/−127/127, activations ±127
	valMixed          // extremes mixed with random values
	numValKinds
)

var valNames = []string{"random", "extreme", "mixed"}

// randBlocks returns nb blocks: Q4_0 (q4), Q8_0 weights (weights, may hold
// −128), or Q8_0 activations in [−127, 127].
func randBlocks(r *rand.Rand, nb int, q4, weights bool, sk, vk int) []byte {
	bs := q8Bytes
	if q4 {
		bs = q4Bytes
	}
	out := make([]byte, nb*bs)
	for b := range nb {
		blk := out[b*bs : (b+1)*bs]
		binary.LittleEndian.PutUint16(blk, randScale(r, sk))
		for j := 2; j < bs; j++ {
			extreme := vk == valExtreme || vk == valMixed && r.IntN(2) == 0
			switch {
			case q4 && extreme:
				blk[j] = []byte{0x00, 0xff, 0x0f, 0xf0}[r.IntN(4)]
			case q4:
				blk[j] = byte(r.IntN(256))
			case weights && extreme:
				blk[j] = byte([]int8{-128, -127, 127}[r.IntN(3)])
			case weights:
				blk[j] = byte(r.IntN(256))
			case extreme:
				blk[j] = byte([]int8{-127, 127}[r.IntN(2)])
			default:
				blk[j] = byte(int8(r.IntN(255) - 127))
			}
		}
	}
	return out
}

// place copies src into a fresh buffer at offset off and returns the copy
// (off bytes of poison before it, some after).
func place(src []byte, off int) []byte {
	buf := make([]byte, off+len(src)+7)
	for i := range buf {
		buf[i] = 0xa5
	}
	copy(buf[off:], src)
	return buf[off : off+len(src)]
}

// guardedOut returns a [4]float32 output with sentinels on both sides and a
// check that they are intact.
func guardedOut() (*[4]float32, func() error) {
	buf := make([]float32, 8)
	const sentinel = 0x7fa5a5a5 // a NaN no kernel produces
	for i := range buf {
		buf[i] = math.Float32frombits(sentinel)
	}
	return (*[4]float32)(buf[2:6]), func() error {
		for _, i := range []int{0, 1, 6, 7} {
			if math.Float32bits(buf[i]) != sentinel {
				return fmt.Errorf("guard %d overwritten: %#x", i, math.Float32bits(buf[i]))
			}
		}
		return nil
	}
}

// eachCase runs check as subtest name for every block count of
// testBlockCounts and every scale and value kind, with a generator seeded
// by seed and the name; dotprod kernels are skipped where SDOT is missing.
func eachCase(t *testing.T, name string, dotprod bool, seed uint64, check func(t *testing.T, r *rand.Rand, nb, sk, vk int)) {
	t.Run(name, func(t *testing.T) {
		if dotprod {
			needDotProd(t)
		}
		r := rand.New(rand.NewPCG(seed, uint64(len(name))))
		for _, nb := range testBlockCounts {
			for sk := range numScaleKinds {
				for vk := range numValKinds {
					check(t, r, nb, sk, vk)
				}
			}
		}
	})
}

var testBlockCounts = func() []int {
	var n []int
	for i := 0; i <= 20; i++ {
		n = append(n, i)
	}
	return append(n, 64, 144)
}()

// TestQuantDots runs every quantized kernel, four rows and one, over every
// block count, scale and value kind, stride padding and misalignment.
func TestQuantDots(t *testing.T) {
	for _, k := range qkernels {
		t.Run(k.name, func(t *testing.T) {
			if k.dotprod {
				needDotProd(t)
			}
			r := rand.New(rand.NewPCG(1, uint64(len(k.name))))
			for _, nb := range testBlockCounts {
				for sk := range numScaleKinds {
					for vk := range numValKinds {
						for _, extra := range []int{0, 1, 37} {
							checkQuantDot(t, r, k, nb, sk, vk, extra)
						}
					}
				}
			}
		})
	}
}

func checkQuantDot(t *testing.T, r *rand.Rand, k qkernel, nb, sk, vk, extra int) {
	t.Helper()
	rowBytes := nb * k.wBytes()
	stride := rowBytes + extra
	rows := make([]byte, 3*stride+rowBytes)
	for i := range 4 {
		copy(rows[i*stride:], randBlocks(r, nb, k.q4, true, sk, vk))
	}
	a := randBlocks(r, nb, false, false, sk, vk)
	var exact, abs, absQ [4]float64
	for i := range 4 {
		exact[i], abs[i], absQ[i] = refDot(k.q4, rows[i*stride:], a, nb)
	}
	for _, off := range []int{0, 1, 3} {
		what := fmt.Sprintf("nb=%d scales=%s values=%s stride=row+%d offset=%d",
			nb, scaleNames[sk], valNames[vk], extra, off)
		w, as := place(rows, off), place(a, off)
		out, check := guardedOut()
		k.x4(out, w, stride, as, nb)
		if err := check(); err != nil {
			t.Fatalf("%s: x4: %v", what, err)
		}
		for i := range 4 {
			if !closeToQ(out[i], exact[i], absQ[i], nb) {
				t.Fatalf("%s: x4 row %d = %v, exact %v", what, i, out[i], exact[i])
			}
			if got := k.x1(w[i*stride:i*stride+rowBytes], as, nb); !closeToQ(got, exact[i], absQ[i], nb) {
				t.Fatalf("%s: x1 row %d = %v, exact %v", what, i, got, exact[i])
			}
			if sk == scaleExact && abs[i] < exactLimit && float64(out[i]) != exact[i] {
				t.Fatalf("%s: x4 row %d = %v, want exactly %v", what, i, out[i], exact[i])
			}
		}
		if !bytes.Equal(w, rows) || !bytes.Equal(as, a) {
			t.Fatalf("%s: inputs modified", what)
		}
	}
}

// exactLimit bounds Σ|terms| for the exact checks: multiples of 1/4 below 2²²
// are exact in float32.
const exactLimit = 1 << 22

// TestQuantDotsExact checks the integer block sums bit for bit (see the top
// of this file).
func TestQuantDotsExact(t *testing.T) {
	for _, k := range qkernels {
		t.Run(k.name, func(t *testing.T) {
			if k.dotprod {
				needDotProd(t)
			}
			r := rand.New(rand.NewPCG(2, 0))
			checked := 0
			defer func() {
				if checked < 200 {
					t.Errorf("only %d exact comparisons", checked)
				}
			}()
			for _, nb := range testBlockCounts {
				for vk := range numValKinds {
					w := randBlocks(r, 4*nb, k.q4, true, scaleExact, vk)
					a := randBlocks(r, nb, false, false, scaleExact, vk)
					var out [4]float32
					k.x4(&out, w, nb*k.wBytes(), a, nb)
					for i := range 4 {
						row := w[i*nb*k.wBytes() : (i+1)*nb*k.wBytes()]
						exact, abs, _ := refDot(k.q4, row, a, nb)
						if abs >= exactLimit {
							continue
						}
						checked++
						if float64(out[i]) != exact {
							t.Fatalf("nb=%d values=%s: x4 row %d = %v, want exactly %v", nb, valNames[vk], i, out[i], exact)
						}
						if got := k.x1(row, a, nb); float64(got) != exact {
							t.Fatalf("nb=%d values=%s: x1 row %d = %v, want exactly %v", nb, valNames[vk], i, got, exact)
						}
					}
				}
			}
		})
	}
}

// TestQuantDotsWorstCase puts the largest |block sum| through every kernel:
// Q4_0 all −8 against all −127 (and the int8 −128 the activation quantizer
// emits for NaN inputs), Q8_0 all −128 against −128 (where a two-product
// int16 SMLAL accumulation would overflow).
func TestQuantDotsWorstCase(t *testing.T) {
	for _, k := range qkernels {
		t.Run(k.name, func(t *testing.T) {
			if k.dotprod {
				needDotProd(t)
			}
			for _, av := range []int8{-128, -127, 127} {
				for _, wv := range []byte{0x00, 0xff, 0x80} {
					const nb = 9
					w := make([]byte, 4*nb*k.wBytes())
					for b := 0; b < len(w); b += k.wBytes() {
						binary.LittleEndian.PutUint16(w[b:], 0x3c00)
						for j := 2; j < k.wBytes(); j++ {
							w[b+j] = wv
						}
					}
					a := make([]byte, nb*q8Bytes)
					for b := 0; b < len(a); b += q8Bytes {
						binary.LittleEndian.PutUint16(a[b:], 0x3c00)
						for j := 2; j < q8Bytes; j++ {
							a[b+j] = byte(av)
						}
					}
					var out [4]float32
					k.x4(&out, w, nb*k.wBytes(), a, nb)
					exact, _, _ := refDot(k.q4, w, a, nb)
					if float64(out[0]) != exact || float64(out[3]) != exact {
						t.Errorf("w=%#x a=%d: x4 = %v, want %v", wv, av, out, exact)
					}
					if got := k.x1(w[:nb*k.wBytes()], a, nb); float64(got) != exact {
						t.Errorf("w=%#x a=%d: x1 = %v, want %v", wv, av, got, exact)
					}
				}
			}
		})
	}
}

var testFloatLens = func() []int {
	var n []int
	for i := 0; i <= 70; i++ {
		n = append(n, i)
	}
	return append(n, 255, 1000, 4096+13)
}()

// randF16 returns an f16 bit pattern: mostly normal values, with subnormals,
// zeros and (when special) infinities and NaNs mixed in.
func randF16(r *rand.Rand, special bool) uint16 {
	sign := uint16(r.IntN(2)) << 15
	switch r.IntN(10) {
	case 0:
		return sign | uint16(r.IntN(0x400)) // zero or subnormal
	case 1:
		if special {
			return sign | []uint16{0x7c00, 0x7e00, 0x7c01, 0x7bff}[r.IntN(4)]
		}
	}
	return sign | uint16(1+r.IntN(30))<<10 | uint16(r.IntN(1024))
}

func TestDotF16F32(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 0))
	for _, n := range testFloatLens {
		for _, special := range []bool{false, true} {
			w := make([]uint16, n)
			x := make([]float32, n)
			var exact, abs float64
			for i := range n {
				w[i] = randF16(r, special)
				x[i] = float32(r.NormFloat64())
				p := float64(quant.F16ToF32(w[i])) * float64(x[i])
				exact += p
				abs += math.Abs(p)
			}
			for _, off := range []int{0, 1, 3} {
				wb := make([]uint16, n+off+2)
				xb := make([]float32, n+off+2)
				copy(wb[off:], w)
				copy(xb[off:], x)
				got := DotF16F32NEON(wb[off:off+n], xb[off:off+n])
				if !closeTo(got, exact, abs, n) {
					t.Fatalf("n=%d special=%v offset=%d: got %v, exact %v", n, special, off, got, exact)
				}
			}
		}
	}
}

func TestDotF32(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 0))
	for _, n := range testFloatLens {
		for _, scale := range []float64{1, 1e-30, 1e30} {
			a := make([]float32, n)
			b := make([]float32, n)
			var exact, abs float64
			for i := range n {
				a[i] = float32(r.NormFloat64() * scale)
				b[i] = float32(r.NormFloat64())
				p := float64(a[i]) * float64(b[i])
				exact += p
				abs += math.Abs(p)
			}
			for _, off := range []int{0, 1, 3} {
				ab := make([]float32, n+off+2)
				bb := make([]float32, n+off+2)
				copy(ab[off:], a)
				copy(bb[off:], b)
				got := DotF32NEON(ab[off:off+n], bb[off:off+n])
				if !closeTo(got, exact, abs, n) {
					t.Fatalf("n=%d scale=%g offset=%d: got %v, exact %v", n, scale, off, got, exact)
				}
			}
		}
	}
	// Infinities and NaN propagate.
	inf := float32(math.Inf(1))
	if got := DotF32NEON([]float32{1, inf, 2}, []float32{1, 1, 1}); got != inf {
		t.Errorf("Inf: got %v", got)
	}
	if got := DotF32NEON([]float32{inf, 1, 1, 1, 1, -inf}, []float32{1, 1, 1, 1, 1, 1}); !math.IsNaN(float64(got)) {
		t.Errorf("Inf−Inf: got %v", got)
	}
}

// quantizeNEON is the loop QuantizeQ8_0NEON's doc asks of its caller.
func quantizeNEON(dst []byte, x []float32) {
	nb := len(x) / 32
	for i := 0; i < nb; i++ {
		i += QuantizeQ8_0NEON(dst[i*q8Bytes:], x[i*32:])
		if i < nb {
			quant.QuantizeQ8_0Act(dst[i*q8Bytes:(i+1)*q8Bytes], x[i*32:(i+1)*32])
		}
	}
}

func TestQuantizeQ8_0(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 0))
	kinds := []string{"normal", "halfway", "tiny", "zero", "nan", "inf", "huge", "mixed"}
	for _, nb := range testBlockCounts {
		for _, kind := range kinds {
			x := make([]float32, nb*32)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			for b := range nb {
				blk := x[b*32 : (b+1)*32]
				switch kind {
				case "halfway":
					// amax 127 makes id = 1, so k+0.5 values are exact ties.
					for j := range blk {
						blk[j] = float32(r.IntN(254)-127) + 0.5
					}
					blk[r.IntN(32)] = 127
				case "tiny":
					for j := range blk {
						blk[j] *= 1e-38 // 127/amax may overflow
					}
				case "zero":
					for j := range blk {
						blk[j] = 0
					}
					if r.IntN(2) == 0 {
						blk[3] = float32(math.Copysign(0, -1))
					}
				case "nan":
					blk[r.IntN(32)] = float32(math.NaN())
				case "inf":
					blk[r.IntN(32)] = float32(math.Inf(1 - 2*r.IntN(2)))
				case "huge":
					for j := range blk {
						blk[j] *= 1e37
					}
				case "mixed":
					if r.IntN(3) == 0 {
						blk[r.IntN(32)] = float32(math.NaN())
					}
				}
			}
			want := make([]byte, nb*q8Bytes)
			quant.QuantizeQ8_0Act(want, x)
			for _, off := range []int{0, 1, 3} {
				dst := place(make([]byte, nb*q8Bytes+off), off)[:nb*q8Bytes]
				xs := make([]float32, len(x)+off)
				copy(xs[off:], x)
				quantizeNEON(dst, xs[off:])
				if !bytes.Equal(dst, want) {
					for i := range dst {
						if dst[i] != want[i] {
							t.Fatalf("nb=%d %s offset=%d: byte %d (block %d) = %#x, want %#x", nb, kind, off, i, i/q8Bytes, dst[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestQuantizeQ8_0Stops checks that the assembly hands the blocks it must not
// quantize back to its caller, and writes nothing past the blocks it did.
func TestQuantizeQ8_0Stops(t *testing.T) {
	x := make([]float32, 3*32)
	for i := range x {
		x[i] = float32(i)
	}
	x[32+5] = float32(math.NaN())
	dst := make([]byte, 3*q8Bytes+4)
	for i := range dst {
		dst[i] = 0xa5
	}
	if done := QuantizeQ8_0NEON(dst[:3*q8Bytes], x); done != 1 {
		t.Fatalf("done = %d, want 1", done)
	}
	for i := q8Bytes; i < len(dst); i++ {
		if dst[i] != 0xa5 {
			t.Fatalf("byte %d written past the stopping block", i)
		}
	}
}

// Benchmarks: K = 4096 (128 blocks), the Gemma 3 4B width. With
// -test.benchtime=Nx they are also what the instruction counts are taken
// from (see doc.go).
const benchBlocks = 128

func benchQuant(b *testing.B, q4, dotprod, x4 bool) {
	if dotprod {
		needDotProd(b)
	}
	k := qkernels[map[[2]bool]int{{true, true}: 0, {true, false}: 1, {false, true}: 2, {false, false}: 3}[[2]bool{q4, dotprod}]]
	r := rand.New(rand.NewPCG(6, 0))
	w := randBlocks(r, 4*benchBlocks, q4, true, scaleNormal, valRandom)
	a := randBlocks(r, benchBlocks, false, false, scaleNormal, valRandom)
	stride := benchBlocks * k.wBytes()
	var out [4]float32
	var sink float32
	if x4 {
		b.SetBytes(int64(4 * stride))
		for b.Loop() {
			k.x4(&out, w, stride, a, benchBlocks)
		}
	} else {
		b.SetBytes(int64(stride))
		for b.Loop() {
			sink += k.x1(w, a, benchBlocks)
		}
	}
	_ = sink
}

func BenchmarkDotQ4_0Q8_0x4DotProd(b *testing.B) { benchQuant(b, true, true, true) }
func BenchmarkDotQ4_0Q8_0x4NEON(b *testing.B)    { benchQuant(b, true, false, true) }
func BenchmarkDotQ8_0Q8_0x4DotProd(b *testing.B) { benchQuant(b, false, true, true) }
func BenchmarkDotQ8_0Q8_0x4NEON(b *testing.B)    { benchQuant(b, false, false, true) }
func BenchmarkDotQ4_0Q8_0DotProd(b *testing.B)   { benchQuant(b, true, true, false) }
func BenchmarkDotQ4_0Q8_0NEON(b *testing.B)      { benchQuant(b, true, false, false) }
func BenchmarkDotQ8_0Q8_0DotProd(b *testing.B)   { benchQuant(b, false, true, false) }
func BenchmarkDotQ8_0Q8_0NEON(b *testing.B)      { benchQuant(b, false, false, false) }

func BenchmarkDotF16F32NEON(b *testing.B) {
	w := make([]uint16, 32*benchBlocks)
	x := make([]float32, len(w))
	for i := range w {
		w[i] = 0x3c00
		x[i] = 1
	}
	b.SetBytes(int64(2 * len(w)))
	var sink float32
	for b.Loop() {
		sink += DotF16F32NEON(w, x)
	}
	_ = sink
}

func BenchmarkDotF32NEON(b *testing.B) {
	a := make([]float32, 32*benchBlocks)
	x := make([]float32, len(a))
	b.SetBytes(int64(4 * len(a)))
	var sink float32
	for b.Loop() {
		sink += DotF32NEON(a, x)
	}
	_ = sink
}

func BenchmarkQuantizeQ8_0NEON(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 0))
	x := make([]float32, 32*benchBlocks)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	dst := make([]byte, benchBlocks*q8Bytes)
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		QuantizeQ8_0NEON(dst, x)
	}
}
