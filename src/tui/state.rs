//! Everything the console shows, and the messages and effects that change it.
//! Rendering reads only this; the data task and the workers answer effects
//! with messages (DESIGN.md §7).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use crossterm::event::KeyEvent;
use tui_textarea::TextArea;

use super::keymap::Keymap;
use crate::actions::pipeline::{Executed, Prepared};
use crate::actions::ActionKind;
use crate::domain::{Queue, Reservation};
use crate::engine::TimelineEvent;
use crate::store::{AuditEntry, OrderDetail, OrderRow, QueueSort, SourceHealth};
use crate::summary::{Summary, SummaryOutcome};
use crate::sync::resync::Systems;
use crate::sync::workers::WorkerEvent;

/// The three queues an operator works, in pane order.
pub const QUEUES: [Queue; 3] = [Queue::Overdue, Queue::Informational, Queue::Blocked];

/// What the header says about who is at the keyboard and where the data is from.
#[derive(Debug, Clone)]
pub struct Identity {
    pub shop: String,
    /// The actions `[permissions]` lets this operator run.
    pub allowed: Vec<ActionKind>,
    /// Every reason code an action may be given.
    pub reason_codes: Vec<String>,
    pub operator: String,
    pub role: Option<String>,
    pub read_only: bool,
    /// Whether background workers feed this console (`--no-workers` turns
    /// them off: the panes then show the store as it is).
    pub live: bool,
}

/// One queue pane: a window of rows around the selection, never the whole
/// queue, so a million orders cost a page.
#[derive(Debug, Clone)]
pub struct Pane {
    pub queue: Queue,
    /// Orders in the queue that match the filter.
    pub total: usize,
    /// Absolute index of `rows[0]`.
    pub window_start: usize,
    pub rows: Vec<OrderRow>,
    /// Absolute index of the selection.
    pub selected: usize,
    /// The selected order, kept across refreshes by id.
    pub selected_id: Option<i64>,
    /// Rows that changed in the last refresh.
    pub changed: HashSet<i64>,
    pub loaded_at: Option<DateTime<Utc>>,
}

impl Pane {
    pub fn new(queue: Queue) -> Pane {
        Pane {
            queue,
            total: 0,
            window_start: 0,
            rows: Vec::new(),
            selected: 0,
            selected_id: None,
            changed: HashSet::new(),
            loaded_at: None,
        }
    }

