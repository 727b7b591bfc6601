#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The console's screens and keys on real data: the simulator's shop synced
//! over loopback into a SQLite file, loaded through the console's own data
//! task, driven through `update` with key events, and drawn into ratatui's
//! test backend. Screens are insta snapshots.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

use orderdeck::actions::pipeline::Actor;
use orderdeck::actions::Identity as Identity_;
use orderdeck::actions::{ActionKind, REASON_CODES};
use orderdeck::commands::sim::config_with_drop_ship_at;
use orderdeck::config::Config;
use orderdeck::domain::Queue;
use orderdeck::sim::{self, Limits, SimHandle, SimOptions, VENDOR_API_KEY_ENV};
use orderdeck::store::{sqlite_url, Store};
use orderdeck::summary::Summarizer;
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::{sync_once, ListingReport};
use orderdeck::sync::resync::Systems;
use orderdeck::sync::workers::WorkerEvent;
use orderdeck::tui::data::{Acting, DataTask};
use orderdeck::tui::keymap::Keymap;
use orderdeck::tui::state::{Effect, Focus, Identity, Message, Overlay, ResyncProgress, State};
use orderdeck::tui::update::{refresh, update};
use orderdeck::tui::view::render;
use tokio::sync::mpsc;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

struct Shop {
    _sim: Option<SimHandle>,
    _dir: tempfile::TempDir,
    data: DataTask,
    zone: chrono_tz::Tz,
    /// Where background effects (a model's summary) answer.
    later: tokio::sync::Mutex<mpsc::UnboundedReceiver<Message>>,
    sender: mpsc::UnboundedSender<Message>,
}

/// The simulator's shop (seed 7, 60 orders, clock standing still) synced
/// through the real connectors into a fresh SQLite file.
async fn shop() -> Shop {
    shop_with_ai("").await
}

/// The same, with `ai` (an `[ai]` table) laid over the simulator's config.
async fn shop_with_ai(ai: &str) -> Shop {
    shop_of(60, "acme", &|_| ai.to_string()).await
}

/// `orders` orders, the drop-ship vendor `acme-home` served by the
/// simulated vendor `drop_ship_at`, and what `extra` writes (given the
/// simulator) laid over the config.
async fn shop_of(orders: u64, drop_ship_at: &str, extra: &dyn Fn(&SimHandle) -> String) -> Shop {
    let mut options = SimOptions::new(7, orders, start());
    options.speed = 0.0;
    options.limits = Limits::lifted();
    let handle = sim::start(options).await.unwrap();
    // Whoever runs the tests may act on this simulated shop.
    let account = Identity_::current().unwrap().account;
    let roles = format!("\n[roles]\nadmin = [{account:?}]\n");
    let config = Config::from_str_over_defaults(
        "simulator",
        &format!(
            "{}\n{roles}\n{}",
            config_with_drop_ship_at(&handle, drop_ship_at),
            extra(&handle)
        ),
    )
    .unwrap();
    let policy = config.policy().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&sqlite_url(&dir.path().join("console.sqlite")))
        .await
        .unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);
    let report = sync_once(&store, &policy, &connections, start())
        .await
        .unwrap();
    assert!(
        report.listings.iter().all(|l| l.error.is_none()),
        "{report:?}"
    );
    let now = start();
    let (sender, later) = mpsc::unbounded_channel();
    Shop {
        _sim: Some(handle),
        _dir: dir,
        data: DataTask {
            store,
            workers: None,
            zone: policy.sla.timezone,
            clock: Arc::new(move || now),
            summarizer: Summarizer::new(&config.ai().unwrap(), policy.sla.timezone),
            tolerances: policy.tolerances,
            acting: Some(Acting {
                connections: Connections::with_secrets(&config, &sim::credential),
                config: config.clone(),
                policy: policy.clone(),
                actor: Actor::current().unwrap(),
            }),
        },
        zone: policy.sla.timezone,
        later: tokio::sync::Mutex::new(later),
        sender,
    }
}

