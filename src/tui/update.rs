//! `update(state, message) -> effects`: the console's behaviour, with no I/O,
//! so every key path is testable without a terminal or a database.

use crossterm::event::KeyEvent;
use tui_textarea::TextArea;

use super::keymap::{Action, Context, Key};
use super::layout::visible_rows;
use super::state::{
    DetailView, Effect, Focus, Message, ModelSummary, Overlay, ResyncProgress, State, QUEUES,
    RESYNC_CHOICES,
};
use crate::actions::ActionKind;
use crate::store::OrderRow;
use crate::sync::poll::ListingReport;
use crate::sync::resync::Systems;
use crate::sync::workers::WorkerEvent;

/// Rows loaded beyond the screen on each side of the selection, so short
/// moves never wait for the store.
const WINDOW_MARGIN: usize = 100;

pub fn update(state: &mut State, message: Message) -> Vec<Effect> {
    match message {
        Message::Key(event) => {
            state.dirty = true;
            on_key(state, event)
        }
        Message::Resize(width, height) => {
            state.size = (width, height);
            state.dirty = true;
            // A taller pane may now show rows the window lacks.
            window_effects_if_needed(state)
        }
        Message::Tick(now) => {
            // Ages are shown in whole minutes: a tick within the same minute
            // changes nothing on screen, so nothing is redrawn or sent.
            if now.timestamp() / 60 != state.now.timestamp() / 60 {
                state.dirty = true;
            }
            state.ticks = state.ticks.wrapping_add(1);
            let spinning = state
                .detail
                .as_ref()
                .and_then(|d| d.loaded.as_ref())
                .is_some_and(|l| l.model == Some(ModelSummary::Pending));
            if spinning {
                state.dirty = true;
            }
            state.now = now;
            Vec::new()
        }
        Message::Counts { generation, counts } => {
            if generation == state.generation {
                for pane in &mut state.panes {
                    pane.total = counts.get(&pane.queue).copied().unwrap_or(0).max(0) as usize;
                    pane.selected = pane.selected.min(pane.total.saturating_sub(1));
                }
                state.dirty = true;
                return window_effects_if_needed(state);
            }
            Vec::new()
        }
        Message::Window {
            generation,
            queue,
            start,
            rows,
        } => {
            if generation != state.generation {
                return Vec::new();
            }
            let now = state.now;
            let Some(index) = QUEUES.iter().position(|q| *q == queue) else {
                return Vec::new();
            };
            let pane = &mut state.panes[index];
            pane.changed = changed_rows(pane.loaded_at.is_some(), &pane.rows, &rows);
            pane.window_start = start;
            pane.rows = rows;
            pane.loaded_at = Some(now);
            // The selection follows its order when the order moved within
            // the window; otherwise the position stays.
            if let Some(id) = pane.selected_id {
                if let Some(i) = pane.rows.iter().position(|r| r.id == id) {
                    pane.selected = start + i;
                }
            }
            pane.selected_id = pane.selected_row().map(|r| r.id);
            state.dirty = true;
            detail_follows_selection(state)
        }
        Message::Detail { order_id, loaded } => {
            let Some(detail) = state.detail.as_mut().filter(|d| d.order_id == order_id) else {
                return Vec::new();
            };
            state.dirty = true;
            let Some(mut loaded) = loaded.map(|b| *b) else {
                detail.loaded = None;
                return Vec::new();
            };
            let asks = loaded.model.is_some();
            // A reload keeps the model's last summary on screen until the
            // new one lands (the summarizer's cache answers at once when
            // the facts did not change).
            if let Some(ModelSummary::Ready(previous)) = detail.loaded.take().and_then(|l| l.model)
            {
                loaded.model = Some(ModelSummary::Ready(previous));
            }
            detail.loaded = Some(loaded);
            if asks {
                vec![Effect::WriteSummary { order_id }]
            } else {
                Vec::new()
            }
        }
        Message::Summary { order_id, outcome } => {
            if let Some(loaded) = state
                .detail
                .as_mut()
                .filter(|d| d.order_id == order_id)
                .and_then(|d| d.loaded.as_mut())
            {
                loaded.model = Some(ModelSummary::Ready(outcome));
                state.dirty = true;
            }
            Vec::new()
        }
        Message::ResyncQueued {
            order_id,
            systems,
            queued,
        } => {
            if let Some(detail) = state.detail.as_mut().filter(|d| d.order_id == order_id) {
                detail.resync = Some(if queued {
                    ResyncProgress::Queued(systems)
                } else {
                    ResyncProgress::AlreadyQueued
                });
            }
            state.dirty = true;
            Vec::new()
        }
        Message::Found {
            reference,
            order_id,
        } => {
            state.dirty = true;
            match order_id {
                Some(id) => {
                    state.focus = Focus::Detail;
                    open_detail(state, id)
                }
                None => {
                    state.status = Some(format!("no order {reference}"));
                    Vec::new()
                }
            }
        }
        Message::Synced(sources) => {
            for source in sources {
                let health = state.health.entry(backend_of(&source.listing)).or_default();
                if let Some(at) = source.last_success {
                    if health.last_ok.is_none_or(|seen| seen < at) {
                        health.last_ok = Some(at);
                    }
                }
                // A failure newer than the last success still stands.
                if let (Some(error), Some(at)) = (source.last_error, source.last_error_at) {
                    if source.last_success.is_none_or(|ok| ok < at) {
                        health.error = Some(format!("{}: {error}", source.listing));
                    }
                }
            }
            state.dirty = true;
            Vec::new()
        }
        Message::Worker(event) => on_worker(state, event),
        message @ (Message::Prepared { .. } | Message::Executed { .. }) => {
            super::act::on_message(state, message)
        }
        Message::LoadFailed(error) => {
            state.status = Some(error);
            state.dirty = true;
            Vec::new()
        }
    }
}

