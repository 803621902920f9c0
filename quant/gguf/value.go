package gguf

import (
	"fmt"
	"math"
)

// ValueType is the type tag of a metadata value (gguf_type in the spec).
type ValueType uint32

// Metadata value types, numbered as in the GGUF specification.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

// valueTypes is the table of value types: the name the spec uses and the
// encoded size of a scalar (0 for string and array, whose size varies).
var valueTypes = [...]struct {
	name string
	size int64
}{
	TypeUint8:   {"uint8", 1},
	TypeInt8:    {"int8", 1},
	TypeUint16:  {"uint16", 2},
	TypeInt16:   {"int16", 2},
	TypeUint32:  {"uint32", 4},
	TypeInt32:   {"int32", 4},
	TypeFloat32: {"float32", 4},
	TypeBool:    {"bool", 1},
	TypeString:  {"string", 0},
	TypeArray:   {"array", 0},
	TypeUint64:  {"uint64", 8},
	TypeInt64:   {"int64", 8},
	TypeFloat64: {"float64", 8},
}

func (t ValueType) known() bool { return uint64(t) < uint64(len(valueTypes)) }

// String returns the spec's name of the type.
func (t ValueType) String() string {
	if t.known() {
		return valueTypes[t].name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// minSize is the fewest bytes one encoded value of type t can take; readers use
// it to refuse counts that the remaining bytes could never hold.
func (t ValueType) minSize() int64 {
	switch t {
	case TypeString:
		return 8 // length prefix
	case TypeArray:
		return 12 // element type + count
	}
	return valueTypes[t].size
}

// Value is one metadata value. Scalars hold the Go type matching their tag
// (uint8, int8, uint16, int16, uint32, int32, float32, bool, string, uint64,
// int64, float64); arrays hold an Array.
type Value struct {
	Type ValueType
	V    any
}

// Array is a metadata array. Values is a typed slice ([]uint8, []int32,
// []string, []float32, ...; []bool for bools) or []Array for nested arrays.
type Array struct {
	Elem   ValueType
	Values any
}

// Len returns the number of elements of the array.
func (a Array) Len() int {
	switch v := a.Values.(type) {
	case []uint8:
		return len(v)
	case []int8:
		return len(v)
	case []uint16:
		return len(v)
	case []int16:
		return len(v)
	case []uint32:
		return len(v)
	case []int32:
		return len(v)
	case []float32:
		return len(v)
	case []bool:
		return len(v)
	case []string:
		return len(v)
	case []uint64:
		return len(v)
	case []int64:
		return len(v)
	case []float64:
		return len(v)
	case []Array:
		return len(v)
	}
	return 0
}

// Index returns element i as a Value.
func (a Array) Index(i int) Value {
	var v any
	switch s := a.Values.(type) {
	case []uint8:
		v = s[i]
	case []int8:
		v = s[i]
	case []uint16:
		v = s[i]
	case []int16:
		v = s[i]
	case []uint32:
		v = s[i]
	case []int32:
		v = s[i]
	case []float32:
		v = s[i]
	case []bool:
		v = s[i]
	case []string:
		v = s[i]
	case []uint64:
		v = s[i]
	case []int64:
		v = s[i]
	case []float64:
		v = s[i]
	case []Array:
		v = s[i]
	}
	return Value{Type: a.Elem, V: v}
}

// Int returns an integer value of any width as int64. It fails for
// non-integers and for uint64 values above math.MaxInt64.
func (v Value) Int() (int64, error) {
	switch x := v.V.(type) {
	case uint8:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("value %d overflows int64", x)
		}
		return int64(x), nil
	}
	return 0, fmt.Errorf("value of type %s is not an integer", v.Type)
}

// Float returns a float32 or float64 value (integers are converted too, since
// converters are not consistent about writing e.g. rope scale factors).
func (v Value) Float() (float64, error) {
	switch x := v.V.(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	}
	i, err := v.Int()
	if err != nil {
		return 0, fmt.Errorf("value of type %s is not a number", v.Type)
	}
	return float64(i), nil
}

// String formats the value for people; long arrays are shortened to their
// length and first few elements.
func (v Value) String() string { return formatValue(v, 8) }

// Format renders v with at most maxElems array elements shown.
func formatValue(v Value, maxElems int) string {
	switch x := v.V.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case Array:
		n := x.Len()
		s := fmt.Sprintf("[%s × %d:", x.Elem, n)
		for i := 0; i < n && i < maxElems; i++ {
			s += " " + formatValue(x.Index(i), maxElems)
		}
		if n > maxElems {
			s += " …"
		}
		return s + "]"
	}
	return fmt.Sprint(v.V)
}
