package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lookout/internal/golden"
)

const q4Model = "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"

// p1Golden reads testdata/gemma3-tiny/text/q4_0/default/p1_short.json, the
// llama.cpp golden for the Q4_0 model (flash attention, F16 KV cache: the
// CLI's defaults).
func p1Golden(t *testing.T) (g struct {
	PromptText string         `json:"prompt_text"`
	PromptIDs  []int32        `json:"prompt_ids"`
	TopK       [][][2]float64 `json:"topk"`
	GreedyIDs  []int32        `json:"greedy_ids"`
}) {
	t.Helper()
	raw, err := os.ReadFile(golden.Project(t, "gemma3-tiny/text/q4_0/default/p1_short.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestLogitsCLI(t *testing.T) {
	model := golden.Project(t, q4Model)
	g := p1Golden(t)
	dump := filepath.Join(t.TempDir(), "last.f32")
	rc, out, stderr := runCLI("logits", "--model", model, "--prompt", g.PromptText, "--top", "20", "--dump-last", dump, "--threads", "1")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(g.PromptIDs) {
		t.Fatalf("%d lines, want %d", len(lines), len(g.PromptIDs))
	}
	for i, l := range lines {
		var row struct {
			Pos   int          `json:"pos"`
			Token int32        `json:"token"`
			Top   [][2]float64 `json:"top"`
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
		if row.Pos != i || row.Token != g.PromptIDs[i] || len(row.Top) != 20 {
			t.Fatalf("line %d: pos %d token %d, %d entries", i, row.Pos, row.Token, len(row.Top))
		}
		for j, e := range row.Top {
			w := g.TopK[i][j]
			// Same ids in the same order; logits within 1e-5 (this prompt
			// matches llama.cpp to the last bit or two, see runtime/gemma3).
			if e[0] != w[0] || math.Abs(e[1]-w[1]) > 1e-5 {
				t.Errorf("pos %d entry %d: %v, want %v", i, j, e, w)
			}
		}
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4*262144 {
		t.Fatalf("dump has %d bytes", len(b))
	}
	best := g.TopK[len(g.TopK)-1][0]
	if v := math.Float32frombits(binary.LittleEndian.Uint32(b[4*int(best[0]):])); math.Abs(float64(v)-best[1]) > 1e-5 {
		t.Errorf("dumped logit of %v is %v", best, v)
	}

	// The same through --tokens.
	ids := make([]string, len(g.PromptIDs))
	for i, id := range g.PromptIDs {
		ids[i] = strconv.Itoa(int(id))
	}
	rc, out2, stderr := runCLI("logits", "--model", model, "--tokens", strings.Join(ids, ","), "--threads", "1")
	if rc != 0 || out2 != out {
		t.Errorf("--tokens: exit %d (%s), output differs from --prompt's", rc, stderr)
	}
}

func TestGemmaCLIErrors(t *testing.T) {
	model := golden.Project(t, q4Model)
	for _, tc := range []struct {
		name string
		args []string
		rc   int
		want string
	}{
		{"no model", []string{"logits", "--prompt", "x"}, 2, "--model is required"},
		{"prompt and tokens", []string{"logits", "--model", model, "--prompt", "x", "--tokens", "2"}, 2, "exactly one"},
		{"bad token", []string{"logits", "--model", model, "--tokens", "2,999999"}, 2, "out of range"},
		{"bad kv", []string{"generate", "--model", model, "--prompt", "x", "--kv", "q8"}, 2, "f16, f32 or q8_0"},
		{"missing file", []string{"generate", "--model", "/no/such.gguf", "--prompt", "x"}, 1, "/no/such.gguf"},
		{"wrong architecture", []string{"logits", "--model", golden.Project(t, "gemma3-tiny/models/mmproj-gemma3-tiny-f16.gguf"), "--prompt", "x"}, 1, `"general.architecture" is "clip"`},
		{"prompt longer than context", []string{"logits", "--model", model, "--ctx", "4", "--prompt", "The capital of France is"}, 1, "context length 4"},
		{"tokenize without text", []string{"tokenize", "--model", model}, 2, "TEXT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc, _, stderr := runCLI(tc.args...)
			if rc != tc.rc || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", rc, stderr, tc.rc, tc.want)
			}
		})
	}
}
