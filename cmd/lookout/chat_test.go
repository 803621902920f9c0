package main

import (
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/runtime/chat"
)

// runChatCLI runs `lookout chat` with input as stdin.
func runChatCLI(t *testing.T, input string, args ...string) (string, string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(input)
	defer func() { stdin = old }()
	rc, out, stderr := runCLI(append([]string{"chat"}, args...)...)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	return out, stderr
}

// TestChatKVReuse checks that the second turn, evaluated on top of the
// first turn's KV cache, gives the same greedy reply as generating from the
// whole rendered two-turn conversation from scratch. With this model and
// these messages the first reply re-tokenizes to the same ids, so the cache
// is really reused (no "re-reading" on stderr).
func TestChatKVReuse(t *testing.T) {
	model := golden.Project(t, q4Model)
	const u1, u2 = "你好", "What is the capital of France?"
	args := []string{"--model", model, "-n", "3", "--temp", "0", "--threads", "2"}
	one, _ := runChatCLI(t, u1+"\n", args...)
	reply1 := strings.TrimSuffix(one, "\n")
	if reply1 == one || reply1 == "" {
		t.Fatalf("first reply %q", one)
	}
	two, stderr := runChatCLI(t, u1+"\n\n"+u2+"\n", args...) // the blank line is skipped
	if strings.Contains(stderr, "re-reading") {
		t.Errorf("the cache was not reused: %s", stderr)
	}
	reply2, ok := strings.CutPrefix(two, reply1+"\n")
	if !ok {
		t.Fatalf("two-turn output %q does not start with the one-turn reply %q", two, reply1)
	}
	prompt, err := chat.Prompt([]chat.Message{{Role: chat.User, Content: u1}, {Role: chat.Model, Content: reply1}, {Role: chat.User, Content: u2}})
	if err != nil {
		t.Fatal(err)
	}
	rc, want, stderr := runCLI("generate", "--model", model, "--prompt", prompt, "-n", "3", "--temp", "0", "--threads", "2")
	if rc != 0 {
		t.Fatalf("generate: exit %d: %s", rc, stderr)
	}
	if reply2 != want {
		t.Errorf("second reply %q, from scratch %q", reply2, want)
	}
}

// TestChatOverflow fills a small context: the oldest turns are dropped (and
// said so on stderr), the chat goes on, and a message that cannot fit is
// refused without ending the chat.
func TestChatOverflow(t *testing.T) {
	model := golden.Project(t, q4Model)
	in := strings.Repeat("Tell me more about the weather today\n", 4) + strings.Repeat("word ", 100) + "\nbye\n"
	out, stderr := runChatCLI(t, in, "--model", model, "-n", "8", "--ctx", "48", "--system", "Be brief.")
	if !strings.Contains(stderr, "dropped") {
		t.Errorf("no turn dropped: %s", stderr)
	}
	if !strings.Contains(stderr, "does not fit") {
		t.Errorf("long message not refused: %s", stderr)
	}
	if got := strings.Count(out, "\n"); got < 5 {
		t.Errorf("%d replies, want 5: %q", got, out)
	}
}

func TestChatUsage(t *testing.T) {
	for _, args := range [][]string{
		{"chat"},
		{"chat", "--model", "x.gguf", "-n", "0"},
		{"chat", "--model", "x.gguf", "extra"},
		{"chat", "--bogus"},
	} {
		if rc, _, _ := runCLI(args...); rc != 2 {
			t.Errorf("%q: exit %d, want 2", args, rc)
		}
	}
	if rc, _, _ := runCLI("chat", "--model", "/nonexistent.gguf"); rc != 1 {
		t.Errorf("missing model: exit %d, want 1", rc)
	}
}