fn state(shop: &Shop, keymap: Keymap, size: (u16, u16), color: bool) -> State {
    let identity = Identity {
        shop: "orderdeck demo shop".into(),
        allowed: ActionKind::ALL.to_vec(),
        reason_codes: REASON_CODES.iter().map(|c| c.to_string()).collect(),
        operator: "alice".into(),
        role: Some("cs_agent".into()),
        read_only: false,
        live: true,
    };
    let mut state = State::new(identity, keymap, shop.zone, color, start());
    state.size = size;
    state
}

/// Carries out effects and feeds their answers back until nothing is left
/// to do, as the console's loop would.
async fn settle(state: &mut State, shop: &Shop, mut effects: Vec<Effect>) {
    for _ in 0..50 {
        if effects.is_empty() {
            return;
        }
        let mut next = Vec::new();
        for effect in effects {
            if let Some(message) = shop.data.carry_out(effect, &shop.sender).await {
                next.extend(update(state, message));
            }
        }
        effects = next;
    }
    panic!("effects never settled");
}

/// The next answer a background task sends, fed to `update`.
async fn answer_later(state: &mut State, shop: &Shop) {
    let mut later = shop.later.lock().await;
    let message = tokio::time::timeout(std::time::Duration::from_secs(60), later.recv())
        .await
        .expect("a background answer")
        .expect("the channel is open");
    drop(later);
    let effects = update(state, message);
    settle(state, shop, effects).await;
}

async fn opened(shop: &Shop, keymap: Keymap, size: (u16, u16), color: bool) -> State {
    let mut state = state(shop, keymap, size, color);
    let mut effects = refresh(&mut state);
    effects.push(Effect::LoadSyncTimes);
    settle(&mut state, shop, effects).await;
    state
}

fn key(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

async fn press(state: &mut State, shop: &Shop, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        let effects = update(state, key(code));
        settle(state, shop, effects).await;
    }
}

fn screen(state: &State) -> String {
    draw(state).backend().to_string()
}

fn draw(state: &State) -> Terminal<TestBackend> {
    let (width, height) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(frame, state)).unwrap();
    terminal
}

fn defaults() -> Keymap {
    Keymap::default_map().unwrap()
}

#[tokio::test]
async fn main_screen_at_80x24_and_160x48() {
    let shop = shop().await;
    let small = opened(&shop, defaults(), (80, 24), true).await;
    assert!(
        small.panes.iter().all(|p| p.total > 0),
        "every queue has orders"
    );
    insta::assert_snapshot!("main_80x24", screen(&small));
    let large = opened(&shop, defaults(), (160, 48), true).await;
    // Wide enough for the detail beside the queues, showing the selection.
    assert!(large.detail.as_ref().is_some_and(|d| d.loaded.is_some()));
    insta::assert_snapshot!("main_160x48", screen(&large));
}

#[tokio::test]
async fn help_overlay_lists_the_live_keymap() {
    let shop = shop().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keymap.toml");
    std::fs::write(&path, "[queue]\n\"x\" = \"resync\"\n").unwrap();
    let keymap = Keymap::load(Some(&path)).unwrap();
    let mut state = opened(&shop, keymap, (80, 24), true).await;
    press(&mut state, &shop, "?").await;
    let text = screen(&state);
    assert!(text.contains("Keys (from your keymap)"), "{text}");
    insta::assert_snapshot!("help_80x24", text);
    // Scrolled to the queue keys, the user's own binding shows.
    for _ in 0..14 {
        press(&mut state, &shop, "j").await;
    }
    let scrolled = screen(&state);
    assert!(
        scrolled.contains("x r") || scrolled.contains("r x"),
        "the override is listed with resync:\n{scrolled}"
    );
    press(&mut state, &shop, "\u{1b}").await;
    assert!(state.overlay.is_none());
}