/// Everything shown comes again from the store: after new data, a filter or
/// a sort. Stale answers in flight are dropped by generation.
pub fn refresh(state: &mut State) -> Vec<Effect> {
    state.generation += 1;
    let mut effects = vec![Effect::LoadCounts {
        generation: state.generation,
        filter: state.filter.clone(),
    }];
    for index in 0..QUEUES.len() {
        effects.push(window_around(state, index));
    }
    if let Some(detail) = &state.detail {
        effects.push(Effect::LoadDetail {
            order_id: detail.order_id,
        });
    }
    effects
}

fn changed_rows(
    had_rows: bool,
    old: &[OrderRow],
    new: &[OrderRow],
) -> std::collections::HashSet<i64> {
    if !had_rows {
        return Default::default();
    }
    new.iter()
        .filter(|row| {
            !old.iter().any(|o| {
                o.id == row.id
                    && o.evaluated_at == row.evaluated_at
                    && o.top_code == row.top_code
                    && o.system_states == row.system_states
            })
        })
        .map(|row| row.id)
        .collect()
}

fn window_around(state: &State, index: usize) -> Effect {
    let pane = &state.panes[index];
    let start = pane.selected.saturating_sub(WINDOW_MARGIN);
    Effect::LoadWindow {
        generation: state.generation,
        queue: pane.queue,
        filter: state.filter.clone(),
        sort: state.sort,
        start,
        len: visible_rows(state) + 2 * WINDOW_MARGIN,
    }
}

/// Asks for a new window when the rows on screen around the selection are
/// not all loaded.
fn window_effects_if_needed(state: &State) -> Vec<Effect> {
    let page = visible_rows(state);
    (0..QUEUES.len())
        .filter(|&index| {
            let pane = &state.panes[index];
            if pane.total == 0 {
                return false;
            }
            let first = pane.selected.saturating_sub(page);
            let last = (pane.selected + page).min(pane.total - 1);
            pane.row(first).is_none() || pane.row(last).is_none()
        })
        .map(|index| window_around(state, index))
        .collect()
}

