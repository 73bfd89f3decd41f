// The Go peer of the sluice benchmark suite: Go channels running the crossbeam-channel benchmark
// workloads (as crossbeam-channel/benchmarks/go.go does: goroutines, a done channel for joins),
// with the same command line and output protocol as bench/harness/main.cpp:
//
//	go-peer run go <test> <n> <threads>
//	go-peer pingpong go <bounded0|bounded1> <round_trips>
//	go-peer memory go
//	go-peer micro go
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type message struct{ v uintptr }

func peakRSSKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line[6:])
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return -1
}

func capOf(flavor string, n int) int {
	switch flavor {
	case "bounded0":
		return 0
	case "bounded1":
		return 1
	}
	return n
}

func run(w string, c int, n int, t int) (float64, bool) {
	per := uintptr(n / t)
	start := time.Now()
	var sum uintptr
	switch w {
	case "seq":
		ch := make(chan message, c)
		for i := 0; i < n; i++ {
			ch <- message{uintptr(i)}
		}
		for i := 0; i < n; i++ {
			sum += (<-ch).v
		}
	case "spsc":
		ch := make(chan message, c)
		done := make(chan bool)
		go func() {
			for i := 0; i < n; i++ {
				ch <- message{uintptr(i)}
			}
			done <- true
		}()
		for i := 0; i < n; i++ {
			sum += (<-ch).v
		}
		<-done
	case "mpsc":
		ch := make(chan message, c)
		done := make(chan bool)
		for k := 0; k < t; k++ {
			go func() {
				for i := uintptr(0); i < per; i++ {
					ch <- message{i}
				}
				done <- true
			}()
		}
		for i := uintptr(0); i < per*uintptr(t); i++ {
			sum += (<-ch).v
		}
		for k := 0; k < t; k++ {
			<-done
		}
	case "mpmc":
		ch := make(chan message, c)
		done := make(chan uintptr)
		for k := 0; k < t; k++ {
			go func() {
				for i := uintptr(0); i < per; i++ {
					ch <- message{i}
				}
				done <- 0
			}()
		}
		for k := 0; k < t; k++ {
			go func() {
				var s uintptr
				for i := uintptr(0); i < per; i++ {
					s += (<-ch).v
				}
				done <- s
			}()
		}
		for k := 0; k < 2*t; k++ {
			sum += <-done
		}
	case "select_rx", "select_both":
		if t != 4 {
			panic("select uses a 4-way select statement: threads must be 4")
		}
		chs := make([]chan message, 4)
		for k := range chs {
			chs[k] = make(chan message, c)
		}
		done := make(chan uintptr)
		if w == "select_rx" {
			for k := 0; k < 4; k++ {
				ch := chs[k]
				go func() {
					for i := uintptr(0); i < per; i++ {
						ch <- message{i}
					}
					done <- 0
				}()
			}
			for i := uintptr(0); i < per*4; i++ {
				select {
				case m := <-chs[0]:
					sum += m.v
				case m := <-chs[1]:
					sum += m.v
				case m := <-chs[2]:
					sum += m.v
				case m := <-chs[3]:
					sum += m.v
				}
			}
			for k := 0; k < 4; k++ {
				<-done
			}
		} else {
			for k := 0; k < 4; k++ {
				go func() {
					for i := uintptr(0); i < per; i++ {
						m := message{i}
						select {
						case chs[0] <- m:
						case chs[1] <- m:
						case chs[2] <- m:
						case chs[3] <- m:
						}
					}
					done <- 0
				}()
			}
			for k := 0; k < 4; k++ {
				go func() {
					var s uintptr
					for i := uintptr(0); i < per; i++ {
						select {
						case m := <-chs[0]:
							s += m.v
						case m := <-chs[1]:
							s += m.v
						case m := <-chs[2]:
							s += m.v
						case m := <-chs[3]:
							s += m.v
						}
					}
					done <- s
				}()
			}
			for k := 0; k < 8; k++ {
				sum += <-done
			}
		}
	}
	secs := time.Since(start).Seconds()
	var want uintptr
	if w == "seq" || w == "spsc" {
		want = uintptr(n) * uintptr(n-1) / 2
	} else {
		want = uintptr(t) * (per * (per - 1) / 2)
	}
	return secs, sum == want
}

