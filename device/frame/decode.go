package frame

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
)

// MaxPixels bounds the images this package decodes or resizes (64 Mpx, a
// 192 MiB RGB buffer). A file header can claim any size; checking it before
// decoding turns a hostile or corrupt file into an error instead of an
// allocation that kills a 4 GB board.
const MaxPixels = 1 << 26

// format is one image container this package decodes.
type format struct {
	name   string
	magic  string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// formats lists the decoders by the magic bytes that start their files.
var formats = []format{
	{"png", "\x89PNG\r\n\x1a\n", png.DecodeConfig, png.Decode},
	{"jpeg", "\xff\xd8", jpeg.DecodeConfig, jpeg.Decode},
	{"gif", "GIF8", gif.DecodeConfig, gif.Decode},
}

// Decode reads a PNG, JPEG or GIF image (the first frame of an animated GIF)
// and converts it to RGB with FromImage. The format is chosen by the file's
// magic bytes, not its name. JPEGs without Huffman tables (raw MJPEG frames
// saved to disk) get the standard tables, as MJPEG does.
func Decode(r io.Reader) (*RGB, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("frame: read image: %w", err)
	}
	m, err := decodeBytes(data)
	if err != nil {
		return nil, fmt.Errorf("frame: %w", err)
	}
	return m, nil
}

// Load decodes the image file at path (see Decode); errors start with
// "frame: PATH: ".
func Load(path string) (*RGB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("frame: %w", err) // *PathError already names the file
	}
	m, err := decodeBytes(data)
	if err != nil {
		return nil, fmt.Errorf("frame: %s: %w", path, err)
	}
	return m, nil
}

// decodeBytes sniffs, bounds-checks and decodes one image file. Its errors
// start with the format ("png: bad data: ..."); callers add "frame: ".
func decodeBytes(data []byte) (*RGB, error) {
	for _, f := range formats {
		if !bytes.HasPrefix(data, []byte(f.magic)) {
			continue
		}
		if f.name == "jpeg" {
			data = withHuffmanTables(data)
		}
		cfg, err := f.config(bytes.NewReader(data))
		if err != nil {
			return nil, wrapFormat(f.name, "header", err)
		}
		if err := checkSize(cfg.Width, cfg.Height); err != nil {
			return nil, wrapFormat(f.name, "header", err)
		}
		img, err := f.decode(bytes.NewReader(data))
		if err != nil {
			return nil, wrapFormat(f.name, "data", err)
		}
		m := FromImage(img)
		if m.W == 0 || m.H == 0 {
			return nil, wrapFormat(f.name, "data", fmt.Errorf("empty image %d×%d", m.W, m.H))
		}
		return m, nil
	}
	head := data
	if len(head) > 8 {
		head = head[:8]
	}
	return nil, fmt.Errorf("unknown image format (starts with % x; want PNG, JPEG or GIF): %w", head, image.ErrFormat)
}

// wrapFormat builds "png: bad header: ...".
func wrapFormat(name, part string, err error) error {
	return fmt.Errorf("%s: bad %s: %w", name, part, err)
}

// checkSize rejects image dimensions this package will not allocate.
func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("empty image %d×%d", w, h)
	}
	if w > MaxPixels || h > MaxPixels || w*h > MaxPixels {
		return fmt.Errorf("image %d×%d exceeds the %d-pixel limit", w, h, MaxPixels)
	}
	return nil
}
