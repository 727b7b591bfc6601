//! What both benchmarks share: each phase runs in a fresh child process (this
//! executable, re-run with `ORDERDECK_BENCH_PHASE`) so that the peak RSS and
//! CPU time it reports are its own; the child prints `@result KEY VALUE`
//! lines that the parent collects.
// Each benchmark compiles this module on its own and uses a subset of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub const PHASE_VAR: &str = "ORDERDECK_BENCH_PHASE";
const RESULT: &str = "@result";

pub type Results = BTreeMap<String, f64>;

/// Dispatches between parent and child. Without `--bench` (as `cargo test
/// --all-targets` runs harness-less benches) nothing is measured.
pub fn main(name: &str, parent: fn(), child: fn(&str)) {
    if let Ok(phase) = std::env::var(PHASE_VAR) {
        child(&phase);
        report("hwm_kb", peak_rss_kb());
        report("cpu_s", cpu_seconds());
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!("{name}: skipped (run it with `cargo bench --bench {name}`)");
        return;
    }
    parent();
}

pub fn get(results: &Results, key: &str) -> f64 {
    *results
        .get(key)
        .unwrap_or_else(|| panic!("the child reported no {key}"))
}

pub fn report(key: &str, value: f64) {
    println!("{RESULT} {key} {value}");
}

pub fn env_path(var: &str) -> PathBuf {
    PathBuf::from(std::env::var(var).unwrap_or_else(|_| panic!("{var} is set by the parent")))
}

/// A count from the environment; `_` and `,` may group its digits.
pub fn env_number(var: &str) -> Option<u64> {
    std::env::var(var).ok().map(|text| {
        text.replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|e| panic!("{var}: {e}"))
    })
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Re-runs this executable for one phase and collects its `@result` lines;
/// everything else it prints is passed through.
pub fn run_child(phase: &str, vars: &[(&str, String)]) -> Results {
    let exe = std::env::current_exe().expect("current executable");
    println!();
    println!("-- phase {phase} --");
    let mut command = Command::new(exe);
    command
        .arg("--bench")
        .env(PHASE_VAR, phase)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (key, value) in vars {
        command.env(key, value);
    }
    let output = command.output().expect("running a phase");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut results = Results::new();
    for line in stdout.lines() {
        match line.strip_prefix(RESULT) {
            Some(rest) => {
                let mut words = rest.split_whitespace();
                let (Some(key), Some(value)) = (words.next(), words.next()) else {
                    panic!("bad result line {line:?}");
                };
                results.insert(key.to_string(), value.parse().expect("a number"));
            }
            None => println!("  {line}"),
        }
    }
    assert!(
        output.status.success(),
        "phase {phase} failed: {}",
        output.status
    );
    results
}

pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kb = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(kb_field))
        .unwrap_or(0.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "nproc {cores}, {model}, {:.1} GB RAM, Linux {}",
        mem_kb / 1024.0 / 1024.0,
        kernel.trim()
    )
}

/// Thousands separators: 1234567 -> "1,234,567".
pub fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn kb_field(rest: &str) -> f64 {
    rest.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// VmHWM: the peak resident set of this process so far.
pub fn peak_rss_kb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:").map(kb_field))
        .expect("VmHWM in /proc/self/status")
}

/// User + system CPU time of this process (all threads), from /proc/self/stat
/// in clock ticks of 1/100 s (USER_HZ on Linux).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat(5); `after_name` starts at field 3.
    (ticks(11) + ticks(12)) / 100.0
}
