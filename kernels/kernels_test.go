package kernels

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"lookout/quant"
)

// TestBlockGeometry ties the block constants of this package to quant's
// format table.
func TestBlockGeometry(t *testing.T) {
	for _, c := range []struct {
		typ        quant.Type
		len, bytes int
	}{{quant.Q4_0, blockLen, blockBytesQ4_0}, {quant.Q8_0, blockLen, blockBytesQ8_0}} {
		f := quant.Formats[c.typ]
		if int(f.BlockLen) != c.len || int(f.BlockBytes) != c.bytes {
			t.Errorf("%s: kernels assume %d values in %d bytes, quant.Formats says %d in %d", c.typ, c.len, c.bytes, f.BlockLen, f.BlockBytes)
		}
	}
}

// TestF16ToF32 checks the inlinable conversion against quant's on every
// f16 bit pattern.
func TestF16ToF32(t *testing.T) {
	for h := range 1 << 16 {
		if got, want := f16ToF32(uint16(h)), quant.F16ToF32(uint16(h)); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("f16ToF32(%#04x) = %#08x, quant says %#08x", h, math.Float32bits(got), math.Float32bits(want))
		}
	}
}

// quantInputs are activation rows for the quantizer tests: random values
// at several magnitudes, exact halfway cases, zeros, and non-finite values.
func quantInputs(n int, seed uint64) map[string][]float32 {
	r := newRand(seed)
	in := map[string][]float32{
		"normal": randFloats(r, n, 1),
		"tiny":   randFloats(r, n, 1e-30),
		"huge":   randFloats(r, n, 1e30),
		"zeros":  make([]float32, n),
	}
	// Values whose scaled product lands on .5: with amax = 127 the inverse
	// scale is 1, so x itself is the product.
	half := make([]float32, n)
	for i := range half {
		half[i] = float32(i%254-127) + 0.5
		if i%32 == 0 {
			half[i] = 127
		}
	}
	in["halfway"] = half
	// Some blocks with ±Inf and NaN, the rest normal. Impl.QuantizeQ8_0
	// promises quant.QuantizeQ8_0Act's bytes for these too.
	nf := randFloats(r, n, 1)
	for i := 0; i < n; i += 37 {
		nf[i] = [3]float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}[i%3]
	}
	in["nonfinite"] = nf
	return in
}

