package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"lookout/device/frame"
	"lookout/kernels"
	"lookout/runtime/model"
	"lookout/runtime/siglip"
)

// siglipFlags are the flags classify and embed share.
type siglipFlags struct {
	model       string
	threads     int
	noLowercase bool
}

func (f *siglipFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.model, "model", "", "SigLIP model: a GGUF from `lookout convert`, or a Hugging Face folder (converted in memory to F32)")
	fs.IntVar(&f.threads, "threads", 0, "worker threads (0 = all CPUs)")
	fs.BoolVar(&f.noLowercase, "no-lowercase", false, "tokenize text as given (SigLIP 2 was trained on lowercased text, so it is lowercased by default)")
}

// load opens the model and a worker pool; the caller closes both.
func (f *siglipFlags) load() (*siglip.Model, *kernels.Pool, error) {
	if f.model == "" {
		return nil, nil, fmt.Errorf("%w: --model is required", errUsage)
	}
	if f.threads < 0 {
		return nil, nil, fmt.Errorf("%w: --threads %d is negative", errUsage, f.threads)
	}
	path, err := model.Resolve(f.model)
	if err != nil {
		return nil, nil, err
	}
	m, err := siglip.Load(path)
	if err != nil {
		return nil, nil, err
	}
	if f.noLowercase {
		m.Config.Lowercase = false
	}
	return m, kernels.NewPool(f.threads), nil
}

// imageEmbedding loads, preprocesses and encodes one image file.
func imageEmbedding(m *siglip.Model, s *siglip.Session, path string) ([]float32, error) {
	img, err := frame.Load(path)
	if err != nil {
		return nil, err
	}
	px, err := m.Pixels(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s.EncodeImage(px)
}

// splitLabels splits a comma-separated --labels value; blank entries are
// an error rather than a silent empty label.
func splitLabels(s string) ([]string, error) {
	var out []string
	for i, l := range strings.Split(s, ",") {
		l = strings.TrimSpace(l)
		if l == "" {
			return nil, fmt.Errorf("label %d is empty", i+1)
		}
		out = append(out, l)
	}
	return out, nil
}

// readLabelsFile reads one label per line; blank lines and lines starting
// with # are skipped, so labels may contain commas.
func readLabelsFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labels", path)
	}
	return out, nil
}

// classifyResult is one line of `classify` output for several images.
type classifyResult struct {
	Image  string         `json:"image"`
	Scores []siglip.Score `json:"scores"`
}

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	var sf siglipFlags
	sf.register(fs)
	labelsFlag := fs.String("labels", "", "comma-separated labels, e.g. \"a person,an empty room,a cat\"")
	labelsFile := fs.String("labels-file", "", "file with one label per line (instead of --labels)")
	template := fs.String("template", siglip.DefaultTemplate, "prompt each label is put into; must contain {label}")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout classify --model M (--labels \"a,b,...\" | --labels-file F) [--template T] IMAGE...\n\nZero-shot classification with SigLIP: prints, for one image, a JSON array of\n{\"label\",\"score\",\"logit\"} sorted by score (score = sigmoid(logit), per label,\nnot summing to 1); for several images, one JSON object per line:\n{\"image\":PATH,\"scores\":[...]}. Labels are encoded once and reused for every image.")
		fs.PrintDefaults()
	}
	images, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(images) == 0 {
		return fmt.Errorf("%w: want at least one IMAGE", errUsage)
	}
	var labels []string
	switch {
	case *labelsFlag != "" && *labelsFile != "":
		return fmt.Errorf("%w: give --labels or --labels-file, not both", errUsage)
	case *labelsFile != "":
		if labels, err = readLabelsFile(*labelsFile); err != nil {
			return fmt.Errorf("--labels-file: %w", err)
		}
	case *labelsFlag != "":
		if labels, err = splitLabels(*labelsFlag); err != nil {
			return fmt.Errorf("%w: --labels: %v", errUsage, err)
		}
	default:
		return fmt.Errorf("%w: --labels or --labels-file is required", errUsage)
	}
	if !strings.Contains(*template, "{label}") {
		return fmt.Errorf("%w: --template %q has no {label}", errUsage, *template)
	}
	m, pool, err := sf.load()
	if err != nil {
		return err
	}
	defer m.Close()
	defer pool.Close()
	s := m.NewSession(pool)
	set, err := s.EncodeLabels(labels, *template)
	if err != nil {
		return err
	}
	// The labels are encoded once; from here on only the image tower runs.
	// Drop the text tower's pages (90 MB for ViT-B/16 Q8_0) and the
	// tokenizer's tables (14 MB of heap for the 256k vocabulary) and hand
	// the freed heap back to the OS, so that the image tower's pages do not
	// add to them (issue 5: classification with cached labels in 200 MB).
	if err := m.ReleaseText(); err != nil {
		return err
	}
	m.Tokenizer = nil
	debug.FreeOSMemory()
	enc := json.NewEncoder(stdout)
	for _, path := range images {
		emb, err := imageEmbedding(m, s, path)
		if err != nil {
			return err
		}
		scores := m.Classify(set, emb)
		if len(images) == 1 {
			return enc.Encode(scores)
		}
		if err := enc.Encode(classifyResult{Image: path, Scores: scores}); err != nil {
			return err
		}
	}
	return nil
}

