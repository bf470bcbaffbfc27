package naiveclient

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// stored is everything an installation keeps, written whole as one JSON
// file after every call (naive: not atomically with what the call did,
// and not atomically on disk either — os.WriteFile over the old file).
type stored struct {
	Installation string `json:"installation"`
	Server       string `json:"server"`
	// Identity is the installation's signing key (mlsadapter's encoding).
	Identity    []byte      `json:"identity"`
	KeyPackages []storedKP  `json:"key_packages"`
	Options     storedOpts  `json:"options"`
	Groups      []*group    `json:"groups"`
	Intents     []*intentSt `json:"intents"`
	Welcomes    []*welcome  `json:"welcomes"`
	// WelcomeCursor is the last sequence id read on the welcome topic.
	WelcomeCursor uint64 `json:"welcome_cursor"`
	// Serials are the append-only records' per-kind counters.
	Serials map[string]int64 `json:"serials"`
	// Journal holds every append-only record made (protojson, without
	// seq), replayed first whenever the installation is opened.
	Journal []json.RawMessage `json:"journal"`
}

type storedKP struct {
	Public  []byte `json:"public"`
	Private []byte `json:"private"`
	Ref     []byte `json:"ref"`
}

type storedOpts struct {
	WidthCap uint32 `json:"width_cap"`
	Variant  string `json:"variant"`
}

// group is one group as held. State is the MLS state's encoding, filled in
// just before a save from the live state.
type group struct {
	ID           string     `json:"id"`
	Epoch        uint64     `json:"epoch"`
	JoinedEpoch  uint64     `json:"joined_epoch"`
	Cursor       uint64     `json:"cursor"`
	RemovedAtSeq uint64     `json:"removed_at_seq"`
	Broken       string     `json:"broken"`
	Consent      pb.Consent `json:"consent"`
	Members      []string   `json:"members"`
	Policy       []byte     `json:"policy"`
	// SendCounter is the last counter this installation used in Epoch.
	SendCounter uint64 `json:"send_counter"`
	// Messages are the ids of the messages stored, to store each once.
	Messages []string `json:"messages"`
	State    []byte   `json:"state"`
}

type intentSt struct {
	ID     int64              `json:"id"`
	Group  string             `json:"group"`
	Kind   pb.IntentKind      `json:"kind"`
	Data   []byte             `json:"data"`
	State  pb.IntentStateCode `json:"state"`
	Reason string             `json:"reason"`
	// Attempts are the hashes of every payload built, in order.
	Attempts [][]byte `json:"attempts"`
}

// welcome is an outbound welcome (SPEC §6).
type welcome struct {
	ID        int64           `json:"id"`
	Intent    int64           `json:"intent"`
	Group     string          `json:"group"`
	To        string          `json:"to"`
	Epoch     uint64          `json:"epoch"`
	CommitSeq uint64          `json:"commit_seq"`
	State     pb.WelcomeState `json:"state"`
	MLS       []byte          `json:"mls"`
}

func loadStored(path string) (*stored, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s stored
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if s.Serials == nil {
		s.Serials = map[string]int64{}
	}
	return &s, nil
}

func (s *stored) save(path string) error {
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

func (s *stored) group(id string) *group {
	for _, g := range s.Groups {
		if g.ID == id {
			return g
		}
	}
	return nil
}

func (g *group) hasMessage(id string) bool {
	for _, m := range g.Messages {
		if m == id {
			return true
		}
	}
	return false
}
