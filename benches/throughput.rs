//! Throughput of the import pipeline against the raw limit of this machine
//! (DESIGN.md §8 "Measured on these 2-core machines").
//!
//! ```sh
//! cargo bench --bench throughput                              # N = 1,000,000
//! ORDERDECK_BENCH_ORDERS=20000 cargo bench --bench throughput
//! ```
//!
//! Environment:
//! - `ORDERDECK_BENCH_ORDERS`: N, the Shopify orders in the import file (default 1,000,000).
//! - `ORDERDECK_BENCH_DIR`: work in this directory and keep its files (for
//!   profiling a phase); by default a temporary directory, removed at the end.
//!
//! Each phase runs in a fresh child process (this executable, re-run with
//! `ORDERDECK_BENCH_PHASE`), so the peak RSS it reports (VmHWM) is that
//! phase's alone:
//! 1. `engine`: `engine::evaluate_each` alone on one thread, over 20,000 distinct
//!    orders' facts read through the real connectors, a batch at a time as
//!    the importer and sync evaluate (and, as a diagnostic, `engine::evaluate`
//!    one call per order);
//! 2. `import`: `sync::import::import_file` of one `{"orders": [...]}` file of
//!    N generated Shopify orders into a fresh SQLite file, then the same at N/10;
//! 3. `raw`: the limit of the same machine on the same bytes: serde_json
//!    parsing the file into a small typed struct per order, the faster of
//!    streaming it from a reader and parsing each order from memory, plus a
//!    bare batched multi-row INSERT of (id, name, body) rows through the same
//!    sqlx pool; raw limit = N / (parse time + insert time). One more insert, a
//!    diagnostic outside the limit, writes the bodies LZ4-packed as the store
//!    keeps them, so the share of the import's speed that is fewer bytes
//!    written shows beside the limit.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod harness;
use harness::{env_number, env_path, get, group, machine, report, run_child, runtime, Results};

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, BufWriter};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use orderdeck::config::Config;
use orderdeck::connectors::{read_body, Item, Source};
use orderdeck::domain::{DocumentContent, OrderFacts, ReplacementLink};
use orderdeck::engine::{evaluate, evaluate_each, Policy};
use orderdeck::sim::shop::{ListWriter, Scenario, ShopGenerator};
use orderdeck::store::{pack, sqlite_url, Store};
use orderdeck::sync::import::import_file;

const SEED: u64 = 42;
const NOW: &str = "2026-11-27T12:00:00Z";
/// Distinct orders the engine phase cycles through.
const ENGINE_FACTS: u64 = 20_000;
/// Rows per statement in the raw insert, as the importer batches.
const RAW_BATCH: usize = 1_000;
const ENGINE_TARGET: f64 = 1_000_000.0;
const RATIO_TARGET: f64 = 0.5;

const FILE_VAR: &str = "ORDERDECK_BENCH_FILE";
const DB_VAR: &str = "ORDERDECK_BENCH_DB";
const COUNT_VAR: &str = "ORDERDECK_BENCH_COUNT";

const NAME: &str = "throughput";

fn main() {
    harness::main(NAME, parent, child);
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .expect("NOW is RFC 3339")
        .with_timezone(&Utc)
}

fn policy() -> Policy {
    Config::builtin()
        .expect("built-in config")
        .policy()
        .expect("built-in policy")
}

// ---------------------------------------------------------------- parent --

