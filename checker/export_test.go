package checker

// Reader reads one source Step after Step as the checker does, so that a
// test can compare what two sources answer.
type Reader struct {
	src source
	m   mark
}

func StoreReader(s Store) *Reader      { return &Reader{src: storeSource{s}} }
func RecordsReader(r *Records) *Reader { return &Reader{src: r} }

// Delta reads what is new since the last Delta.
func (r *Reader) Delta() (Delta, error) {
	d, m, err := r.src.delta(r.m)
	r.m = m
	return d, err
}

// State reads what the final checks read.
func (r *Reader) State(installation string) (ClientState, error) { return r.src.state(installation) }

// LateIntents reads the intents created since the last Delta.
func (r *Reader) LateIntents() ([]IntentCreated, error) { return r.src.intentsAfter(r.m.intent) }
