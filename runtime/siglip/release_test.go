package siglip

import (
	"path/filepath"
	"slices"
	"testing"

	"lookout/quant"
)

// TestReleaseText loads the tiny model (converted to Q8_0, written to a
// file so that it is mapped), encodes a text and an image, releases the
// text tower and encodes both again: the pages fault back in and the
// embeddings are bit-identical. ReleaseText on a model converted in memory
// from the HF folder (testdata/siglip2-tiny) does nothing and succeeds.
func TestReleaseText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny-q8_0.gguf")
	if err := convertWriter(t, quant.Q8_0).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.NewSession(nil)
	ids := make([]int32, m.Config.Text.Context)
	for i := range ids {
		ids[i] = int32(7 * (i + 1) % m.Config.Text.Vocab)
	}
	pix := readF32(t, "pixel_values_32.f32")[:3*32*32]
	text0, err := s.EncodeTokens(ids)
	if err != nil {
		t.Fatal(err)
	}
	img0, err := s.EncodeImage(pix)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 { // releasing twice is fine too
		if err := m.ReleaseText(); err != nil {
			t.Fatal(err)
		}
		text, err := s.EncodeTokens(ids)
		if err != nil {
			t.Fatal(err)
		}
		img, err := s.EncodeImage(pix)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(text, text0) || !slices.Equal(img, img0) {
			t.Errorf("round %d: embeddings changed after ReleaseText (text max diff %g, image %g)", round, maxAbs(text, text0), maxAbs(img, img0))
		}
	}

	hf, err := Load(tinyDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer hf.Close()
	if err := hf.ReleaseText(); err != nil {
		t.Errorf("ReleaseText on an in-memory model: %v", err)
	}

	m.Close()
	if err := m.ReleaseText(); err == nil {
		t.Error("ReleaseText after Close succeeded")
	}
}