#[tokio::test]
async fn filter_narrows_every_queue_by_sku_vendor_code_or_name() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), true).await;
    let before: usize = state.panes.iter().map(|p| p.total).sum();
    // "q" is typed into the filter, not taken as "back".
    press(&mut state, &shop, "/candle\n").await;
    assert_eq!(state.filter, "candle");
    let after: usize = state.panes.iter().map(|p| p.total).sum();
    assert!(after > 0 && after < before, "{after} of {before}");
    insta::assert_snapshot!("filtered_80x24", screen(&state));

    press(&mut state, &shop, "/").await;
    for _ in 0..6 {
        let effects = update(&mut state, key(KeyCode::Backspace));
        settle(&mut state, &shop, effects).await;
    }
    press(&mut state, &shop, "sla_breach\n").await;
    assert_eq!(state.panes[0].total, before_overdue(&shop).await);
    assert_eq!(state.panes[1].total + state.panes[2].total, 0);

    press(&mut state, &shop, "/").await;
    let effects = update(&mut state, key(KeyCode::Esc));
    settle(&mut state, &shop, effects).await;
    assert_eq!(state.filter, "");
    let cleared: usize = state.panes.iter().map(|p| p.total).sum();
    assert_eq!(cleared, before);
}

/// Every overdue order in this shop is there for an SLA breach.
async fn before_overdue(shop: &Shop) -> usize {
    let counts = shop.data.store.queue_counts().await.unwrap();
    counts.get(&Queue::Overdue).copied().unwrap_or(0) as usize
}

#[tokio::test]
async fn detail_of_a_blocked_order_shows_its_findings_summary_and_timeline() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), true).await;
    press(&mut state, &shop, "3\n").await;
    assert_eq!(state.focus, Focus::Detail);
    let text = screen(&state);
    for heading in ["Findings", "Summary", "Timeline", "✗ blocked"] {
        assert!(text.contains(heading), "{heading} missing:\n{text}");
    }
    insta::assert_snapshot!("detail_blocked_80x24", text);
    // Back out to the queue.
    press(&mut state, &shop, "q").await;
    assert_eq!(state.focus, Focus::Queue);
}

#[tokio::test]
async fn no_color_uses_no_colour_and_loses_nothing() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), false).await;
    press(&mut state, &shop, "j").await;
    let terminal = draw(&state);
    let buffer = terminal.backend().buffer();
    for cell in &buffer.content {
        assert_eq!(cell.fg, Color::Reset, "a coloured cell {:?}", cell.symbol());
        assert_eq!(cell.bg, Color::Reset, "a coloured cell {:?}", cell.symbol());
    }
    // The selection still shows, by reverse video.
    assert!(buffer
        .content
        .iter()
        .any(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED)));
    insta::assert_snapshot!("no_color_80x24", terminal.backend().to_string());
}

#[tokio::test]
async fn too_small_a_terminal_gets_a_notice_and_a_resize_brings_the_screen_back() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), true).await;
    let effects = update(&mut state, Message::Resize(60, 20));
    settle(&mut state, &shop, effects).await;
    assert!(screen(&state).contains("Terminal too small: 60x20"));
    let effects = update(&mut state, Message::Resize(100, 30));
    settle(&mut state, &shop, effects).await;
    let text = screen(&state);
    assert!(
        text.contains("Overdue") && !text.contains("too small"),
        "{text}"
    );
}

#[tokio::test]
async fn moving_paging_and_the_selection_kept_by_order_across_refreshes() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), true).await;
    press(&mut state, &shop, "2").await;
    assert_eq!(state.active, 1);
    let total = state.panes[1].total;
    press(&mut state, &shop, "G").await;
    assert_eq!(state.panes[1].selected, total - 1);
    press(&mut state, &shop, "g").await;
    assert_eq!(state.panes[1].selected, 0);
    press(&mut state, &shop, "jj").await;
    let id = state.panes[1].selected_id.unwrap();
    // New data: everything reloads; the selection stays on its order.
    let effects = update(
        &mut state,
        Message::Worker(WorkerEvent::SyncFinished {
            at: start(),
            listings: vec![ListingReport::default()],
        }),
    );
    assert!(!effects.is_empty());
    settle(&mut state, &shop, effects).await;
    assert_eq!(state.panes[1].selected_id, Some(id));
    // Tab walks the panes.
    press(&mut state, &shop, "\t").await;
    assert_eq!(state.active, 2);
}

