// Package frame decodes camera formats (YUYV, MJPEG), converts colour and
// resizes images exactly as the models' reference preprocessing does.
package frame
