// Package siglip runs SigLIP and SigLIP 2 FixRes models (Hugging Face
// model_type "siglip", such as google/siglip2-base-patch16-224): the ViT
// image tower with its attention-pooling (MAP) head, the text tower pooled at
// the last position, and zero-shot scores sigmoid(exp(scale)·cos + bias), so
// that embeddings match transformers' SiglipModel to the tolerances stated
// in the golden tests.
//
// Model code reads one GGUF layout (the one quant/convert writes; an HF
// folder is converted to F32 in memory). config.go reads the
// hyper-parameters, weights.go binds every tensor by name with shape and
// type checks, encoder.go is the pre-LN transformer encoder both towers
// share (the same v.blk.L.* tensors as llama.cpp's mmproj files, so the
// Gemma 3 vision tower can reuse it), attention.go the unmasked multi-head
// attention, mathf.go the float32 exp/softmax/GELU of the hot loops,
// forward.go the two towers top to bottom, model.go loading and sessions,
// and labels.go the label-embedding cache and zero-shot classification.
//
// A Model is read-only once loaded; each goroutine runs the towers through
// its own Session, which owns the activation buffers and may share a
// kernels.Pool.
package siglip