func TestQuantizeQ8_0(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im Impl) {
		for _, nb := range blockCounts {
			for name, x := range quantInputs(nb*blockLen, uint64(nb)) {
				want := make([]byte, nb*blockBytesQ8_0)
				quant.QuantizeQ8_0Act(want, x)
				for _, off := range misalignments {
					what := fmt.Sprintf("nb=%d/%s/offset=%d", nb, name, off)
					xs := placeFloats(x, off)
					dst, check := guardedBytes(len(want), off)
					im.QuantizeQ8_0(dst, xs)
					check(t, what)
					if !bytes.Equal(dst, want) {
						t.Fatalf("%s: bytes differ from quant.QuantizeQ8_0Act at %d", what, firstDiff(dst, want))
					}
					if !equalBits(xs, x) {
						t.Fatalf("%s: input modified", what)
					}
				}
				// The exported wrapper runs the active Impl.
				got := make([]byte, len(want))
				QuantizeQ8_0(got, x)
				if !bytes.Equal(got, want) {
					t.Fatalf("nb=%d/%s: QuantizeQ8_0 differs from quant.QuantizeQ8_0Act", nb, name)
				}
			}
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// blockDot describes one int8 dot kernel pair under test.
type blockDot struct {
	name   string
	wt     quant.Type
	wBytes int
	x1     func(im Impl) func(w, a []byte, nb int) float32
	x4     func(im Impl) func(out *[4]float32, w []byte, stride int, a []byte, nb int)
	gen    func(r *rand.Rand, nb int, sk scaleKind, vk valueKind) []byte
	export func(w, a []byte) float32
}

var blockDots = []blockDot{
	{
		name: "Q4_0Q8_0", wt: quant.Q4_0, wBytes: blockBytesQ4_0,
		x1:     func(im Impl) func(w, a []byte, nb int) float32 { return im.DotQ4_0Q8_0 },
		x4:     func(im Impl) func(*[4]float32, []byte, int, []byte, int) { return im.DotQ4_0Q8_0x4 },
		gen:    randQ4_0,
		export: DotQ4_0Q8_0,
	},
	{
		name: "Q8_0Q8_0", wt: quant.Q8_0, wBytes: blockBytesQ8_0,
		x1: func(im Impl) func(w, a []byte, nb int) float32 { return im.DotQ8_0Q8_0 },
		x4: func(im Impl) func(*[4]float32, []byte, int, []byte, int) { return im.DotQ8_0Q8_0x4 },
		gen: func(r *rand.Rand, nb int, sk scaleKind, vk valueKind) []byte {
			return randQ8_0(r, nb, sk, vk, false)
		},
		export: DotQ8_0Q8_0,
	},
}

// TestBlockDots runs the int8 dot kernels (one row and four rows) of every
// Impl against Generic and against the exact value. The tolerance is Impl's
// accuracy contract, blockDotBound(nb, A) = (2·nb+32)·2⁻²⁴·A with
// A = Σ_b |d_w·d_a|·Σ_j |q_w·q_a| (derived in impl.go): kernels may
// accumulate up to 32 lane partial sums of each block in float32 instead of
// forming the exact integer block sums. Generic itself must be within
// (nb+1)·2⁻²⁴·A of the exact value, which is less than half of that.
func TestBlockDots(t *testing.T) {
	scaleKinds := []scaleKind{scalesNormal, scalesSubnormal, scalesLarge, scalesMixed, scalesNonFinite}
	valueKinds := []valueKind{valuesRandom, valuesMax, valuesMin, valuesExtremes}
	for _, k := range blockDots {
		t.Run(k.name, func(t *testing.T) {
			forEachImpl(t, func(t *testing.T, im Impl) {
				x1, x4 := k.x1(im), k.x4(im)
				ref1 := k.x1(Generic)
				r := newRand(7)
				for _, nb := range blockCounts {
					for _, sk := range scaleKinds {
						for _, vk := range valueKinds {
							rowBytes := nb * k.wBytes
							// Four rows, one after the other at a stride
							// larger than the row (rowBytes+extra).
							extra := []int{0, 1, 37}[r.IntN(3)]
							stride := rowBytes + extra
							rows := make([]byte, 4*stride)
							for i := range 4 {
								copy(rows[i*stride:], k.gen(r, nb, sk, vk))
							}
							a := randQ8_0(r, nb, sk, vk, true)
							for _, off := range misalignments {
								what := fmt.Sprintf("nb=%d/scales=%s/values=%s/stride=+%d/offset=%d", nb, sk, vk, extra, off)
								w := placeBytes(rows, off)
								as := placeBytes(a, off)
								var want [4]float32
								var bound [4]float64
								for i := range 4 {
									row := rows[i*stride : i*stride+rowBytes]
									want[i] = ref1(row, a, nb)
									exact, abs := blockTerms(k.wt, row, a, nb)
									bound[i] = blockDotBound(nb, abs)
									if gb := float64(nb+1) * u * abs; !closeDot(want[i], float32(exact), gb) {
										t.Fatalf("%s: Generic row %d = %v, exact %v (bound %g)", what, i, want[i], exact, gb)
									}
									got := x1(w[i*stride:i*stride+rowBytes], as, nb)
									if !closeBlockDot(got, want[i], bound[i]) {
										t.Fatalf("%s: x1 row %d = %v, Generic %v (bound %g)", what, i, got, want[i], bound[i])
									}
								}
								outBuf, check := guardedFloats(4, 1)
								x4((*[4]float32)(outBuf), w, stride, as, nb)
								check(t, what+" x4 output")
								for i := range 4 {
									if !closeBlockDot(outBuf[i], want[i], bound[i]) {
										t.Fatalf("%s: x4 row %d = %v, Generic %v (bound %g)", what, i, outBuf[i], want[i], bound[i])
									}
								}
								if !bytes.Equal(w, rows) || !bytes.Equal(as, a) {
									t.Fatalf("%s: inputs modified", what)
								}
							}
							// The exported wrapper runs the active Impl.
							got := k.export(rows[:rowBytes], a)
							if want := x1(rows[:rowBytes], a, nb); math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
								t.Fatalf("nb=%d: exported Dot = %v, active Impl %v", nb, got, want)
							}
						}
					}
				}
			})
		})
	}
}

// floatDot describes one float dot kernel under test.
type floatDot struct {
	name string
	conv func(h uint16) float32                              // bits to value
	dot  func(im Impl) func(w []uint16, x []float32) float32 // im's kernel
	exp  func(w []uint16, x []float32) float32               // exported wrapper
}

// TestFloatDots runs DotF16F32 (every Impl) and DotBF16F32 against Generic
// and a float64 reference within dotBound(n, Σ|w_i·x_i|) =
// (2n+2)·2⁻²⁴·Σ|w_i·x_i|: kernels may sum in any order and fuse products.
func TestFloatDots(t *testing.T) {
	dots := []floatDot{
		{"F16F32", quant.F16ToF32,
			func(im Impl) func([]uint16, []float32) float32 { return im.DotF16F32 }, DotF16F32},
		{"BF16F32", quant.BF16ToF32,
			func(Impl) func([]uint16, []float32) float32 { return dotBF16F32Generic }, DotBF16F32},
	}
	for _, k := range dots {
		t.Run(k.name, func(t *testing.T) {
			forEachImpl(t, func(t *testing.T, im Impl) {
				dot, ref := k.dot(im), k.dot(Generic)
				r := newRand(11)
				for _, n := range floatLens {
					for _, kind := range []string{"normal", "subnormal", "large", "nonfinite"} {
						w := make([]uint16, n)
						x := randFloats(r, n, 1)
						for i := range w {
							switch kind {
							case "normal":
								w[i] = toHalf(k.name, float32(r.NormFloat64()*0.05))
							case "subnormal":
								w[i] = uint16(r.IntN(2))<<15 | uint16(r.IntN(0x400))
								if k.name == "BF16F32" {
									w[i] = uint16(r.IntN(2))<<15 | uint16(r.IntN(0x80))
								}
							case "large":
								w[i] = toHalf(k.name, float32(r.NormFloat64()*3e4))
							case "nonfinite":
								w[i] = toHalf(k.name, float32(r.NormFloat64()))
								if r.IntN(16) == 0 {
									w[i] = toHalf(k.name, float32(math.Inf(1-2*r.IntN(2))))
								}
							}
						}
						var exact, abs float64
						for i := range w {
							p := float64(k.conv(w[i])) * float64(x[i])
							exact += p
							abs += math.Abs(p)
						}
						bound := dotBound(n, abs)
						want := ref(w, x)
						if !closeDot(want, float32(exact), bound/2) {
							t.Fatalf("n=%d/%s: Generic = %v, exact %v", n, kind, want, exact)
						}
						for _, off := range misalignments {
							ws, xs := placeU16(w, off), placeFloats(x, off)
							if got := dot(ws, xs); !closeDot(got, want, bound) {
								t.Fatalf("n=%d/%s/offset=%d: got %v, Generic %v (bound %g)", n, kind, off, got, want, bound)
							}
						}
						if got, want := k.exp(w, x), dot(w, x); math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
							t.Fatalf("n=%d/%s: exported Dot = %v, active Impl %v", n, kind, got, want)
						}
					}
				}
			})
		})
	}
}