func pingpong(c int, iters int) (float64, bool) {
	start := time.Now()
	a := make(chan message, c)
	b := make(chan message, c)
	go func() {
		for i := 0; i < iters; i++ {
			m := <-a
			b <- message{m.v + 1}
		}
	}()
	var v uintptr
	for i := 0; i < iters; i++ {
		a <- message{v}
		v = (<-b).v
	}
	return time.Since(start).Seconds(), v == uintptr(iters)
}

var sink []chan message

func memory() {
	var m0, m1 runtime.MemStats
	sink = make([]chan message, 0, 8)
	for _, f := range []struct {
		name string
		c    int
	}{{"bounded0", 0}, {"bounded1", 1}, {"bounded1024", 1024}} {
		runtime.GC()
		runtime.ReadMemStats(&m0)
		sink = append(sink, make(chan message, f.c))
		runtime.ReadMemStats(&m1)
		fmt.Printf("MEM go empty_%s_bytes %d\n", f.name, m1.TotalAlloc-m0.TotalAlloc)
		fmt.Printf("MEM go empty_%s_allocs %d\n", f.name, m1.Mallocs-m0.Mallocs)
	}
}

func micro() {
	best := func(iters int, f func(i int)) float64 {
		b := 1e18
		for r := 0; r < 5; r++ {
			t := time.Now()
			for i := 0; i < iters; i++ {
				f(i)
			}
			ns := float64(time.Since(t).Nanoseconds()) / float64(iters)
			if ns < b {
				b = ns
			}
		}
		return b
	}
	var keep chan message
	for _, f := range []struct {
		name string
		c    int
	}{{"bounded0", 0}, {"bounded1", 1}} {
		c := f.c
		fmt.Printf("MICRO go create_destroy_%s %.1f\n", f.name, best(200000, func(int) { keep = make(chan message, c) }))
	}
	fmt.Printf("MICRO go oneshot_bounded1 %.1f\n", best(200000, func(i int) {
		ch := make(chan message, 1)
		ch <- message{uintptr(i)}
		keep = ch
		<-ch
	}))
	ch := make(chan message, 1)
	fmt.Printf("MICRO go inout_bounded1 %.1f\n", best(1000000, func(i int) {
		ch <- message{uintptr(i)}
		<-ch
	}))
	_ = keep
}

func main() {
	a := os.Args
	if len(a) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go-peer run|pingpong|memory|micro go ...")
		os.Exit(2)
	}
	switch a[1] {
	case "run":
		test := a[3]
		n, _ := strconv.Atoi(a[4])
		t, _ := strconv.Atoi(a[5])
		us := strings.Index(test, "_")
		flavor, w := test[:us], test[us+1:]
		if flavor == "unbounded" {
			fmt.Printf("UNSUPPORTED go %s Go has no unbounded channel\n", test)
			return
		}
		if w == "seq" && (flavor == "bounded0" || flavor == "bounded1") {
			fmt.Printf("UNSUPPORTED go %s seq would deadlock\n", test)
			return
		}
		secs, ok := run(w, capOf(flavor, n), n, t)
		st := "ok"
		if !ok {
			st = "BAD"
		}
		fmt.Printf("RESULT go %s %.9f %d %s %d\n", test, secs, n, st, peakRSSKB())
	case "pingpong":
		n, _ := strconv.Atoi(a[4])
		secs, ok := pingpong(capOf(a[3], 1), n)
		st := "ok"
		if !ok {
			st = "BAD"
		}
		fmt.Printf("RESULT go pingpong_%s %.9f %d %s %d\n", a[3], secs, n, st, peakRSSKB())
	case "memory":
		memory()
	case "micro":
		micro()
	}
}
