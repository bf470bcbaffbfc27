package sim

import (
	"fmt"

	"github.com/mlsim/mlsim/memnet"
)

// faultKinds are the network faults `fault` arms, by name.
var faultKinds = map[string]memnet.Fault{
	"publish-lost": memnet.PublishLost, "publish-ambiguous": memnet.PublishAmbiguous,
	"publish-delayed": memnet.PublishDelayed, "query-error": memnet.QueryError, "query-short-page": memnet.QueryShortPage,
	"directory-error": memnet.DirectoryError,
	// stream.go's faults: a delivery dropped, repeated or delayed, or the
	// subscription broken.
	"stream-drop": memnet.StreamDrop, "stream-duplicate": memnet.StreamDuplicate,
	"stream-delay": memnet.StreamDelay, "stream-break": memnet.StreamBreak,
}

// fault KIND ID: arm a network fault for the installation's next publish
// (publish-lost, publish-ambiguous, publish-delayed), query (query-error,
// query-short-page), key package fetch (directory-error) or stream
// delivery (stream-drop, stream-duplicate, stream-delay, stream-break). It
// is counted when it fires.
func (w *World) cmdFault(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	f, ok := faultKinds[c.Arg(0)]
	if !ok {
		return result{}, fmt.Errorf("fault: unknown kind %q (publish-lost, publish-ambiguous, publish-delayed, query-error, query-short-page, directory-error, stream-drop, stream-duplicate, stream-delay, stream-break)", c.Arg(0))
	}
	w.net.Arm(c.Arg(1), f)
	return result{out: "armed"}, nil
}
