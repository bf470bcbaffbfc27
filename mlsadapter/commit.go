package mlsadapter

import (
	"bytes"
	"fmt"

	mls "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"

	"github.com/mlsim/mlsim/engine"
)

// Commit builds a commit on a copy of the state: removes, adds and a
// self-update (the path that bug 3 needs). The receiver is unchanged.
func (g *group) Commit(adds [][]byte, removes []string) (engine.BuiltCommit, error) {
	var out engine.BuiltCommit
	work, err := g.copyForChange()
	if err != nil {
		return out, err
	}
	kps := make([]*mls.KeyPackage, len(adds))
	for i, data := range adds {
		if kps[i], err = decodeKeyPackage(data); err != nil {
			return out, err
		}
	}
	leaves := make([]mls.LeafIndex, len(removes))
	for i, id := range removes {
		leaf, ok := g.leafOf(id)
		if !ok {
			return out, fmt.Errorf("commit: %s is not a member", id)
		}
		leaves[i] = leaf
	}
	selfID, err := g.selfID()
	if err != nil {
		return out, err
	}
	// The self-update gives every commit a path (bug 3) and a fresh leaf,
	// so Encap never re-signs the live state's leaf. The variant without
	// the deep copy also drops it for key updates (an empty path commit),
	// which is the naive way to rotate keys and lets bug 4 show.
	withUpdate := (len(adds) == 0 || g.a.on(PathOnAdd)) && (g.a.on(DeepCopyCommit) || len(removes) > 0 || len(adds) > 0)
	var updateKP *mls.KeyPackage
	var updateSecret []byte
	if withUpdate {
		cred := mls.NewBasicCredential([]byte(selfID), Suite.Scheme(), work.IdentityPriv.PublicKey)
		if updateKP, updateSecret, err = g.a.newKeyPackage(cred, work.IdentityPriv); err != nil {
			return out, fmt.Errorf("commit: update key package: %w", err)
		}
	}
	leafSecret, err := g.readSecret()
	if err != nil {
		return out, err
	}
	var commitPT *mls.MLSPlaintext
	var welcome *mls.Welcome
	var next *mls.State
	err = g.a.withSources("commit", func() error {
		queue := func(pt *mls.MLSPlaintext, err error) error {
			if err != nil {
				return err
			}
			if _, err := work.Handle(pt); err != nil {
				return err
			}
			enc, err := syntax.Marshal(*pt)
			if err != nil {
				return err
			}
			out.Proposals = append(out.Proposals, enc)
			return nil
		}
		for _, leaf := range leaves {
			if err := queue(work.Remove(leaf)); err != nil {
				return err
			}
		}
		for _, kp := range kps {
			if err := queue(work.Add(*kp)); err != nil {
				return err
			}
		}
		if withUpdate {
			sig := work.IdentityPriv
			if err := queue(work.Update(updateSecret, &sig, *updateKP)); err != nil {
				return err
			}
		}
		var err error
		commitPT, welcome, next, err = work.Commit(leafSecret)
		if err != nil {
			return err
		}
		return next.Tree.SetHashAll()
	})
	if err != nil {
		return out, fmt.Errorf("commit: %w", err)
	}
	if out.Commit, err = syntax.Marshal(*commitPT); err != nil {
		return out, fmt.Errorf("commit: %w", err)
	}
	if len(adds) > 0 {
		if out.Welcome, err = syntax.Marshal(*welcome); err != nil {
			return out, fmt.Errorf("commit: welcome: %w", err)
		}
	}
	out.Next = &group{a: g.a, state: next}
	return out, nil
}

func (g *group) selfID() (string, error) {
	kp, ok := g.state.Tree.KeyPackage(g.state.Index)
	if !ok {
		return "", fmt.Errorf("own leaf is blank")
	}
	return credentialID(kp.Credential)
}

func decodePlaintext(data []byte) (*mls.MLSPlaintext, error) {
	var pt mls.MLSPlaintext
	n, err := syntax.Unmarshal(data, &pt)
	if err != nil {
		return nil, fmt.Errorf("decode handshake message: %w", err)
	}
	if n != len(data) {
		return nil, fmt.Errorf("decode handshake message: %w", errTrailing)
	}
	detach(&pt) // its key packages end up in the next state's tree
	return &pt, nil
}