/// On wide screens the detail pane shows whatever is selected.
fn detail_follows_selection(state: &mut State) -> Vec<Effect> {
    let wide = state.size.0 >= super::layout::SIDE_BY_SIDE_WIDTH;
    let selected = state.active_pane().selected_id;
    match selected {
        Some(id) if wide && state.detail.as_ref().map(|d| d.order_id) != Some(id) => {
            open_detail(state, id)
        }
        _ => Vec::new(),
    }
}

pub(super) fn open_detail(state: &mut State, order_id: i64) -> Vec<Effect> {
    state.detail = Some(DetailView {
        order_id,
        loaded: None,
        scroll: 0,
        resync: None,
    });
    vec![Effect::LoadDetail { order_id }]
}

fn context(state: &State) -> Context {
    match &state.overlay {
        Some(Overlay::Help { .. }) => Context::Help,
        Some(Overlay::Filter(_)) => Context::Filter,
        Some(Overlay::Command(_)) => Context::Command,
        Some(Overlay::ResyncChooser { .. }) => Context::Confirm,
        Some(Overlay::Action(dialog)) => super::act::context(dialog),
        Some(Overlay::Reroute(_)) => Context::Reroute,
        None => match state.focus {
            Focus::Queue => Context::Queue,
            Focus::Detail => Context::Detail,
        },
    }
}

fn on_key(state: &mut State, event: KeyEvent) -> Vec<Effect> {
    let Some(key) = Key::from_event(&event) else {
        return Vec::new();
    };
    let context = context(state);
    let action = state.keymap.action(context, key);
    if context.is_text_entry() && (key.is_text_editing() || action.is_none()) {
        if key.is_text_editing() {
            match &mut state.overlay {
                Some(Overlay::Filter(text) | Overlay::Command(text)) => {
                    text.input(event);
                }
                Some(Overlay::Action(dialog)) => super::act::type_into(dialog, event),
                _ => {}
            }
        }
        return Vec::new();
    }
    match action {
        Some(action) => on_action(state, action),
        None => Vec::new(),
    }
}

fn one_line_input(initial: &str) -> TextArea<'static> {
    let mut text = TextArea::new(vec![initial.to_string()]);
    text.move_cursor(tui_textarea::CursorMove::End);
    text
}

fn input_text(text: &TextArea<'_>) -> String {
    text.lines().concat().trim().to_string()
}

fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    state.status = None;
    if matches!(state.overlay, Some(Overlay::Action(_)))
        && !matches!(action, Action::Quit | Action::Redraw | Action::Help)
    {
        return super::act::on_action(state, action);
    }
    if matches!(state.overlay, Some(Overlay::Reroute(_)))
        && !matches!(action, Action::Quit | Action::Redraw | Action::Help)
    {
        return super::reroute::on_action(state, action);
    }
    match action {
        Action::Act => super::act::open(state),
        Action::Reroute => super::reroute::open(state),
        // Only the reroute view binds these.
        Action::Approve | Action::Reject => Vec::new(),
        Action::Quit => {
            state.quit = true;
            Vec::new()
        }
        Action::Redraw => vec![Effect::ClearScreen],
        Action::Help => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            Vec::new()
        }
        Action::Command => {
            state.overlay = Some(Overlay::Command(one_line_input("")));
            Vec::new()
        }
        Action::Filter => {
            state.overlay = Some(Overlay::Filter(one_line_input(&state.filter)));
            Vec::new()
        }
        Action::ApplyFilter => {
            let Some(Overlay::Filter(text)) = state.overlay.take() else {
                return Vec::new();
            };
            set_filter(state, input_text(&text))
        }
        Action::ClearFilter => {
            state.overlay = None;
            set_filter(state, String::new())
        }
        Action::RunCommand => {
            let Some(Overlay::Command(text)) = state.overlay.take() else {
                return Vec::new();
            };
            run_command(state, &input_text(&text))
        }
        Action::Cancel => {
            state.overlay = None;
            Vec::new()
        }
        Action::Back => back(state),
        Action::NextPane => {
            cycle_pane(state, 1);
            detail_follows_selection(state)
        }
        Action::PreviousPane => {
            cycle_pane(state, QUEUES.len());
            detail_follows_selection(state)
        }
        Action::QueueOverdue => jump_to_queue(state, 0),
        Action::QueueInformational => jump_to_queue(state, 1),
        Action::QueueBlocked => jump_to_queue(state, 2),
        Action::Pause => {
            state.paused = !state.paused;
            if !state.paused && state.missed_while_paused {
                state.missed_while_paused = false;
                return refresh(state);
            }
            Vec::new()
        }
        Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp
            if state.overlay.is_none() && state.focus == Focus::Queue =>
        {
            move_selection(state, action)
        }
        Action::ScrollDown
        | Action::ScrollUp
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp => {
            scroll(state, action);
            Vec::new()
        }
        Action::Down | Action::Up => Vec::new(),
        Action::Open => match state.active_pane().selected_id {
            Some(id) => {
                state.focus = Focus::Detail;
                if state.detail.as_ref().map(|d| d.order_id) == Some(id) {
                    Vec::new()
                } else {
                    open_detail(state, id)
                }
            }
            None => Vec::new(),
        },
        Action::Sort => {
            let next = state.sort.next();
            state.status = Some(format!("sorted by {}", next.name()));
            set_sort(state, next)
        }
        Action::Resync => match resync_target(state) {
            Some(order_id) => start_resync(state, order_id, Systems::All),
            None => Vec::new(),
        },
        Action::ResyncChoose => {
            if let Some(order_id) = resync_target(state) {
                state.overlay = Some(Overlay::ResyncChooser {
                    order_id,
                    button: 0,
                });
            }
            Vec::new()
        }
        Action::NextButton | Action::PreviousButton => {
            if let Some(Overlay::ResyncChooser { button, .. }) = &mut state.overlay {
                let step = if action == Action::NextButton {
                    1
                } else {
                    RESYNC_CHOICES.len() - 1
                };
                *button = (*button + step) % RESYNC_CHOICES.len();
            }
            Vec::new()
        }
        Action::PressButton => match state.overlay.take() {
            Some(Overlay::ResyncChooser { order_id, button }) => {
                match RESYNC_CHOICES.get(button).and_then(|(_, systems)| *systems) {
                    Some(systems) => start_resync(state, order_id, systems),
                    None => Vec::new(),
                }
            }
            other => {
                state.overlay = other;
                Vec::new()
            }
        },
    }
}

fn set_filter(state: &mut State, filter: String) -> Vec<Effect> {
    if filter == state.filter {
        return Vec::new();
    }
    state.filter = filter;
    for pane in &mut state.panes {
        pane.selected = 0;
        pane.selected_id = None;
        pane.rows.clear();
        pane.loaded_at = None;
    }
    refresh(state)
}

/// Backs out one level: a dialog, then the detail, then the filter. At the
/// top nothing happens but a reminder, so a stray Esc never quits.
fn back(state: &mut State) -> Vec<Effect> {
    if state.overlay.take().is_some() {
        return Vec::new();
    }
    if state.focus == Focus::Detail {
        state.focus = Focus::Queue;
        return Vec::new();
    }
    if !state.filter.is_empty() {
        return set_filter(state, String::new());
    }
    state.status = Some(quit_hint(state));
    Vec::new()
}

fn quit_hint(state: &State) -> String {
    let keys: Vec<String> = state
        .keymap
        .bindings(Context::Global)
        .into_iter()
        .filter(|(_, action)| *action == Action::Quit)
        .map(|(key, _)| key.to_string())
        .collect();
    if keys.is_empty() {
        "type :quit to leave".to_string()
    } else {
        format!("{} or :quit to leave", keys.join("/"))
    }
}

