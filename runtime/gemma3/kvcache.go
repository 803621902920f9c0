package gemma3

import (
	"fmt"

	"lookout/quant"
)

// KVType is the element type of the KV cache.
type KVType int

// KV cache types. The zero value, KVF16, is llama.cpp's default
// (--cache-type-k/-v f16): K and V are rounded to F16 when stored
// (ggml_cpy F32→F16, round to nearest even).
const (
	KVF16 KVType = iota
	KVF32
)

// String returns "f16" or "f32".
func (t KVType) String() string {
	switch t {
	case KVF16:
		return "f16"
	case KVF32:
		return "f32"
	}
	return fmt.Sprintf("KVType(%d)", int(t))
}

// ParseKVType parses "f16" or "f32".
func ParseKVType(s string) (KVType, error) {
	switch s {
	case "f16":
		return KVF16, nil
	case "f32":
		return KVF32, nil
	}
	return 0, fmt.Errorf("gemma3: KV cache type %q: want f16 or f32", s)
}

// kvLayer is the cache of one layer: Slots rows of K and V, the row of
// position p at slot p % slots. Global layers have one slot per context
// position; sliding layers keep only the window (a ring buffer), since a
// query at p never looks at keys at or before p−window.
type kvLayer struct {
	slots      int
	dimK, dimV int       // n_head_kv·head_dim
	k32, v32   []float32 // KVF32: [slots][dim]
	k16, v16   []uint16  // KVF16: [slots][dim] f16 bits
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
	elem := int64(2)
	if m.Options.KV == KVF32 {
		elem = 4
	}
	var n int64
	for il := range c.NLayer {
		n += int64(kvSlots(c, il, m.NCtx)) * int64(c.NHeadKV*(c.HeadDimK+c.HeadDimV)) * elem
	}
	return n
}

// newKVCache allocates the cache for nCtx positions.
func newKVCache(c Config, typ KVType, nCtx int) *KVCache {
	kv := &KVCache{Type: typ, NCtx: nCtx, layers: make([]kvLayer, c.NLayer)}
	for il := range kv.layers {
		slots := kvSlots(c, il, nCtx)
		l := kvLayer{slots: slots, dimK: c.NHeadKV * c.HeadDimK, dimV: c.NHeadKV * c.HeadDimV}
		if typ == KVF32 {
			l.k32, l.v32 = make([]float32, slots*l.dimK), make([]float32, slots*l.dimV)
		} else {
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
		n += int64(4*(len(l.k32)+len(l.v32)) + 2*(len(l.k16)+len(l.v16)))
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
	quant.F16ToF32Row(buf[:dim], l.k16[off:off+dim])
	return buf[:dim]
}

// value is key for V.
func (l *kvLayer) value(buf []float32, pos, h, dim int) []float32 {
	off := (pos%l.slots)*l.dimV + h*dim
	if l.v32 != nil {
		return l.v32[off : off+dim]
	}
	quant.F16ToF32Row(buf[:dim], l.v16[off:off+dim])
	return buf[:dim]
}
