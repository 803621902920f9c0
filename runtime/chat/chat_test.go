package chat

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant/gguf"
	"lookout/runtime/tokenizer"
)

// templateSHA256 is the hash of the Gemma 3 chat template that Render was
// written from (tokenizer_config.json of the real tokenizer, the same text
// the test GGUF carries). If a file ever carries a different template, the
// test below fails and the new template must be read again.
const templateSHA256 = "7de1c58e208eda46e9c7f86397df37ec49883aeece39fb961e0a6b24088dd3c4"

func tinyModel(t *testing.T) *gguf.File {
	t.Helper()
	f, err := gguf.Open(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestTemplateIsTheOneRead pins the template text: the GGUF's
// tokenizer.chat_template equals tokenizer_config.json's chat_template and
// has the hash Render was checked against.
func TestTemplateIsTheOneRead(t *testing.T) {
	fromGGUF, err := tinyModel(t).String(tokenizer.KeyChatTemplate)
	if err != nil {
		t.Fatal(err)
	}
	zf, err := os.Open(golden.Project(t, "tokenizers/gemma3-262k.tokenizer_config.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer zf.Close()
	zr, err := gzip.NewReader(zf)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ChatTemplate string `json:"chat_template"`
	}
	if err := json.NewDecoder(zr).Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if fromGGUF != cfg.ChatTemplate {
		t.Fatalf("GGUF template differs from tokenizer_config.json's:\n%s", fromGGUF)
	}
	sum := sha256.Sum256([]byte(fromGGUF))
	if got := hex.EncodeToString(sum[:]); got != templateSHA256 {
		t.Fatalf("template hash %s, Render was written for %s: read the new template:\n%s", got, templateSHA256, fromGGUF)
	}
	// The fragments Render reproduces, as they appear in the template.
	for _, frag := range []string{
		"{{ bos_token }}",
		"set first_user_prefix = messages[0]['content'] + '\n\n'",
		"(message['role'] == 'user') != (loop.index0 % 2 == 0)",
		`{%- set role = "model" -%}`,
		"{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}",
		"{{ message['content'] | trim }}",
		"{{ '<start_of_image>' }}",
		"{{ item['text'] | trim }}",
		"{{ '<end_of_turn>\n' }}",
		"{{'<start_of_turn>model\n'}}",
	} {
		if !strings.Contains(fromGGUF, frag) {
			t.Errorf("template lacks %q", frag)
		}
	}
}

// TestRender compares against conversations rendered by hand from the
// template (and cross-checked with Python jinja2 3.1 configured as HF's
// apply_chat_template configures it, minus the leading <bos>).
func TestRender(t *testing.T) {
	for _, c := range []struct {
		name string
		msgs []Message
		gen  bool
		want string
	}{
		{"one user turn", []Message{{Role: User, Content: "Write a haiku about autumn leaves."}}, true,
			"<start_of_turn>user\nWrite a haiku about autumn leaves.<end_of_turn>\n<start_of_turn>model\n"},
		{"system folded into first user turn, content trimmed", []Message{
			{Role: System, Content: "You are a helpful assistant."},
			{Role: User, Content: "  Hi there!\n"},
			{Role: Assistant, Content: "Hello! How can I help?  "},
			{Role: User, Content: "Tell me a joke."},
		}, true, "<start_of_turn>user\nYou are a helpful assistant.\n\nHi there!<end_of_turn>\n" +
			"<start_of_turn>model\nHello! How can I help?<end_of_turn>\n" +
			"<start_of_turn>user\nTell me a joke.<end_of_turn>\n<start_of_turn>model\n"},
		{"no generation prompt", []Message{{Role: User, Content: "Hi"}, {Role: Model, Content: "Hello."}}, false,
			"<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"},
		{"system text is not trimmed", []Message{{Role: System, Content: "Be brief.  \n"}, {Role: User, Content: "What is 2+2?"}}, true,
			"<start_of_turn>user\nBe brief.  \n\n\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n"},
		{"image part", []Message{{Role: User, Parts: []Part{{Image: true}, {Text: "  Describe this image. "}}}}, true,
			"<start_of_turn>user\n<start_of_image>Describe this image.<end_of_turn>\n<start_of_turn>model\n"},
		{"parts everywhere", []Message{
			{Role: System, Parts: []Part{{Text: "Sys "}}},
			{Role: User, Parts: []Part{{Text: "a"}, {Image: true}, {Text: " b "}}},
		}, false, "<start_of_turn>user\nSys \n\na<start_of_image>b<end_of_turn>\n"},
		{"python whitespace", []Message{{Role: User, Content: "\u3000hello\x1c\t"}}, true,
			"<start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n"},
	} {
		got, err := Render(c.msgs, c.gen)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		msgs []Message
		want string
	}{
		{"empty", nil, "no messages"},
		{"two users", []Message{{Role: User}, {Role: User}}, "message 1"},
		{"model first", []Message{{Role: Assistant}}, "message 0"},
		{"after system", []Message{{Role: System}, {Role: Model}}, "message 1"},
		{"late system", []Message{{Role: User}, {Role: System}}, "message 1"},
		{"system alone", []Message{{Role: System, Content: "x"}}, "message 0"},
		{"unknown role", []Message{{Role: User}, {Role: "tool"}}, `message 1: unknown role "tool"`},
		{"system image", []Message{{Role: System, Parts: []Part{{Image: true}}}, {Role: User}}, "message 0"},
	} {
		_, err := Render(c.msgs, true)
		if err == nil || !errors.Is(err, ErrConversation) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// TestPromptGolden renders p3_chat and tokenizes it: the text and the ids
// are those of the llama.cpp goldens (BOS from add_bos, not from the text).
func TestPromptGolden(t *testing.T) {
	var prompts map[string]string
	data, err := os.ReadFile(golden.Project(t, "gemma3-tiny/tokenizer/prompts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &prompts); err != nil {
		t.Fatal(err)
	}
	text, err := Prompt([]Message{{Role: User, Content: "Write a haiku about autumn leaves."}})
	if err != nil {
		t.Fatal(err)
	}
	if text != prompts["p3_chat"] {
		t.Fatalf("rendered %q, golden %q", text, prompts["p3_chat"])
	}
	tok, err := tokenizer.FromGGUF(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		PromptIDs []int32 `json:"prompt_ids"`
	}
	data, err = os.ReadFile(golden.Project(t, "gemma3-tiny/tokenizer/f32ref/p3_chat.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode(text, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
	if !slices.Equal(ids, g.PromptIDs) {
		t.Errorf("ids %v, want %v", ids, g.PromptIDs)
	}

	stop, err := StopTokens(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stop, []int32{106, 1}) {
		t.Errorf("stop tokens %v, want [106 1]", stop)
	}
}

type mapVocab map[string]int32

func (m mapVocab) TokenID(s string) (int32, bool) { id, ok := m[s]; return id, ok }

func TestStopTokensMissing(t *testing.T) {
	if _, err := StopTokens(mapVocab{"<eos>": 1}); err == nil || !strings.Contains(err.Error(), EndOfTurn) {
		t.Errorf("error %v, want one naming %s", err, EndOfTurn)
	}
}