func toHalf(name string, f float32) uint16 {
	if name == "BF16F32" {
		return quant.F32ToBF16(f)
	}
	return quant.F32ToF16(f)
}

// TestDotF32 runs DotF32 of every Impl against Generic and a float64
// reference within dotBound(n, Σ|a_i·b_i|).
func TestDotF32(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(13)
		for _, n := range floatLens {
			for _, scale := range []float64{1, 1e-20, 1e18} {
				a, b := randFloats(r, n, scale), randFloats(r, n, 1)
				var exact, abs float64
				for i := range a {
					p := float64(a[i]) * float64(b[i])
					exact += p
					abs += math.Abs(p)
				}
				bound := dotBound(n, abs)
				want := Generic.DotF32(a, b)
				if !closeDot(want, float32(exact), bound/2) {
					t.Fatalf("n=%d scale=%g: Generic = %v, exact %v", n, scale, want, exact)
				}
				for _, off := range misalignments {
					as, bs := placeFloats(a, off), placeFloats(b, off)
					if got := im.DotF32(as, bs); !closeDot(got, want, bound) {
						t.Fatalf("n=%d scale=%g offset=%d: got %v, Generic %v (bound %g)", n, scale, off, got, want, bound)
					}
					if !equalBits(as, a) || !equalBits(bs, b) {
						t.Fatalf("n=%d: inputs modified", n)
					}
				}
				if got := DotF32(a, b); math.Float32bits(got) != math.Float32bits(im.DotF32(a, b)) {
					t.Fatalf("n=%d: exported DotF32 differs from the active Impl", n)
				}
			}
		}
	})
}