#[tokio::test]
async fn pause_holds_the_panes_until_resumed() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), true).await;
    press(&mut state, &shop, "p").await;
    assert!(state.paused);
    assert!(screen(&state).contains("PAUSED"));
    let effects = update(
        &mut state,
        Message::Worker(WorkerEvent::Reevaluated {
            at: start(),
            orders: 3,
        }),
    );
    assert!(effects.is_empty(), "paused panes do not reload");
    let effects = update(&mut state, key(KeyCode::Char('p')));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadCounts { .. })),
        "resuming catches up: {effects:?}"
    );
}

#[tokio::test]
async fn resync_from_the_detail_pane_shows_its_progress() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), true).await;
    press(&mut state, &shop, "\n").await;
    let order_id = state.detail.as_ref().unwrap().order_id;
    let effects = update(&mut state, key(KeyCode::Char('r')));
    assert!(effects.contains(&Effect::Resync {
        order_id,
        systems: Systems::All
    }));
    assert!(screen(&state).contains("resync from all systems queued"));
    // R offers the systems; tab moves to the warehouse, enter picks it.
    let effects = update(&mut state, key(KeyCode::Char('R')));
    assert!(effects.is_empty());
    assert!(screen(&state).contains("Read"));
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Tab));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Resync {
            order_id,
            systems: Systems::Warehouse
        }]
    );
    let effects = update(
        &mut state,
        Message::Worker(WorkerEvent::ResyncFinished {
            order_id,
            listings: vec![ListingReport {
                listing: "warehouse",
                documents: 2,
                ..ListingReport::default()
            }],
        }),
    );
    settle(&mut state, &shop, effects).await;
    assert_eq!(
        state.detail.as_ref().unwrap().resync,
        Some(ResyncProgress::Done("2 document(s) read again".into()))
    );
    assert!(screen(&state).contains("✓ resynced"));
}

#[tokio::test]
async fn keymap_overrides_apply_and_read_only_drops_resync() {
    let shop = shop().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keymap.toml");
    std::fs::write(&path, "[queue]\n\"x\" = \"down\"\n\"j\" = \"none\"\n").unwrap();
    let keymap = Keymap::load(Some(&path)).unwrap();
    let mut state = opened(&shop, keymap, (80, 24), true).await;
    press(&mut state, &shop, "j").await;
    assert_eq!(state.panes[0].selected, 0, "j is unbound");
    press(&mut state, &shop, "x").await;
    assert_eq!(state.panes[0].selected, 1, "x moves down");

    let mut read_only = opened(&shop, defaults().read_only(), (80, 24), true).await;
    read_only.identity.read_only = true;
    let effects = update(&mut read_only, key(KeyCode::Char('r')));
    assert!(effects.is_empty());
    assert!(screen(&read_only).contains(" RO"));
    assert!(!screen(&read_only).contains("resync"), "no hint for it");
}

#[test]
fn a_conflicting_keymap_is_refused_with_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keymap.toml");
    std::fs::write(&path, "[queue]\n\"1\" = \"down\"\n").unwrap();
    let message = Keymap::load(Some(&path)).unwrap_err().to_string();
    assert!(
        message.contains('1') && message.contains("keymap.toml"),
        "{message}"
    );
    assert!(
        message.contains("override"),
        "says how to mean it: {message}"
    );
}

#[tokio::test]
async fn commands_open_an_order_by_name_and_sort() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), true).await;
    let name = state.panes[2].rows[0].name.clone();
    press(&mut state, &shop, &format!(":open {name}\n")).await;
    assert_eq!(state.focus, Focus::Detail);
    let loaded = state.detail.as_ref().unwrap().loaded.as_ref().unwrap();
    assert_eq!(loaded.detail.row.name, name);
    press(&mut state, &shop, ":open #nope\n").await;
    assert!(screen(&state).contains("no order #nope"));
    press(&mut state, &shop, "q:sort newest\n").await;
    let placed: Vec<_> = state.panes[0].rows.iter().map(|r| r.placed_at).collect();
    let mut sorted = placed.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(placed, sorted);
}

