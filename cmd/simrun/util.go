package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/mlsim/mlsim/scenarios"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func scenarioFlag(name string) (scenarios.Scenario, error) {
	sc, err := scenarios.Get(name)
	if err != nil {
		return sc, usageError{err}
	}
	return sc, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeFile(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(dir+string(os.PathSeparator)+name, data, 0o644)
}
