package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"lookout/quant"
	"lookout/quant/gguf"
	"lookout/quant/safetensors"
	"lookout/runtime/model"
)

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object instead of tables")
	full := fs.Bool("full", false, "print whole arrays and strings instead of shortening them")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout inspect MODEL [--json] [--full]\n\nMODEL is a GGUF file, a .safetensors file or a Hugging Face folder of them.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want one MODEL argument, got %d (see lookout inspect -h)", errUsage, len(pos))
	}
	in, err := inspect(pos[0], *full)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(in)
	}
	return in.print(stdout)
}

// inspection is what inspect prints; its JSON form is the --json output.
type inspection struct {
	Path       string      `json:"path"`
	Format     string      `json:"format"` // "gguf" or "safetensors"
	Version    uint32      `json:"version,omitempty"`
	Alignment  int64       `json:"alignment,omitempty"`
	DataOffset int64       `json:"data_offset,omitempty"`
	FileBytes  int64       `json:"file_bytes"`
	Files      []string    `json:"files,omitempty"` // safetensors shards
	ShapeOrder string      `json:"shape_order"`     // "ggml" (row length first) or "pytorch"
	Metadata   []metaEntry `json:"metadata"`
	Tensors    []tensorRow `json:"tensors"`
	Totals     totals      `json:"totals"`
}

type metaEntry struct {
	Key       string `json:"key"`
	Type      string `json:"type"`
	Value     any    `json:"value"`
	Len       int    `json:"len,omitempty"`       // elements of an array, bytes of a string
	Truncated bool   `json:"truncated,omitempty"` // Value shows only the start
}

type tensorRow struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Shape     []int64 `json:"shape"`
	Elements  int64   `json:"elements"`
	Bytes     int64   `json:"bytes"`
	Offset    int64   `json:"offset"` // GGUF: from the data section; safetensors: in its file
	File      string  `json:"file,omitempty"`
	Supported bool    `json:"supported"` // Lookout can decode the type
}

type totals struct {
	Tensors  int         `json:"tensors"`
	Elements int64       `json:"elements"`
	Bytes    int64       `json:"bytes"`
	ByType   []typeTotal `json:"by_type"`
}

type typeTotal struct {
	Type    string `json:"type"`
	Tensors int    `json:"tensors"`
	Bytes   int64  `json:"bytes"`
}

// Shortened output keeps this many array elements and string bytes.
const (
	shortElems = 16
	shortBytes = 120
)

func inspect(path string, full bool) (*inspection, error) {
	path, err := model.Resolve(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return inspectSafetensors(path)
	}
	head := make([]byte, 4)
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	n, _ := io.ReadFull(fh, head)
	fh.Close()
	switch {
	case string(head[:n]) == gguf.Magic:
		return inspectGGUF(path, full)
	case strings.HasSuffix(path, ".safetensors"):
		return inspectSafetensors(path)
	}
	return nil, fmt.Errorf("%s: not a GGUF file (magic %q) nor a .safetensors file or folder", path, head[:n])
}

func inspectGGUF(path string, full bool) (*inspection, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	in := &inspection{Path: path, Format: "gguf", Version: f.Version, Alignment: f.Alignment,
		DataOffset: f.DataOffset, FileBytes: f.Size, ShapeOrder: "ggml"}
	for _, kv := range f.KV {
		in.Metadata = append(in.Metadata, metaOf(kv, full))
	}
	for _, t := range f.Tensors {
		in.Tensors = append(in.Tensors, tensorRow{Name: t.Name, Type: t.Type.String(), Shape: t.Dims,
			Elements: t.Elements(), Bytes: t.Size, Offset: t.Offset, Supported: quant.Formats[t.Type].Supported()})
	}
	in.total()
	return in, nil
}

func inspectSafetensors(path string) (*inspection, error) {
	d, err := safetensors.OpenPath(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	in := &inspection{Path: path, Format: "safetensors", ShapeOrder: "pytorch"}
	for _, f := range d.Files {
		in.Files = append(in.Files, f.Path)
		if st, err := os.Stat(f.Path); err == nil {
			in.FileBytes += st.Size()
		}
	}
	meta := d.Metadata()
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.Metadata = append(in.Metadata, metaEntry{Key: k, Type: "string", Value: meta[k]})
	}
	for _, t := range d.Tensors() {
		n, _ := quant.Elements(t.Shape)
		row := tensorRow{Name: t.Name, Type: strings.ToLower(t.DType), Shape: t.Shape, Elements: n,
			Bytes: t.Size, Offset: t.Offset, Supported: t.Supported}
		if len(d.Files) > 1 {
			row.File = t.File
		}
		in.Tensors = append(in.Tensors, row)
	}
	in.total()
	return in, nil
}

