package model

import (
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/runtime/gemma3"
)

func TestLoad(t *testing.T) {
	path := golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf")
	m, err := Load(path, gemma3.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Config.NLayer != 6 || m.Path() != path {
		t.Errorf("loaded %+v from %s", m.Config, m.Path())
	}
}

func TestLoadErrors(t *testing.T) {
	mmproj := golden.Project(t, "gemma3-tiny/models/mmproj-gemma3-tiny-f16.gguf")
	for _, tc := range []struct {
		path string
		want []string
	}{
		{mmproj, []string{mmproj, `"general.architecture" is "clip"`}},
		{"/no/such/model.gguf", []string{"/no/such/model.gguf"}},
	} {
		_, err := Load(tc.path, gemma3.Options{})
		if err == nil {
			t.Errorf("Load(%s): no error", tc.path)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Load(%s): error %q lacks %q", tc.path, err, w)
			}
		}
	}
}