// TestGenericExactSums checks the reference itself on cases whose answer is
// known exactly: the largest integer block sums, where an int16 or float
// accumulator inside a block would overflow or round.
func TestGenericExactSums(t *testing.T) {
	one := quant.F32ToF16(1)
	for _, c := range []struct {
		name string
		w    func() []byte
		a    byte // every activation quant
		wt   quant.Type
		want float32
	}{
		{"q4 nibble 15 × 127", func() []byte { return blockOf(quant.Q4_0, one, 0xff) }, 127, quant.Q4_0, 7 * 127 * 32},
		{"q4 nibble 0 × −127", func() []byte { return blockOf(quant.Q4_0, one, 0x00) }, 0x81, quant.Q4_0, 8 * 127 * 32},
		{"q8 −128 × −127", func() []byte { return blockOf(quant.Q8_0, one, 0x80) }, 0x81, quant.Q8_0, 128 * 127 * 32},
		{"q8 127 × 127", func() []byte { return blockOf(quant.Q8_0, one, 0x7f) }, 127, quant.Q8_0, 127 * 127 * 32},
	} {
		a := blockOf(quant.Q8_0, one, c.a)
		var got float32
		if c.wt == quant.Q4_0 {
			got = dotQ4_0Q8_0Generic(c.w(), a, 1)
		} else {
			got = dotQ8_0Q8_0Generic(c.w(), a, 1)
		}
		if got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// blockOf returns one block of type t with scale bits d and every quant byte
// set to q.
func blockOf(t quant.Type, d uint16, q byte) []byte {
	n := blockBytesQ4_0
	if t == quant.Q8_0 {
		n = blockBytesQ8_0
	}
	b := bytes.Repeat([]byte{q}, n)
	b[0], b[1] = byte(d), byte(d>>8)
	return b
}

// TestLengthPanics checks that the exported functions reject mismatched
// lengths with a message that names the function.
func TestLengthPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"QuantizeQ8_0", func() { QuantizeQ8_0(make([]byte, 34), make([]float32, 31)) }},
		{"QuantizeQ8_0", func() { QuantizeQ8_0(make([]byte, 33), make([]float32, 32)) }},
		{"DotQ4_0Q8_0", func() { DotQ4_0Q8_0(make([]byte, 17), make([]byte, 34)) }},
		{"DotQ4_0Q8_0", func() { DotQ4_0Q8_0(make([]byte, 18), make([]byte, 68)) }},
		{"DotQ8_0Q8_0", func() { DotQ8_0Q8_0(make([]byte, 34), make([]byte, 0)) }},
		{"DotF16F32", func() { DotF16F32(make([]uint16, 3), make([]float32, 4)) }},
		{"DotBF16F32", func() { DotBF16F32(make([]uint16, 3), make([]float32, 4)) }},
		{"DotF32", func() { DotF32(make([]float32, 3), make([]float32, 4)) }},
		{"RMSNorm", func() { RMSNorm(make([]float32, 3), make([]float32, 4), nil, 0) }},
		{"LayerNorm", func() { LayerNorm(make([]float32, 4), make([]float32, 4), nil, make([]float32, 3), 0) }},
		{"Softmax", func() { Softmax(make([]float32, 3), make([]float32, 4)) }},
		{"GELU", func() { GELU(make([]float32, 3), make([]float32, 4)) }},
		{"GELUF16Table", func() { GELUF16Table(make([]float32, 3), make([]float32, 4)) }},
		{"RoPENeoX", func() { RoPENeoX(make([]float32, 6), 3, 2, 0, 1e4, 1) }},
		{"RoPENeoX", func() { RoPENeoX(make([]float32, 6), 4, 2, 0, 1e4, 1) }},
		{"Add", func() { Add(make([]float32, 3), make([]float32, 4), make([]float32, 3)) }},
		{"Mul", func() { Mul(make([]float32, 3), make([]float32, 3), make([]float32, 4)) }},
		{"Scale", func() { Scale(make([]float32, 3), make([]float32, 4), 1) }},
		{"AddScaled", func() { AddScaled(make([]float32, 3), make([]float32, 4), 1) }},
	} {
		msg := panicMessage(c.f)
		if !strings.Contains(msg, "kernels: "+c.name) {
			t.Errorf("%s: panic %q does not name the function", c.name, msg)
		}
	}
}

// panicMessage runs f and returns what it panicked with, as a string ("" if
// it did not panic).
func panicMessage(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
		}
	}()
	f()
	return ""
}