#[path = "chat_server/mod.rs"]
mod chat_server;

#[tokio::test]
async fn the_model_summary_arrives_in_the_background_marked_as_the_model_s() {
    let server = chat_server::ChatServer::start(vec![chat_server::Step::CiteFindings]).await;
    let shop = shop_with_ai(&server.config(&[])).await;
    let mut state = opened(&shop, defaults(), (100, 40), true).await;
    press(&mut state, &shop, "3\n").await;
    // At once: the offline summary, and a note that the model is asked.
    assert!(
        screen(&state).contains("asking the model"),
        "{}",
        screen(&state)
    );
    answer_later(&mut state, &shop).await;
    let text = screen(&state);
    assert!(text.contains("written by test-model"), "{text}");
    assert!(text.contains("cites:"), "{text}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_failing_model_leaves_the_offline_summary_with_the_reason() {
    let server = chat_server::ChatServer::start(vec![chat_server::Step::Fail(
        500,
        None,
        r#"{"error":{"message":"the model is down","type":"server_error"}}"#.into(),
    )])
    .await;
    let shop = shop_with_ai(&server.config(&[("retries", "0")])).await;
    let mut state = opened(&shop, defaults(), (100, 40), true).await;
    press(&mut state, &shop, "3\n").await;
    answer_later(&mut state, &shop).await;
    let text = screen(&state);
    assert!(text.contains("the model's is not shown"), "{text}");
    assert!(
        text.contains("Needs a decision"),
        "the offline summary: {text}"
    );
}

fn keys(codes: &[KeyCode]) -> Vec<Message> {
    codes.iter().map(|c| key(*c)).collect()
}

async fn feed(state: &mut State, shop: &Shop, messages: Vec<Message>) {
    for message in messages {
        let effects = update(state, message);
        settle(state, shop, effects).await;
    }
}

/// Where an action sits in the dialog's menu for an operator who may run
/// every available one.
fn menu_position(action: ActionKind) -> usize {
    ActionKind::ALL
        .iter()
        .filter(|k| k.available() && **k != ActionKind::Resync)
        .position(|k| *k == action)
        .unwrap()
}

/// Opens the action dialog on the order in focus and picks `action`.
async fn choose(state: &mut State, shop: &Shop, action: ActionKind) {
    press(state, shop, "a").await;
    for _ in 0..menu_position(action) {
        press(state, shop, "j").await;
    }
    press(state, shop, "\n").await;
}

/// The name of the order the detail pane shows.
fn detail_name(state: &State) -> String {
    state
        .detail
        .as_ref()
        .unwrap()
        .loaded
        .as_ref()
        .unwrap()
        .detail
        .row
        .name
        .clone()
}

#[tokio::test]
async fn an_action_from_the_detail_pane_needs_a_reason_then_runs_and_is_audited() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (100, 40), true).await;
    press(&mut state, &shop, "\n").await;
    let name = detail_name(&state);
    press(&mut state, &shop, "a").await;
    let menu = screen(&state);
    assert!(
        menu.contains(&format!("What should happen to {name}?")),
        "{menu}"
    );
    // Opens on Cancel: Esc closes without running anything.
    feed(&mut state, &shop, keys(&[KeyCode::Esc])).await;
    assert!(state.overlay.is_none());

    choose(&mut state, &shop, ActionKind::Note).await;
    // The note is what is sent, so it comes first; "q" is typed, not "back".
    press(&mut state, &shop, "customer asked: quick update please\n").await;
    let review = screen(&state);
    assert!(
        review.contains("Preflight") && review.contains("PUT"),
        "{review}"
    );
    assert!(
        review.contains("X-Shopify-Access-Token: ***"),
        "secrets masked: {review}"
    );
    assert!(review.contains("[ Cancel ]"), "{review}");
    // Confirm with no reason: refused, and the focus goes to the reason.
    feed(&mut state, &shop, keys(&[KeyCode::BackTab, KeyCode::Enter])).await;
    assert!(
        screen(&state).contains("a reason code is required"),
        "{}",
        screen(&state)
    );
    // "cust" is enough for CUSTOMER_REQUEST.
    press(&mut state, &shop, "cust\t\t").await;
    feed(&mut state, &shop, keys(&[KeyCode::Enter])).await;
    let done = screen(&state);
    assert!(done.contains(&format!("done: note on {name}")), "{done}");
    let loaded = state.detail.as_ref().unwrap().loaded.as_ref().unwrap();
    assert_eq!(loaded.audit.len(), 1);
    assert_eq!(loaded.audit[0].fields.action, "note");
    assert_eq!(loaded.audit[0].fields.reason_code, "CUSTOMER_REQUEST");
}