// embedResult is what `embed --json` prints.
type embedResult struct {
	Input      string    `json:"input"` // "image", "text" or "tokens"
	Tokens     []int32   `json:"tokens,omitempty"`
	Dim        int       `json:"dim"`
	Embedding  []float32 `json:"embedding"`  // pooled, as HF get_image_features / get_text_features
	Normalized []float32 `json:"normalized"` // L2-normalised, what scores use
}

func runEmbed(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	var sf siglipFlags
	sf.register(fs)
	image := fs.String("image", "", "image file to embed (PNG, JPEG, GIF)")
	text := fs.String("text", "", "text to embed (tokenized as SigLIP 2 does: no <bos>, <eos>, padded to the context)")
	tokens := fs.String("tokens", "", "comma-separated token ids to embed as given, padded with <pad> to the context (no <eos> added)")
	padID := fs.Int("pad-id", -1, "id that pads --tokens (default: the model's <pad>, or 0, Gemma's <pad>, when the file has no tokenizer)")
	asJSON := fs.Bool("json", false, "print a JSON object (embedding and its L2-normalised form) instead of one line of numbers")
	normalize := fs.Bool("normalize", false, "print the L2-normalised embedding (plain output only)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout embed --model M (--image I | --text T | --tokens 7,300,41) [--json] [--normalize]\n\nPrints the pooled SigLIP embedding of one image or text (HF get_image_features /\nget_text_features), as one line of numbers or as JSON.")
		fs.PrintDefaults()
	}
	if err := parseNoArgs(fs, args, stderr); err != nil {
		return err
	}
	n := 0
	for _, v := range []string{*image, *text, *tokens} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: give exactly one of --image, --text and --tokens", errUsage)
	}
	m, pool, err := sf.load()
	if err != nil {
		return err
	}
	defer m.Close()
	defer pool.Close()
	s := m.NewSession(pool)
	r := embedResult{}
	switch {
	case *image != "":
		r.Input = "image"
		r.Embedding, err = imageEmbedding(m, s, *image)
	case *text != "":
		r.Input = "text"
		r.Embedding, err = s.EncodeText(*text)
	default:
		r.Input = "tokens"
		var ids []int32
		if ids, err = parseIDs(*tokens, m.Config.Text.Vocab); err != nil {
			return fmt.Errorf("%w: --tokens: %v", errUsage, err)
		}
		ctx := m.Config.Text.Context
		if len(ids) > ctx {
			return fmt.Errorf("%w: --tokens: %d ids, the text tower takes at most %d", errUsage, len(ids), ctx)
		}
		pad := int32(*padID)
		if pad < 0 {
			pad = m.Config.PadID
		}
		if pad < 0 {
			pad = 0
			if len(ids) < ctx {
				fmt.Fprintf(stderr, "lookout: %s has no tokenizer to name <pad>; padding with 0 (Gemma's <pad>; see --pad-id)\n", sf.model)
			}
		}
		if int(pad) >= m.Config.Text.Vocab {
			return fmt.Errorf("%w: --pad-id %d is outside the vocabulary [0,%d)", errUsage, pad, m.Config.Text.Vocab)
		}
		for len(ids) < ctx {
			ids = append(ids, pad)
		}
		r.Tokens = ids
		r.Embedding, err = s.EncodeTokens(ids)
	}
	if err != nil {
		return err
	}
	r.Dim = len(r.Embedding)
	r.Normalized = siglip.Normalize(r.Embedding)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	v := r.Embedding
	if *normalize {
		v = r.Normalized
	}
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	_, err = fmt.Fprintln(stdout, b.String())
	return err
}
