// The Rust peers of the sluice benchmark suite: crossbeam-channel and flume running the
// crossbeam-channel benchmark workloads (its benches/ folder), with the same command line and
// output protocol as bench/harness/main.cpp:
//
//   rust-peers run <peer> <test> <n> <threads>
//   rust-peers pingpong <peer> <bounded0|bounded1> <round_trips>
//   rust-peers memory <peer>
//   rust-peers micro <peer>
//
//   RESULT <peer> <test> <secs> <n> <ok|BAD> <peak_rss_kb>
//   UNSUPPORTED <peer> <test> <reason...>
//   MEM <peer> <key> <value>
//   MICRO <peer> <name> <ns_per_op>
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

// Keeps the optimizer from deleting a value's computation. std::hint::black_box is stable only
// from Rust 1.66; Debian 12's rustc (the report's default toolchain) is 1.63, so the same
// effect with a volatile read, the form benchmark crates used before it.
#[inline(never)]
fn black_box<T>(x: T) -> T {
    // SAFETY: reads the value out of a live local once and forgets the original, so it is
    // moved, not duplicated.
    unsafe {
        let r = std::ptr::read_volatile(&x);
        std::mem::forget(x);
        r
    }
}

// ---- allocation counting (off unless the memory probe runs) ---------------------------------
struct Counting;
static COUNT_ON: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNT_ON.load(Relaxed) {
            LIVE.fetch_add(l.size(), Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
        }
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if COUNT_ON.load(Relaxed) {
            LIVE.fetch_sub(l.size(), Relaxed);
        }
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if COUNT_ON.load(Relaxed) {
            LIVE.fetch_add(new, Relaxed);
            LIVE.fetch_sub(l.size(), Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
        }
        System.realloc(p, l, new)
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn count_start() {
    LIVE.store(0, Relaxed);
    ALLOCS.store(0, Relaxed);
    COUNT_ON.store(true, Relaxed);
}
fn count_stop() {
    COUNT_ON.store(false, Relaxed);
}

fn peak_rss_kb() -> i64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmHWM:") {
            return rest.trim().trim_end_matches("kB").trim().parse().unwrap_or(-1);
        }
    }
    -1
}

// ---- the peers --------------------------------------------------------------------------------
#[derive(Clone, Copy, Debug)]
struct Message([usize; 1]);

#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    B0,
    B1,
    BN,
    Unb,
}

trait Peer {
    type Tx: Clone + Send + Sync;
    type Rx: Clone + Send + Sync;
    const NAME: &'static str;
    fn make(f: Flavor, n: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, m: Message);
    fn recv(rx: &Self::Rx) -> Message;
}

