package gemma3

import (
	"fmt"

	"lookout/kernels"
	"lookout/quant"
)

// KVType is the element type of the KV cache.
type KVType int

// KV cache types. The zero value, KVF16, is llama.cpp's default
// (--cache-type-k/-v f16): K and V are rounded to F16 when stored
// (ggml_cpy F32→F16, round to nearest even).
//
// KVQ8_0 is llama.cpp's --cache-type-k q8_0 --cache-type-v q8_0: each
// head's K and V rows are stored as Q8_0 blocks (ggml_cpy F32→Q8_0 goes
// through the CPU type's from_float, the same activation quantizer as
// matmul inputs), which halves the cache against F16. As in llama.cpp it
// needs flash attention and head dims that are whole blocks.
const (
	KVF16 KVType = iota
	KVF32
	KVQ8_0
)

// String returns "f16", "f32" or "q8_0".
func (t KVType) String() string {
	switch t {
	case KVF16:
		return "f16"
	case KVF32:
		return "f32"
	case KVQ8_0:
		return "q8_0"
	}
	return fmt.Sprintf("KVType(%d)", int(t))
}

// ParseKVType parses "f16", "f32" or "q8_0".
func ParseKVType(s string) (KVType, error) {
	switch s {
	case "f16":
		return KVF16, nil
	case "f32":
		return KVF32, nil
	case "q8_0":
		return KVQ8_0, nil
	}
	return 0, fmt.Errorf("gemma3: KV cache type %q: want f16, f32 or q8_0", s)
}

// rowBytes returns the bytes of n cached values of type t.
func (t KVType) rowBytes(n int) int {
	switch t {
	case KVF32:
		return 4 * n
	case KVQ8_0:
		return n / q8Block * q8BlockBytes
	}
	return 2 * n
}

// Q8_0 block geometry (quant.Formats[quant.Q8_0]).
const (
	q8Block      = 32
	q8BlockBytes = 34
)

// kvLayer is the cache of one layer: Slots rows of K and V, the row of
// position p at slot p % slots. Global layers have one slot per context
// position; sliding layers keep only the window (a ring buffer), since a
// query at p never looks at keys at or before p−window.
type kvLayer struct {
	slots      int
	dimK, dimV int       // n_head_kv·head_dim
	k32, v32   []float32 // KVF32: [slots][dim]
	k16, v16   []uint16  // KVF16: [slots][dim] f16 bits
	k8, v8     []byte    // KVQ8_0: [slots][dim/32] Q8_0 blocks
}

// KVCache holds keys and values of every layer for one sequence.
type KVCache struct {
	Type   KVType // element type of K and V
	NCtx   int    // positions it can hold
	layers []kvLayer
}

// kvSlots returns the rows layer il keeps for a context of nCtx positions.
func kvSlots(c Config, il, nCtx int) int {
	if c.Sliding(il) {
		return min(c.Window, nCtx)
	}
	return nCtx
}

// KVBytes returns the memory a session's KV cache takes.
func (m *Model) KVBytes() int64 {
	c := m.Config
	t := m.Options.KV
	var n int64
	for il := range c.NLayer {
		n += int64(kvSlots(c, il, m.NCtx)) * int64(t.rowBytes(c.NHeadKV*c.HeadDimK)+t.rowBytes(c.NHeadKV*c.HeadDimV))
	}
	return n
}

// newKVCache allocates the cache for nCtx positions.
func newKVCache(c Config, typ KVType, nCtx int) *KVCache {
	kv := &KVCache{Type: typ, NCtx: nCtx, layers: make([]kvLayer, c.NLayer)}
	for il := range kv.layers {
		slots := kvSlots(c, il, nCtx)
		l := kvLayer{slots: slots, dimK: c.NHeadKV * c.HeadDimK, dimV: c.NHeadKV * c.HeadDimV}
		switch typ {
		case KVF32:
			l.k32, l.v32 = make([]float32, slots*l.dimK), make([]float32, slots*l.dimV)
		case KVQ8_0:
			l.k8, l.v8 = make([]byte, slots*typ.rowBytes(l.dimK)), make([]byte, slots*typ.rowBytes(l.dimV))
		default:
			l.k16, l.v16 = make([]uint16, slots*l.dimK), make([]uint16, slots*l.dimV)
		}
		kv.layers[il] = l
	}
	return kv
}

// Bytes returns the memory the cache holds.
func (kv *KVCache) Bytes() int64 {
	var n int64
	for _, l := range kv.layers {
		n += int64(4*(len(l.k32)+len(l.v32)) + 2*(len(l.k16)+len(l.v16)) + len(l.k8) + len(l.v8))
	}
	return n
}

// store writes the K and V rows of position pos.
func (l *kvLayer) store(pos int, k, v []float32) {
	s := pos % l.slots
	if l.k32 != nil {
		copy(l.k32[s*l.dimK:(s+1)*l.dimK], k)
		copy(l.v32[s*l.dimV:(s+1)*l.dimV], v)
		return
	}
	if l.k8 != nil {
		rk, rv := KVQ8_0.rowBytes(l.dimK), KVQ8_0.rowBytes(l.dimV)
		kernels.QuantizeQ8_0(l.k8[s*rk:(s+1)*rk], k)
		kernels.QuantizeQ8_0(l.v8[s*rv:(s+1)*rv], v)
		return
	}
	quant.F32ToF16Row(l.k16[s*l.dimK:(s+1)*l.dimK], k)
	quant.F32ToF16Row(l.v16[s*l.dimV:(s+1)*l.dimV], v)
}

// key returns head h of the key at pos as float32 (f16 values widened
// exactly) in buf.
func (l *kvLayer) key(buf []float32, pos, h, dim int) []float32 {
	off := (pos%l.slots)*l.dimK + h*dim
	if l.k32 != nil {
		return l.k32[off : off+dim]
	}
	if l.k8 != nil {
		dequantizeQ8_0(buf[:dim], l.keyQ8(pos, h, dim))
		return buf[:dim]
	}
	widenF16(buf[:dim], l.k16[off:off+dim])
	return buf[:dim]
}

// keyQ8 returns the Q8_0 blocks of head h of the key at pos (KVQ8_0 only).
func (l *kvLayer) keyQ8(pos, h, dim int) []byte {
	off := (pos%l.slots)*KVQ8_0.rowBytes(l.dimK) + KVQ8_0.rowBytes(h*dim)
	return l.k8[off : off+KVQ8_0.rowBytes(dim)]
}

// dequantizeQ8_0 is ggml's dequantize_row_q8_0 (v_to_float of a Q8_0 cache).
var dequantizeQ8_0 = quant.Formats[quant.Q8_0].Dequantize

// value is key for V.
func (l *kvLayer) value(buf []float32, pos, h, dim int) []float32 {
	off := (pos%l.slots)*l.dimV + h*dim
	if l.v32 != nil {
		return l.v32[off : off+dim]
	}
	if l.v8 != nil {
		o := (pos%l.slots)*KVQ8_0.rowBytes(l.dimV) + KVQ8_0.rowBytes(h*dim)
		dequantizeQ8_0(buf[:dim], l.v8[o:o+KVQ8_0.rowBytes(dim)])
		return buf[:dim]
	}
	widenF16(buf[:dim], l.v16[off:off+dim])
	return buf[:dim]
}

// widenF16 is quant.F16ToF32Row: decode widens every cached row it reads,
// and kernels.WidenF16 does it with F16C/FCVTL (about ten times faster than
// a table lookup per value at head dim 256).
func widenF16(dst []float32, src []uint16) { kernels.WidenF16(dst, src) }
