// Package chat renders conversations in the Gemma 3 chat format and names
// the tokens that end a model turn.
//
// The format is the chat template Gemma 3 ships in tokenizer_config.json
// (and GGUF files carry as tokenizer.chat_template), written as code rather
// than run by a Jinja engine:
//
//	<start_of_turn>user
//	{system text}\n\n{user text}<end_of_turn>
//	<start_of_turn>model
//	{model text}<end_of_turn>
//	<start_of_turn>model
//
// Gemma has no system role: the template puts the system text, followed by
// a blank line, in front of the first user message. Message text is trimmed
// of surrounding whitespace (the template's "| trim"); the system text is
// not. The template starts with "{{ bos_token }}", but the rendered text
// here does not: BOS comes from the tokenizer (add_bos), exactly once, so
// encode the result with tokenizer.EncodeOptions{AddSpecial: true,
// ParseSpecial: true}.
package chat

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Role says who wrote a message.
type Role string

// Roles. Assistant is the OpenAI/HF name of the model's role; both render
// as "model".
const (
	System    Role = "system"
	User      Role = "user"
	Model     Role = "model"
	Assistant Role = "assistant"
)

// Special-token texts of the Gemma 3 format.
const (
	StartOfTurn  = "<start_of_turn>"
	EndOfTurn    = "<end_of_turn>"
	EOS          = "<eos>"
	StartOfImage = "<start_of_image>" // where an image goes in a user turn
)

// Part is one item of a message whose content is a list, as in the HF
// template: text, or an image rendered as StartOfImage (the runtime then
// splices the image embeddings in after that token).
type Part struct {
	Image bool
	Text  string
}

// Message is one turn of a conversation. Content is the text; when Parts
// is not empty it is used instead (text and images in order, each text
// trimmed, nothing between them).
type Message struct {
	Role    Role
	Content string
	Parts   []Part
}

// ErrConversation is wrapped by every error about the shape of a
// conversation.
var ErrConversation = errors.New("chat: invalid conversation")

// Prompt renders msgs and appends the generation prompt
// "<start_of_turn>model\n", which is what a model continues from.
func Prompt(msgs []Message) (string, error) { return Render(msgs, true) }

// Render renders msgs as the Gemma 3 template does, with or without the
// generation prompt at the end.
//
// It is stricter than the template in two ways, both cases where the
// template silently renders something a Gemma model never saw in training:
// a system message is only accepted first (the template would render
// "<start_of_turn>system" at an odd position), and a system message must
// be followed by a user message (the template would drop it). Roles must
// alternate user, model, user, ... (the template's own rule); errors name
// the index of the offending message in msgs.
func Render(msgs []Message, addGenerationPrompt bool) (string, error) {
	if len(msgs) == 0 {
		return "", fmt.Errorf("%w: no messages", ErrConversation)
	}
	prefix := ""
	first := 0
	if msgs[0].Role == System {
		if len(msgs[0].Parts) > 0 {
			// The template reads content[0]['text'], untrimmed.
			if msgs[0].Parts[0].Image {
				return "", fmt.Errorf("%w: message 0: the system message must start with text", ErrConversation)
			}
			prefix = msgs[0].Parts[0].Text + "\n\n"
		} else {
			prefix = msgs[0].Content + "\n\n"
		}
		first = 1
		if len(msgs) == 1 {
			return "", fmt.Errorf("%w: message 0: a system message needs a user message after it", ErrConversation)
		}
	}
	var b strings.Builder
	for i := first; i < len(msgs); i++ {
		m := msgs[i]
		var role string
		switch m.Role {
		case User:
			role = "user"
		case Model, Assistant:
			role = "model"
		case System:
			return "", fmt.Errorf("%w: message %d: a system message must be the first message", ErrConversation, i)
		default:
			return "", fmt.Errorf("%w: message %d: unknown role %q (want system, user, model or assistant)", ErrConversation, i, m.Role)
		}
		if want := [2]string{"user", "model"}[(i-first)%2]; role != want {
			return "", fmt.Errorf("%w: message %d: role %q where %s was expected: roles must alternate user/model/user/... after an optional system message", ErrConversation, i, m.Role, want)
		}
		b.WriteString(StartOfTurn)
		b.WriteString(role)
		b.WriteByte('\n')
		if i == first {
			b.WriteString(prefix)
		}
		if len(m.Parts) > 0 {
			for _, p := range m.Parts {
				if p.Image {
					b.WriteString(StartOfImage)
				} else {
					b.WriteString(trim(p.Text))
				}
			}
		} else {
			b.WriteString(trim(m.Content))
		}
		b.WriteString(EndOfTurn)
		b.WriteByte('\n')
	}
	if addGenerationPrompt {
		b.WriteString(StartOfTurn + "model\n")
	}
	return b.String(), nil
}

// trim is Jinja's trim filter, Python's str.strip(): it removes the
// characters Python calls whitespace, which are Go's unicode.IsSpace plus
// the information separators U+001C..U+001F.
func trim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
	})
}

// Vocab looks up a token by its text; *tokenizer.Tokenizer implements it.
type Vocab interface {
	TokenID(text string) (int32, bool)
}

// StopTokens returns the ids that end a model turn: <end_of_turn> and
// <eos>. llama.cpp stops on both (its end-of-generation set is matched by
// token text), and so must a runtime that wants the same output: Gemma 3
// GGUFs disagree on which of the two is eos_token_id (106 or 1).
func StopTokens(v Vocab) ([]int32, error) {
	var ids []int32
	for _, text := range []string{EndOfTurn, EOS} {
		id, ok := v.TokenID(text)
		if !ok {
			return nil, fmt.Errorf("chat: the vocabulary has no %s token: not a Gemma vocabulary", text)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
