// Package model opens a model file and picks its architecture. Today that
// is a GGUF file whose general.architecture is gemma3 (runtime/gemma3);
// Hugging Face folders and ollama:NAME[:TAG] references come later.
//
// The runtime/ folder holds packages and is never itself a package: one named
// runtime would shadow Go's own.
package model
