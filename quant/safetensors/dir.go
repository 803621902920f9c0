package safetensors

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// IndexName is the file that maps tensor names to shards in a sharded
// Hugging Face checkpoint.
const IndexName = "model.safetensors.index.json"

// maxIndexBytes caps the index file. Real indexes are a few hundred
// kilobytes; the cap bounds what a crafted one can make us read.
const maxIndexBytes = MaxHeaderBytes

// maxSkipDepth bounds the nesting of index values we skip over ("metadata"
// and keys we do not use), so a crafted index cannot grow the decoder's stack.
const maxSkipDepth = 64

// Dir is a Hugging Face model folder (or a single file, see OpenPath) seen as
// one set of tensors spread over shards. Like File, its methods may be called
// from several goroutines but not concurrently with Close.
type Dir struct {
	Path  string  // the folder, or the file for OpenPath of a file
	Files []*File // the shards, sorted by path

	tensors []Tensor // of all shards, sorted by name
	byPath  map[string]*File
	meta    map[string]string
}

// OpenDir opens the model folder path. When it holds IndexName, the shards
// are the files its "weight_map" names, and every entry of the map must be a
// tensor of the shard it names (tensors of those shards that the map omits
// are still served). Without an index, the shards are every *.safetensors
// file in the folder. A tensor name found in two shards is an error either
// way: which copy a model got would otherwise depend on the order of opening.
func OpenDir(path string) (*Dir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("safetensors: %s: not a directory: %w", path, ErrNotFound)
	}
	indexPath := filepath.Join(path, IndexName)
	weightMap, err := readIndex(indexPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return openGlob(path)
	case err != nil:
		return nil, err
	}
	return openIndexed(path, indexPath, weightMap)
}

// OpenPath opens a model folder (as OpenDir) or a single safetensors file,
// which becomes a Dir of one shard, so that callers need one code path.
func OpenPath(path string) (*Dir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if st.IsDir() {
		return OpenDir(path)
	}
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	return newDir(path, []*File{f})
}

// openGlob opens every *.safetensors file of the folder.
func openGlob(path string) (*Dir, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	var files []*File
	for _, e := range entries { // ReadDir sorts by name
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".safetensors") {
			continue
		}
		f, err := Open(filepath.Join(path, e.Name()))
		if err != nil {
			closeAll(files)
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("safetensors: %s: no %s and no *.safetensors file: %w", path, IndexName, ErrNotFound)
	}
	return newDir(path, files)
}

// openIndexed opens the shards weightMap names and checks that each entry is
// where the index says.
func openIndexed(path, indexPath string, weightMap map[string]string) (*Dir, error) {
	// First tensor (by name) of each shard, for messages about the shard.
	shardOf := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(weightMap)) {
		shard := weightMap[name]
		if _, seen := shardOf[shard]; !seen {
			shardOf[shard] = name
		}
	}
	var files []*File
	byShard := map[string]*File{}
	for _, shard := range slices.Sorted(maps.Keys(shardOf)) {
		f, err := Open(filepath.Join(path, shard))
		if err != nil {
			closeAll(files)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("safetensors: %s: weight_map[%q]: shard %q is missing: %w: %w", indexPath, shardOf[shard], shard, ErrCorrupt, fs.ErrNotExist)
			}
			return nil, err
		}
		files = append(files, f)
		byShard[shard] = f
	}
	for _, name := range slices.Sorted(maps.Keys(weightMap)) {
		shard := weightMap[name]
		if _, ok := byShard[shard].Tensor(name); !ok {
			closeAll(files)
			return nil, fmt.Errorf("safetensors: %s: weight_map[%q]: shard %q has no such tensor: %w", indexPath, name, shard, ErrCorrupt)
		}
	}
	return newDir(path, files)
}

