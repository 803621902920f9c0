package tokenizer

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
)

// TestAgreementGGUF checks the 34-string corpus against the ids llama.cpp's
// llama_tokenize(add_special=true, parse_special=true) gave on the same GGUF
// vocabulary.
func TestAgreementGGUF(t *testing.T) {
	tok := gemmaGGUF(t)
	pass := 0
	for i, c := range agreementCorpus(t) {
		got := tok.Encode(c.Text, EncodeOptions{AddSpecial: true, ParseSpecial: true})
		if !slices.Equal(got, c.LlamaCPP) {
			t.Errorf("#%d %q:\n got %v\nwant %v", i, c.Text, got, c.LlamaCPP)
			continue
		}
		pass++
	}
	t.Logf("GGUF vocabulary: %d/34 identical to llama.cpp", pass)
}

// TestAgreementHF checks the same corpus against transformers.js on the
// Gemma 3 tokenizer.json.
func TestAgreementHF(t *testing.T) {
	tok := sharedHF(t, "gemma3-262k.tokenizer.json.gz")
	pass := 0
	for i, c := range agreementCorpus(t) {
		got := tok.Encode(c.Text, EncodeOptions{AddSpecial: true, ParseSpecial: true})
		if !slices.Equal(got, c.HFJS) {
			t.Errorf("#%d %q:\n got %v\nwant %v", i, c.Text, got, c.HFJS)
			continue
		}
		pass++
	}
	t.Logf("tokenizer.json: %d/34 identical to transformers.js", pass)
}

// TestPrompts checks the prompts of the logits goldens: the text in
// prompts.json and the prompt_ids llama.cpp fed the model.
func TestPrompts(t *testing.T) {
	tok := gemmaGGUF(t)
	var prompts map[string]string
	readJSON(t, golden.Project(t, "gemma3-tiny/tokenizer/prompts.json"), &prompts)
	for _, name := range []string{"p1_short", "p2_paragraph", "p3_chat", "p4_multilingual"} {
		var g struct {
			PromptIDs    []int32  `json:"prompt_ids"`
			PromptText   string   `json:"prompt_text"`
			PromptPieces []string `json:"prompt_pieces"`
		}
		readJSON(t, golden.Project(t, filepath.Join("gemma3-tiny/tokenizer/f32ref", name+".json")), &g)
		if g.PromptText != prompts[name] {
			t.Fatalf("%s: prompts.json and the golden disagree on the text", name)
		}
		got := tok.Encode(prompts[name], EncodeOptions{AddSpecial: true, ParseSpecial: true})
		if !slices.Equal(got, g.PromptIDs) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, g.PromptIDs)
		}
		for i, id := range got {
			if i < len(g.PromptPieces) && tok.Token(id) != g.PromptPieces[i] {
				t.Errorf("%s: piece %d = %q, want %q", name, i, tok.Token(id), g.PromptPieces[i])
			}
		}
		// Round trip: the text comes back, with the control tokens shown.
		if back := tok.DecodeWith(got[1:], DecodeOptions{ShowSpecial: true}); back != prompts[name] {
			t.Errorf("%s: decode gives %q", name, back)
		}
	}
	// v1_image_chat is tokenized by mtmd around the image marker; the text
	// chunks of the vision goldens check that split.
	got := tok.Encode("<start_of_turn>user\n<start_of_image>", EncodeOptions{AddSpecial: true, ParseSpecial: true})
	if want := []int32{2, 105, 2364, 107, 255999}; !slices.Equal(got, want) {
		t.Errorf("image chat prefix: got %v want %v", got, want)
	}
	got = tok.Encode("<end_of_image>Describe this image.<end_of_turn>\n<start_of_turn>model\n", EncodeOptions{ParseSpecial: true})
	if want := []int32{256000, 82858, 672, 2471, 236761, 106, 107, 105, 4368, 107}; !slices.Equal(got, want) {
		t.Errorf("image chat suffix: got %v want %v", got, want)
	}
}

// TestRoundTrip decodes the corpus back to its text.
func TestRoundTrip(t *testing.T) {
	tok := gemmaGGUF(t)
	for i, c := range agreementCorpus(t) {
		// With special tokens parsed and shown, every corpus text comes back.
		got := tok.DecodeWith(c.LlamaCPP[1:], DecodeOptions{ShowSpecial: true})
		if got != c.Text {
			t.Errorf("#%d: decode(llama.cpp ids) = %q, want %q", i, got, c.Text)
		}
		// Without parse_special, control-token text is plain text and
		// still comes back.
		plain := tok.Encode(c.Text, EncodeOptions{})
		if got := tok.Decode(plain); got != c.Text {
			t.Errorf("#%d: decode(encode) = %q, want %q", i, got, c.Text)
		}
		if strings.Contains(c.Text, "<start_of_turn>") && slices.Contains(plain, 105) {
			t.Errorf("#%d: <start_of_turn> parsed as a control token without ParseSpecial", i)
		}
	}
}

// TestSigLIP checks the Gemma 256k tokenizer.json against the SigLIP 2
// processor goldens: no BOS, at most 63 ids, EOS, right-padded to 64.
func TestSigLIP(t *testing.T) {
	var g struct {
		MaxLength int   `json:"max_length"`
		PadID     int32 `json:"pad_id"`
		EOSID     int32 `json:"eos_id"`
		Prompts   []struct {
			Text       string  `json:"text"`
			InputIDs   []int32 `json:"input_ids"`
			Lowercased []int32 `json:"input_ids_lowercased"`
		} `json:"prompts"`
	}
	readJSON(t, golden.Project(t, "tokenizers/siglip2-tokenizer_goldens.json"), &g)
	tok := sharedHF(t, "gemma-256k.tokenizer.json.gz")
	if tok.EOS() != g.EOSID || tok.Pad() != g.PadID {
		t.Fatalf("eos %d pad %d, want %d %d", tok.EOS(), tok.Pad(), g.EOSID, g.PadID)
	}
	for i, p := range g.Prompts {
		got, err := tok.EncodeFixed(p.Text, g.MaxLength)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, p.InputIDs) {
			t.Errorf("#%d %q:\n got %v\nwant %v", i, p.Text, got, p.InputIDs)
		}
		// The lowercased variant (what SigLIP 2 was trained on) is the
		// caller lowercasing first, with JavaScript's toLowerCase mapping.
		low, _ := tok.EncodeFixed(Lowercase(p.Text), g.MaxLength)
		if !slices.Equal(low, p.Lowercased) {
			t.Errorf("#%d lowercased %q:\n got %v\nwant %v", i, p.Text, low, p.Lowercased)
		}
	}
	t.Logf("SigLIP 2: %d prompts checked", len(g.Prompts))
}
