// Package tokenizer turns text into token ids and back for SentencePiece-style
// BPE vocabularies: Gemma 3 (262k) read from GGUF metadata, and the Gemma and
// Gemma 3 Hugging Face tokenizer.json files (the Gemma 256k one is SigLIP 2's
// text vocabulary).
//
// # Encoding
//
// A vocabulary from a GGUF file (FromGGUF) encodes exactly as llama.cpp's SPM
// tokenizer does (llama_tokenize in src/llama-vocab.cpp), because the goldens
// and every user's expectations come from llama.cpp:
//
//  1. Special-token partitioning (tokenizer_st_partition). Every CONTROL,
//     USER_DEFINED and UNKNOWN token is a candidate. Candidates are tried one
//     after the other, longest text first; each one carves all its
//     non-overlapping occurrences (leftmost first) out of the text that no
//     earlier candidate claimed. Without ParseSpecial, CONTROL and UNKNOWN
//     tokens are skipped but USER_DEFINED ones (Gemma's "\n" runs, "\t" runs,
//     space runs, HTML tags) are still carved out, as in llama.cpp.
//  2. Each remaining piece of text gets a leading space when add_space_prefix
//     is set and the piece starts the text or follows a special token (false
//     for Gemma 3), then every ASCII space becomes "▁" (U+2581).
//  3. The piece is split into UTF-8 characters (the length comes from the lead
//     byte alone, so invalid UTF-8 is split exactly as llama.cpp splits it) and
//     adjacent symbols are merged, best first: a pair is a candidate when its
//     concatenation is a vocabulary token, the candidate with the highest score
//     wins and ties go to the leftmost pair. A priority queue of candidate
//     pairs over a linked list of symbols makes this O(n log n).
//  4. A symbol that is a token is emitted as that token; any other symbol is
//     emitted byte by byte as the <0xXX> byte-fallback tokens.
//
// A tokenizer.json (FromHF) follows the Hugging Face tokenizers library
// instead: added tokens are matched leftmost-longest, the normalizer (Replace
// " " → "▁") and pre-tokenizer run on the rest, and BPE merges are applied by
// merge rank (lowest first, ties leftmost) with byte fallback. On the Gemma
// vocabularies both give the same ids. AddToGGUF stores a tokenizer.json in
// GGUF keys with its merges (tokenizer.ggml.merges); a GGUF vocabulary that
// has merges is encoded the tokenizer.json way, so the ids do not change.
//
// Lowercase is the text normalisation SigLIP 2 was trained with
// (JavaScript's toLowerCase), which callers apply before encoding.
//
// # Decoding
//
// Decode and Decoder render tokens as llama_token_to_piece does: "▁" becomes a
// space in normal tokens, byte tokens contribute their byte, and control
// tokens are empty unless DecodeOptions.ShowSpecial is set. Decoder works one
// token at a time and only ever returns whole UTF-8 characters, holding back
// the bytes of a character that is still being spelled out by byte tokens.
package tokenizer
