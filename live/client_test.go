package live

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/topicd"
)

// A client started on a store file that is not a database, or a store
// cut in half, exits 2 saying which installation and file, before it
// touches the network, and leaves the file as it was.
func TestClientRefusesCorruptedStore(t *testing.T) {
	garbage := bytes.Repeat([]byte("this is not a database "), 400)
	good := filepath.Join(t.TempDir(), "good.db")
	db, err := store.OpenFile(good)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	whole, err := os.ReadFile(good)
	require.NoError(t, err)
	for name, content := range map[string][]byte{"garbage": garbage, "truncated": whole[:len(whole)/2]} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "1.db")
			require.NoError(t, os.WriteFile(path, content, 0o644))
			var stdout, stderr bytes.Buffer
			// No server listens there: the store is refused first.
			code := RunClient([]string{"--addr", "127.0.0.1:1", "--dir", dir, "--account", "alice", "--dial-for", "1s"},
				strings.NewReader(""), &stdout, &stderr)
			require.Equal(t, ClientExitSetup, code)
			require.Contains(t, stderr.String(), "installation alice/1: store "+path+" cannot be opened")
			require.Empty(t, stdout.String())
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, content, after, "the corrupted file was changed")
		})
	}
}

func TestClientBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--dir", dir, "--account", "alice"}, "--addr, --dir and --account are required"},
		{[]string{"--addr", "x:1", "--dir", dir, "--account", "al/ice"}, "an account has no '/'"},
		{[]string{"--addr", "x:1", "--dir", filepath.Join(dir, "missing"), "--account", "alice"}, "not a folder"},
		{[]string{"--addr", "x:1", "--dir", dir, "--account", "alice", "--life", "0"}, "--life must be at least 1"},
		{[]string{"--addr", "x:1", "--dir", dir, "--account", "alice", "extra"}, "unexpected arguments"},
		{[]string{"--nope"}, "flag provided but not defined"},
	} {
		var stderr bytes.Buffer
		require.Equal(t, ClientExitSetup, RunClient(c.args, strings.NewReader(""), &bytes.Buffer{}, &stderr), c.args)
		require.Contains(t, stderr.String(), c.says)
	}
	var help bytes.Buffer
	require.Equal(t, ClientExitOK, RunClient([]string{"--help"}, strings.NewReader(""), &bytes.Buffer{}, &help), "--help is no error")
	require.Contains(t, help.String(), "-addr")
	var stderr bytes.Buffer
	require.Equal(t, ClientExitSetup, ChildMain([]string{"server"}, nil, nil, &stderr))
	require.Contains(t, stderr.String(), `unknown role "server"`)
}

// Against a real topicd: a client process serves its operations through
// the protocol and its controls on stdin. An unknown op, installation or
// fault is an error and it goes on; a line on stdin that is not a command
// ends it with exit 2, saying so; its store is intact and holds what it
// acknowledged.
func TestClientCommands(t *testing.T) {
	s, err := topicd.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "topics.db"))
	require.NoError(t, err)
	addr := topictest.Serve(t, s)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.db"), nil, 0o644))
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		code := RunClient([]string{"--addr", addr, "--dir", dir, "--account", "alice", "--upkeep-every", "1h"}, stdinR, stdoutW, &stderr)
		_ = stdoutW.Close()
		exited <- code
	}()
	out := json.NewDecoder(stdoutR)
	var ready Reply
	require.NoError(t, out.Decode(&ready))
	require.True(t, ready.Ready)
	require.Equal(t, []string{"alice/1"}, ready.Installations)
	c := &child{name: "client alice", done: make(chan struct{})}
	require.NoError(t, c.dialProtocol(ready.Addr, ClientOptions(0, ""), 10*time.Second))
	defer c.closeProtocol()
	do := func(cmd Command) Reply {
		r, err := c.protocol(cmd, 10*time.Second)
		require.NoError(t, err, cmd.Op)
		return r
	}
	require.True(t, do(Command{Op: OpUpkeep, Insts: []string{"alice/1"}}).OK)
	require.True(t, do(Command{Op: OpCreate, Inst: "alice/1", Group: "g"}).OK)
	sent := do(Command{Op: OpSend, Inst: "alice/1", Group: "g", Text: "hello"})
	require.True(t, sent.OK, sent.Err)
	require.Positive(t, sent.Intent)
	require.Contains(t, do(Command{Op: "dance", Inst: "alice/1"}).Err, `unknown op "dance"`)
	require.Contains(t, do(Command{Op: OpSend, Inst: "alice/9", Group: "g", Text: "x"}).Err, `unknown_installation: no installation "alice/9"`)
	opened := do(Command{Op: OpOpen, Inst: "alice/2", Store: filepath.Join(dir, "2.db"), Server: addr})
	require.True(t, opened.OK, opened.Err)
	require.True(t, do(Command{Op: OpUpkeep, Insts: []string{"alice/1", "alice/2"}}).OK)

	control := func(cmd Command) Reply {
		b, _ := json.Marshal(cmd)
		_, err := stdinW.Write(append(b, '\n'))
		require.NoError(t, err)
		var r Reply
		require.NoError(t, out.Decode(&r))
		return r
	}
	require.Contains(t, control(Command{Op: OpFault, Fault: "meteor"}).Err, `unknown fault "meteor"`)
	require.True(t, control(Command{Op: OpPause}).OK)
	require.Contains(t, control(Command{Op: OpSend}).Err, `unknown control "send"`)
	_, err = stdinW.Write([]byte("not json\n"))
	require.NoError(t, err)
	select {
	case code := <-exited:
		require.Equal(t, ClientExitSetup, code)
	case <-time.After(30 * time.Second):
		t.Fatal("the client did not exit after a bad line")
	}
	require.Contains(t, stderr.String(), `bad command "not json"`)

	fs, err := openFileStore(filepath.Join(dir, "1.db"))
	require.NoError(t, err)
	defer fs.Close()
	held, err := intentStates(fs)
	require.NoError(t, err)
	require.Contains(t, held, sent.Intent)
	require.NoError(t, integrityCheck(filepath.Join(dir, "1.db")))
	require.NoError(t, integrityCheck(filepath.Join(dir, "2.db")))
}
