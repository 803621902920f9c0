// Package frame decodes camera formats (YUYV, MJPEG), converts colour and
// resizes images exactly as the models' reference preprocessing does.
//
// Everything works on RGB, a packed 8-bit RGB image. Images come from files
// (Decode, Load: PNG, JPEG, GIF), from any image.Image (FromImage, which
// follows PIL's Image.convert("RGB")), or from a V4L2 camera buffer (YUYV,
// MJPEG). Resize reproduces PIL.Image.resize (Pillow's fixed-point separable
// resampler in src/libImaging/Resample.c) byte for byte, and Preprocess turns
// the result into the float32 CHW tensor Hugging Face's SiglipImageProcessor
// produces. Bit-exactness matters here: a one-level difference in a resized
// pixel moves the image embedding measurably, and the goldens in
// testdata/siglip2-tiny were produced by PIL.
//
// The hot path of a camera loop allocates nothing: keep a Resizer (or call
// Preprocess.PixelsInto, which pools its buffers) and decode into a reused
// RGB with YUYVInto or MJPEGInto.
package frame