#[tokio::test]
async fn a_high_impact_action_needs_the_order_number_typed() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (100, 40), true).await;
    press(&mut state, &shop, "/cancelled_but_active\n3\n").await;
    let name = detail_name(&state);
    choose(&mut state, &shop, ActionKind::CancelAtWarehouse).await;
    assert!(
        screen(&state).contains("Act: cancel-at-warehouse"),
        "{}",
        screen(&state)
    );
    // Every reason code can be read, even at 80 columns.
    let size = state.size;
    state.size = (80, 24);
    let narrow = screen(&state);
    for code in orderdeck::actions::REASON_CODES {
        assert!(narrow.contains(code), "{code} not shown: {narrow}");
    }
    state.size = size;
    // Reason given, order number not typed: refused.
    press(&mut state, &shop, "\tdata\t\t\t").await;
    feed(&mut state, &shop, keys(&[KeyCode::Enter])).await;
    assert!(
        screen(&state).contains(&format!("type the order number {name}")),
        "{}",
        screen(&state)
    );
    let digits: String = name.trim_start_matches('#').to_string();
    press(&mut state, &shop, &format!("{digits}\t")).await;
    feed(&mut state, &shop, keys(&[KeyCode::Enter])).await;
    assert!(
        screen(&state).contains(&format!("done: cancel-at-warehouse on {name}")),
        "{}",
        screen(&state)
    );
}

#[tokio::test]
async fn a_viewer_is_told_which_roles_may_act() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (100, 40), true).await;
    state.identity.allowed.clear();
    state.identity.role = Some("viewer".into());
    press(&mut state, &shop, "a").await;
    assert!(state.overlay.is_none());
    assert!(
        screen(&state).contains("may run no actions"),
        "{}",
        screen(&state)
    );
    press(&mut state, &shop, "r").await;
    assert!(
        screen(&state).contains("may not resync"),
        "{}",
        screen(&state)
    );
}

#[tokio::test]
async fn escape_sequences_from_a_backend_are_shown_inert() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/shopify/order-authorized-fulfillment-failed.json");
    let Ok(text) = std::fs::read_to_string(&fixture) else {
        eprintln!("skipping: {} is not there", fixture.display());
        return;
    };
    let mut body: serde_json::Value = serde_json::from_str(&text).unwrap();
    let order = &mut body["order"];
    order["customer"]["first_name"] = "Bob\u{1b}[2J".into();
    order["customer"]["last_name"] = "Norman\u{1b}]52;c;cm0gLXJmIH4=\u{7}".into();
    order["note"] = "call back \u{1b}]52;c;SGVsbG8=\u{7} today \u{9b}31m".into();
    let path = dir.path().join("evil.json");
    std::fs::write(&path, serde_json::to_vec(&body).unwrap()).unwrap();

    let config = Config::builtin().unwrap();
    let policy = config.policy().unwrap();
    let store = Store::open(&sqlite_url(&dir.path().join("evil.sqlite")))
        .await
        .unwrap();
    orderdeck::sync::import::import_file(
        &store,
        &policy,
        orderdeck::connectors::Source::Storefront,
        &path,
        start(),
    )
    .await
    .unwrap();
    let (sender, later) = mpsc::unbounded_channel();
    let now = start();
    let shop = Shop {
        _sim: None,
        _dir: dir,
        data: DataTask {
            store,
            workers: None,
            zone: policy.sla.timezone,
            clock: Arc::new(move || now),
            summarizer: Summarizer::new(&config.ai().unwrap(), policy.sla.timezone),
            tolerances: policy.tolerances,
            acting: None,
        },
        zone: policy.sla.timezone,
        later: tokio::sync::Mutex::new(later),
        sender,
    };
    let mut state = opened(&shop, defaults(), (120, 40), true).await;
    press(&mut state, &shop, ":open #1001\n").await;
    let terminal = draw(&state);
    let cells = &terminal.backend().buffer().content;
    assert!(
        cells
            .iter()
            .all(|c| !c.symbol().chars().any(char::is_control)),
        "a control character reached the screen"
    );
    let text = terminal.backend().to_string();
    assert!(text.contains("Bob [2J"), "{text}");
    assert!(
        text.contains("]52;c;SGVsbG8="),
        "the note is shown, inert: {text}"
    );
}

