//! Load throughput on a generated ~50 MB multi-document manifest (the example manifests,
//! repeated), as a ratio to the baseline of the same run: saphyr's bare event stream, which
//! every load pays for. `cargo bench -p bulkhead-manifest --bench load`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bulkhead_manifest::{Documents, load, objects_of};

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let one = include_str!("../tests/fixtures/web.yaml");
    let copies = 50_000_000 / (one.len() + 4) + 1;
    let text = format!("{one}---\n").repeat(copies);
    let mb = text.len() as f64 / 1e6;

    let events = best_of(3, || {
        let n = saphyr_parser::Parser::new_from_str(&text).count();
        assert!(n > copies);
    });
    let label: Arc<str> = Arc::from("bench.yaml");
    let stream = best_of(3, || {
        let mut objects = 0;
        for doc in Documents::new("bench.yaml", text.as_bytes()) {
            let (mut out, mut skipped) = (Vec::new(), Vec::new());
            objects_of(&label, doc.unwrap(), &mut out, &mut skipped);
            objects += out.len();
        }
        assert_eq!(objects, copies * 4);
    });
    let whole = best_of(3, || {
        assert_eq!(
            load("bench.yaml", text.as_bytes()).objects.len(),
            copies * 4
        );
    });
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!("{mb:.0} MB, {} documents", copies * 4);
    println!("saphyr events (baseline): {:>6.1} MB/s", rate(events));
    for (name, d) in [
        ("Documents (streaming)", stream),
        ("load (all objects kept)", whole),
    ] {
        println!(
            "{name:<24}: {:>6.1} MB/s, {:.2}x the baseline's time",
            rate(d),
            d.as_secs_f64() / events.as_secs_f64()
        );
    }
}
