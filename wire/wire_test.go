package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	for _, e := range []Envelope{
		{Kind: KindCommit, GroupID: "g", Epoch: 0, Sender: "a/1", Creator: "a/1", Proposals: [][]byte{{1, 2}}, Added: []string{"b/1"}, Policy: DefaultPolicy("a"), MLS: []byte{9}},
		{Kind: KindCommit, GroupID: "g", Epoch: 4, Sender: "a/1", Removed: []string{"b/1", "b/2"},
			Policy: Policy{SuperAdmin: "a", Admins: []string{"c", "d"}, AddAccount: Admins, RemoveAccount: SuperAdmins, ChangeAdmins: Everyone, ChangePolicy: SuperAdmins}, MLS: []byte{9}},
		{Kind: KindApplication, GroupID: "g", Epoch: 2, Sender: "a/1", Counter: 3, MessageID: MessageID("a/1", 7), MLS: []byte{9}},
		{Kind: KindApplication, GroupID: "g", Epoch: 0, Sender: "a/1", Creator: "a/1", Counter: 1, MessageID: "a/1#1", MLS: []byte{9}},
	} {
		data := e.Encode()
		got, err := Decode(data)
		require.NoError(t, err)
		require.Equal(t, data, got.Encode())
		require.Equal(t, Hash(data), Hash(got.Encode()))
	}
}

// Malformed or inconsistent payloads are refused with ErrMalformed.
func TestEnvelopeRejects(t *testing.T) {
	good := Envelope{Kind: KindApplication, GroupID: "g", Epoch: 2, Sender: "a/1", Counter: 3, MessageID: "a/1#7", MLS: []byte{9}}
	data := good.Encode()
	for name, payload := range map[string][]byte{
		"empty":          nil,
		"truncated":      data[:len(data)-1],
		"trailing bytes": append(append([]byte(nil), data...), 0),
	} {
		_, err := Decode(payload)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
	for name, e := range map[string]Envelope{
		"foreign message id":     {Kind: KindApplication, GroupID: "g", Epoch: 2, Sender: "a/1", Counter: 3, MessageID: "b/1#7", MLS: []byte{9}},
		"counter zero":           {Kind: KindApplication, GroupID: "g", Epoch: 2, Sender: "a/1", MessageID: "a/1#7", MLS: []byte{9}},
		"epoch 0 no creator":     {Kind: KindCommit, GroupID: "g", Sender: "a/1", MLS: []byte{9}},
		"creator later":          {Kind: KindCommit, GroupID: "g", Epoch: 3, Sender: "a/1", Creator: "a/1", MLS: []byte{9}},
		"no policy":              {Kind: KindCommit, GroupID: "g", Epoch: 3, Sender: "a/1", MLS: []byte{9}},
		"admins unsorted":        {Kind: KindCommit, GroupID: "g", Epoch: 3, Sender: "a/1", MLS: []byte{9}, Policy: Policy{SuperAdmin: "a", Admins: []string{"c", "b"}, AddAccount: 1, RemoveAccount: 1, ChangeAdmins: 1, ChangePolicy: 1}},
		"super admin also admin": {Kind: KindCommit, GroupID: "g", Epoch: 3, Sender: "a/1", MLS: []byte{9}, Policy: Policy{SuperAdmin: "a", Admins: []string{"a"}, AddAccount: 1, RemoveAccount: 1, ChangeAdmins: 1, ChangePolicy: 1}},
		"level 4":                {Kind: KindCommit, GroupID: "g", Epoch: 3, Sender: "a/1", MLS: []byte{9}, Policy: Policy{SuperAdmin: "a", AddAccount: 4, RemoveAccount: 1, ChangeAdmins: 1, ChangePolicy: 1}},
		"no MLS":                 {Kind: KindCommit, GroupID: "g", Epoch: 3, Sender: "a/1"},
		"no sender":              {Kind: KindCommit, GroupID: "g", Epoch: 3, MLS: []byte{9}},
	} {
		_, err := Decode(e.Encode())
		require.ErrorIs(t, err, ErrMalformed, name)
	}
}

func TestWelcomeRoundTrip(t *testing.T) {
	w := Welcome{GroupID: "g", Epoch: 3, CommitSeq: 9, Adder: "a/1", MLS: []byte{1, 2, 3}}
	got, err := DecodeWelcome(w.Encode())
	require.NoError(t, err)
	require.Equal(t, w, *got)
	_, err = DecodeWelcome(w.Encode()[:5])
	require.ErrorIs(t, err, ErrMalformed)
	_, err = DecodeWelcome((&Welcome{GroupID: "g", Epoch: 0, CommitSeq: 9, MLS: []byte{1}}).Encode())
	require.ErrorIs(t, err, ErrMalformed)
}