fn parent() {
    let n = env_number("ORDERDECK_BENCH_ORDERS").unwrap_or(1_000_000);
    assert!(n >= 10, "ORDERDECK_BENCH_ORDERS must be at least 10");
    let n_small = n / 10;

    println!(
        "orderdeck throughput benchmark (orderdeck {})",
        env!("CARGO_PKG_VERSION")
    );
    println!("machine: {}", machine());
    println!(
        "data: N = {} generated Shopify orders (ShopGenerator seed {SEED}, now {NOW})",
        group(n)
    );

    let kept_dir = std::env::var_os("ORDERDECK_BENCH_DIR").map(PathBuf::from);
    let temp = match &kept_dir {
        Some(_) => None,
        None => Some(tempfile::TempDir::new().expect("temporary directory")),
    };
    let dir = match (&kept_dir, &temp) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir).expect("ORDERDECK_BENCH_DIR");
            dir.clone()
        }
        (None, Some(temp)) => temp.path().to_path_buf(),
        (None, None) => unreachable!(),
    };
    println!(
        "work dir: {}{}",
        dir.display(),
        if kept_dir.is_some() {
            " (kept)"
        } else {
            " (removed at the end)"
        }
    );

    let big = dir.join(format!("shopify-orders-{n}.json"));
    let small = dir.join(format!("shopify-orders-{n_small}.json"));
    let started = Instant::now();
    let big_bytes = write_orders(&big, n);
    let small_bytes = write_orders(&small, n_small);
    println!(
        "generated: {} ({} bytes, {:.0} bytes/order) and {} ({} bytes) in {:.1} s",
        big.display(),
        group(big_bytes),
        big_bytes as f64 / n as f64,
        small.display(),
        group(small_bytes),
        started.elapsed().as_secs_f64()
    );

    let engine = run_child("engine", &[(COUNT_VAR, n.to_string())]);
    let import_big = run_child(
        "import",
        &[
            (COUNT_VAR, n.to_string()),
            (FILE_VAR, big.display().to_string()),
            (DB_VAR, dir.join("import-n.sqlite").display().to_string()),
        ],
    );
    let import_small = run_child(
        "import",
        &[
            (COUNT_VAR, n_small.to_string()),
            (FILE_VAR, small.display().to_string()),
            (DB_VAR, dir.join("import-n10.sqlite").display().to_string()),
        ],
    );
    let raw = run_child(
        "raw",
        &[
            (COUNT_VAR, n.to_string()),
            (FILE_VAR, big.display().to_string()),
            (DB_VAR, dir.join("raw").display().to_string()),
        ],
    );

    summary(n, big_bytes, &engine, &import_big, &import_small, &raw);
    drop(temp);
}

