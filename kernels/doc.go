// Package kernels holds Lookout's numeric primitives over raw slices: row
// quantization of activations, dot products, matvec and tiled matmul per
// weight format, an F32 GEMM with strides, RMSNorm, LayerNorm, softmax,
// GELU-tanh, vector e^x, RoPE and f16<->f32 rows. Each has a pure-Go reference that is always compiled; the fast paths
// live in kernels/arm64 (NEON, with and without SDOT) and kernels/amd64
// (AVX2, AVX-VNNI, AVX512-VNNI).
//
// # Choosing the kernels
//
// The hot kernels form an Impl: Generic (pure Go) or an assembly set. At
// start-up the package takes the best set the CPU supports (per-GOARCH
// dispatch files ask golang.org/x/sys/cpu), or Generic on other
// architectures and in purego builds. LOOKOUT_KERNELS=generic forces the
// references and LOOKOUT_KERNELS=NAME a named set; an unknown name falls back
// to Generic with a warning instead of failing. Active says what runs and
// why, and should be logged: a fast path silently not applied costs a
// factor of several. Impls lists every set the CPU can run; the tests run
// each against Generic.
//
// # Numerics
//
// GGUF models must match llama.cpp, so each operation follows the float32
// steps of the ggml CPU operator it replaces; the doc comment of each names
// the ggml function. Quantized products first quantize the activations to
// Q8_0 exactly as llama.cpp's x86 build does (quant.QuantizeQ8_0Act); the
// references take exact int32 sums per 32-value block and add the scaled
// block sums in float32, while assembly kernels may, as llama.cpp's do,
// accumulate exact int32 partial sums of each block ("lanes") in float32 and
// add the lanes at the end. F16 and BF16 weights meet activations rounded to the same type,
// as ggml's vec_dot_type does. The references pin every rounding with
// explicit float32 conversions, so that they give the same bits on every
// architecture (Go may otherwise fuse a multiply and an add into an FMA on
// some targets). Assembly kernels give the same bits on the integer paths
// and agree with the references within a stated bound on the float paths:
// (2n+2)·2⁻²⁴·Σ|terms| for a float dot of n terms, since each may order and
// fuse its additions differently, and (2·nb+32)·2⁻²⁴·Σ_b |d_w·d_a|·Σ_j
// |q_w·q_a| for a quantized dot of nb blocks (Impl's accuracy contract,
// derived in impl.go). The F32 GEMM micro-kernel (GemmF32, MatMul of F32
// weights) gives each output its Impl's DotF32 bits.
//
// The vector math for the float towers (ExpF32, GELUTanh, SoftmaxScaled)
// is not ggml-exact: it is a polynomial e^x (Cephes expf) that every Impl
// runs in SIMD lanes, with a max-ulp bound against float64 math that Impl
// states and mathf_test.go checks for every Impl.
//
// # Threads
//
// A Pool is a set of long-lived worker goroutines, one per thread, that run
// data-parallel loops with no goroutine started per operation; MatVec and
// MatMul split weight rows over it in contiguous runs, so that every worker
// streams its own part of the weights. Results never depend on the thread
// count. One pool per process, sized by DefaultThreads or the board profile.
//
// # Errors
//
// Shapes come from model metadata checked at load time, so a length that
// does not match inside a kernel is a programming error: the functions here
// panic with a message that names the function and the lengths. NewMatrix,
// which meets tensor data from a file, returns an error instead.
package kernels
