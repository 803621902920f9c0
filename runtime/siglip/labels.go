package siglip

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// DefaultTemplate is the HF zero-shot pipeline's hypothesis template.
const DefaultTemplate = "This is a photo of {label}."

// LabelSet is the label-embedding cache of zero-shot classification: the
// prompts are encoded once and reused for every frame, so only the image
// tower runs per frame.
type LabelSet struct {
	Labels  []string    // as given
	Prompts []string    // the template filled with each label (before lowercasing)
	Embeds  [][]float32 // L2-normalised text embedding of each prompt
}

// EncodeLabels encodes one prompt per label, the template with "{label}"
// replaced by the label. An empty template means DefaultTemplate. It needs
// the tokenizer; labels must be non-empty and not blank.
func (s *Session) EncodeLabels(labels []string, template string) (*LabelSet, error) {
	if template == "" {
		template = DefaultTemplate
	}
	if !strings.Contains(template, "{label}") {
		return nil, fmt.Errorf("siglip: label template %q has no {label} placeholder", template)
	}
	if len(labels) == 0 {
		return nil, errors.New("siglip: no labels to classify with")
	}
	for i, l := range labels {
		if strings.TrimSpace(l) == "" {
			return nil, fmt.Errorf("siglip: label %d is empty", i)
		}
	}
	ls := &LabelSet{Labels: slices.Clone(labels)}
	for _, l := range labels {
		p := strings.ReplaceAll(template, "{label}", l)
		e, err := s.EncodeText(p)
		if err != nil {
			return nil, fmt.Errorf("siglip: label %q: %w", l, err)
		}
		ls.Prompts = append(ls.Prompts, p)
		ls.Embeds = append(ls.Embeds, Normalize(e))
	}
	return ls, nil
}

// Score is one label's zero-shot result.
type Score struct {
	Label string  `json:"label"`
	Score float32 `json:"score"` // sigmoid(Logit): independent per label, not a distribution
	Logit float32 `json:"logit"`
}

// Classify scores an image embedding (from EncodeImage) against every
// label, sorted by score, highest first (ties keep label order).
func (m *Model) Classify(ls *LabelSet, image []float32) []Score {
	img := Normalize(image)
	scale := float32(math.Exp(float64(m.Config.LogitScale)))
	out := make([]Score, len(ls.Labels))
	for i, t := range ls.Embeds {
		l := dot(img, t)*scale + m.Config.LogitBias
		out[i] = Score{Label: ls.Labels[i], Score: Sigmoid(l), Logit: l}
	}
	slices.SortStableFunc(out, func(a, b Score) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out
}

// Logit returns exp(LogitScale)·cos(image, text) + LogitBias, HF's
// logits_per_image entry; the inputs need not be normalised.
func (m *Model) Logit(image, text []float32) float32 {
	scale := float32(math.Exp(float64(m.Config.LogitScale)))
	return dot(Normalize(image), Normalize(text))*scale + m.Config.LogitBias
}

// Normalize returns v/‖v‖₂ as a new slice (zeros for a zero vector).
func Normalize(v []float32) []float32 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if ss == 0 {
		return out
	}
	inv := 1 / math.Sqrt(ss)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// Sigmoid returns 1/(1+e^−x).
func Sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// dot is a float64-accumulated dot product of two embeddings, which must
// have the same length (image and text embeddings of one model do: the
// config check makes Text.Projection equal Vision.Hidden).
func dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("siglip: embeddings of different lengths %d and %d (an image embedding is compared with a text embedding of the same model)", len(a), len(b)))
	}
	var s float64
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return float32(s)
}