fn cycle_pane(state: &mut State, step: usize) {
    // Panes, then the detail, in a ring.
    let stops = QUEUES.len() + 1;
    let current = match state.focus {
        Focus::Queue => state.active,
        Focus::Detail => QUEUES.len(),
    };
    let next = (current + step) % stops;
    if next == QUEUES.len() {
        if state.detail.is_some() {
            state.focus = Focus::Detail;
        } else {
            state.active = 0;
            state.focus = Focus::Queue;
        }
    } else {
        state.active = next;
        state.focus = Focus::Queue;
    }
}

fn jump_to_queue(state: &mut State, index: usize) -> Vec<Effect> {
    state.active = index;
    state.focus = Focus::Queue;
    let mut effects = window_effects_if_needed(state);
    effects.extend(detail_follows_selection(state));
    effects
}

fn move_selection(state: &mut State, action: Action) -> Vec<Effect> {
    let page = visible_rows(state);
    let pane = &mut state.panes[state.active];
    if pane.total == 0 {
        return Vec::new();
    }
    let last = pane.total - 1;
    pane.selected = match action {
        Action::Down => (pane.selected + 1).min(last),
        Action::Up => pane.selected.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => (pane.selected + page).min(last),
        Action::PageUp => pane.selected.saturating_sub(page),
        _ => pane.selected,
    };
    pane.selected_id = pane.selected_row().map(|r| r.id);
    let mut effects = window_effects_if_needed(state);
    effects.extend(detail_follows_selection(state));
    effects
}

fn scroll(state: &mut State, action: Action) {
    let page = visible_rows(state) as u16;
    let target = match &mut state.overlay {
        Some(Overlay::Help { scroll }) => scroll,
        None if state.focus == Focus::Detail => match &mut state.detail {
            Some(detail) => &mut detail.scroll,
            None => return,
        },
        _ => return,
    };
    *target = match action {
        Action::ScrollDown => target.saturating_add(1),
        Action::ScrollUp => target.saturating_sub(1),
        Action::PageDown => target.saturating_add(page),
        Action::PageUp => target.saturating_sub(page),
        Action::Top => 0,
        // The view clamps to the text's end.
        Action::Bottom => u16::MAX,
        _ => *target,
    };
}

fn resync_target(state: &mut State) -> Option<i64> {
    if state.identity.read_only {
        return None;
    }
    if !state.identity.allowed.contains(&ActionKind::Resync) {
        state.status = Some(format!(
            "{} ({}) may not resync: see [roles] and [permissions]",
            state.identity.operator,
            state.identity.role.as_deref().unwrap_or("no role")
        ));
        return None;
    }
    match state.focus {
        Focus::Detail => state.detail.as_ref().map(|d| d.order_id),
        Focus::Queue => state.active_pane().selected_id,
    }
}

fn start_resync(state: &mut State, order_id: i64, systems: Systems) -> Vec<Effect> {
    if !state.identity.live {
        state.status = Some("no workers run in this console (--no-workers): cannot resync".into());
        return Vec::new();
    }
    if state.detail.as_ref().map(|d| d.order_id) != Some(order_id) {
        open_detail(state, order_id);
    }
    if let Some(detail) = &mut state.detail {
        detail.resync = Some(ResyncProgress::Queued(systems));
    }
    let mut effects = vec![Effect::Resync { order_id, systems }];
    if state.detail.as_ref().is_some_and(|d| d.loaded.is_none()) {
        effects.push(Effect::LoadDetail { order_id });
    }
    effects
}