// Inspect decodes a commit and its proposals and says what they claim: the
// sender, the epoch, who is added and who removed. It checks that the
// commit names exactly the proposals given, so a payload cannot carry a
// manifest its MLS content does not back.
func (g *group) Inspect(proposals [][]byte, commit []byte) (info engine.CommitInfo, err error) {
	err = g.a.withSources("inspect", func() error {
		var ierr error
		info, ierr = g.inspect(proposals, commit)
		return ierr
	})
	return info, err
}

func (g *group) inspect(proposals [][]byte, commit []byte) (engine.CommitInfo, error) {
	var info engine.CommitInfo
	pt, err := decodePlaintext(commit)
	if err != nil {
		return info, err
	}
	if pt.Content.Type() != mls.ContentTypeCommit || pt.Sender.Type != mls.SenderTypeMember {
		return info, fmt.Errorf("not a member's commit")
	}
	if !bytes.Equal(pt.GroupID, g.state.GroupID) {
		return info, fmt.Errorf("commit for another group")
	}
	info.Epoch = uint64(pt.Epoch)
	senderKP, ok := g.state.Tree.KeyPackage(mls.LeafIndex(pt.Sender.Sender))
	if pt.Sender.Sender >= uint32(g.state.Tree.Size()) || !ok {
		return info, fmt.Errorf("commit from a blank leaf")
	}
	if info.Sender, err = credentialID(senderKP.Credential); err != nil {
		return info, err
	}
	named := map[string]bool{}
	c := pt.Content.Commit.Commit
	for _, ids := range [][]mls.ProposalID{c.Updates, c.Removes, c.Adds} {
		for _, id := range ids {
			named[string(id.Hash)] = true
		}
	}
	if len(named) != len(proposals) {
		return info, fmt.Errorf("commit names %d proposals, payload carries %d", len(named), len(proposals))
	}
	for _, data := range proposals {
		p, err := decodePlaintext(data)
		if err != nil {
			return info, err
		}
		if !named[string(Suite.Digest(data))] || p.Content.Type() != mls.ContentTypeProposal {
			return info, fmt.Errorf("payload carries a proposal the commit does not name")
		}
		if p.Sender != pt.Sender || p.Epoch != pt.Epoch {
			return info, fmt.Errorf("proposal from another sender or epoch")
		}
		prop := p.Content.Proposal
		switch {
		case prop.Add != nil:
			id, err := credentialID(prop.Add.KeyPackage.Credential)
			if err != nil {
				return info, err
			}
			info.Added = append(info.Added, id)
		case prop.Remove != nil:
			kp, ok := g.state.Tree.KeyPackage(prop.Remove.Removed)
			if prop.Remove.Removed >= mls.LeafIndex(g.state.Tree.Size()) || !ok {
				return info, fmt.Errorf("remove of a blank leaf")
			}
			id, err := credentialID(kp.Credential)
			if err != nil {
				return info, err
			}
			info.Removed = append(info.Removed, id)
		case prop.Update != nil:
		default:
			return info, fmt.Errorf("unknown proposal")
		}
	}
	return info, nil
}

// Process applies another member's commit. The proposals are queued on a
// shallow copy with its own pending lists; go-mls's Handle then clones the
// state before applying anything, and nothing on the receiving side
// writes into storage a clone shares (bug 4 is in the committer's Encap,
// which re-signs its own leaf). A deep copy here would dominate a large
// group's CPU: decoding is O(N^2), bug 7 (docs/PERFORMANCE.md has the
// figure).
func (g *group) Process(proposals [][]byte, commit []byte) (engine.GroupState, error) {
	work := g.pendingCopy()
	var next *mls.State
	err := g.a.withSources("process commit", func() error {
		for _, data := range proposals {
			pt, err := decodePlaintext(data)
			if err != nil {
				return err
			}
			if _, err := work.Handle(pt); err != nil {
				return err
			}
		}
		pt, err := decodePlaintext(commit)
		if err != nil {
			return err
		}
		next, err = work.Handle(pt)
		if err != nil {
			return err
		}
		if next == nil {
			return fmt.Errorf("commit produced no state")
		}
		return next.Tree.SetHashAll()
	})
	if err != nil {
		return nil, fmt.Errorf("process commit: %w", err)
	}
	return &group{a: g.a, state: next}, nil
}
