package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// spec is one tensor for encodeFile.
type spec struct {
	name  string
	dtype string
	shape []int64
	data  []byte
}

// encodeFile is a test-only writer laid out like the reference one: tensors
// contiguous in the order given, header padded with spaces to a multiple of
// 8 bytes so that the data section starts aligned.
func encodeFile(meta map[string]string, specs []spec) []byte {
	var h strings.Builder
	h.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			h.WriteByte(',')
		}
		first = false
	}
	if meta != nil {
		sep()
		h.WriteString(`"__metadata__":{`)
		for i, k := range slices.Sorted(maps.Keys(meta)) {
			if i > 0 {
				h.WriteByte(',')
			}
			h.Write(jsonString(k))
			h.WriteByte(':')
			h.Write(jsonString(meta[k]))
		}
		h.WriteByte('}')
	}
	var data []byte
	for _, s := range specs {
		sep()
		shape, _ := json.Marshal(s.shape)
		if s.shape == nil {
			shape = []byte("[]")
		}
		begin := len(data)
		data = append(data, s.data...)
		h.Write(jsonString(s.name))
		h.WriteString(`:{"dtype":`)
		h.Write(jsonString(s.dtype))
		h.WriteString(`,"shape":`)
		h.Write(shape)
		h.WriteString(`,"data_offsets":[`)
		h.WriteString(itoa(begin))
		h.WriteByte(',')
		h.WriteString(itoa(len(data)))
		h.WriteString("]}")
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	return rawFile(h.String(), data)
}

// rawFile returns the length prefix, header and data as they are given, so
// that corrupt headers can be written by hand.
func rawFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// withLength returns a file whose length prefix is n whatever follows.
func withLength(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// seq returns n bytes counting from start, so that every tensor's data is
// distinguishable from its neighbours'.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}
