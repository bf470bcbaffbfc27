package memnet

import (
	"fmt"

	"github.com/mlsim/mlsim/engine"
)

// conn is one installation's view of the server.
type conn struct {
	s   *Server
	who string
}

var _ engine.Transport = (*conn)(nil)

func (c *conn) Publish(topic string, payload []byte) error {
	s := c.s
	if s.partitioned[c.who] {
		s.stats.Partitioned++
		return s.netErr(c.who, "publish: partitioned")
	}
	switch s.takeFault(s.publishFaults, c.who) {
	case PublishLost:
		s.stats.Lost++
		return s.netErr(c.who, "publish: lost")
	case PublishAmbiguous:
		s.stats.Ambiguous++
		s.appendRecord(topic, c.who, payload, false)
		return s.netErr(c.who, "publish: timed out")
	case PublishDelayed:
		s.stats.Delayed++
		s.delayed = append(s.delayed, delayedPublish{topic: topic, publisher: c.who, payload: append([]byte(nil), payload...)})
		return s.netErr(c.who, "publish: timed out")
	}
	s.stats.Published++
	s.appendRecord(topic, c.who, payload, false)
	return nil
}

func (c *conn) Query(topic string, afterSeq uint64, limit int) (engine.Page, error) {
	s := c.s
	if s.partitioned[c.who] {
		s.stats.Partitioned++
		return engine.Page{}, s.netErr(c.who, "query: partitioned")
	}
	fault := s.takeFault(s.queryFaults, c.who)
	if fault == QueryError {
		s.stats.QueryErrors++
		return engine.Page{}, s.netErr(c.who, "query: failed")
	}
	log := s.topics[topic]
	page := engine.Page{Head: uint64(len(log))}
	if limit <= 0 {
		limit = len(log)
	}
	if fault == QueryShortPage {
		s.stats.ShortPages++
		limit = (limit + 1) / 2
	}
	for i := afterSeq; i < uint64(len(log)) && len(page.Envelopes) < limit; i++ {
		r := log[i].TopicEnvelope
		r.Payload = append([]byte(nil), r.Payload...)
		page.Envelopes = append(page.Envelopes, r)
	}
	return page, nil
}

func (c *conn) UploadKeyPackages(account, installation string, kps [][]byte) error {
	s := c.s
	if s.partitioned[c.who] {
		s.stats.Partitioned++
		return s.netErr(c.who, "upload: partitioned")
	}
	if s.takeFault(s.directoryFaults, c.who) == DirectoryError {
		s.stats.DirectoryErrors++
		return s.netErr(c.who, "upload: directory unreachable")
	}
	if s.revoked[installation] {
		return fmt.Errorf("upload for %s: %w", installation, engine.ErrRevoked)
	}
	if !s.registered[installation] {
		s.registered[installation] = true
		s.accounts[account] = append(s.accounts[account], installation)
	}
	for _, kp := range kps {
		s.dir[installation] = append(s.dir[installation], append([]byte(nil), kp...))
	}
	s.dirVersion++
	return nil
}

func (c *conn) DirectoryVersion() (uint64, error) {
	if c.s.partitioned[c.who] {
		c.s.stats.Partitioned++
		return 0, c.s.netErr(c.who, "directory version: partitioned")
	}
	return c.s.dirVersion, nil
}

func (c *conn) KeyPackageCount(installation string) (int, error) {
	if c.s.partitioned[c.who] {
		c.s.stats.Partitioned++
		return 0, c.s.netErr(c.who, "key package count: partitioned")
	}
	return len(c.s.dir[installation]), nil
}

func (c *conn) Installations(account string) ([]string, error) {
	if c.s.partitioned[c.who] {
		c.s.stats.Partitioned++
		return nil, c.s.netErr(c.who, "installations: partitioned")
	}
	return append([]string(nil), c.s.accounts[account]...), nil
}

func (c *conn) FetchKeyPackage(installation string) ([]byte, error) {
	s := c.s
	if s.partitioned[c.who] {
		s.stats.Partitioned++
		return nil, s.netErr(c.who, "fetch key package: partitioned")
	}
	if s.takeFault(s.directoryFaults, c.who) == DirectoryError {
		s.stats.DirectoryErrors++
		return nil, s.netErr(c.who, "fetch key package: directory unreachable")
	}
	q := s.dir[installation]
	if len(q) == 0 {
		return nil, engine.ErrNoKeyPackage
	}
	kp := q[0]
	s.dir[installation] = q[1:]
	return kp, nil
}
