package safetensors

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// shardA and shardB are the two shards of the folders below.
var (
	shardA = encodeFile(map[string]string{"format": "pt"}, []spec{
		{"model.embed.weight", "BF16", []int64{2, 2}, seq(0, 8)},
		{"model.norm.weight", "F32", []int64{2}, seq(10, 8)},
	})
	shardB = encodeFile(map[string]string{"format": "pt", "shard": "b"}, []spec{
		{"lm_head.weight", "F16", []int64{2, 2}, seq(20, 8)},
	})
	indexAB = `{"metadata":{"total_size":24,"nested":[{"x":[1,2]}]},"weight_map":{
		"model.embed.weight":"model-00001-of-00002.safetensors",
		"model.norm.weight":"./model-00001-of-00002.safetensors",
		"lm_head.weight":"model-00002-of-00002.safetensors"}}`
)

// makeDir writes files (name -> contents) into a new folder.
func makeDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		writeFile(t, dir, name, b)
	}
	return dir
}

func TestOpenDir(t *testing.T) {
	cases := []struct {
		name  string
		files map[string][]byte
	}{
		{"glob", map[string][]byte{
			"model-00001-of-00002.safetensors": shardA,
			"model-00002-of-00002.safetensors": shardB,
			"config.json":                      []byte(`{}`),
			"README.md":                        []byte("not a model"),
		}},
		// The index picks the shards: a consolidated copy next to them,
		// which holds the same names, must be ignored rather than be a
		// duplicate.
		{"index", map[string][]byte{
			"model-00001-of-00002.safetensors": shardA,
			"model-00002-of-00002.safetensors": shardB,
			"consolidated.safetensors":         shardA,
			IndexName:                          []byte(indexAB),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := makeDir(t, c.files)
			d, err := OpenDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if d.Path != dir || len(d.Files) != 2 {
				t.Fatalf("Dir %s with %d files, want %s with 2", d.Path, len(d.Files), dir)
			}
			var names []string
			for _, tt := range d.Tensors() {
				names = append(names, tt.Name)
			}
			if want := []string{"lm_head.weight", "model.embed.weight", "model.norm.weight"}; !slices.Equal(names, want) {
				t.Errorf("tensors %q, want %q", names, want)
			}
			want := map[string]struct {
				shard string
				data  []byte
			}{
				"model.embed.weight": {"model-00001-of-00002.safetensors", seq(0, 8)},
				"model.norm.weight":  {"model-00001-of-00002.safetensors", seq(10, 8)},
				"lm_head.weight":     {"model-00002-of-00002.safetensors", seq(20, 8)},
			}
			for name, w := range want {
				tt, ok := d.Tensor(name)
				if !ok {
					t.Fatalf("Tensor(%q) missing", name)
				}
				if tt.File != filepath.Join(dir, w.shard) {
					t.Errorf("%s in %s, want %s", name, tt.File, w.shard)
				}
				b, err := d.Data(tt)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, w.data) {
					t.Errorf("Data(%s) = %v, want %v", name, b, w.data)
				}
			}
			if _, ok := d.Tensor("missing"); ok {
				t.Error("Tensor(missing) succeeded")
			}
			meta := d.Metadata()
			if meta["format"] != "pt" || meta["shard"] != "b" || len(meta) != 2 {
				t.Errorf("Metadata = %v", meta)
			}
			meta["format"] = "changed"
			if d.Metadata()["format"] != "pt" {
				t.Error("Metadata returned the Dir's own map")
			}
			tt, _ := d.Tensor("lm_head.weight")
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Data(tt); !errors.Is(err, ErrClosed) {
				t.Errorf("Data after Close: %v, want ErrClosed", err)
			}
		})
	}
}

