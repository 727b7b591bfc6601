//! Vendor EDI end to end: the real X12 fixtures, real folders in a temp
//! dir, a real SQLite file (and PostgreSQL when ORDERDECK_TEST_PG is set),
//! and the real binary for `import --source vendor`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod dbs;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use orderdeck::config::{Config, VendorConfig};
use orderdeck::connectors::edi::{self, Separators, VendorMessage};
use orderdeck::domain::{AckState, PurchaseOrder, PurchaseOrderLine};
use orderdeck::store::Store;
use orderdeck::sync::vendor_edi::{self, FileOutcome};
use sqlx::Row;

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/x12");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is not there", dir.display());
        None
    }
}

fn fixture(name: &str) -> Option<String> {
    Some(std::fs::read_to_string(fixtures()?.join(name)).unwrap())
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 9, 15, 0, 0).unwrap()
}

/// What each fixture is: read as one of ours, or refused with this reason.
#[test]
fn every_fixture_is_read_or_refused_as_its_content_says() {
    let Some(dir) = fixtures() else { return };
    let expected: &[(&str, Result<&str, &str>)] = &[
        ("846-inventory-advice.edi", Ok("846")),
        ("855-accepted-split-ship-schedules.edi", Ok("855")),
        ("855-rejected.edi", Ok("855")),
        ("856-shipment-order-pack-item-vics.edi", Ok("856")),
        (
            "850-minimal-v004010.edi",
            Err("is a 850 (purchase order, which we send"),
        ),
        // Filed under fail/ upstream: its SE miscounts, which is seen first.
        (
            "850-multi-line-v003010.edi",
            Err("SE of transaction set 0001 (850) in group 1 of interchange 000000001 counts 28 segment(s), found 27"),
        ),
        ("810-invoice-pipe-delimited.edi", Err("is a 810 (invoice)")),
        (
            "997-accepted.edi",
            Err("version 00400 (ISA12); only 004010"),
        ),
    ];
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut listed: Vec<String> = expected.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "every fixture has an expectation");
    for (name, want) in expected {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        match (edi::parse(&text).and_then(|i| edi::read(&i)), want) {
            (Ok(messages), Ok(set)) => {
                assert_eq!(messages.len(), 1, "{name}");
                let got = match &messages[0] {
                    VendorMessage::Ack(_) => "855",
                    VendorMessage::ShipNotice(_) => "856",
                    VendorMessage::Inventory(_) => "846",
                    VendorMessage::FunctionalAck(_) => "997",
                };
                assert_eq!(got, *set, "{name}");
            }
            (Err(e), Err(reason)) => assert!(e.0.contains(reason), "{name}: {e}"),
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn fixtures_map_to_what_they_say() {
    let (Some(ack), Some(rejected), Some(asn), Some(inventory)) = (
        fixture("855-accepted-split-ship-schedules.edi"),
        fixture("855-rejected.edi"),
        fixture("856-shipment-order-pack-item-vics.edi"),
        fixture("846-inventory-advice.edi"),
    ) else {
        return;
    };
    let read = |text: &str| edi::read(&edi::parse(text).unwrap()).unwrap().remove(0);
    let VendorMessage::Ack(ack) = read(&ack) else {
        panic!()
    };
    assert_eq!(ack.po_number, "XX-1234");
    assert_eq!(ack.lines.len(), 3);
    assert_eq!(ack.lines[2].ordered, Some(48));
    let VendorMessage::Ack(rejected) = read(&rejected) else {
        panic!()
    };
    assert_eq!(rejected.code, "RJ");
    let VendorMessage::ShipNotice(asn) = read(&asn) else {
        panic!()
    };
    assert_eq!(asn.orders[0].po_number, "SO/VINCE1");
    assert_eq!(asn.orders[0].packages[0].tracking_number, "521649209219");
    assert_eq!(asn.carrier.as_deref(), Some("fedex"));
    assert_eq!(asn.orders[0].packages[0].items[0].quantity, 1);
    let VendorMessage::Inventory(inventory) = read(&inventory) else {
        panic!()
    };
    assert_eq!(inventory.items[0].vendor_sku, "46L5055");
    assert_eq!(inventory.items[0].quantities[0], ("34".to_string(), 5250));
}

fn po(number: &str, order: &str, lines: &[(&str, &str, u32)]) -> PurchaseOrder {
    PurchaseOrder {
        po_number: number.to_string(),
        vendor_id: "acme-home".to_string(),
        sent_at: now(),
        ack: AckState::Sent,
        acknowledged_at: None,
        promised_ship_date: None,
        lines: lines
            .iter()
            .map(|(ours, theirs, qty)| PurchaseOrderLine {
                our_sku: ours.to_string(),
                vendor_sku: Some(theirs.to_string()),
                ordered: *qty,
                accepted: None,
                shipped: 0,
                ..Default::default()
            })
            .collect(),
        order_name: order.to_string(),
        revision: 0,
        packages: Vec::new(),
        expedite: false,
    }
}

#[test]
fn other_separators_and_bad_envelopes() {
    let separators = Separators {
        element: '|',
        component: '^',
        segment: '\n',
        repetition: None,
    };
    let from = edi::Party {
        qualifier: "ZZ".into(),
        id: "US".into(),
    };
    let to = edi::Party {
        qualifier: "ZZ".into(),
        id: "ACME".into(),
    };
    let order = po("PO-7", "#1007", &[("OUR-1", "V-1", 2), ("OUR-2", "V-2", 1)]);
    let interchange = edi::purchase_order_850(&order, &from, &to, separators, 42, now()).unwrap();
    let text = edi::render(&interchange);
    assert!(text.starts_with("ISA|00|"), "{text}");
    assert!(text.contains("PO1|1|2|EA|||VN|V-1|SK|OUR-1\n"), "{text}");
    // The 850 we write reads back the same with our own parser.
    assert_eq!(edi::parse(&text).unwrap(), interchange);
    assert_eq!(interchange.control_number, "000000042");

    let bad_se = text.replace("SE|7|0001", "SE|8|0001");
    let e = edi::parse(&bad_se).unwrap_err();
    assert!(
        e.0.contains("SE of transaction set 0001 (850)") && e.0.contains("counts 8"),
        "{e}"
    );
    let bad_ge = text.replace("GE|1|42", "GE|1|43");
    let e = edi::parse(&bad_ge).unwrap_err();
    assert!(
        e.0.contains("GE control number \"43\" does not match GS06 \"42\""),
        "{e}"
    );
    let bad_iea = text.replace("IEA|1|000000042", "IEA|1|000000041");
    let e = edi::parse(&bad_iea).unwrap_err();
    assert!(e.0.contains("IEA control number"), "{e}");
    let truncated = &text[..text.find("GE|").unwrap()];
    let e = edi::parse(truncated).unwrap_err();
    assert!(e.0.contains("no GE: the file is truncated"), "{e}");
    let wrong_separator = text.replace('|', "*");
    let e = edi::parse(&wrong_separator.replacen('*', "|", 1)).unwrap_err();
    assert!(e.0.contains("ISA"), "{e}");
    let reused_char = edi::purchase_order_850(
        &po("PO|8", "#1008", &[("A", "B", 1)]),
        &from,
        &to,
        separators,
        1,
        now(),
    );
    assert!(reused_char.unwrap_err().0.contains("separator"));
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: Config,
    store: Store,
}

async fn setup(store: Store, root: PathBuf, dir: tempfile::TempDir) -> Setup {
    let toml = format!(
        "[[vendors]]\nid = \"acme-home\"\nthird_party = true\nconfirm_within = \"4h\"\n\
         edi_inbox = \"{0}/acme/in\"\nedi_outbox = \"{0}/acme/out\"\nedi_id = \"322341109\"\n",
        root.display()
    );
    let config = Config::from_str_over_defaults("test", &toml).unwrap();
    Setup {
        _dir: dir,
        root,
        config,
        store,
    }
}

async fn queue_and_codes(store: &Store, order: &str) -> (String, Vec<String>) {
    let mut conn = store.pool().acquire().await.unwrap();
    let row = sqlx::query("SELECT id, queue FROM orders WHERE name = $1")
        .bind(order)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let id: i64 = row.try_get("id").unwrap();
    let codes = sqlx::query("SELECT code FROM findings WHERE order_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("code").unwrap())
        .collect();
    (row.try_get("queue").unwrap(), codes)
}

async fn drop_in(setup: &Setup, name: &str, text: &str) {
    let inbox = setup.root.join("acme/in");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join(name), text).unwrap();
}

async fn poll(setup: &Setup, at: DateTime<Utc>) -> Vec<vendor_edi::FileReport> {
    let policy = setup.config.policy().unwrap();
    vendor_edi::poll_inboxes(&setup.store, &policy, &setup.config.vendors, at)
        .await
        .unwrap()
}

fn vendor(setup: &Setup) -> &VendorConfig {
    &setup.config.vendors[0]
}

async fn inbox_round_trip(db: dbs::TestDb) {
    let Some(rejected) = fixture("855-rejected.edi") else {
        return;
    };
    let asn = fixture("856-shipment-order-pack-item-vics.edi").unwrap();
    let inventory = fixture("846-inventory-advice.edi").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let setup = setup(db.store.clone(), root.clone(), dir).await;
    let policy = setup.config.policy().unwrap();

    // The 850 goes out and files the PO under its order; the clock starts.
    let sent = vendor_edi::send_purchase_order(
        &setup.store,
        &policy,
        vendor(&setup),
        po("XX-1234", "#2001", &[("OUR-1", "XX-1234", 25)]),
        now(),
    )
    .await
    .unwrap();
    let written = std::fs::read_to_string(&sent).unwrap();
    let read_back = edi::parse(&written).unwrap();
    assert_eq!(read_back.receiver, "322341109");
    assert_eq!(read_back.groups[0].sets[0].id, "850");
    let (queue, codes) = queue_and_codes(&setup.store, "#2001").await;
    assert!(!codes.contains(&"VENDOR_NO_ACK".to_string()), "{codes:?}");
    assert_eq!(queue, "ok");
    // Past confirm_within with no 855: VENDOR_NO_ACK, found by the timer.
    let later = now() + chrono::TimeDelta::hours(5);
    orderdeck::sync::reconcile::reevaluate_due(&setup.store, &policy, later)
        .await
        .unwrap();
    let (queue, codes) = queue_and_codes(&setup.store, "#2001").await;
    assert_eq!(
        (queue.as_str(), codes[0].as_str()),
        ("blocked", "VENDOR_NO_ACK")
    );

    // A second PO for the ship notice.
    vendor_edi::send_purchase_order(
        &setup.store,
        &policy,
        vendor(&setup),
        po("SO/VINCE1", "#2002", &[("OUR-W", "883932284904", 1)]),
        now(),
    )
    .await
    .unwrap();

    drop_in(&setup, "a-855.edi", &rejected).await;
    drop_in(&setup, "b-856.edi", &asn).await;
    drop_in(&setup, "c-846.edi", &inventory).await;
    drop_in(
        &setup,
        "d-810.edi",
        &fixture("810-invoice-pipe-delimited.edi").unwrap(),
    )
    .await;
    let reports = poll(&setup, later).await;
    let outcomes: Vec<&FileOutcome> = reports.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes[0], &FileOutcome::Applied { documents: 1 });
    assert_eq!(outcomes[1], &FileOutcome::Applied { documents: 1 });
    assert_eq!(outcomes[2], &FileOutcome::Applied { documents: 1 });
    assert!(matches!(outcomes[3], FileOutcome::Quarantined { reason } if reason.contains("810")));

    // Each applied file gets a 997 in the outbox, from the party it was
    // addressed to back to its sender, accepting every group and set; the
    // file kept aside gets none.
    for (report, text) in reports.iter().zip([&rejected, &asn, &inventory]) {
        let received = edi::parse(text).unwrap();
        let ack_path = report
            .acknowledged_by
            .as_ref()
            .expect("a 997 for an applied file");
        assert_eq!(ack_path.parent().unwrap(), root.join("acme/out"));
        let ack = edi::parse(&std::fs::read_to_string(ack_path).unwrap()).unwrap();
        assert_eq!(
            (ack.sender.as_str(), ack.receiver.as_str()),
            (received.receiver.as_str(), received.sender.as_str())
        );
        assert_eq!(ack.groups[0].functional_id, "FA");
        assert_eq!(ack.groups[0].sets.len(), received.groups.len());
        for (set, group) in ack.groups[0].sets.iter().zip(&received.groups) {
            assert_eq!(set.id, "997");
            let segment = |id: &str| set.segments.iter().find(|s| s.id == id).unwrap();
            assert_eq!(
                (segment("AK1").el(1), segment("AK1").el(2)),
                (group.functional_id.as_str(), group.control_number.as_str())
            );
            assert_eq!(
                (segment("AK2").el(1), segment("AK2").el(2)),
                (
                    group.sets[0].id.as_str(),
                    group.sets[0].control_number.as_str()
                )
            );
            assert_eq!(segment("AK5").el(1), "A");
            let count = group.sets.len().to_string();
            assert_eq!(
                (
                    segment("AK9").el(1),
                    segment("AK9").el(2),
                    segment("AK9").el(4)
                ),
                ("A", count.as_str(), count.as_str())
            );
        }
    }
    assert_eq!(reports[3].acknowledged_by, None);

    // The rejection blocks its order.
    let (queue, codes) = queue_and_codes(&setup.store, "#2001").await;
    assert_eq!(queue, "blocked");
    assert!(codes.contains(&"VENDOR_REJECTED".to_string()), "{codes:?}");
    // The ship notice gives its order a tracking number for the carriers.
    let mut conn = setup.store.pool().acquire().await.unwrap();
    let row = sqlx::query(
        "SELECT o.name, t.carrier_hint FROM order_tracking t JOIN orders o ON o.id = t.order_id \
         WHERE t.tracking_number = '521649209219'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(row.try_get::<String, _>("name").unwrap(), "#2002");
    assert_eq!(row.try_get::<String, _>("carrier_hint").unwrap(), "fedex");
    let atp = orderdeck::store::vendor_atp(&mut conn, "acme-home")
        .await
        .unwrap();
    assert_eq!(atp[0].vendor_sku, "46L5055");
    assert!(
        atp[0].quantities.contains("\"34\":5250"),
        "{}",
        atp[0].quantities
    );
    let rejects: i64 = sqlx::query("SELECT COUNT(*) AS n FROM rejects WHERE source = 'vendor'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(rejects, 1);
    drop(conn);

    // Files moved beside the inbox, the refused one with its reason.
    assert!(root.join("acme/processed/a-855.edi").exists());
    let reason = std::fs::read_to_string(root.join("acme/quarantine/d-810.edi.reason")).unwrap();
    assert!(reason.contains("810 (invoice)"), "{reason}");
    assert_eq!(std::fs::read_dir(root.join("acme/in")).unwrap().count(), 0);

    // The same ship notice again is not applied twice.
    drop_in(&setup, "e-856-again.edi", &asn).await;
    let reports = poll(&setup, later).await;
    assert!(
        matches!(&reports[0].outcome, FileOutcome::Duplicate { first } if first.ends_with("b-856.edi"))
    );
    assert_eq!(
        reports[0].acknowledged_by, None,
        "acknowledged the first time"
    );
    let mut conn = setup.store.pool().acquire().await.unwrap();
    let po = orderdeck::store::purchase_order(&mut conn, "SO/VINCE1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((po.lines[0].shipped, po.packages.len()), (1, 1));
    drop(conn);

    // A vendor pass settles the PO that shipped all it ordered, so nothing
    // polls or weighs it again; the rejected one stays open for a reroute.
    for (number, order) in [("XX-1234", "2001"), ("SO/VINCE1", "2002")] {
        let filed = {
            let mut conn = setup.store.pool().acquire().await.unwrap();
            orderdeck::store::purchase_order(&mut conn, number)
                .await
                .unwrap()
                .unwrap()
        };
        setup
            .store
            .queue_po(&filed, order, &format!("key-{order}"), later)
            .await
            .unwrap();
        setup.store.mark_po_sent(number, later).await.unwrap();
    }
    let connections = orderdeck::sync::connections::Connections::with_secrets(
        &setup.config,
        &|variable: &str| Err(format!("{variable} is not set")),
    );
    orderdeck::sync::vendor_api::pass(&setup.store, &policy, &connections, later)
        .await
        .unwrap();
    let open: Vec<String> = setup
        .store
        .open_pos()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.po.po_number)
        .collect();
    assert_eq!(open, ["XX-1234"]);

    // A PO nobody sent is kept aside.
    let stranger = rejected
        .replace("XX-1234", "NOPE-1")
        .replace("000010216", "000010217");
    drop_in(&setup, "f-855.edi", &stranger).await;
    let reports = poll(&setup, later).await;
    assert!(
        matches!(&reports[0].outcome, FileOutcome::Quarantined { reason } if reason.contains("PO NOPE-1"))
    );
}

#[tokio::test]
async fn inbox_round_trip_sqlite() {
    inbox_round_trip(dbs::sqlite().await).await;
}

#[tokio::test]
async fn inbox_round_trip_postgres() {
    if let Some(db) = dbs::postgres().await {
        inbox_round_trip(db).await;
    }
}

#[test]
fn import_vendor_exits_3_and_names_the_bad_file() {
    let Some(inventory) = fixture("846-inventory-advice.edi") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good-846.edi");
    let bad = dir.path().join("bad-846.edi");
    std::fs::write(&good, &inventory).unwrap();
    std::fs::write(&bad, inventory.replace("SE~16~1979", "SE~15~1979")).unwrap();
    let config = dir.path().join("orderdeck.toml");
    std::fs::write(
        &config,
        "[[vendors]]\nid = \"acme-home\"\nthird_party = true\nedi_id = \"322341109\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orderdeck"))
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(format!(
            "sqlite://{}",
            dir.path().join("deck.sqlite").display()
        ))
        .args(["import", "--source", "vendor"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(
        stderr.contains("bad-846.edi") && stderr.contains("SE of transaction set 1979 (846)"),
        "{stderr}"
    );
    assert!(
        stdout.contains("good-846.edi: 1 document(s) applied"),
        "{stdout}"
    );
    // Files outside an inbox stay where the operator put them.
    assert!(good.exists() && bad.exists());
}

/// `sync --once` (and so the workers) reads the inboxes as a listing of its
/// own; the backends, unreachable here, fail on their own.
#[tokio::test]
async fn a_sync_pass_reads_the_vendor_inboxes() {
    let Some(invoice) = fixture("810-invoice-pipe-delimited.edi") else {
        return;
    };
    let db = dbs::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let setup = setup(db.store.clone(), root.clone(), dir).await;
    drop_in(&setup, "invoice.edi", &invoice).await;
    let connections = orderdeck::sync::connections::Connections::with_secrets(
        &setup.config,
        &|variable: &str| Err(format!("{variable} is not set")),
    );
    let policy = setup.config.policy().unwrap();
    let report = orderdeck::sync::poll::sync_once(&setup.store, &policy, &connections, now())
        .await
        .unwrap();
    let edi = report
        .listings
        .iter()
        .find(|l| l.listing == "vendor.edi")
        .unwrap();
    assert_eq!(edi.pages, 1);
    assert!(
        edi.rejected[0].contains("invoice.edi"),
        "{:?}",
        edi.rejected
    );
    assert!(root.join("acme/quarantine/invoice.edi.reason").exists());
}

/// An 855 for `po` in its own interchange `control`, with `body` (PO1/ACK
/// segments) between BAK and CTT.
fn ack_855(control: u32, po: &str, bak02: &str, body: &[&str]) -> String {
    let mut segments = vec![format!("BAK*00*{bak02}*{po}*20260709")];
    segments.extend(body.iter().map(|s| s.to_string()));
    segments.push(format!(
        "CTT*{}",
        body.iter().filter(|s| s.starts_with("PO1")).count()
    ));
    let count = segments.len() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*322341109      *ZZ*ORDERDECK      *260709*1500*U*00401*{control:09}*0*P*:~\
         GS*PR*322341109*ORDERDECK*20260709*1500*{control}*X*004010~\
         ST*855*0001~{}~SE*{count}*0001~GE*1*{control}~IEA*1*{control:09}~",
        segments.join("~")
    )
}

#[test]
fn an_855_names_the_day_the_vendor_will_ship() {
    let read = |text: &str| match edi::read(&edi::parse(text).unwrap()).unwrap().remove(0) {
        VendorMessage::Ack(ack) => ack,
        other => panic!("not an 855: {other:?}"),
    };
    let header = ack_855(7, "PO-1", "AT", &["DTM*068*20261127"]);
    assert_eq!(
        read(&header).ship_date,
        Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap())
    );
    // Per line, ACK04 068: the latest line is when all of it ships.
    let lines = ack_855(
        8,
        "PO-1",
        "AC",
        &[
            "PO1*1*2*EA***VN*A",
            "ACK*IA*2*EA*068*20261201",
            "PO1*2*1*EA***VN*B",
            "ACK*IA*1*EA*068*20261203",
        ],
    );
    assert_eq!(
        read(&lines).ship_date,
        Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap())
    );
    let undated = ack_855(9, "PO-1", "AT", &["DTM*002*20261127"]);
    assert_eq!(read(&undated).ship_date, None, "002 is delivery, not ship");
}

#[test]
fn an_855_with_a_substitution_and_another_unit_is_read() {
    let text = ack_855(
        31,
        "3001-ACME-HOME",
        "AC",
        &[
            "PO1*1*2*CA***VN*AC-SOFA-3*SK*SOFA",
            "ACK*IA*8*EA",
            "PO1*2*1*EA***VN*AC-LAMP*SK*LAMP",
            "ACK*IS*1*EA****VN*AC-LAMP-B",
        ],
    );
    let messages = edi::read(&edi::parse(&text).unwrap()).unwrap();
    let [VendorMessage::Ack(ack)] = messages.as_slice() else {
        panic!("{messages:?}")
    };
    let sofa = &ack.lines[0];
    assert_eq!((sofa.ordered, sofa.unit.as_deref()), (Some(2), Some("CA")));
    assert_eq!(sofa.statuses[0].code, "IA");
    assert_eq!(
        (sofa.statuses[0].quantity, sofa.statuses[0].unit.as_deref()),
        (Some(8), Some("EA"))
    );
    let lamp = &ack.lines[1].statuses[0];
    assert_eq!(lamp.code, "IS");
    assert_eq!(lamp.product_ids, vec!["AC-LAMP-B".to_string()]);
}

/// A PO for 8 sofas sold in cases of 4 goes out as 2 CA; an 855 answering
/// in EA is UOM_MISMATCH and confirms nothing; one answering 1 CA confirms
/// 4 of ours, the rest short.
async fn units_round_trip(db: dbs::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let setup = setup(db.store.clone(), root.clone(), dir).await;
    let policy = setup.config.policy().unwrap();
    let mut order = po("3001-ACME-HOME", "#3001", &[("SOFA", "AC-SOFA-3", 8)]);
    order.lines[0].uom = Some("CA".to_string());
    order.lines[0].pack_size = Some(4);
    let sent = vendor_edi::send_purchase_order(&setup.store, &policy, vendor(&setup), order, now())
        .await
        .unwrap();
    let written = std::fs::read_to_string(&sent).unwrap();
    assert!(
        written.contains("PO1*1*2*CA***VN*AC-SOFA-3*SK*SOFA"),
        "{written}"
    );

    drop_in(
        &setup,
        "a-855.edi",
        &ack_855(
            41,
            "3001-ACME-HOME",
            "AC",
            &["PO1*1*2*CA***VN*AC-SOFA-3", "ACK*IA*8*EA"],
        ),
    )
    .await;
    poll(&setup, now()).await;
    let (queue, codes) = queue_and_codes(&setup.store, "#3001").await;
    assert_eq!(queue, "blocked");
    assert!(codes.contains(&"UOM_MISMATCH".to_string()), "{codes:?}");
    assert!(!codes.contains(&"VENDOR_REJECTED".to_string()), "{codes:?}");
    let mut conn = setup.store.pool().acquire().await.unwrap();
    let stored = orderdeck::store::purchase_order(&mut conn, "3001-ACME-HOME")
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert_eq!(stored.lines[0].accepted, None);
    assert_eq!(
        stored.lines[0]
            .ack_in_other_unit
            .as_ref()
            .map(|q| (q.quantity, q.uom.as_str())),
        Some((8, "EA"))
    );

    drop_in(
        &setup,
        "b-855.edi",
        &ack_855(
            42,
            "3001-ACME-HOME",
            "AC",
            &["PO1*1*2*CA***VN*AC-SOFA-3", "ACK*IA*1*CA"],
        ),
    )
    .await;
    poll(&setup, now()).await;
    let (_, codes) = queue_and_codes(&setup.store, "#3001").await;
    assert!(!codes.contains(&"UOM_MISMATCH".to_string()), "{codes:?}");
    assert!(
        codes.contains(&"VENDOR_PARTIAL_ACK".to_string()),
        "{codes:?}"
    );
    let mut conn = setup.store.pool().acquire().await.unwrap();
    let stored = orderdeck::store::purchase_order(&mut conn, "3001-ACME-HOME")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.lines[0].accepted, Some(4));
    assert_eq!(stored.ack, AckState::PartiallyAccepted);
}

