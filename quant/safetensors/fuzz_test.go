package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// validSeeds are well-formed files for the fuzzers to mutate.
func validSeeds() map[string][]byte {
	return map[string][]byte{
		"empty":  encodeFile(nil, nil),
		"shardA": shardA,
		"shardB": shardB,
		"mixed": encodeFile(map[string]string{"format": "pt", "k\"ey": "v\u00e9"}, []spec{
			{"w", "F32", []int64{2, 3}, seq(1, 24)},
			{"b", "BF16", []int64{4}, seq(40, 8)},
			{"s", "F16", nil, seq(80, 2)},
			{"z", "U8", []int64{0, 7}, nil},
			{"q", "F4", []int64{2, 2}, seq(90, 2)},
			{"i", "I64", []int64{1}, seq(100, 8)},
		}),
		"escaped": rawFile(`{"a\u00e9\n\"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}} `, []byte{9}),
	}
}

// FuzzOpen writes the input to a file and opens it. An error must wrap a
// sentinel and name the file; a success must describe every byte of the data
// section exactly once, serve each tensor's bytes, and agree with what
// encoding/json makes of the same header.
func FuzzOpen(f *testing.F) {
	for _, c := range corruptCases() {
		f.Add(c.file)
	}
	for _, b := range validSeeds() {
		f.Add(b)
	}
	// One file per worker process, rewritten for each input: a TempDir per
	// input would spend most of the time creating and removing folders.
	path := filepath.Join(f.TempDir(), "fuzz.safetensors")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := Open(path)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: "+path+": ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		checkOpened(t, file, b)
		if err := file.Close(); err != nil {
			t.Fatal(err)
		}
		for _, tt := range file.Tensors {
			if _, err := file.Data(tt); !errors.Is(err, ErrClosed) {
				t.Fatalf("Data after Close: %v", err)
			}
		}
	})
}