/// The reroute view over a real proposal: the simulated drop-ship vendor
/// has run out of rugs, so an order's rugs wait for a decision between two
/// alternates (northwind, then a dearer third vendor).
#[tokio::test]
async fn a_reroute_is_looked_at_then_rejected_from_its_view() {
    let third_vendor = |handle: &SimHandle| {
        format!(
            "[[vendors]]\nid = \"westbrook-supply\"\nthird_party = true\n\
             ship_within_business_days = 7\nconfirm_within = \"4h\"\n\
             api_base_url = \"{}\"\napi_key_env = \"{}\"\napi_requests_per_minute = 60000\n\
             priority = 30\nlanded_cost = {{ \"SOFA-3S-GRY\" = 700.0, \"RUG-160\" = 260.0 }}\n",
            handle.vendor_url("acme"),
            VENDOR_API_KEY_ENV.0
        )
    };
    let shop = shop_of(100, "lowstock", &third_vendor).await;
    let mut state = opened(&shop, defaults(), (100, 40), false).await;
    press(&mut state, &shop, "3/reroute_proposed\n").await;
    assert_eq!(state.panes[2].total, 1, "{}", screen(&state));

    // A role that may not decide sees the proposal and is told so.
    state.identity.allowed = vec![ActionKind::Note];
    press(&mut state, &shop, "v").await;
    let view = screen(&state);
    assert!(view.contains("waiting for approval"), "{view}");
    assert!(
        view.contains("▶ 0") && view.contains("northwind-supply"),
        "{view}"
    );
    assert!(
        view.contains("RUG-160 ×") && view.contains("(ATP 25)"),
        "{view}"
    );
    assert!(view.contains("may look but not decide"), "{view}");
    press(&mut state, &shop, "\n").await;
    assert!(
        screen(&state).contains("may not reroute-approve"),
        "{}",
        screen(&state)
    );
    assert!(matches!(state.overlay, Some(Overlay::Reroute(_))));

    // The cursor stops at the last alternate, our own warehouse; approving
    // takes the one it is on, into the act dialog's preview of that
    // vendor's PO.
    state.identity.allowed = ActionKind::ALL.to_vec();
    press(&mut state, &shop, "jjjj").await;
    let Some(Overlay::Reroute(view)) = &state.overlay else {
        panic!("the reroute view closed");
    };
    assert_eq!(view.selected, 2);
    assert!(
        screen(&state).contains("our warehouse"),
        "{}",
        screen(&state)
    );
    press(&mut state, &shop, "k").await;
    let Some(Overlay::Reroute(view)) = &state.overlay else {
        panic!("the reroute view closed");
    };
    assert_eq!(view.selected, 1);
    assert!(screen(&state).contains("▶ 1"), "{}", screen(&state));
    press(&mut state, &shop, "\n").await;
    let review = screen(&state);
    assert!(
        review.contains("alternate 1 (chosen): westbrook-supply"),
        "{review}"
    );
    assert!(
        review.contains("/vendors/acme/v1/purchase-orders"),
        "{review}"
    );
    // Cancelled: nothing sent; the view opens again on the best one.
    press(&mut state, &shop, "\u{1b}v").await;
    let Some(Overlay::Reroute(view)) = &state.overlay else {
        panic!("the reroute view did not open again");
    };
    assert_eq!(view.selected, 0);

    let name = detail_name(&state);
    press(&mut state, &shop, "x").await;
    let review = screen(&state);
    assert!(
        review.contains(&format!("Act: reroute-reject on {name}")),
        "{review}"
    );
    assert!(review.contains("rejected; PO"), "{review}");
    press(&mut state, &shop, "\tvendor\t\t").await;
    feed(&mut state, &shop, keys(&[KeyCode::Enter])).await;
    assert!(
        screen(&state).contains(&format!("done: reroute-reject on {name}")),
        "{}",
        screen(&state)
    );

    // The decision and who made it, in the view and in the order's audit.
    // The order has left the filtered queue: it is opened by name.
    press(&mut state, &shop, &format!(":open {name}\nv")).await;
    let decided = screen(&state);
    assert!(decided.contains("rejected: the PO stays"), "{decided}");
    assert!(decided.contains("What the decision did"), "{decided}");
    assert!(!decided.contains("▶"), "nothing left to choose: {decided}");
    press(&mut state, &shop, "\u{1b}").await;
    assert!(state.overlay.is_none());
    let loaded = state.detail.as_ref().unwrap().loaded.as_ref().unwrap();
    assert_eq!(loaded.audit.last().unwrap().fields.action, "reroute-reject");

    // The Act menu's reroute-approve leads to the same view.
    state.size = (80, 24);
    choose(&mut state, &shop, ActionKind::RerouteApprove).await;
    let small = screen(&state);
    assert!(
        matches!(state.overlay, Some(Overlay::Reroute(_))),
        "{small}"
    );
    assert!(small.contains("Reroute: "), "{small}");

    // A sofa order's PO holds its units against the vendor's ATP, soft
    // until the vendor acknowledges (the clock stands still before that).
    state.size = (100, 80);
    // Out of the view and the detail, the filter cleared, then sofas.
    press(&mut state, &shop, "\u{1b}\u{1b}/\u{1b}/sofa-3s\n2\n").await;
    let loaded = state.detail.as_ref().unwrap().loaded.as_ref().unwrap();
    assert!(
        loaded
            .reservations
            .iter()
            .any(|r| r.sku == "SOFA-3S-GRY" && r.state.as_str() == "soft"),
        "{:?}\n{}",
        loaded.reservations,
        screen(&state)
    );
    let detail = screen(&state);
    assert!(
        detail.contains("Reservations") && detail.contains("soft"),
        "{detail}"
    );
}

