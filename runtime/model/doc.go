// Package model opens a model file and picks its architecture: a GGUF file
// whose general.architecture is gemma3 (runtime/gemma3), given as a path or
// as ollama:NAME[:TAG], resolved from the local ollama store (manifest ->
// blob) without touching the network.
//
// The runtime/ folder holds packages and is never itself a package: one named
// runtime would shadow Go's own.
package model