// checkOpened checks an opened file against its bytes b.
func checkOpened(t *testing.T, f *File, b []byte) {
	t.Helper()
	n := binary.LittleEndian.Uint64(b)
	header := b[8 : 8+n]
	dataLen := int64(len(b)) - 8 - int64(n)
	var covered int64
	for i, tt := range f.Tensors {
		if i > 0 && f.Tensors[i-1].Name >= tt.Name {
			t.Fatalf("tensors not sorted and unique: %q then %q", f.Tensors[i-1].Name, tt.Name)
		}
		dt := dtypes[tt.DType]
		if want := tt.Elements() * dt.bits / 8; tt.Size != want {
			t.Fatalf("%s: size %d, want %d", tt.Name, tt.Size, want)
		}
		data, err := f.Data(tt)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(data)) != tt.Size || !bytes.Equal(data, b[tt.Offset:tt.Offset+tt.Size]) {
			t.Fatalf("%s: Data gives %d bytes, not bytes [%d, +%d) of the file", tt.Name, len(data), tt.Offset, tt.Size)
		}
		covered += tt.Size
	}
	if covered != dataLen {
		t.Fatalf("tensors cover %d bytes of a %d-byte data section", covered, dataLen)
	}

	// Differential check: encoding/json must read the same header.
	if !json.Valid(header) {
		t.Fatalf("accepted a header encoding/json finds invalid: %q", header)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(header, &members); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	raw, haveMeta := members[metadataKey]
	if want := len(f.Tensors); len(members) != want+btoi(haveMeta) {
		t.Fatalf("encoding/json sees %d members, we see %d tensors (metadata %v)", len(members), want, haveMeta)
	}
	if haveMeta {
		var meta map[string]string
		if err := json.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("encoding/json metadata: %v", err)
		}
		if !maps.Equal(meta, f.Metadata) {
			t.Fatalf("metadata %v, encoding/json reads %v", f.Metadata, meta)
		}
	}
	for _, tt := range f.Tensors {
		var info struct {
			DType       string   `json:"dtype"`
			Shape       []int64  `json:"shape"`
			DataOffsets [2]int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(members[tt.Name], &info); err != nil {
			t.Fatalf("encoding/json tensor %q: %v", tt.Name, err)
		}
		base := 8 + int64(n)
		if info.DType != tt.DType || !slices.Equal(info.Shape, tt.Shape) ||
			info.DataOffsets != [2]int64{tt.Offset - base, tt.Offset - base + tt.Size} {
			t.Fatalf("tensor %q: we read %s %v at %d+%d, encoding/json %+v", tt.Name, tt.DType, tt.Shape, tt.Offset, tt.Size, info)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FuzzIndex parses model.safetensors.index.json contents.
func FuzzIndex(f *testing.F) {
	f.Add([]byte(indexAB))
	f.Add([]byte(`{"weight_map":{"a":"x.safetensors","b":"sub/y.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"a":"../x"}}`))
	f.Add([]byte(`{"metadata":[[[{"a":1e5}]]],"weight_map":{"a\u00e9":"x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		const path = "dir/" + IndexName
		m, err := parseIndex(path, b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), "safetensors: "+path+": ") {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("accepted an index encoding/json finds invalid: %q", b)
		}
		if len(m) == 0 {
			t.Fatal("accepted an empty weight_map")
		}
		for name, shard := range m {
			if !filepath.IsLocal(shard) {
				t.Fatalf("%s: shard %q escapes the folder", name, shard)
			}
		}
	})
}

// FuzzScanner compares the JSON scanner with encoding/json on arbitrary
// bytes: both must agree on validity (up to the scanner's depth limit), and
// on the value of any string.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0`, `-0.5e+7`, `1E5`, `01`, `1.`, `.5`, `-`, `1e`, `[1,]`, `{"a":1,}`,
		`{"a" 1}`, `[1 2]`, `"\u00e9\ud83d\ude00\n\/"`, `"\x"`, `"\u12"`, "\"\x01\"", `tru`, `nul`, `true false`,
		`{"a":[{"b":null}],"c":"d"}`, ` [ 1 , 2 ] `, `"unterminated`, `[[[[[[[[]]]]]]]]`, "\"\xff\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := scanner{b: b}
		err := s.skip(maxSkipDepth)
		ours := err == nil && s.atEnd()
		if err != nil && strings.Contains(err.Error(), "nested too deep") {
			return
		}
		if std := json.Valid(b); ours != std {
			t.Fatalf("%q: scanner says valid=%v (%v), encoding/json %v", b, ours, err, std)
		}
		// A string must decode to what encoding/json decodes. (Only for
		// valid UTF-8, which parse checks before scanning: encoding/json
		// replaces invalid bytes with U+FFFD.)
		s = scanner{b: b}
		if utf8.Valid(b) && s.peek() == kString {
			v, err := s.str()
			var want string
			if jerr := json.Unmarshal(b[:s.pos], &want); err == nil && (jerr != nil || string(v) != want) {
				t.Fatalf("%q: scanner reads %q, encoding/json %q (%v)", b, v, want, jerr)
			}
		}
	})
}

// TestWriteSeedCorpus writes the seeds of FuzzOpen into testdata/fuzz, in the
// corpus file format of go test, when LOOKOUT_WRITE_CORPUS=1. The files are
// committed so that a plain go test replays them (with any crasher found
// later) without this step.
func TestWriteSeedCorpus(t *testing.T) {
	if os.Getenv("LOOKOUT_WRITE_CORPUS") != "1" {
		t.Skip("set LOOKOUT_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzOpen/seed-*")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seeds := validSeeds()
	for _, c := range corruptCases() {
		seeds["corrupt-"+c.name] = c.file
	}
	unsafe := regexp.MustCompile(`[^a-zA-Z0-9_-]+`)
	for name, b := range seeds {
		file := filepath.Join(dir, "seed-"+unsafe.ReplaceAllString(name, "-"))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