#[tokio::test]
async fn the_detail_pane_names_another_order_under_the_same_name() {
    let shop = shop().await;
    let mut state = opened(&shop, defaults(), (80, 24), false).await;
    let name = state.panes[2].rows[0].name.clone();
    // A second shop's export with an order of the same name.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other-shop.json");
    let other = serde_json::json!({"orders": [{
        "id": 990_000_001_u64, "name": name, "created_at": "2026-11-22T10:00:00-05:00",
        "updated_at": "2026-11-22T10:00:00-05:00", "financial_status": "paid",
        "fulfillment_status": null, "tags": "",
        "line_items": [{"id": 990_000_011_u64, "sku": "LAMP-OAK", "title": "Lamp", "quantity": 1,
                        "fulfillable_quantity": 1, "requires_shipping": true,
                        "fulfillment_service": "manual"}]
    }]});
    std::fs::write(&file, serde_json::to_vec(&other).unwrap()).unwrap();
    let policy = &shop.data.acting.as_ref().unwrap().policy;
    let (report, _) = orderdeck::sync::import::import_file(
        &shop.data.store,
        policy,
        orderdeck::connectors::Source::Storefront,
        &file,
        start(),
    )
    .await
    .unwrap();
    assert_eq!((report.documents, report.error), (1, None));

    press(&mut state, &shop, &format!(":open {name}\n")).await;
    let text = screen(&state);
    assert!(
        text.contains("another order has this name: 990000001"),
        "{text}"
    );
}