#[tokio::test]
async fn units_round_trip_sqlite() {
    units_round_trip(dbs::sqlite().await).await;
}

#[tokio::test]
async fn units_round_trip_postgres() {
    if let Some(db) = dbs::postgres().await {
        units_round_trip(db).await;
    }
}

/// Every X12 file in `dir`, as (file name, parsed interchange).
fn outbox_files(dir: &Path) -> Vec<(String, edi::Interchange)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, edi::Interchange)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "edi"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, edi::parse(&text).unwrap())
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// A reroute between two EDI vendors, approved: the old vendor gets an 860
/// cancelling its PO, the new one an 850, each filed once however often the
/// decision is applied.
async fn edi_reroute_round_trip(db: dbs::TestDb) {
    use orderdeck::actions::reroute::{apply, decide, Request};
    use orderdeck::actions::{Preflight, Preview};
    use orderdeck::domain::{Observed, OrderFacts, RerouteStatus};
    use orderdeck::engine::reroute::{propose, AtpBook};

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let toml = format!(
        "[[vendors]]\nid = \"acme-home\"\nthird_party = true\nconfirm_within = \"4h\"\n\
         edi_outbox = \"{0}/acme/out\"\nedi_id = \"322341109\"\npriority = 10\n\
         landed_cost = {{ \"OUR-1\" = 10.0 }}\n\n\
         [[vendors]]\nid = \"harbor-supply\"\nthird_party = true\nconfirm_within = \"4h\"\n\
         edi_outbox = \"{0}/harbor/out\"\nedi_id = \"HARBOR\"\nedi_separators = \"|^~\"\n\
         priority = 20\nlanded_cost = {{ \"OUR-1\" = 12.0 }}\n",
        root.display()
    );
    let config = Config::from_str_over_defaults("test", &toml).unwrap();
    let policy = config.policy().unwrap();
    let store = db.store.clone();
    let mut old = po("PO-77", "#2077", &[("OUR-1", "OUR-1", 3)]);
    old.vendor_id = "acme-home".to_string();
    vendor_edi::send_purchase_order(&store, &policy, &config.vendors[0], old.clone(), now())
        .await
        .unwrap();

    // No 855 within the 4h: the engine proposes harbor, which has the ATP.
    let later = now() + chrono::TimeDelta::hours(5);
    let mut atp = AtpBook::new();
    atp.entry("harbor-supply".to_string())
        .or_default()
        .insert("OUR-1".to_string(), 40);
    let proposal = propose(&old, &policy, &atp, later, None).unwrap();
    assert_eq!(
        proposal.status,
        RerouteStatus::Proposed,
        "dearer: a human decides"
    );
    let facts = OrderFacts {
        purchase_orders: vec![Observed::new(now(), old.clone())],
        reroutes: vec![Observed::new(later, proposal)],
        ..OrderFacts::default()
    };
    let mut preflight = Preflight::default();
    let mut preview = Preview::default();
    let request = Request {
        approve: true,
        alternate: None,
        now: later,
        storefront_api: None,
    };
    let decision = decide(
        &facts,
        &config.vendors,
        &request,
        &mut preflight,
        &mut preview,
    )
    .expect("a decision");
    assert!(preflight.first_block().is_none(), "{preflight:?}");
    assert!(preview.requests.is_empty(), "no HTTP for EDI vendors");
    let said = preview.local.join("\n");
    assert!(
        said.contains("write an 850 for PO PO-77-R-HARBOR-SUPPLY (1 line(s)) into vendor harbor-supply's EDI outbox"),
        "{said}"
    );
    assert!(
        said.contains("write an 860 cancelling PO PO-77 into vendor acme-home's EDI outbox"),
        "{said}"
    );

    for _ in 0..2 {
        apply(
            &store,
            &policy,
            &config.vendors,
            &decision,
            "carol",
            "key-1",
            later,
        )
        .await
        .unwrap();
    }
    let acme = outbox_files(&root.join("acme/out"));
    let sets: Vec<&str> = acme
        .iter()
        .map(|(_, i)| i.groups[0].sets[0].id.as_str())
        .collect();
    assert_eq!(sets, vec!["850", "860"], "one 860, however often applied");
    let cancel = &acme[1].1;
    assert_eq!(cancel.receiver, "322341109");
    assert_eq!(cancel.groups[0].functional_id, "PC");
    let bch = &cancel.groups[0].sets[0].segments[0];
    assert_eq!(
        (bch.id.as_str(), bch.el(1), bch.el(2), bch.el(3)),
        ("BCH", "01", "DS", "PO-77")
    );
    assert_eq!(bch.el(6), now().format("%Y%m%d").to_string());
    assert_eq!(bch.el(11), later.format("%Y%m%d").to_string());

    let harbor = outbox_files(&root.join("harbor/out"));
    assert_eq!(harbor.len(), 1, "one 850, however often applied");
    let order = &harbor[0].1;
    assert_eq!(order.receiver, "HARBOR");
    assert_eq!(order.separators.element, '|');
    let beg = &order.groups[0].sets[0].segments[0];
    assert_eq!(
        (beg.id.as_str(), beg.el(3)),
        ("BEG", "PO-77-R-HARBOR-SUPPLY")
    );

    let mut conn = store.pool().acquire().await.unwrap();
    let filed_old = orderdeck::store::purchase_order(&mut conn, "PO-77")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(filed_old.ack, AckState::Cancelled);
    let filed_new = orderdeck::store::purchase_order(&mut conn, "PO-77-R-HARBOR-SUPPLY")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(filed_new.ack, AckState::Sent);
    drop(conn);
    let (_, codes) = queue_and_codes(&store, "#2077").await;
    assert!(!codes.contains(&"VENDOR_NO_ACK".to_string()), "{codes:?}");

    // acme confirms one of three: approving the reroute of the other two
    // sends harbor an 850 for them and cancels nothing at acme.
    let mut partial = po("PO-78", "#2078", &[("OUR-1", "OUR-1", 3)]);
    partial.vendor_id = "acme-home".to_string();
    partial.ack = AckState::PartiallyAccepted;
    partial.lines[0].accepted = Some(1);
    vendor_edi::send_purchase_order(&store, &policy, &config.vendors[0], partial.clone(), now())
        .await
        .unwrap();
    let proposal = propose(&partial, &policy, &atp, later, None).unwrap();
    let facts = OrderFacts {
        purchase_orders: vec![Observed::new(now(), partial.clone())],
        reroutes: vec![Observed::new(later, proposal)],
        ..OrderFacts::default()
    };
    let decision = decide(
        &facts,
        &config.vendors,
        &request,
        &mut Preflight::default(),
        &mut Preview::default(),
    )
    .expect("a decision");
    let acme_before = outbox_files(&root.join("acme/out")).len();
    apply(
        &store,
        &policy,
        &config.vendors,
        &decision,
        "carol",
        "key-2",
        later,
    )
    .await
    .unwrap();
    assert_eq!(
        outbox_files(&root.join("acme/out")).len(),
        acme_before,
        "no 860 for a PO the vendor partly confirmed"
    );
    let harbor = outbox_files(&root.join("harbor/out"));
    let rest = &harbor.last().unwrap().1.groups[0].sets[0].segments;
    let po1 = rest.iter().find(|s| s.id == "PO1").unwrap();
    assert_eq!((po1.el(2), rest[0].el(3)), ("2", "PO-78-R-HARBOR-SUPPLY"));
    let mut conn = store.pool().acquire().await.unwrap();
    let kept = orderdeck::store::purchase_order(&mut conn, "PO-78")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.ack, AckState::PartiallyAccepted);
}

