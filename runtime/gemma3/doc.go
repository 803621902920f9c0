// Package gemma3 runs the Gemma 3 text decoder from a GGUF file the way
// llama.cpp's CPU backend does, so that its logits match llama.cpp's to the
// tolerances stated in the golden tests.
//
// config.go reads the hyper-parameters from GGUF metadata, weights.go binds
// every tensor by name with shape and type checks (zero-copy views into the
// mapped file), kvcache.go holds the F16/F32 KV cache (sliding-window layers
// keep only the window, in a ring buffer), attention.go the two attention
// paths (flash attention as llama.cpp's default, and the soft_max path of
// its f32ref goldens), and forward.go the decoder itself, top to bottom.
package gemma3
