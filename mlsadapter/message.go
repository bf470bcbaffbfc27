package mlsadapter

import (
	"bytes"
	"fmt"

	mls "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"
)

// Protect encrypts an application message, advancing the ratchet in place.
func (g *group) Protect(plaintext []byte) ([]byte, error) {
	var ct *mls.MLSCiphertext
	err := g.a.withSourcesAndMathRand("protect", func() error {
		var err error
		ct, err = g.state.Protect(plaintext)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("protect: %w", err)
	}
	data, err := syntax.Marshal(*ct)
	if err != nil {
		return nil, fmt.Errorf("protect: %w", err)
	}
	return data, nil
}

// Unprotect decrypts an application message and says which member sent it.
// The sender comes from the encrypted sender data, so a clear header that
// names someone else can be caught by the caller.
func (g *group) Unprotect(data []byte) (string, []byte, error) {
	var ct mls.MLSCiphertext
	n, err := syntax.Unmarshal(data, &ct)
	if err != nil || n != len(data) {
		return "", nil, fmt.Errorf("unprotect: malformed ciphertext (%v)", err)
	}
	if !bytes.Equal(ct.GroupID, g.state.GroupID) || ct.Epoch != g.state.Epoch {
		return "", nil, fmt.Errorf("unprotect: ciphertext not for this group and epoch")
	}
	var sender string
	var plain []byte
	err = g.a.withSources("unprotect", func() error {
		leaf, err := g.senderLeaf(&ct)
		if err != nil {
			return err
		}
		kp, ok := g.state.Tree.KeyPackage(leaf)
		if leaf >= mls.LeafIndex(g.state.Tree.Size()) || !ok {
			return fmt.Errorf("message from a blank leaf")
		}
		if sender, err = credentialID(kp.Credential); err != nil {
			return err
		}
		plain, err = g.state.Unprotect(&ct)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("unprotect: %w", err)
	}
	return sender, plain, nil
}

// senderLeaf opens the sender data the way go-mls does (its AAD layout is
// unexported), without touching any ratchet.
func (g *group) senderLeaf(ct *mls.MLSCiphertext) (mls.LeafIndex, error) {
	aad, err := syntax.Marshal(struct {
		GroupID         []byte `tls:"head=1"`
		Epoch           mls.Epoch
		ContentType     mls.ContentType
		SenderDataNonce []byte `tls:"head=1"`
	}{ct.GroupID, ct.Epoch, ct.ContentType, ct.SenderDataNonce})
	if err != nil {
		return 0, err
	}
	aead, err := g.state.CipherSuite.NewAEAD(g.state.Keys.SenderDataKey)
	if err != nil {
		return 0, err
	}
	sd, err := aead.Open(nil, ct.SenderDataNonce, ct.EncryptedSenderData, aad)
	if err != nil {
		return 0, fmt.Errorf("sender data does not decrypt")
	}
	var leaf mls.LeafIndex
	var generation uint32
	var guard [4]byte
	if _, err := syntax.NewReadStream(sd).ReadAll(&leaf, &generation, &guard); err != nil {
		return 0, fmt.Errorf("sender data malformed")
	}
	return leaf, nil
}