fn summary(
    n: u64,
    bytes: u64,
    engine: &Results,
    import_big: &Results,
    import_small: &Results,
    raw: &Results,
) {
    let engine_rate = get(engine, "rate");
    let import_rate = get(import_big, "rate");
    // The faster of the two ways serde_json parsed the file.
    let stream_parse_s = get(raw, "parse_s");
    let memory_parse_s = get(raw, "parse_memory_s");
    let parse_s = stream_parse_s.min(memory_parse_s);
    let inserts: Vec<(Variant, f64)> = VARIANTS.iter().map(|v| (*v, get(raw, v.key))).collect();
    // The raw limit as the importer writes its SQL on SQLite (anonymous `?`
    // placeholders, 1,000 rows a statement), with the faster transaction mode.
    let (limit_variant, limit_insert_s) = inserts
        .iter()
        .filter(|(v, _)| !v.numbered && v.rows == RAW_BATCH && !v.packed)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .copied()
        .expect("a ? variant");
    // The fastest bare insert of the file's own bytes, whatever its SQL.
    let (best_variant, best_insert_s) = inserts
        .iter()
        .filter(|(v, _)| !v.packed)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .copied()
        .expect("a variant");
    let raw_rate = n as f64 / (parse_s + limit_insert_s);
    let best_rate = n as f64 / (parse_s + best_insert_s);
    let ratio = import_rate / raw_rate;
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    let mb = |kb: f64| format!("{:.0} MB", kb / 1024.0);
    let rate = |r: f64| format!("{}/s", group(r.round() as u64));

    println!();
    println!(
        "== summary: N = {} Shopify orders, {:.2} GB file ({:.0} bytes/order); {} ==",
        group(n),
        bytes as f64 / 1e9,
        bytes as f64 / n as f64,
        machine()
    );
    println!(
        "{:<74} {:>12} {:>9} {:>9}",
        "measured", "orders/s", "seconds", "peak RSS"
    );
    let row = |name: &str, r: f64, secs: f64, hwm: Option<f64>| {
        println!(
            "{:<74} {:>12} {:>9.2} {:>9}",
            name,
            rate(r),
            secs,
            hwm.map_or_else(|| "-".to_string(), mb)
        );
    };
    row(
        &format!(
            "engine::evaluate_each, 1 thread, {} orders",
            group(get(engine, "count") as u64)
        ),
        engine_rate,
        get(engine, "secs"),
        Some(get(engine, "hwm_kb")),
    );
    row(
        &format!("import_file, N = {}", group(n)),
        import_rate,
        get(import_big, "secs"),
        Some(get(import_big, "hwm_kb")),
    );
    row(
        &format!("import_file, N/10 = {}", group(n / 10)),
        get(import_small, "rate"),
        get(import_small, "secs"),
        Some(get(import_small, "hwm_kb")),
    );
    row(
        "raw (a): serde_json typed streaming parse",
        n as f64 / stream_parse_s,
        stream_parse_s,
        None,
    );
    row(
        "raw (a): serde_json typed parse from memory, an order a line",
        n as f64 / memory_parse_s,
        memory_parse_s,
        None,
    );
    for (variant, secs) in &inserts {
        row(
            &format!("raw (b): INSERT {}", variant.describe()),
            n as f64 / secs,
            *secs,
            None,
        );
    }
    row(
        "raw limit = N / (faster parse + INSERT ?, 1,000 rows, faster tx)",
        raw_rate,
        parse_s + limit_insert_s,
        Some(get(raw, "hwm_kb")),
    );
    row(
        "raw limit, fastest INSERT measured",
        best_rate,
        parse_s + best_insert_s,
        None,
    );
    row(
        "(diagnostic) connectors::read_body alone, no database",
        get(raw, "read_body_rate"),
        get(raw, "read_body_s"),
        None,
    );
    println!();
    println!(
        "engine: {} vs target {} -> {} ({:.0} ns/order)",
        rate(engine_rate),
        rate(ENGINE_TARGET),
        verdict(engine_rate >= ENGINE_TARGET),
        1e9 / engine_rate
    );
    println!(
        "engine per CPU second: {} (the loop's own CPU time; differs from the wall-clock rate when the machine is shared)",
        rate(get(engine, "cpu_rate"))
    );
    println!(
        "(diagnostic) engine::evaluate one call per order: {} (each order waits for its own facts from memory)",
        rate(get(engine, "single_rate"))
    );
    println!(
        "import / raw limit = {} / {} = {:.3} vs target {RATIO_TARGET} -> {} (raw limit with INSERT {})",
        rate(import_rate),
        rate(raw_rate),
        ratio,
        verdict(ratio >= RATIO_TARGET),
        limit_variant.describe()
    );
    println!(
        "import / fastest raw limit = {} / {} = {:.3} (INSERT {})",
        rate(import_rate),
        rate(best_rate),
        import_rate / best_rate,
        best_variant.describe()
    );
    for (variant, secs) in inserts.iter().filter(|(v, _)| v.packed) {
        let packed_rate = n as f64 / (parse_s + secs);
        println!(
            "(diagnostic) import / raw limit with the bodies packed as the store keeps them = {} / {} = {:.3} (INSERT {})",
            rate(import_rate),
            rate(packed_rate),
            import_rate / packed_rate,
            variant.describe()
        );
    }
    println!(
        "import peak RSS: {} at N = {}, {} at N/10 = {} (x{:.2} for 10x the orders)",
        mb(get(import_big, "hwm_kb")),
        group(n),
        mb(get(import_small, "hwm_kb")),
        group(n / 10),
        get(import_big, "hwm_kb") / get(import_small, "hwm_kb")
    );
    println!(
        "import CPU at N: {:.2} of {} cores busy on average (user+sys {:.1} s over {:.1} s wall)",
        get(import_big, "cpu_s") / get(import_big, "secs"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        get(import_big, "cpu_s"),
        get(import_big, "secs")
    );
}

fn write_orders(path: &Path, count: u64) -> u64 {
    let generator = ShopGenerator::new(SEED, now());
    let file = BufWriter::with_capacity(
        1 << 20,
        File::create(path).expect("creating the orders file"),
    );
    let mut list = ListWriter::start(file, "orders").expect("writing");
    let mut written = 0;
    let mut index = 0;
    while written < count {
        if let Some(order) = generator.order(index).storefront {
            list.push(&order).expect("writing");
            written += 1;
        }
        index += 1;
    }
    list.finish().expect("writing");
    std::fs::metadata(path).expect("orders file").len()
}

// ----------------------------------------------------------------- child --

fn child(phase: &str) {
    match phase {
        "engine" => engine_phase(),
        "import" => import_phase(),
        "raw" => raw_phase(),
        other => panic!("unknown phase {other:?}"),
    }
}

// ---------------------------------------------------------------- engine --

/// Reads one body through the real connector into `facts`.
fn absorb_body(facts: &mut OrderFacts, source: Source, body: &Value, at: DateTime<Utc>) {
    let bytes = serde_json::to_vec(body).expect("json");
    read_body(source, bytes.as_slice(), &mut |item| match item {
        Item::Document(doc) => facts.absorb(doc.content, at),
        Item::Rejected(rejected) => panic!("generated document rejected: {}", rejected.reason),
    })
    .expect("generated body is readable");
}

fn facts_of(generator: &ShopGenerator, index: u64, at: DateTime<Utc>) -> OrderFacts {
    let order = generator.order(index);
    let mut facts = OrderFacts::default();
    if let Some(storefront) = &order.storefront {
        absorb_body(
            &mut facts,
            Source::Storefront,
            &json!({ "order": storefront }),
            at,
        );
    }
    if !order.fulfillment_orders.is_empty() {
        let body = json!({ "fulfillment_orders": order.fulfillment_orders });
        absorb_body(&mut facts, Source::Storefront, &body, at);
    }
    if let Some(warehouse) = &order.warehouse_order {
        absorb_body(&mut facts, Source::Warehouse, warehouse, at);
    }
    for shipment in &order.shipments {
        absorb_body(&mut facts, Source::Warehouse, shipment, at);
    }
    if order.scenario == Scenario::ReplacementExists {
        if let Some(replacement) = generator.replacement_for(&order) {
            let mut replacement_facts = OrderFacts::default();
            absorb_body(&mut replacement_facts, Source::Storefront, &replacement, at);
            if let Some(r) = replacement_facts.storefront {
                facts.replacements.push(ReplacementLink {
                    replacement_name: r.value.name.clone(),
                    replacement_id: r.value.id.clone(),
                    created_at: r.value.created_at,
                });
            }
        }
    }
    facts.canonicalize();
    facts
}

fn engine_phase() {
    let n = env_number(COUNT_VAR).expect("the parent sets the count");
    let now = now();
    let policy = policy();
    let generator = ShopGenerator::new(SEED, now);
    let facts: Vec<OrderFacts> = (0..ENGINE_FACTS)
        .map(|i| facts_of(&generator, i, now))
        .collect();

    // Warm-up pass, and what the data looks like.
    let mut queues: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut findings = 0;
    for f in &facts {
        let evaluation = evaluate(f, &policy, now);
        *queues.entry(evaluation.queue.as_str()).or_default() += 1;
        findings += evaluation.findings.len();
    }
    let documents: usize = facts
        .iter()
        .map(|f| {
            usize::from(f.storefront.is_some())
                + usize::from(f.fulfillment_orders.is_some())
                + f.warehouse_orders.len()
                + f.warehouse_shipments.len()
        })
        .sum();
    println!(
        "data: {} distinct orders' facts ({} documents: storefront orders, fulfillment orders, ShipStation orders and shipments, read through connectors::read_body), {:.1} findings/order",
        group(ENGINE_FACTS),
        group(documents as u64),
        findings as f64 / ENGINE_FACTS as f64
    );
    println!(
        "queues: {}",
        queues
            .iter()
            .map(|(q, c)| format!("{q} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // As the importer and sync evaluate: a batch at a time, the next
    // orders' facts fetched from memory during the current one's checks.
    let started = Instant::now();
    let cpu_before = harness::cpu_seconds();
    let mut done = 0;
    while done < n {
        let take = (n - done).min(ENGINE_FACTS) as usize;
        evaluate_each(
            &facts[..take],
            |f| black_box(f),
            &policy,
            black_box(now),
            |_, evaluation| {
                black_box(evaluation);
            },
        );
        done += take as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    // On a shared machine the loop is not on a core all the time: its CPU
    // time says what one core does, the wall time what this run got.
    let cpu_secs = harness::cpu_seconds() - cpu_before;
    println!(
        "engine::evaluate_each x {} on 1 thread: {:.3} s, {} orders/s, {:.0} ns/order; CPU {:.2} s, {} orders per CPU second",
        group(n),
        secs,
        group((n as f64 / secs) as u64),
        secs * 1e9 / n as f64,
        cpu_secs,
        group((n as f64 / cpu_secs.max(0.01)) as u64)
    );

    // Diagnostic: one call per order, each waiting for its own facts.
    let started = Instant::now();
    for i in 0..n {
        let f = &facts[(i % ENGINE_FACTS) as usize];
        black_box(evaluate(black_box(f), &policy, black_box(now)));
    }
    let single_secs = started.elapsed().as_secs_f64();
    println!(
        "(diagnostic) engine::evaluate, one call per order, x {}: {:.3} s, {} orders/s",
        group(n),
        single_secs,
        group((n as f64 / single_secs) as u64),
    );
    report("count", n as f64);
    report("secs", secs);
    report("rate", n as f64 / secs);
    report("cpu_rate", n as f64 / cpu_secs.max(0.01));
    report("single_rate", n as f64 / single_secs);
}

// ---------------------------------------------------------------- import --

fn import_phase() {
    let n = env_number(COUNT_VAR).expect("the parent sets the count");
    let path = env_path(FILE_VAR);
    let db = env_path(DB_VAR);
    let now = now();
    let policy = policy();
    remove_db(&db);
    let rt = runtime();
    let (report_, evaluated, secs) = rt.block_on(async {
        let store = Store::open(&sqlite_url(&db))
            .await
            .expect("opening the store");
        let started = Instant::now();
        let (file, evaluated) = import_file(&store, &policy, Source::Storefront, &path, now)
            .await
            .expect("import");
        let secs = started.elapsed().as_secs_f64();
        store.close().await;
        (file, evaluated, secs)
    });
    assert!(report_.error.is_none(), "file skipped: {:?}", report_.error);
    assert!(
        report_.rejected.is_empty(),
        "{} documents kept aside",
        report_.rejected.len()
    );
    assert_eq!(report_.documents as u64, n, "documents imported");
    let db_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "import_file of {} ({} orders) into a fresh SQLite file: {:.2} s, {} orders/s, {} orders evaluated, database {} MB",
        path.display(),
        group(n),
        secs,
        group((n as f64 / secs) as u64),
        group(evaluated as u64),
        db_bytes / 1_000_000
    );
    report("secs", secs);
    report("rate", n as f64 / secs);
}

// ------------------------------------------------------------------- raw --

/// The few fields a hand-written importer would need from a Shopify order.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawOrder {
    id: u64,
    name: String,
    created_at: DateTime<FixedOffset>,
    line_items: Vec<RawLine>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawLine {
    id: u64,
    sku: Option<String>,
    quantity: u32,
    fulfillable_quantity: u32,
    price: String,
}

#[derive(Deserialize)]
struct IdName {
    id: u64,
    name: String,
}

/// Streams the array under `key` of a `{"key": [...]}` file, element by
/// element, without holding the file in memory. Returns the element count.
fn stream_list<T: DeserializeOwned>(path: &Path, key: &str, on: &mut dyn FnMut(T)) -> u64 {
    let file = File::open(path).expect("opening the orders file");
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, file));
    let count = ListBody {
        key,
        on,
        element: PhantomData,
    }
    .deserialize(&mut de)
    .expect("streaming the orders file");
    de.end().expect("end of the orders file");
    count
}

struct ListBody<'a, 'f, T> {
    key: &'a str,
    on: &'a mut (dyn FnMut(T) + 'f),
    element: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ListBody<'_, '_, T> {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ListBody<'_, '_, T> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with `{}`", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u64, A::Error> {
        let mut count = 0;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.key {
                count += map.next_value_seed(ListElements {
                    on: &mut *self.on,
                    element: PhantomData,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(count)
    }
}

struct ListElements<'a, 'f, T> {
    on: &'a mut (dyn FnMut(T) + 'f),
    element: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ListElements<'_, '_, T> {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ListElements<'_, '_, T> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut count = 0;
        while let Some(element) = seq.next_element::<T>()? {
            (self.on)(element);
            count += 1;
        }
        Ok(count)
    }
}

/// (id, name, body): the body as the file has it, or packed as the store
/// keeps it.
type Row = (String, String, RowBody);

enum RowBody {
    Text(String),
    Packed(Vec<u8>),
}

/// Reads the file's rows 1,000 at a time on a helper thread, in lockstep: a
/// chunk is only read when asked for, so reading never overlaps the timed
/// insert.
struct RowChunks {
    ask: mpsc::SyncSender<()>,
    chunks: mpsc::Receiver<Vec<Row>>,
    reader: Option<std::thread::JoinHandle<u64>>,
}

impl RowChunks {
    fn open(path: &Path, rows: usize, packed: bool) -> RowChunks {
        let (ask, asked) = mpsc::sync_channel::<()>(1);
        let (send, chunks) = mpsc::sync_channel::<Vec<Row>>(1);
        let path = path.to_path_buf();
        let reader = std::thread::spawn(move || {
            let mut chunk: Vec<Row> = Vec::with_capacity(rows);
            let mut stopped = false;
            let count = stream_list::<Box<RawValue>>(&path, "orders", &mut |raw| {
                if stopped {
                    return;
                }
                if chunk.is_empty() && asked.recv().is_err() {
                    stopped = true;
                    return;
                }
                let keys: IdName = serde_json::from_str(raw.get()).expect("order id and name");
                let body = if packed {
                    RowBody::Packed(pack(raw.get()).bytes)
                } else {
                    RowBody::Text(Box::<str>::from(raw).into_string())
                };
                chunk.push((keys.id.to_string(), keys.name, body));
                if chunk.len() == rows {
                    stopped = send.send(std::mem::take(&mut chunk)).is_err();
                }
            });
            if !chunk.is_empty() && !stopped {
                let _ = send.send(chunk);
            }
            count
        });
        RowChunks {
            ask,
            chunks,
            reader: Some(reader),
        }
    }

    fn next(&mut self) -> Option<Vec<Row>> {
        self.ask.send(()).ok()?;
        self.chunks.recv().ok()
    }
}

impl Drop for RowChunks {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            let (ask, _) = mpsc::sync_channel(0);
            drop(std::mem::replace(&mut self.ask, ask));
            let _ = reader.join();
        }
    }
}

/// How the bare insert is run.
#[derive(Clone, Copy)]
struct Variant {
    /// Rows per INSERT statement.
    rows: usize,
    /// `$1, $2, …` (what the store writes, for PostgreSQL's sake) or SQLite's
    /// anonymous `?`.
    numbered: bool,
    /// One transaction per statement, or one for the whole file.
    tx_per_statement: bool,
    /// Bodies LZ4-packed as the store keeps them (packed off the clock, so
    /// a diagnostic of the bytes written, not part of the raw limit).
    packed: bool,
    /// Key of the result line.
    key: &'static str,
}

impl Variant {
    fn describe(&self) -> String {
        format!(
            "{} rows/statement, {} placeholders, {}",
            group(self.rows as u64),
            if self.numbered { "$n" } else { "?" },
            if self.tx_per_statement {
                "1 tx per statement"
            } else {
                "1 tx overall"
            },
        ) + if self.packed { ", bodies packed" } else { "" }
    }
}

/// The variants measured. The first two are the bare equivalent of what the
/// importer does; the next two show what the placeholder count costs; the
/// last writes the bodies packed, as the store does, to show how much of the
/// import's lead over the bare insert is fewer bytes written.
const VARIANTS: [Variant; 5] = [
    Variant {
        rows: RAW_BATCH,
        numbered: true,
        tx_per_statement: true,
        packed: false,
        key: "insert_n1000_txeach_s",
    },
    Variant {
        rows: RAW_BATCH,
        numbered: true,
        tx_per_statement: false,
        packed: false,
        key: "insert_n1000_txone_s",
    },
    Variant {
        rows: 100,
        numbered: true,
        tx_per_statement: false,
        packed: false,
        key: "insert_n100_txone_s",
    },
    Variant {
        rows: RAW_BATCH,
        numbered: false,
        tx_per_statement: false,
        packed: false,
        key: "insert_q1000_txone_s",
    },
    Variant {
        rows: RAW_BATCH,
        numbered: false,
        tx_per_statement: false,
        packed: true,
        key: "insert_q1000_txone_packed_s",
    },
];

fn insert_sql(rows: usize, numbered: bool) -> String {
    let mut sql = String::from("INSERT INTO raw_rows (id, name, body) VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        if numbered {
            sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
        } else {
            sql.push_str("(?, ?, ?)");
        }
    }
    sql
}

