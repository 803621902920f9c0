// Package camera delivers frames from V4L2 webcams (github.com/blackjack/webcam),
// image files, folders and a test pattern, each frame with an explicit owner
// so that no V4L2 buffer is read after it was re-queued.
package camera
