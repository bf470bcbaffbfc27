package runner_test

import (
	"crypto/sha256"
	"testing"
)

// BenchmarkCPUCeiling is the machine's own parallel ceiling, next to which
// sweep worker scaling is judged: a CPU-bound job with no shared state,
// run on one core and on two. Compare its throughput at -cpu 1 and -cpu 2
// (go test ./runner -run XXX -bench CPUCeiling -cpu 1,2): two virtual
// cores need not give 2x.
func BenchmarkCPUCeiling(b *testing.B) {
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	b.RunParallel(func(pb *testing.PB) {
		local := append([]byte(nil), buf...)
		for pb.Next() {
			sum := sha256.Sum256(local)
			local[0] = sum[0]
		}
	})
}
