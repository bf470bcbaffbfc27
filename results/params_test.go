package results

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A scenario label reads back into the flags that made it, and the
// command printed for a seed names each flag separately.
func TestParams(t *testing.T) {
	for _, p := range []Params{
		{Scenario: "default", Steps: 150, Scale: 1},
		{Scenario: "crashy", Steps: 40, Scale: 1, Variant: "rehash-on-restore"},
		{Scenario: "crashy", Steps: 30, Scale: 2, Variant: "path-on-add", Fixture: "skip-past-busy"},
		{Scenario: "churn", Steps: 60, Scale: 3, Fixture: "skip-past-busy"},
		{Scenario: "past-epochs", Steps: 60, Scale: 1, MaxPastEpochs: pastEpochs(0)},
		{Scenario: "default", Steps: 60, Scale: 2, MaxPastEpochs: pastEpochs(5), Fixture: "skip-past-busy"},
	} {
		require.Equal(t, p, ParamsFromName(p.Name(), p.Steps), p.Name())
		require.Empty(t, p.Differs(p))
	}
	p := Params{Scenario: "crashy", Steps: 30, Scale: 2, Variant: "rehash-on-restore", Fixture: "skip-past-busy"}
	require.Equal(t, "crashy+rehash-on-restore+x2+skip-past-busy", p.Name())
	require.Equal(t, "simrun run --scenario crashy --mls-variant rehash-on-restore --fixture skip-past-busy --scale 2 --steps 30 --seed 7", p.RunCommand(7))
	require.Equal(t, "simrun run --scenario default --steps 150 --seed 1", Params{Scenario: "default", Steps: 150, Scale: 1}.RunCommand(1))

	q := p
	q.Steps = 40
	require.Equal(t, "steps per seed (30 vs 40)", p.Differs(q))
	q = p
	q.Fixture = ""
	require.Equal(t, `fixture ("skip-past-busy" vs "")`, p.Differs(q))

	q = p
	q.MaxPastEpochs = pastEpochs(0)
	require.Equal(t, "max past epochs (the scenario's vs 0)", p.Differs(q))
	require.Equal(t, "crashy+rehash-on-restore+x2+max-past-epochs=0+skip-past-busy", q.Name())
	require.Equal(t, "simrun run --scenario crashy --mls-variant rehash-on-restore --fixture skip-past-busy --scale 2 --max-past-epochs 0 --steps 30 --seed 7", q.RunCommand(7))
	r := q
	r.MaxPastEpochs = pastEpochs(1)
	require.Equal(t, "max past epochs (0 vs 1)", q.Differs(r))

	require.Equal(t, `simrun shrink 'my run.txt' -o 'it'\''s.txt'`, CommandLine("shrink", "my run.txt", "-o", "it's.txt"))
}

// A summary written before params were recorded still names its world.
func TestSweepWorld(t *testing.T) {
	s := Fold("crashy+deep-copy-commit", []RunSummary{{Seed: 3, Steps: 45}})
	require.Equal(t, Params{Scenario: "crashy", Steps: 45, Scale: 1, Variant: "deep-copy-commit"}, s.World())
	p := Params{Scenario: "x", Steps: 1, Scale: 1}
	s.Params = &p
	require.Equal(t, p, s.World())
}

func pastEpochs(n int) *int { return &n }
