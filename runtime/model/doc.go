// Package model opens a model argument (a GGUF path, a Hugging Face folder or
// an ollama:NAME[:TAG] reference), binds its tensors by name with shape and
// format checks, reporting every missing tensor in one error, and picks the
// architecture (runtime/gemma3, runtime/siglip).
//
// The runtime/ folder holds packages and is never itself a package: one named
// runtime would shadow Go's own.
package model
