package nettransport_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPublish is one installation publishing over loopback to a
// topicd on a SQLite file (each publish one fsync'd transaction).
func BenchmarkPublish(b *testing.B) {
	addr, _ := server(b)
	tr := dial(b, addr, 5*time.Second).For("a/1")
	payload := make([]byte, 512)
	for b.Loop() {
		if err := tr.Publish("group/g", payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "publishes/s")
}

// BenchmarkPublishParallel is many installations publishing at once to
// their own topics through one connection.
func BenchmarkPublishParallel(b *testing.B) {
	addr, _ := server(b)
	c := dial(b, addr, 5*time.Second)
	payload := make([]byte, 512)
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := n.Add(1)
		tr := c.For(fmt.Sprintf("a/%d", id))
		for pb.Next() {
			if err := tr.Publish(fmt.Sprintf("group/g%d", id), payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "publishes/s")
}
