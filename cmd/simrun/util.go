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

// withVariant switches one adapter defence off in a scenario's clients.
func withVariant(sc scenarios.Scenario, variant string) (scenarios.Scenario, error) {
	if variant == "" {
		return sc, nil
	}
	switch variant {
	case "path-on-add", "deep-copy-commit", "rehash-on-restore":
	default:
		return sc, usageError{errorf("unknown --mls-variant %q (want path-on-add, deep-copy-commit or rehash-on-restore)", variant)}
	}
	sc.Params.MLSVariant = variant
	sc.Name += "+" + variant
	return sc, nil
}