#[tokio::test]
async fn edi_reroute_round_trip_sqlite() {
    edi_reroute_round_trip(dbs::sqlite().await).await;
}

#[tokio::test]
async fn edi_reroute_round_trip_postgres() {
    if let Some(db) = dbs::postgres().await {
        edi_reroute_round_trip(db).await;
    }
}

/// A 997 from the vendor (sender 322341109) about our group `group`.
fn receipt_997(control: u32, functional_id: &str, group: &str, status: &str) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*322341109      *ZZ*ORDERDECK      *261123*1500*U*00401*{control:09}*0*P*:~\
         GS*FA*322341109*ORDERDECK*20261123*1500*{control}*X*004010~\
         ST*997*0001~AK1*{functional_id}*{group}~AK2*850*0001~AK5*{status}~AK9*{status}*1*1*{}~\
         SE*6*0001~GE*1*{control}~IEA*1*{control:09}~",
        u8::from(status != "R")
    )
}

/// The vendor's 997s about our 850: an accepted one changes nothing, one
/// about a group we never sent is kept aside, and a rejection means the PO
/// never reached the vendor: VENDOR_REJECTED, which a reroute can answer.
/// One rejecting our 860 is kept aside.
async fn functional_acks(db: dbs::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let setup = setup(db.store.clone(), root.clone(), dir).await;
    let policy = setup.config.policy().unwrap();
    let group_of = |path: &Path| {
        edi::parse(&std::fs::read_to_string(path).unwrap())
            .unwrap()
            .groups[0]
            .control_number
            .clone()
    };
    let order = po("PO-997", "#2997", &[("OUR-1", "OUR-1", 2)]);
    let sent = vendor_edi::send_purchase_order(
        &setup.store,
        &policy,
        vendor(&setup),
        order.clone(),
        now(),
    )
    .await
    .unwrap();
    let group = group_of(&sent);

    drop_in(&setup, "a-997.edi", &receipt_997(41, "PO", &group, "A")).await;
    drop_in(&setup, "b-997.edi", &receipt_997(42, "PO", "999999", "R")).await;
    let reports = poll(&setup, now()).await;
    assert_eq!(reports[0].outcome, FileOutcome::Applied { documents: 0 });
    assert_eq!(
        reports[0].acknowledged_by, None,
        "a 997 is never acknowledged"
    );
    assert!(
        matches!(&reports[1].outcome, FileOutcome::Quarantined { reason } if reason.contains("no interchange with that control number")),
        "{:?}",
        reports[1].outcome
    );
    let (_, codes) = queue_and_codes(&setup.store, "#2997").await;
    assert!(!codes.contains(&"VENDOR_REJECTED".to_string()), "{codes:?}");

    // A 997 answering one of ours (group FA) asks nothing of us.
    drop_in(&setup, "a2-997.edi", &receipt_997(45, "FA", "777", "A")).await;
    let reports = poll(&setup, now()).await;
    assert_eq!(reports[0].outcome, FileOutcome::Applied { documents: 0 });
    assert_eq!(reports[0].acknowledged_by, None);

    drop_in(&setup, "c-997.edi", &receipt_997(43, "PO", &group, "R")).await;
    let reports = poll(&setup, now()).await;
    assert_eq!(reports[0].outcome, FileOutcome::Applied { documents: 1 });
    let (queue, codes) = queue_and_codes(&setup.store, "#2997").await;
    assert_eq!(queue, "blocked");
    assert!(codes.contains(&"VENDOR_REJECTED".to_string()), "{codes:?}");

    // Our 860 refused by the vendor's translator: nobody but a person can
    // still stop that PO, so the file is kept aside saying so.
    let cancel = vendor_edi::send_po_cancel(&setup.store, vendor(&setup), &order, now())
        .await
        .unwrap();
    let cancel_group = group_of(&cancel);
    drop_in(
        &setup,
        "d-997.edi",
        &receipt_997(44, "PC", &cancel_group, "R"),
    )
    .await;
    let reports = poll(&setup, now()).await;
    assert!(
        matches!(&reports[0].outcome, FileOutcome::Quarantined { reason } if reason.contains("cancel PO PO-997 with the vendor by hand")),
        "{:?}",
        reports[0].outcome
    );
}

