package naiveclient

import (
	"encoding/binary"
	"errors"
)

// An application message's plaintext repeats its clear header (SPEC §2:
// the counter and the message id are inside the encryption too), so a
// receiver can tell a header that lies. Layout, as every client of the
// project frames it: uvarint counter, uvarint length of the message id,
// the message id, then the body.

func framePlaintext(counter uint64, messageID string, body []byte) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 2*binary.MaxVarintLen64+len(messageID)+len(body)), counter)
	b = binary.AppendUvarint(b, uint64(len(messageID)))
	b = append(b, messageID...)
	return append(b, body...)
}

func unframePlaintext(b []byte) (counter uint64, messageID string, body []byte, err error) {
	counter, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, "", nil, errors.New("bad counter")
	}
	b = b[n:]
	size, n := binary.Uvarint(b)
	if n <= 0 || size > uint64(len(b)-n) {
		return 0, "", nil, errors.New("bad message id")
	}
	b = b[n:]
	return counter, string(b[:size]), b[size:], nil
}
