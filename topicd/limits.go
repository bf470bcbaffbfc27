package topicd

import (
	"fmt"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// What one request may hold. A request beyond them is INVALID_ARGUMENT and
// changes nothing.
const (
	MaxPage          = 1000    // envelopes per Query (a larger limit is cut to it)
	MaxPayloadBytes  = 1 << 20 // one payload or key package
	MaxNameBytes     = 512     // a topic, installation or account name
	MaxUploadPackets = 100     // key packages per upload
	// maxRecvBytes bounds a whole request: an upload of MaxUploadPackets
	// small key packages, or one payload at MaxPayloadBytes, fits.
	maxRecvBytes = 4 << 20
)

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

// checkName refuses an empty, oversized or non-printable name. Protobuf
// already refuses invalid UTF-8 in a string field; this also refuses
// control characters, which would make logs and reports ambiguous.
func checkName(field, v string) error {
	if v == "" {
		return invalid("%s is empty", field)
	}
	if len(v) > MaxNameBytes {
		return invalid("%s is %d bytes, at most %d", field, len(v), MaxNameBytes)
	}
	if !utf8.ValidString(v) {
		return invalid("%s is not UTF-8", field)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return invalid("%s holds control character %U", field, r)
		}
	}
	return nil
}

func checkBlob(field string, b []byte) error {
	if len(b) == 0 {
		return invalid("%s is empty", field)
	}
	if len(b) > MaxPayloadBytes {
		return invalid("%s is %d bytes, at most %d", field, len(b), MaxPayloadBytes)
	}
	return nil
}

func checkUpload(account, installation string, kps [][]byte) error {
	if err := checkName("account", account); err != nil {
		return err
	}
	if err := checkName("installation", installation); err != nil {
		return err
	}
	if len(kps) > MaxUploadPackets {
		return invalid("%d key packages in one upload, at most %d", len(kps), MaxUploadPackets)
	}
	for i, kp := range kps {
		if err := checkBlob(fmt.Sprintf("key_packages[%d]", i), kp); err != nil {
			return err
		}
	}
	return nil
}