fn run_command(state: &mut State, command: &str) -> Vec<Effect> {
    let (verb, rest) = command
        .split_once(char::is_whitespace)
        .map_or((command, ""), |(v, r)| (v, r.trim()));
    match verb {
        "" => Vec::new(),
        "q" | "quit" => {
            state.quit = true;
            Vec::new()
        }
        "open" | "o" if !rest.is_empty() => vec![Effect::FindOrder {
            reference: rest.to_string(),
        }],
        "filter" | "f" => set_filter(state, rest.to_string()),
        "sort" => match rest {
            "deadline" => set_sort(state, crate::store::QueueSort::Deadline),
            "newest" => set_sort(state, crate::store::QueueSort::Newest),
            "number" | "order" => set_sort(state, crate::store::QueueSort::OrderNumber),
            _ => {
                state.status = Some("sort by: deadline, newest or number".into());
                Vec::new()
            }
        },
        "resync" => {
            let systems = match rest {
                "" | "all" => Some(Systems::All),
                "storefront" => Some(Systems::Storefront),
                "warehouse" => Some(Systems::Warehouse),
                "carrier" | "carriers" => Some(Systems::Carrier),
                _ => None,
            };
            match (systems, resync_target(state)) {
                (Some(systems), Some(order_id)) => start_resync(state, order_id, systems),
                (None, _) => {
                    state.status =
                        Some("resync from: all, storefront, warehouse or carrier".into());
                    Vec::new()
                }
                (_, None) => {
                    state.status = Some("no order selected to resync".into());
                    Vec::new()
                }
            }
        }
        other => {
            state.status = Some(format!(
                "unknown command {other:?}: try open ORDER, filter TEXT, sort deadline|newest|number, resync, quit"
            ));
            Vec::new()
        }
    }
}

/// A new order of the same orders: the counts stand, only the windows
/// (and the detail following the selection) come again.
fn set_sort(state: &mut State, sort: crate::store::QueueSort) -> Vec<Effect> {
    state.sort = sort;
    for pane in &mut state.panes {
        pane.selected = 0;
        pane.selected_id = None;
    }
    state.generation += 1;
    (0..QUEUES.len())
        .map(|index| window_around(state, index))
        .collect()
}

/// The backend a listing belongs to, as the header groups them.
fn backend_of(listing: &str) -> String {
    listing.split('.').next().unwrap_or(listing).to_string()
}

fn record_health(state: &mut State, at: chrono::DateTime<chrono::Utc>, listings: &[ListingReport]) {
    let mut failed: std::collections::BTreeMap<String, String> = Default::default();
    for listing in listings {
        let backend = backend_of(listing.listing);
        if let Some(error) = &listing.error {
            failed.insert(backend.clone(), format!("{}: {error}", listing.listing));
        }
        state.health.entry(backend).or_default();
    }
    for (backend, health) in &mut state.health {
        match failed.remove(backend) {
            Some(error) => health.error = Some(error),
            None if listings.iter().any(|l| backend_of(l.listing) == *backend) => {
                health.error = None;
                health.last_ok = Some(at);
            }
            None => {}
        }
    }
}

fn on_worker(state: &mut State, event: WorkerEvent) -> Vec<Effect> {
    state.dirty = true;
    let changed_data = match &event {
        WorkerEvent::SyncFinished { at, listings } => {
            record_health(state, *at, listings);
            true
        }
        WorkerEvent::ResyncFinished { order_id, listings } => {
            if let Some(detail) = state.detail.as_mut().filter(|d| d.order_id == *order_id) {
                let failures: Vec<String> = listings
                    .iter()
                    .filter_map(|l| l.error.as_ref().map(|e| format!("{}: {e}", l.listing)))
                    .collect();
                detail.resync = Some(if failures.is_empty() {
                    let documents: usize = listings.iter().map(|l| l.documents).sum();
                    ResyncProgress::Done(format!("{documents} document(s) read again"))
                } else {
                    ResyncProgress::Failed(failures.join("; "))
                });
            }
            true
        }
        WorkerEvent::Reevaluated { orders, .. } => *orders > 0,
        WorkerEvent::Failed { what, error } => {
            state.status = Some(format!("{what} failed: {error}"));
            false
        }
    };
    if !changed_data {
        return Vec::new();
    }
    if state.paused {
        state.missed_while_paused = true;
        // The detail an operator asked to resync still shows its result.
        if let WorkerEvent::ResyncFinished { order_id, .. } = event {
            return vec![Effect::LoadDetail { order_id }];
        }
        return Vec::new();
    }
    refresh(state)
}