/// One multi-row INSERT of `chunk`; `full_sql` serves a full chunk.
async fn insert_chunk(
    conn: &mut sqlx::AnyConnection,
    full_sql: &str,
    variant: Variant,
    chunk: Vec<Row>,
) {
    let partial;
    let sql = if chunk.len() == variant.rows {
        full_sql
    } else {
        partial = insert_sql(chunk.len(), variant.numbered);
        &partial
    };
    let mut query = sqlx::query(sql);
    for (id, name, body) in chunk {
        query = match body {
            RowBody::Text(text) => query.bind(id).bind(name).bind(text),
            RowBody::Packed(bytes) => query.bind(id).bind(name).bind(bytes),
        };
    }
    query.execute(&mut *conn).await.expect("insert");
}

/// The bare insert of every row of the file into a fresh database; only the
/// database work is timed (rows are read from the file, untimed, between
/// statements).
async fn raw_insert(path: &Path, db: &Path, variant: Variant) -> (Duration, u64) {
    remove_db(db);
    let store = Store::open(&sqlite_url(db))
        .await
        .expect("opening the raw store");
    let pool = store.pool();
    sqlx::query("CREATE TABLE raw_rows (id TEXT, name TEXT, body)")
        .execute(pool)
        .await
        .expect("creating raw_rows");
    let full_sql = insert_sql(variant.rows, variant.numbered);
    let mut rows = RowChunks::open(path, variant.rows, variant.packed);
    let mut timed = Duration::ZERO;
    let mut inserted = 0;
    let mut conn = pool.acquire().await.expect("connection");
    if variant.tx_per_statement {
        while let Some(chunk) = rows.next() {
            let started = Instant::now();
            inserted += chunk.len() as u64;
            let mut tx = sqlx::Connection::begin(&mut *conn).await.expect("begin");
            insert_chunk(&mut tx, &full_sql, variant, chunk).await;
            tx.commit().await.expect("commit");
            timed += started.elapsed();
        }
    } else {
        let started = Instant::now();
        let mut tx = sqlx::Connection::begin(&mut *conn).await.expect("begin");
        timed += started.elapsed();
        while let Some(chunk) = rows.next() {
            let started = Instant::now();
            inserted += chunk.len() as u64;
            insert_chunk(&mut tx, &full_sql, variant, chunk).await;
            timed += started.elapsed();
        }
        let started = Instant::now();
        tx.commit().await.expect("commit");
        timed += started.elapsed();
    }
    drop(conn);
    store.close().await;
    remove_db(db);
    (timed, inserted)
}

