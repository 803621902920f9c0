package model

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/runtime/gemma3"
)

func TestParseOllamaName(t *testing.T) {
	for _, tc := range []struct {
		in                   string
		host, ns, model, tag string
		err                  string
	}{
		{in: "gemma3", host: "registry.ollama.ai", ns: "library", model: "gemma3", tag: "latest"},
		{in: "gemma3:1b", host: "registry.ollama.ai", ns: "library", model: "gemma3", tag: "1b"},
		{in: "me/mine:q4", host: "registry.ollama.ai", ns: "me", model: "mine", tag: "q4"},
		{in: "localhost:5000/me/mine", host: "localhost:5000", ns: "me", model: "mine", tag: "latest"},
		{in: "hf.co/org/repo:Q4_0", host: "hf.co", ns: "org", model: "repo", tag: "Q4_0"},
		{in: "", err: "bad model"},
		{in: "gemma3:", err: "bad tag"},
		{in: "../x", err: `bad namespace ".."`},
		{in: "a/b/c/d", err: "want [host/]"},
	} {
		h, n, m, tag, err := ParseOllamaName(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || h != tc.host || n != tc.ns || m != tc.model || tag != tc.tag {
			t.Errorf("%q: got %q %q %q %q %v", tc.in, h, n, m, tag, err)
		}
	}
}

// store writes a fake ollama store holding the tiny Q4_0 model (golden file
// testdata/gemma3-tiny/models/gemma3-tiny-q4_0.gguf) as gemma3:tiny, the way
// ollama pull lays it out.
func store(t *testing.T, blobName string) (dir, digest string) {
	t.Helper()
	dir = t.TempDir()
	src, err := os.ReadFile(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	digest = strings.Repeat("ab", 32)
	mustWrite(t, filepath.Join(dir, "blobs", blobName+digest), src)
	mustWrite(t, filepath.Join(dir, "manifests/registry.ollama.ai/library/gemma3/tiny"), []byte(`{
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": "sha256:`+strings.Repeat("cd", 32)+`", "size": 10},
  "layers": [
    {"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:`+digest+`", "size": `+itoa(len(src))+`},
    {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:`+strings.Repeat("ef", 32)+`", "size": 10}
  ]
}`))
	return dir, digest
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOllamaLoad(t *testing.T) {
	for _, blob := range []string{"sha256-", "sha256:"} {
		dir, digest := store(t, blob)
		t.Setenv("OLLAMA_MODELS", dir)
		m, err := Load("ollama:gemma3:tiny", gemma3.Options{Threads: 1})
		if err != nil {
			t.Fatalf("blob name %s: %v", blob, err)
		}
		if want := filepath.Join(dir, "blobs", blob+digest); m.Path() != want || m.Config.NLayer != 6 {
			t.Errorf("loaded %s (%d layers), want %s", m.Path(), m.Config.NLayer, want)
		}
		m.Close()
	}
}

func TestOllamaErrors(t *testing.T) {
	dir, digest := store(t, "sha256-")
	t.Setenv("OLLAMA_MODELS", dir)
	manifest := filepath.Join(dir, "manifests/registry.ollama.ai/library/gemma3/tiny")
	for _, tc := range []struct {
		name     string
		manifest string // replaces the manifest when not empty
		ref      string
		want     string
	}{
		{name: "no such model", ref: "ollama:gemma3:27b", want: "not in the store"},
		{name: "bad name", ref: "ollama:a/b/c/d", want: "want [host/]"},
		{name: "bad json", manifest: "{", ref: "ollama:gemma3:tiny", want: manifest},
		{name: "no model layer", manifest: `{"layers":[]}`, ref: "ollama:gemma3:tiny", want: "no application/vnd.ollama.image.model layer"},
		{name: "bad digest", manifest: `{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"md5:00"}]}`, ref: "ollama:gemma3:tiny", want: `digest "md5:00"`},
		{name: "missing blob", manifest: `{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:` + strings.Repeat("00", 32) + `"}]}`, ref: "ollama:gemma3:tiny", want: "blob missing"},
		{name: "two models", manifest: `{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:` + digest + `"},{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:` + digest + `"}]}`, ref: "ollama:gemma3:tiny", want: "a second"},
	} {
		if tc.manifest != "" {
			mustWrite(t, manifest, []byte(tc.manifest))
		}
		_, err := Load(tc.ref, gemma3.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadFolder(t *testing.T) {
	_, err := Load(t.TempDir(), gemma3.Options{})
	if err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("error %v, want a folder hint", err)
	}
}
