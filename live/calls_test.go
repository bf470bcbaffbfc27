package live

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
)

// The calls file as the checker gets it: a publish is handed over when
// its end is read, with its outcome; one still in flight (or cut by
// SIGKILL) is handed over as failed — unknown — at once, and its end,
// when it comes, is not handed over again; a partial last line waits.
func TestCallReaderHandsEachCallOverOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls-1.jsonl")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	defer f.Close()
	w := &callWriter{w: f}
	r := &callReader{path: path}

	w.write(callLine{Kind: "restart", Inst: "a/1"})
	w.write(callLine{Kind: "start", Inst: "a/1", Topic: "group/g", Payload: []byte("p1")})
	w.write(callLine{Kind: "end", Inst: "a/1", Topic: "group/g"})
	w.write(callLine{Kind: "query", Inst: "a/1", Topic: "group/g", After: 0, Head: 1, Last: 1})
	w.write(callLine{Kind: "start", Inst: "a/1", Topic: "group/g", Payload: []byte("p2")})
	got, err := r.read(7)
	require.NoError(t, err)
	require.Equal(t, []checker.Call{
		{Step: 7, Installation: "a/1", Kind: checker.CallRestart},
		{Step: 7, Installation: "a/1", Kind: checker.CallPublish, Topic: "group/g", Payload: []byte("p1")},
		{Step: 7, Installation: "a/1", Kind: checker.CallQuery, Topic: "group/g", Head: 1, Last: 1},
		{Step: 7, Installation: "a/1", Kind: checker.CallPublish, Topic: "group/g", Payload: []byte("p2"), Failed: true},
	}, got)

	// Its end arrives (it succeeded): not handed over twice. Then half a
	// line: nothing until the rest is written.
	w.write(callLine{Kind: "end", Inst: "a/1", Topic: "group/g"})
	_, err = f.WriteString(`{"k":"query","inst":"a/1",`)
	require.NoError(t, err)
	got, err = r.read(8)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = f.WriteString(`"topic":"group/g","failed":true}` + "\n")
	require.NoError(t, err)
	got, err = r.read(9)
	require.NoError(t, err)
	require.Equal(t, []checker.Call{{Step: 9, Installation: "a/1", Kind: checker.CallQuery, Topic: "group/g", Failed: true}}, got)

	// A line that is not a call is an error naming the file.
	_, err = f.WriteString("garbage\n")
	require.NoError(t, err)
	_, err = r.read(10)
	require.ErrorContains(t, err, path)
}