    /// The row at an absolute index, if the window holds it.
    pub fn row(&self, index: usize) -> Option<&OrderRow> {
        index
            .checked_sub(self.window_start)
            .and_then(|i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&OrderRow> {
        self.row(self.selected)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// One of the queue panes (`State::active`).
    Queue,
    Detail,
}

/// How a resync asked from this console is going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResyncProgress {
    Queued(Systems),
    /// A resync of the same order was already waiting.
    AlreadyQueued,
    Done(String),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct DetailView {
    pub order_id: i64,
    pub loaded: Option<LoadedDetail>,
    pub scroll: u16,
    pub resync: Option<ResyncProgress>,
}

#[derive(Debug, Clone)]
pub struct LoadedDetail {
    pub detail: OrderDetail,
    /// The other orders under its name, by the reference `show` takes.
    pub also_named: Vec<String>,
    /// What operators did to the order, oldest first.
    pub audit: Vec<AuditEntry>,
    /// Units it holds against drop-ship vendors' ATP.
    pub reservations: Vec<Reservation>,
    /// The offline summary: shown at once, and beside a model's that
    /// cannot be trusted.
    pub summary: Summary,
    /// The language model's summary, when `[ai]` asks for one.
    pub model: Option<ModelSummary>,
    pub timeline: Vec<TimelineEvent>,
    pub loaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSummary {
    /// Asked in the background; the offline summary shows meanwhile.
    Pending,
    Ready(Box<SummaryOutcome>),
}

/// One backend as the header shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    pub last_ok: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

pub enum Overlay {
    Help {
        scroll: u16,
    },
    /// An action on one order, from choosing it to its result.
    Action(Box<ActionDialog>),
    Filter(TextArea<'static>),
    Command(TextArea<'static>),
    /// Which systems to resync; `button` indexes `RESYNC_CHOICES`.
    ResyncChooser {
        order_id: i64,
        button: usize,
    },
    /// The order's reroute proposal, read from the detail loaded for it.
    Reroute(RerouteView),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RerouteView {
    pub order_id: i64,
    /// The alternate the cursor is on (0 = the best).
    pub selected: usize,
    /// How far the view is scrolled, for long splits on short screens.
    pub scroll: u16,
}

pub struct ActionDialog {
    pub order_id: i64,
    pub order_name: String,
    pub stage: ActionStage,
}

pub enum ActionStage {
    /// The actions this operator's role allows.
    Choose {
        choices: Vec<ActionKind>,
        selected: usize,
    },
    /// A note is what `note` sends, so it is written before the plan.
    WriteNote {
        text: Box<TextArea<'static>>,
    },
    /// Preflight and preview are being worked out.
    Preparing {
        action: ActionKind,
        note: Option<String>,
    },
    Review(Box<Review>),
    /// Confirmed and sent; the review comes back if it fails.
    Running(Box<Review>),
}

/// A plan on screen: preflight, preview, and what the operator must give
/// before it can run.
pub struct Review {
    pub prepared: Prepared,
    /// What `note` sends, written before the plan.
    pub note: Option<String>,
    pub reason: TextArea<'static>,
    pub extra_note: TextArea<'static>,
    /// High-impact actions: the order number, typed.
    pub typed: Option<TextArea<'static>>,
    pub focus: ReviewFocus,
    /// Why the last Confirm did not run it.
    pub problem: Option<String>,
    /// How far the preflight and preview are scrolled.
    pub scroll: u16,
}

/// The dialog's focus ring, in Tab order. It opens on Cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewFocus {
    Cancel,
    Reason,
    Note,
    Typed,
    Confirm,
}

/// The resync chooser's buttons; the last one cancels.
pub const RESYNC_CHOICES: [(&str, Option<Systems>); 5] = [
    ("All systems", Some(Systems::All)),
    ("Storefront", Some(Systems::Storefront)),
    ("Warehouse", Some(Systems::Warehouse)),
    ("Carriers", Some(Systems::Carrier)),
    ("Cancel", None),
];

pub struct State {
    pub identity: Identity,
    pub keymap: Keymap,
    /// The shop's time zone: deadlines are business-day moments there.
    pub zone: Tz,
    pub color: bool,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub panes: [Pane; 3],
    pub active: usize,
    pub focus: Focus,
    pub detail: Option<DetailView>,
    pub overlay: Option<Overlay>,
    pub filter: String,
    pub sort: QueueSort,
    pub paused: bool,
    /// Data arrived while paused: refresh on resume.
    pub missed_while_paused: bool,
    /// Keyed by backend (`storefront`, `warehouse`, `carrier`).
    pub health: BTreeMap<String, Health>,
    /// `[tolerances] stale_data`: a backend not synced for longer shows as
    /// stale in the header.
    pub stale_after: chrono::TimeDelta,
    /// One line for the hint bar: the last thing that happened.
    pub status: Option<String>,
    /// Loads answered with an older generation are stale and dropped.
    pub generation: u64,
    pub dirty: bool,
    pub quit: bool,
    /// Clock ticks seen, for the spinner.
    pub ticks: usize,
}

impl State {
    pub fn new(
        identity: Identity,
        keymap: Keymap,
        zone: Tz,
        color: bool,
        now: DateTime<Utc>,
    ) -> State {
        State {
            identity,
            keymap,
            zone,
            color,
            now,
            size: (80, 24),
            panes: QUEUES.map(Pane::new),
            active: 0,
            focus: Focus::Queue,
            detail: None,
            overlay: None,
            filter: String::new(),
            sort: QueueSort::default(),
            paused: false,
            missed_while_paused: false,
            health: BTreeMap::new(),
            stale_after: chrono::TimeDelta::hours(1),
            status: None,
            generation: 0,
            dirty: true,
            quit: false,
            ticks: 0,
        }
    }

    pub fn active_pane(&self) -> &Pane {
        &self.panes[self.active]
    }
}

/// What reaches `update`: keys and terminal changes, the data task's answers,
/// the workers' events, the clock.
#[derive(Debug)]
pub enum Message {
    Key(KeyEvent),
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    Counts {
        generation: u64,
        counts: HashMap<Queue, i64>,
    },
    Window {
        generation: u64,
        queue: Queue,
        start: usize,
        rows: Vec<OrderRow>,
    },
    Detail {
        order_id: i64,
        loaded: Option<Box<LoadedDetail>>,
    },
    /// The model's summary of an order, or the reason it stands aside.
    Summary {
        order_id: i64,
        outcome: Box<SummaryOutcome>,
    },
    ResyncQueued {
        order_id: i64,
        systems: Systems,
        queued: bool,
    },
    Found {
        reference: String,
        order_id: Option<i64>,
    },
    /// Each listing's health as the store remembers it.
    Synced(Vec<SourceHealth>),
    Worker(WorkerEvent),
    /// An action's plan, or why it cannot be planned (role, read-only…).
    Prepared {
        order_id: i64,
        result: Result<Box<Prepared>, String>,
    },
    Executed {
        order_id: i64,
        result: Result<Box<Executed>, String>,
    },
    LoadFailed(String),
}

/// What `update` asks the outside to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadCounts {
        generation: u64,
        filter: String,
    },
    LoadWindow {
        generation: u64,
        queue: Queue,
        filter: String,
        sort: QueueSort,
        start: usize,
        len: usize,
    },
    LoadDetail {
        order_id: i64,
    },
    /// Ask the language model for the order's summary, in the background.
    WriteSummary {
        order_id: i64,
    },
    Resync {
        order_id: i64,
        systems: Systems,
    },
    FindOrder {
        reference: String,
    },
    LoadSyncTimes,
    PrepareAction {
        order_id: i64,
        order: String,
        action: ActionKind,
        note: Option<String>,
        /// `reroute-approve`: the alternate chosen in the reroute view.
        alternate: Option<usize>,
    },
    ExecuteAction {
        order_id: i64,
        prepared: Box<Prepared>,
        reason: String,
        note: Option<String>,
    },
    ClearScreen,
}