// newDir merges the shards' tensors and metadata. On error it closes files.
func newDir(path string, files []*File) (*Dir, error) {
	slices.SortFunc(files, func(a, b *File) int { return strings.Compare(a.Path, b.Path) })
	d := &Dir{Path: path, Files: files, byPath: map[string]*File{}, meta: map[string]string{}}
	n := 0
	for _, f := range files {
		n += len(f.Tensors)
	}
	d.tensors = make([]Tensor, 0, n)
	for _, f := range files {
		d.byPath[f.Path] = f
		d.tensors = append(d.tensors, f.Tensors...)
		// Shards normally repeat the same metadata ({"format": "pt"}); on a
		// conflict the first shard by path wins, as metadata is advisory.
		for k, v := range f.Metadata {
			if _, ok := d.meta[k]; !ok {
				d.meta[k] = v
			}
		}
	}
	slices.SortStableFunc(d.tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(d.tensors); i++ {
		if a, b := d.tensors[i-1], d.tensors[i]; a.Name == b.Name {
			closeAll(files)
			return nil, fmt.Errorf("safetensors: %s: tensor %q is in two shards, %s and %s: %w", path, a.Name, a.File, b.File, ErrCorrupt)
		}
	}
	return d, nil
}

// Tensor returns the tensor called name, from whichever shard holds it.
func (d *Dir) Tensor(name string) (Tensor, bool) {
	i, ok := slices.BinarySearchFunc(d.tensors, name, func(t Tensor, name string) int {
		return strings.Compare(t.Name, name)
	})
	if !ok {
		return Tensor{}, false
	}
	return d.tensors[i], true
}

// Tensors returns every tensor of every shard, sorted by name. The slice is
// the caller's; the Shape slices in it are shared and must not be modified.
func (d *Dir) Tensors() []Tensor { return slices.Clone(d.tensors) }

// Data returns the bytes of t as File.Data does, from the shard t.File.
func (d *Dir) Data(t Tensor) ([]byte, error) {
	f := d.byPath[t.File]
	if f == nil {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: %s is not a shard of this folder: %w", d.Path, t.Name, t.File, ErrNotFound)
	}
	return f.Data(t)
}

// Metadata returns the shards' "__metadata__" merged into a new map; where
// shards disagree on a key, the first shard by path wins.
func (d *Dir) Metadata() map[string]string { return maps.Clone(d.meta) }

// Close unmaps every shard and returns the first error.
func (d *Dir) Close() error { return closeAll(d.Files) }

func closeAll(files []*File) error {
	var errs []error
	for _, f := range files {
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// readIndex reads the "weight_map" of the index at path. An error wrapping
// fs.ErrNotExist means there is no index.
func readIndex(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	defer f.Close()
	// Read at most one byte past the cap rather than trusting Stat, so a
	// file that grows (or is a pipe) cannot make us read without bound.
	b, err := io.ReadAll(io.LimitReader(f, maxIndexBytes+1))
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if len(b) > maxIndexBytes {
		return nil, fmt.Errorf("safetensors: %s: index is larger than %d bytes: %w", path, maxIndexBytes, ErrCorrupt)
	}
	return parseIndex(path, b)
}

// parseIndex parses an index: a JSON object whose "weight_map" maps tensor
// names to shard file names. Other members ("metadata" with its total_size,
// and whatever tools add) are skipped. Duplicate keys are refused for the
// same reason as in headers.
func parseIndex(path string, b []byte) (map[string]string, error) {
	if !utf8.Valid(b) {
		return nil, corrupt(path, "index: not valid UTF-8 (at byte %d)", invalidUTF8At(b))
	}
	p := headerParser{path: path, s: scanner{b: b}}
	if p.s.peek() != kObject {
		return nil, corrupt(path, "index: %s, not a JSON object", p.s.describe())
	}
	p.s.open()
	var weightMap map[string]string
	seen := map[string]bool{}
	for first := true; ; first = false {
		more, err := p.s.next('}', first)
		if err != nil {
			return nil, p.syntax("index", err)
		}
		if !more {
			break
		}
		key, err := p.s.key()
		if err != nil {
			return nil, p.syntax("index", err)
		}
		if seen[string(key)] {
			return nil, corrupt(path, "index: %q: duplicate key", key)
		}
		seen[string(key)] = true
		if string(key) != "weight_map" {
			if err := p.s.skip(maxSkipDepth); err != nil {
				return nil, p.syntax(fmt.Sprintf("index: %q", key), err)
			}
			continue
		}
		if weightMap, err = p.weightMap(); err != nil {
			return nil, err
		}
	}
	if !p.s.atEnd() {
		return nil, corrupt(path, "index: %s at byte %d, after the JSON object", p.s.describe(), p.s.pos)
	}
	if weightMap == nil {
		return nil, corrupt(path, "weight_map: missing")
	}
	if len(weightMap) == 0 {
		return nil, corrupt(path, "weight_map: empty")
	}
	return weightMap, nil
}

// weightMap reads the "weight_map" object. Shard names must be local paths
// (filepath.IsLocal): an index must not send us to ../../etc/passwd.
func (p *headerParser) weightMap() (map[string]string, error) {
	if p.s.peek() != kObject {
		return nil, corrupt(p.path, "weight_map: %s, not a JSON object", p.s.describe())
	}
	p.s.open()
	m := map[string]string{}
	for first := true; ; first = false {
		more, err := p.s.next('}', first)
		if err != nil {
			return nil, p.syntax("weight_map", err)
		}
		if !more {
			return m, nil
		}
		name, err := p.s.key()
		if err != nil {
			return nil, p.syntax("weight_map", err)
		}
		if _, dup := m[string(name)]; dup {
			return nil, corrupt(p.path, "weight_map[%q]: duplicate key", name)
		}
		if p.s.peek() != kString {
			return nil, corrupt(p.path, "weight_map[%q]: %s, not a file name", name, p.s.describe())
		}
		shard, err := p.s.str()
		if err != nil {
			return nil, p.syntax(fmt.Sprintf("weight_map[%q]", name), err)
		}
		if !filepath.IsLocal(string(shard)) {
			return nil, corrupt(p.path, "weight_map[%q]: shard %q is not a file inside the folder", name, shard)
		}
		// Clean so that "a.safetensors" and "./a.safetensors" are one shard.
		m[string(name)] = filepath.Clean(string(shard))
	}
}
