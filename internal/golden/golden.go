// Package golden locates the reference files tests compare against: small
// ones copied into the project's testdata/ folder, large ones read from the
// shared test data ($LOOKOUT_TESTDATA, default ../shared/testdata beside the
// repository). A test that needs a large file skips when it is absent, except
// under CI=true, where a missing golden is a failure.
package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the repository root (the folder holding go.mod), found by
// walking up from the test's working directory.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("golden: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Project returns the path of rel inside the project's testdata/ folder and
// fails the test if it is missing: those files are committed.
func Project(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(t), "testdata", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("golden: committed test file missing: %v", err)
	}
	return p
}

// SharedDir returns $LOOKOUT_TESTDATA or ../shared/testdata next to the repository.
func SharedDir(t testing.TB) string {
	if d := os.Getenv("LOOKOUT_TESTDATA"); d != "" {
		return d
	}
	return filepath.Join(Root(t), "..", "shared", "testdata")
}

// Shared returns the path of rel in the shared test data. When the file is
// absent the test is skipped with a message saying where it was looked for,
// or failed when CI=true.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(SharedDir(t), rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("golden: %s is required under CI: %v", rel, err)
		}
		t.Skipf("golden: %s not found (set LOOKOUT_TESTDATA to the shared testdata folder): %v", rel, err)
	}
	return p
}