func TestOpenPath(t *testing.T) {
	dir := makeDir(t, map[string][]byte{"model.safetensors": shardA})
	file := filepath.Join(dir, "model.safetensors")
	for _, path := range []string{dir, file} {
		d, err := OpenPath(path)
		if err != nil {
			t.Fatal(err)
		}
		if d.Path != path || len(d.Files) != 1 || len(d.Tensors()) != 2 {
			t.Errorf("OpenPath(%s): Dir %s, %d files, %d tensors", path, d.Path, len(d.Files), len(d.Tensors()))
		}
		tt, _ := d.Tensor("model.norm.weight")
		if b, err := d.Data(tt); err != nil || !bytes.Equal(b, seq(10, 8)) {
			t.Errorf("Data = %v, %v", b, err)
		}
		// A tensor of another Dir is refused.
		if _, err := d.Data(Tensor{Name: "model.norm.weight", File: "/elsewhere.safetensors"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("foreign tensor: %v, want ErrNotFound", err)
		}
		d.Close()
	}
	if _, err := OpenPath(filepath.Join(dir, "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenPath(absent) = %v, want fs.ErrNotExist", err)
	}
}

func TestOpenDirErrors(t *testing.T) {
	const a, b = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
	index := func(weightMap string) []byte { return []byte(`{"weight_map":{` + weightMap + `}}`) }
	cases := []struct {
		name  string
		files map[string][]byte
		err   error
		where string   // file the message must start with ("" for the folder)
		want  []string // further substrings
	}{
		{"empty folder", map[string][]byte{"config.json": []byte("{}")}, ErrNotFound, "", []string{"no " + IndexName}},
		{"duplicate across shards", map[string][]byte{a: shardA, b: shardA}, ErrCorrupt, "",
			[]string{`tensor "model.embed.weight"`, "two shards", a, b}},
		{"corrupt shard", map[string][]byte{a: shardA, b: []byte("junk")}, ErrCorrupt, b, []string{"header length"}},
		{"index names missing shard", map[string][]byte{a: shardA, IndexName: index(`"x":"` + b + `"`)}, ErrCorrupt, IndexName,
			[]string{`weight_map["x"]`, b, "missing"}},
		{"index names missing tensor", map[string][]byte{a: shardA, IndexName: index(`"model.embed.weight":"` + a + `","gone":"` + a + `"`)},
			ErrCorrupt, IndexName, []string{`weight_map["gone"]`, "no such tensor"}},
		{"index duplicate key", map[string][]byte{a: shardA, IndexName: index(`"model.embed.weight":"` + a + `","model.embed.weight":"` + a + `"`)},
			ErrCorrupt, IndexName, []string{`weight_map["model.embed.weight"]`, "duplicate"}},
		{"index shard outside folder", map[string][]byte{a: shardA, IndexName: index(`"model.embed.weight":"../` + a + `"`)},
			ErrCorrupt, IndexName, []string{`weight_map["model.embed.weight"]`, "not a file inside"}},
		{"index absolute shard", map[string][]byte{a: shardA, IndexName: index(`"model.embed.weight":"/etc/passwd"`)},
			ErrCorrupt, IndexName, []string{`weight_map["model.embed.weight"]`, "not a file inside"}},
		{"index shard not string", map[string][]byte{a: shardA, IndexName: index(`"model.embed.weight":1`)},
			ErrCorrupt, IndexName, []string{`weight_map["model.embed.weight"]`, "not a file name"}},
		{"index not json", map[string][]byte{a: shardA, IndexName: []byte("weights!")}, ErrCorrupt, IndexName, []string{"index"}},
		{"index without weight_map", map[string][]byte{a: shardA, IndexName: []byte(`{"metadata":{}}`)}, ErrCorrupt, IndexName, []string{"weight_map: missing"}},
		{"index empty weight_map", map[string][]byte{a: shardA, IndexName: index(``)}, ErrCorrupt, IndexName, []string{"weight_map: empty"}},
		{"index weight_map twice", map[string][]byte{a: shardA, IndexName: []byte(`{"weight_map":{},"weight_map":{}}`)}, ErrCorrupt, IndexName, []string{`"weight_map": duplicate`}},
		{"index nested too deep", map[string][]byte{a: shardA, IndexName: []byte(`{"metadata":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`)},
			ErrCorrupt, IndexName, []string{`index: "metadata"`, "nested too deep"}},
		{"index invalid utf8", map[string][]byte{a: shardA, IndexName: []byte("{\"weight_map\":{\"\xff\":\"" + a + "\"}}")}, ErrCorrupt, IndexName, []string{"UTF-8"}},
		// Through the index too, a name must live in one shard only.
		{"index with duplicate in shards", map[string][]byte{a: shardA, b: shardA, IndexName: index(`"model.embed.weight":"` + a + `","model.norm.weight":"` + b + `"`)},
			ErrCorrupt, "", []string{"two shards"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := makeDir(t, c.files)
			d, err := OpenDir(dir)
			if err == nil {
				d.Close()
				t.Fatal("OpenDir succeeded")
			}
			if !errors.Is(err, c.err) {
				t.Errorf("error %q does not wrap %v", err, c.err)
			}
			prefix := "safetensors: " + filepath.Join(dir, c.where) + ": "
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error %q does not start with %q", err, prefix)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}

	// A missing shard is also fs.ErrNotExist, for callers that want to
	// tell an incomplete download from a broken file.
	dir := makeDir(t, map[string][]byte{a: shardA, IndexName: index(`"x":"` + b + `"`)})
	if _, err := OpenDir(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing shard: %v, want fs.ErrNotExist", err)
	}
	if _, err := OpenDir(filepath.Join(dir, a)); err == nil {
		t.Error("OpenDir of a file succeeded")
	}
}

// TestOpenDirClosesOnError checks that a failed OpenDir unmaps the shards it
// had already opened, by looking for them in /proc/self/maps.
func TestOpenDirClosesOnError(t *testing.T) {
	if _, err := os.ReadFile("/proc/self/maps"); err != nil {
		t.Skip("no /proc/self/maps:", err)
	}
	dir := makeDir(t, map[string][]byte{"a.safetensors": shardA, "b.safetensors": []byte("bad")})
	mapped := func() bool {
		maps, err := os.ReadFile("/proc/self/maps")
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Contains(maps, []byte(filepath.Join(dir, "a.safetensors")))
	}
	d, err := OpenDir(filepath.Join(dir))
	if err == nil {
		d.Close()
		t.Fatal("OpenDir succeeded")
	}
	if mapped() {
		t.Error("a.safetensors is still mapped after OpenDir failed")
	}
	// The check can see a mapping: after a good open it must.
	os.Remove(filepath.Join(dir, "b.safetensors"))
	if d, err = OpenDir(dir); err != nil {
		t.Fatal(err)
	}
	if !mapped() {
		t.Skip("mappings are not visible in /proc/self/maps here")
	}
	d.Close()
	if mapped() {
		t.Error("a.safetensors is still mapped after Close")
	}
}