#[tokio::test]
async fn functional_acks_sqlite() {
    functional_acks(dbs::sqlite().await).await;
}

#[tokio::test]
async fn functional_acks_postgres() {
    if let Some(db) = dbs::postgres().await {
        functional_acks(db).await;
    }
}

/// A PO a reroute paid to expedite asks for it in its 850 (TD5 routing
/// EXPEDITE, service level ZZ); any other has no TD5.
#[test]
fn an_expedited_850_says_so() {
    let from = edi::Party {
        qualifier: "ZZ".to_string(),
        id: "ORDERDECK".to_string(),
    };
    let to = edi::Party {
        qualifier: "ZZ".to_string(),
        id: "HARBOR".to_string(),
    };
    let td5 = |expedite: bool| {
        let mut order = po("PO-EXP", "#3001", &[("OUR-1", "V-1", 1)]);
        order.expedite = expedite;
        let written =
            edi::purchase_order_850(&order, &from, &to, Separators::default(), 7, now()).unwrap();
        let read = edi::parse(&edi::render(&written)).unwrap();
        read.groups[0].sets[0]
            .segments
            .iter()
            .find(|s| s.id == "TD5")
            .map(|s| (s.el(5).to_string(), s.el(12).to_string()))
    };
    assert_eq!(td5(true), Some(("EXPEDITE".to_string(), "ZZ".to_string())));
    assert_eq!(td5(false), None);
}