/// A SQLite database and its WAL and shared-memory files.
fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// Seconds since `started`, printed with the rate, once `done` is all `n`
/// orders.
fn finished(started: Instant, what: &str, done: u64, n: u64) -> f64 {
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(done, n, "{what}: orders");
    println!(
        "{what}: {secs:.2} s, {} orders/s",
        group((n as f64 / secs) as u64)
    );
    secs
}

fn raw_phase() {
    let n = env_number(COUNT_VAR).expect("the parent sets the count");
    let path = env_path(FILE_VAR);
    let dir = env_path(DB_VAR);
    std::fs::create_dir_all(&dir).expect("raw dir");

    // (a) serde_json streaming into a small typed struct per order.
    let started = Instant::now();
    let mut lines = 0usize;
    let parsed = stream_list::<RawOrder>(&path, "orders", &mut |order| {
        lines += order.line_items.len();
        black_box(order);
    });
    let parse_s = started.elapsed().as_secs_f64();
    assert_eq!(parsed, n, "orders parsed");
    println!(
        "(a) serde_json from_reader, typed struct (id, name, created_at, line_items[id, sku, quantity, fulfillable_quantity, price]): {:.2} s, {} orders/s ({} line items)",
        parse_s,
        group((n as f64 / parse_s) as u64),
        group(lines as u64)
    );

    // (a) again, each order parsed from memory: serde_json reads a slice
    // several times faster than a reader. The generated file holds an order
    // a line, so a line, less the list's opening and its separator, is one
    // order's JSON.
    let started = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 20, File::open(&path).expect("orders file"));
    let mut line = Vec::new();
    let mut parsed_in_memory = 0u64;
    while reader
        .read_until(b'\n', &mut line)
        .expect("reading the orders file")
        > 0
    {
        let text = line.trim_ascii_end();
        let text = text.strip_prefix(br#"{"orders":["#).unwrap_or(text);
        let text = text
            .strip_suffix(b",")
            .or_else(|| text.strip_suffix(b"]}"))
            .unwrap_or(text);
        if !text.is_empty() {
            let order: RawOrder = serde_json::from_slice(text).expect("an order a line");
            black_box(order);
            parsed_in_memory += 1;
        }
        line.clear();
    }
    let parse_memory_s = finished(
        started,
        "(a) the same, each order parsed from memory (an order a line)",
        parsed_in_memory,
        n,
    );

    // (b) bare multi-row INSERT of (id, name, body), 1,000 rows a statement.
    let rt = runtime();
    let version: String = rt.block_on(async {
        let store = Store::open(&sqlite_url(&dir.join("version.sqlite")))
            .await
            .expect("store");
        let version = sqlx::query_scalar::<_, String>("SELECT sqlite_version()")
            .fetch_one(store.pool())
            .await
            .expect("sqlite_version()");
        store.close().await;
        remove_db(&dir.join("version.sqlite"));
        version
    });
    for variant in VARIANTS {
        let (timed, inserted) = rt.block_on(raw_insert(&path, &dir.join("raw.sqlite"), variant));
        assert_eq!(inserted, n, "rows inserted");
        let secs = timed.as_secs_f64();
        println!(
            "(b) sqlx Any + SQLite {version} (Store::open pragmas: WAL, synchronous=NORMAL), bare INSERT of (id, name, body), {}: {:.2} s, {} rows/s",
            variant.describe(),
            secs,
            group((n as f64 / secs) as u64)
        );
        report(variant.key, secs);
    }

    // Diagnostic: the real connector alone on the same file (no database).
    let started = Instant::now();
    let file = File::open(&path).expect("orders file");
    let mut documents = 0u64;
    read_body(Source::Storefront, file, &mut |item| {
        if let Item::Document(doc) = &item {
            if matches!(doc.content, DocumentContent::StorefrontOrder(_)) {
                documents += 1;
            }
        }
        black_box(item);
    })
    .expect("read_body");
    let read_body_s = finished(
        started,
        "(diagnostic) connectors::read_body alone on the same file",
        documents,
        n,
    );

    report("parse_s", parse_s);
    report("parse_memory_s", parse_memory_s);
    report("read_body_s", read_body_s);
    report("read_body_rate", n as f64 / read_body_s);
}