func (in *inspection) total() {
	by := map[string]*typeTotal{}
	in.Totals = totals{Tensors: len(in.Tensors), ByType: []typeTotal{}}
	for _, t := range in.Tensors {
		in.Totals.Elements += t.Elements
		in.Totals.Bytes += t.Bytes
		tt := by[t.Type]
		if tt == nil {
			tt = &typeTotal{Type: t.Type}
			by[t.Type] = tt
		}
		tt.Tensors++
		tt.Bytes += t.Bytes
	}
	for _, tt := range by {
		in.Totals.ByType = append(in.Totals.ByType, *tt)
	}
	sort.Slice(in.Totals.ByType, func(i, j int) bool { return in.Totals.ByType[i].Bytes > in.Totals.ByType[j].Bytes })
	if in.Metadata == nil {
		in.Metadata = []metaEntry{}
	}
	if in.Tensors == nil {
		in.Tensors = []tensorRow{}
	}
}

// metaOf converts a GGUF value to JSON-friendly form, shortening long
// arrays and strings unless full is set.
func metaOf(kv gguf.KV, full bool) metaEntry {
	e := metaEntry{Key: kv.Key, Type: kv.Value.Type.String()}
	e.Value, e.Len, e.Truncated = jsonValue(kv.Value, full)
	if a, ok := kv.Value.V.(gguf.Array); ok {
		e.Type = "[]" + a.Elem.String()
	}
	return e
}

func jsonValue(v gguf.Value, full bool) (any, int, bool) {
	switch x := v.V.(type) {
	case string:
		if !full && len(x) > shortBytes {
			cut := shortBytes
			for cut > 0 && x[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
				cut--
			}
			return x[:cut], len(x), true
		}
		return x, 0, false
	case float32:
		return jsonFloat(float64(x), 32), 0, false
	case float64:
		return jsonFloat(x, 64), 0, false
	case gguf.Array:
		n := x.Len()
		show := n
		if !full && n > shortElems {
			show = shortElems
		}
		out := make([]any, show)
		for i := range out {
			out[i], _, _ = jsonValue(x.Index(i), full)
		}
		return out, n, show < n
	}
	return v.V, 0, false
}

// jsonFloat prints the shortest decimal that reads back as the stored value
// (so a float32 1e-6 prints as 1e-06, not 9.99999997e-07), and keeps NaN and
// infinities, which JSON numbers cannot hold, as strings.
func jsonFloat(x float64, bits int) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	return json.Number(strconv.FormatFloat(x, 'g', -1, bits))
}

func (in *inspection) print(w io.Writer) error {
	switch in.Format {
	case "gguf":
		fmt.Fprintf(w, "%s: GGUF v%d, %s, alignment %d, data at byte %d\n", in.Path, in.Version, human(in.FileBytes), in.Alignment, in.DataOffset)
	default:
		fmt.Fprintf(w, "%s: safetensors, %d file(s), %s\n", in.Path, len(in.Files), human(in.FileBytes))
	}
	fmt.Fprintf(w, "\nmetadata (%d keys):\n", len(in.Metadata))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, m := range in.Metadata {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", m.Key, m.Type, textValue(m))
	}
	tw.Flush()

	order := "ggml order, row length first"
	if in.ShapeOrder == "pytorch" {
		order = "PyTorch order"
	}
	fmt.Fprintf(w, "\ntensors (%d; shapes in %s):\n", len(in.Tensors), order)
	rows := [][]string{{"name", "type", "shape", "bytes", "offset"}}
	for _, t := range in.Tensors {
		typ := t.Type
		if !t.Supported {
			typ += "*"
		}
		rows = append(rows, []string{t.Name, typ, shapeString(t.Shape), strconv.FormatInt(t.Bytes, 10), strconv.FormatInt(t.Offset, 10)})
	}
	printTable(w, rows, 3) // numbers from column 3 on are right-aligned
	fmt.Fprintf(w, "\ntotal: %d tensors, %d values (%s), %s of tensor data\n", in.Totals.Tensors, in.Totals.Elements, count(in.Totals.Elements), human(in.Totals.Bytes))
	for _, tt := range in.Totals.ByType {
		fmt.Fprintf(w, "  %-8s %5d tensors  %s\n", tt.Type, tt.Tensors, human(tt.Bytes))
	}
	for _, t := range in.Tensors {
		if !t.Supported {
			fmt.Fprintln(w, "* type Lookout cannot decode yet")
			break
		}
	}
	return nil
}

// printTable prints rows in columns, left-aligned before column right and
// right-aligned from it on.
func printTable(w io.Writer, rows [][]string, right int) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		b.WriteString(" ")
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			b.WriteString(" ")
			if i >= right {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func textValue(m metaEntry) string {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m.Value); err != nil {
		return fmt.Sprint(m.Value)
	}
	s := strings.TrimSuffix(buf.String(), "\n")
	if strings.HasPrefix(m.Type, "[]") {
		s = fmt.Sprintf("(%d) %s", m.Len, s)
	}
	if m.Truncated {
		if strings.HasPrefix(m.Type, "[]") {
			s = strings.TrimSuffix(s, "]") + ", …]"
		} else {
			s += fmt.Sprintf(" … (%d bytes)", m.Len)
		}
	}
	return s
}

func shapeString(dims []int64) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func count(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
