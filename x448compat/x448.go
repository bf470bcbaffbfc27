// Package x448 stands in for git.schwanenlied.me/yawning/x448.git, which
// go-hpke imports but the module proxy refuses to serve. It offers the two
// functions go-hpke calls, implemented over circl's X448.
//
// The return value follows the original package: 0 on success, and 1 when
// the shared secret is all zeros (a low-order point), which callers treat as
// failure.
package x448

import "github.com/cloudflare/circl/dh/x448"

// ScalarBaseMult sets out = scalar * G, the X448 base point.
func ScalarBaseMult(out, scalar *[56]byte) int {
	var pub, sk x448.Key
	copy(sk[:], scalar[:])
	x448.KeyGen(&pub, &sk)
	copy(out[:], pub[:])
	return 0
}

// ScalarMult sets out = scalar * base.
func ScalarMult(out, scalar, base *[56]byte) int {
	var shared, sk, pk x448.Key
	copy(sk[:], scalar[:])
	copy(pk[:], base[:])
	if !x448.Shared(&shared, &sk, &pk) {
		copy(out[:], shared[:])
		return 1
	}
	copy(out[:], shared[:])
	return 0
}