struct Crossbeam;
impl Peer for Crossbeam {
    type Tx = crossbeam_channel::Sender<Message>;
    type Rx = crossbeam_channel::Receiver<Message>;
    const NAME: &'static str = "crossbeam";
    fn make(f: Flavor, n: usize) -> (Self::Tx, Self::Rx) {
        match f {
            Flavor::B0 => crossbeam_channel::bounded(0),
            Flavor::B1 => crossbeam_channel::bounded(1),
            Flavor::BN => crossbeam_channel::bounded(n),
            Flavor::Unb => crossbeam_channel::unbounded(),
        }
    }
    fn send(tx: &Self::Tx, m: Message) {
        tx.send(m).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Message {
        rx.recv().unwrap()
    }
}

struct Flume;
impl Peer for Flume {
    type Tx = flume::Sender<Message>;
    type Rx = flume::Receiver<Message>;
    const NAME: &'static str = "flume";
    fn make(f: Flavor, n: usize) -> (Self::Tx, Self::Rx) {
        match f {
            Flavor::B0 => flume::bounded(0),
            Flavor::B1 => flume::bounded(1),
            Flavor::BN => flume::bounded(n),
            Flavor::Unb => flume::unbounded(),
        }
    }
    fn send(tx: &Self::Tx, m: Message) {
        tx.send(m).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Message {
        rx.recv().unwrap()
    }
}

// ---- workloads (exactly as crossbeam-channel/benchmarks/crossbeam-channel.rs) ----------------
fn run<P: Peer>(w: &str, f: Flavor, n: usize, t: usize) -> (f64, bool) {
    let per = n / t;
    let start = Instant::now();
    let sum: usize = {
        let (tx, rx) = P::make(f, n);
        match w {
            "seq" => {
                for i in 0..n {
                    P::send(&tx, Message([i]));
                }
                let mut s = 0;
                for _ in 0..n {
                    s += P::recv(&rx).0[0];
                }
                s
            }
            "spsc" => std::thread::scope(|sc| {
                sc.spawn(|| {
                    for i in 0..n {
                        P::send(&tx, Message([i]));
                    }
                });
                let mut s = 0;
                for _ in 0..n {
                    s += P::recv(&rx).0[0];
                }
                s
            }),
            "mpsc" => std::thread::scope(|sc| {
                for _ in 0..t {
                    let tx = tx.clone();
                    sc.spawn(move || {
                        for i in 0..per {
                            P::send(&tx, Message([i]));
                        }
                    });
                }
                let mut s = 0;
                for _ in 0..per * t {
                    s += P::recv(&rx).0[0];
                }
                s
            }),
            "mpmc" => std::thread::scope(|sc| {
                for _ in 0..t {
                    let tx = tx.clone();
                    sc.spawn(move || {
                        for i in 0..per {
                            P::send(&tx, Message([i]));
                        }
                    });
                }
                let hs: Vec<_> = (0..t)
                    .map(|_| {
                        let rx = rx.clone();
                        sc.spawn(move || {
                            let mut s = 0;
                            for _ in 0..per {
                                s += P::recv(&rx).0[0];
                            }
                            s
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).sum()
            }),
            _ => unreachable!(),
        }
    };
    let secs = start.elapsed().as_secs_f64();
    let want = if w == "seq" || w == "spsc" { n * (n - 1) / 2 } else { t * (per * (per.max(1) - 1) / 2) };
    (secs, sum == want)
}

// select_rx / select_both, crossbeam only (as in the upstream suite): a new Select per operation.
fn run_select(w: &str, f: Flavor, n: usize, t: usize) -> (f64, bool) {
    use crossbeam_channel::Select;
    let per = n / t;
    let start = Instant::now();
    let sum: usize = {
        let chans: Vec<_> = (0..t).map(|_| Crossbeam::make(f, n)).collect();
        match w {
            "select_rx" => std::thread::scope(|sc| {
                for (tx, _) in &chans {
                    sc.spawn(move || {
                        for i in 0..per {
                            tx.send(Message([i])).unwrap();
                        }
                    });
                }
                let mut s = 0;
                for _ in 0..per * t {
                    let mut sel = Select::new();
                    for (_, rx) in &chans {
                        sel.recv(rx);
                    }
                    let case = sel.select();
                    let index = case.index();
                    s += case.recv(&chans[index].1).unwrap().0[0];
                }
                s
            }),
            "select_both" => std::thread::scope(|sc| {
                let chans = &chans;
                for _ in 0..t {
                    sc.spawn(move || {
                        for i in 0..per {
                            let mut sel = Select::new();
                            for (tx, _) in chans {
                                sel.send(tx);
                            }
                            let case = sel.select();
                            let index = case.index();
                            case.send(&chans[index].0, Message([i])).unwrap();
                        }
                    });
                }
                let hs: Vec<_> = (0..t)
                    .map(|_| {
                        sc.spawn(move || {
                            let mut s = 0;
                            for _ in 0..per {
                                let mut sel = Select::new();
                                for (_, rx) in chans {
                                    sel.recv(rx);
                                }
                                let case = sel.select();
                                let index = case.index();
                                s += case.recv(&chans[index].1).unwrap().0[0];
                            }
                            s
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).sum()
            }),
            _ => unreachable!(),
        }
    };
    let secs = start.elapsed().as_secs_f64();
    (secs, sum == t * (per * (per.max(1) - 1) / 2))
}

fn pingpong<P: Peer>(f: Flavor, iters: usize) -> (f64, bool) {
    let start = Instant::now();
    let v = {
        let (tx1, rx1) = P::make(f, 1);
        let (tx2, rx2) = P::make(f, 1);
        std::thread::scope(|sc| {
            sc.spawn(|| {
                for _ in 0..iters {
                    let m = P::recv(&rx1);
                    P::send(&tx2, Message([m.0[0] + 1]));
                }
            });
            let mut v = 0;
            for _ in 0..iters {
                P::send(&tx1, Message([v]));
                v = P::recv(&rx2).0[0];
            }
            v
        })
    };
    (start.elapsed().as_secs_f64(), v == iters)
}

fn memory<P: Peer>() {
    for (f, name) in [(Flavor::B0, "bounded0"), (Flavor::B1, "bounded1"), (Flavor::BN, "bounded1024"), (Flavor::Unb, "unbounded")] {
        count_start();
        {
            let ch = P::make(f, 1024);
            let live = LIVE.load(Relaxed);
            let allocs = ALLOCS.load(Relaxed);
            println!("MEM {} empty_{}_bytes {}", P::NAME, name, live);
            println!("MEM {} empty_{}_allocs {}", P::NAME, name, allocs);
            black_box(&ch);
        }
        count_stop();
    }
    let n = 1_000_000usize;
    count_start();
    {
        let (tx, rx) = P::make(Flavor::Unb, 0);
        let base = LIVE.load(Relaxed);
        let base_a = ALLOCS.load(Relaxed);
        for i in 0..n {
            P::send(&tx, Message([i]));
        }
        let full = LIVE.load(Relaxed);
        let full_a = ALLOCS.load(Relaxed);
        let mut s = 0;
        for _ in 0..n {
            s += P::recv(&rx).0[0];
        }
        let drained = LIVE.load(Relaxed);
        println!("MEM {} unbounded_bytes_per_msg {:.3}", P::NAME, (full - base) as f64 / n as f64);
        println!("MEM {} unbounded_allocs_per_msg {:.4}", P::NAME, (full_a - base_a) as f64 / n as f64);
        println!("MEM {} unbounded_after_drain_bytes {}", P::NAME, drained);
        if s != n * (n - 1) / 2 {
            println!("MEM {} checksum BAD", P::NAME);
        }
    }
    count_stop();
}

// Single-thread micro-benchmarks: best of 5 rounds of `iters` operations, ns per operation.
fn micro<P: Peer>() {
    fn best(iters: usize, mut f: impl FnMut(usize)) -> f64 {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for i in 0..iters {
                f(i);
            }
            best = best.min(t.elapsed().as_nanos() as f64 / iters as f64);
        }
        best
    }
    let it = 200_000;
    for (f, name) in [(Flavor::B0, "bounded0"), (Flavor::B1, "bounded1"), (Flavor::Unb, "unbounded")] {
        let ns = best(it, |_| {
            black_box(P::make(f, 1));
        });
        println!("MICRO {} create_destroy_{} {:.1}", P::NAME, name, ns);
    }
    for (f, name) in [(Flavor::B1, "bounded1"), (Flavor::Unb, "unbounded")] {
        let ns = best(it, |i| {
            let (tx, rx) = P::make(f, 1);
            P::send(&tx, Message([i]));
            black_box(P::recv(&rx));
        });
        println!("MICRO {} oneshot_{} {:.1}", P::NAME, name, ns);
        let (tx, rx) = P::make(f, 1);
        let ns = best(it * 5, |i| {
            P::send(&tx, Message([i]));
            black_box(P::recv(&rx));
        });
        println!("MICRO {} inout_{} {:.1}", P::NAME, name, ns);
    }
}

fn parse_test(s: &str) -> Option<(Flavor, &str)> {
    let (f, w) = s.split_once('_')?;
    let f = match f {
        "bounded0" => Flavor::B0,
        "bounded1" => Flavor::B1,
        "bounded" => Flavor::BN,
        "unbounded" => Flavor::Unb,
        _ => return None,
    };
    Some((f, w))
}

fn dispatch<P: Peer>(args: &[String]) {
    match args[1].as_str() {
        "run" => {
            let test = &args[3];
            let n: usize = args[4].parse().unwrap();
            let t: usize = args[5].parse().unwrap();
            let (f, w) = parse_test(test).expect("bad test");
            if w == "seq" && (f == Flavor::B0 || f == Flavor::B1) {
                println!("UNSUPPORTED {} {} seq would deadlock", P::NAME, test);
                return;
            }
            let (secs, ok) = if w.starts_with("select") {
                if P::NAME != "crossbeam" {
                    println!("UNSUPPORTED {} {} select is not run for this peer (as in the upstream suite)", P::NAME, test);
                    return;
                }
                run_select(w, f, n, t)
            } else {
                run::<P>(w, f, n, t)
            };
            println!("RESULT {} {} {:.9} {} {} {}", P::NAME, test, secs, n, if ok { "ok" } else { "BAD" }, peak_rss_kb());
        }
        "pingpong" => {
            let f = if args[3] == "bounded0" { Flavor::B0 } else { Flavor::B1 };
            let n: usize = args[4].parse().unwrap();
            let (secs, ok) = pingpong::<P>(f, n);
            println!("RESULT {} pingpong_{} {:.9} {} {} {}", P::NAME, args[3], secs, n, if ok { "ok" } else { "BAD" }, peak_rss_kb());
        }
        "memory" => memory::<P>(),
        "micro" => micro::<P>(),
        _ => eprintln!("unknown command"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: rust-peers run|pingpong|memory|micro <crossbeam|flume> ...");
        std::process::exit(2);
    }
    match args[2].as_str() {
        "crossbeam" => dispatch::<Crossbeam>(&args),
        "flume" => dispatch::<Flume>(&args),
        p => println!("UNSUPPORTED {} * unknown peer", p),
    }
}
