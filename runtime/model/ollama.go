package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// OllamaPrefix marks a model argument that names a model in the local ollama
// store instead of a file: "ollama:gemma3:1b".
const OllamaPrefix = "ollama:"

// Media types of the ollama manifest layers Lookout reads.
const (
	ollamaModelLayer     = "application/vnd.ollama.image.model"
	ollamaProjectorLayer = "application/vnd.ollama.image.projector"
)

// OllamaModel is what an ollama reference resolves to: the GGUF blob of the
// model and, for vision models pulled with one, the projector blob.
type OllamaModel struct {
	Manifest  string // the manifest file read
	Model     string // GGUF blob path
	Projector string // projector GGUF blob path, or "" when the model has none
}

// OllamaDir returns the ollama model store: $OLLAMA_MODELS when set, else
// ~/.ollama/models, else the Linux service install's
// /usr/share/ollama/.ollama/models when only that one exists.
func OllamaDir() string {
	if d := os.Getenv("OLLAMA_MODELS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	user := ""
	if err == nil {
		user = filepath.Join(home, ".ollama", "models")
		if st, err := os.Stat(user); err == nil && st.IsDir() {
			return user
		}
	}
	const service = "/usr/share/ollama/.ollama/models"
	if st, err := os.Stat(service); err == nil && st.IsDir() {
		return service
	}
	if user != "" {
		return user
	}
	return service
}

// ParseOllamaName splits an ollama model name into the manifest path parts
// ollama uses: [host/][namespace/]model[:tag], with host
// registry.ollama.ai, namespace library and tag latest by default.
func ParseOllamaName(name string) (host, namespace, model, tag string, err error) {
	host, namespace, tag = "registry.ollama.ai", "library", "latest"
	rest := name
	// A tag follows the last colon of the last path element, so that a
	// host with a port ("localhost:5000/ns/m") keeps its colon.
	slash := strings.LastIndexByte(rest, '/')
	if c := strings.LastIndexByte(rest, ':'); c > slash {
		rest, tag = rest[:c], rest[c+1:]
	}
	parts := strings.Split(rest, "/")
	switch len(parts) {
	case 1:
		model = parts[0]
	case 2:
		namespace, model = parts[0], parts[1]
	case 3:
		host, namespace, model = parts[0], parts[1], parts[2]
	default:
		return "", "", "", "", fmt.Errorf("ollama name %q: want [host/][namespace/]model[:tag]", name)
	}
	for _, p := range []struct{ what, v string }{{"host", host}, {"namespace", namespace}, {"model", model}, {"tag", tag}} {
		if p.v == "" || p.v == "." || p.v == ".." || strings.ContainsAny(p.v, `\`) {
			return "", "", "", "", fmt.Errorf("ollama name %q: bad %s %q", name, p.what, p.v)
		}
	}
	return host, namespace, model, tag, nil
}

// ResolveOllama finds the blobs of an ollama model name (without the
// "ollama:" prefix) in the store dir (OllamaDir() when dir is ""). It reads
// only the local files ollama pull wrote; nothing touches the network.
func ResolveOllama(dir, name string) (OllamaModel, error) {
	if dir == "" {
		dir = OllamaDir()
	}
	host, ns, m, tag, err := ParseOllamaName(name)
	if err != nil {
		return OllamaModel{}, fmt.Errorf("model: %w", err)
	}
	manifest := filepath.Join(dir, "manifests", host, ns, m, tag)
	data, err := os.ReadFile(manifest)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return OllamaModel{}, fmt.Errorf("model: ollama model %q is not in the store %s (no manifest %s; run `ollama pull %s` or set OLLAMA_MODELS)", name, dir, manifest, name)
		}
		return OllamaModel{}, fmt.Errorf("model: ollama model %q: %w", name, err)
	}
	var man struct {
		Layers []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
			Size      int64  `json:"size"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(data, &man); err != nil {
		return OllamaModel{}, fmt.Errorf("model: ollama manifest %s: %w", manifest, err)
	}
	res := OllamaModel{Manifest: manifest}
	for i, l := range man.Layers {
		var dst *string
		switch l.MediaType {
		case ollamaModelLayer:
			dst = &res.Model
		case ollamaProjectorLayer:
			dst = &res.Projector
		default:
			continue
		}
		if *dst != "" {
			return OllamaModel{}, fmt.Errorf("model: ollama manifest %s: layers[%d]: a second %s layer", manifest, i, l.MediaType)
		}
		p, err := ollamaBlob(dir, l.Digest)
		if err != nil {
			return OllamaModel{}, fmt.Errorf("model: ollama manifest %s: layers[%d] (%s): %w", manifest, i, l.MediaType, err)
		}
		*dst = p
	}
	if res.Model == "" {
		return OllamaModel{}, fmt.Errorf("model: ollama manifest %s has no %s layer (a safetensors-only or remote model?)", manifest, ollamaModelLayer)
	}
	return res, nil
}

// ollamaBlob maps a digest "sha256:HEX" to its blob file: blobs/sha256-HEX
// (current ollama) or blobs/sha256:HEX (before the colon was dropped for
// Windows).
func ollamaBlob(dir, digest string) (string, error) {
	algo, hex, ok := strings.Cut(digest, ":")
	if !ok || algo != "sha256" || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", fmt.Errorf("digest %q is not sha256:<64 hex digits>", digest)
	}
	var tried []string
	for _, name := range []string{"sha256-" + hex, "sha256:" + hex} {
		p := filepath.Join(dir, "blobs", name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("blob missing (looked for %s): the store is incomplete, run `ollama pull` again", strings.Join(tried, " and "))
}

// Resolve turns a model argument into a file path: "ollama:NAME[:TAG]" is
// looked up in the local ollama store, anything else is returned as it is.
func Resolve(arg string) (string, error) {
	name, ok := strings.CutPrefix(arg, OllamaPrefix)
	if !ok {
		return arg, nil
	}
	m, err := ResolveOllama("", name)
	if err != nil {
		return "", err
	}
	return m.Model, nil
}
