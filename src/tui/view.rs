//! Draws the state. Reads nothing else, so every screen is a snapshot test.

use chrono::{DateTime, TimeDelta, Utc};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;
use tui_textarea::TextArea;

use super::keymap::{Action, Context};
use super::layout::{areas, too_small, MIN_HEIGHT, MIN_WIDTH};
use super::state::{
    ActionDialog, ActionStage, DetailView, Focus, LoadedDetail, ModelSummary, Overlay, Pane,
    RerouteView, ResyncProgress, Review, ReviewFocus, State, RESYNC_CHOICES,
};
use crate::actions::{ActionKind, Impact};
use crate::domain::{Queue, RerouteStatus, Verdict};
use crate::engine::reroute::money;
use crate::engine::{decision_steps, purchase_order_lines, reservation_lines, vendor_steps};
use crate::summary::{Author, Summary};
use crate::sync::resync::Systems;
use crate::text::{also_named_line, sanitize};

pub fn render(frame: &mut Frame, state: &State) {
    let screen = frame.area();
    if too_small((screen.width, screen.height)) {
        let notice = Paragraph::new(format!(
            "Terminal too small: {}x{}.\norderdeck needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
            screen.width, screen.height
        ))
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true });
        frame.render_widget(notice, screen);
        return;
    }
    let theme = Theme { color: state.color };
    let areas = areas(state, screen);
    render_header(frame, state, &theme, areas.header);
    if let Some(panes) = areas.panes {
        for (index, area) in panes.into_iter().enumerate() {
            render_pane(frame, state, &theme, index, area);
        }
    }
    if let Some(area) = areas.detail {
        render_detail(frame, state, &theme, area);
    }
    render_footer(frame, state, &theme, areas.footer);
    match &state.overlay {
        Some(Overlay::Help { scroll }) => render_help(frame, state, &theme, *scroll),
        Some(Overlay::ResyncChooser { order_id, button }) => {
            render_chooser(frame, state, &theme, *order_id, *button)
        }
        Some(Overlay::Action(dialog)) => render_action(frame, state, &theme, dialog),
        Some(Overlay::Reroute(view)) => render_reroute(frame, state, &theme, view),
        _ => {}
    }
}

/// The 16 named colours at most; with `NO_COLOR` only bold, reverse and
/// symbols carry meaning, and they carry all of it.
struct Theme {
    color: bool,
}

impl Theme {
    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    fn verdict(&self, verdict: Verdict) -> Style {
        match verdict {
            Verdict::Overdue => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Verdict::Blocked => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Verdict::Info => self.fg(Color::Cyan),
            Verdict::Pass => self.fg(Color::Green),
        }
    }

    fn queue(&self, queue: Queue) -> Style {
        match queue {
            Queue::Overdue => self.verdict(Verdict::Overdue),
            Queue::Blocked => self.verdict(Verdict::Blocked),
            _ => self.verdict(Verdict::Info),
        }
    }

    fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    fn heading(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}

fn verdict_glyph(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Overdue => "!",
        Verdict::Blocked => "✗",
        Verdict::Info => "i",
        Verdict::Pass => "✓",
    }
}

fn queue_title(queue: Queue) -> &'static str {
    match queue {
        Queue::Overdue => "Overdue",
        Queue::Informational => "Informational",
        Queue::Blocked => "Blocked",
        Queue::Ok => "OK",
    }
}

/// "3m", "2h 5m", "4d 1h": how long, for a person, in whole minutes.
fn span_text(delta: TimeDelta) -> String {
    let minutes = delta.num_minutes().abs();
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}m"),
        (0, _) => format!("{hours}h{mins:02}m"),
        _ => format!("{days}d{hours:02}h"),
    }
}

fn age(now: DateTime<Utc>, at: Option<DateTime<Utc>>) -> String {
    match at {
        Some(at) if now - at < TimeDelta::minutes(1) => "now".into(),
        Some(at) => format!("{} ago", span_text(now - at)),
        None => "never".into(),
    }
}

fn local(state: &State, at: DateTime<Utc>) -> String {
    at.with_timezone(&state.zone)
        .format("%a %m-%d %H:%M")
        .to_string()
}

/// Identity and each backend's health on the left; the live indicator and
/// the clock on the right, where a narrow terminal cannot push them off.
fn render_header(frame: &mut Frame, state: &State, theme: &Theme, area: Rect) {
    let right = live_indicator(state, theme);
    let right_width = right.width() as u16;
    let [left_area, right_area] =
        ratatui::layout::Layout::horizontal([Constraint::Min(1), Constraint::Length(right_width)])
            .areas(area);
    // The roomiest form that fits: full names with each age, short names
    // with each age, then short names and only the oldest age.
    let left = [Room::Full, Room::Short, Room::Tight]
        .into_iter()
        .map(|room| header_left(state, theme, room))
        .find(|line| line.width() as u16 <= left_area.width)
        .unwrap_or_else(|| header_left(state, theme, Room::Tight));
    frame.render_widget(left, left_area);
    frame.render_widget(right, right_area);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Room {
    Full,
    Short,
    Tight,
}

fn age_of(state: &State, last_ok: Option<DateTime<Utc>>) -> String {
    match last_ok {
        Some(at) if state.now - at >= TimeDelta::minutes(1) => span_text(state.now - at),
        Some(_) => "now".into(),
        None => "never".into(),
    }
}

fn header_left<'a>(state: &'a State, theme: &Theme, room: Room) -> Line<'a> {
    let roomy = room == Room::Full;
    let identity = &state.identity;
    let mut spans = vec![Span::styled(
        " orderdeck ",
        theme.heading().add_modifier(Modifier::REVERSED),
    )];
    if roomy {
        spans.push(Span::raw(format!(" {} │", sanitize(&identity.shop))));
    }
    spans.push(Span::raw(format!(
        " {} ({})",
        identity.operator,
        identity.role.as_deref().unwrap_or("no role")
    )));
    if identity.read_only {
        spans.push(Span::styled(" RO", theme.heading()));
    }
    spans.push(Span::raw(" │"));
    if state.health.is_empty() {
        spans.push(Span::styled(" waiting for the first sync", theme.dim()));
    }
    // In the order an order travels through them.
    let rank = |backend: &str| {
        ["storefront", "warehouse", "carrier"]
            .iter()
            .position(|b| *b == backend)
            .unwrap_or(usize::MAX)
    };
    let mut backends: Vec<_> = state.health.iter().collect();
    backends.sort_by_key(|(backend, _)| rank(backend));
    for (backend, health) in backends {
        let stale = health
            .last_ok
            .is_some_and(|at| state.now - at > state.stale_after);
        let (glyph, style) = match (&health.error, stale) {
            (Some(_), _) => ("✗", theme.verdict(Verdict::Blocked)),
            // Data older than `[tolerances] stale_data`: STALE_DATA.
            (None, true) => ("!", theme.verdict(Verdict::Overdue)),
            (None, false) => ("✓", theme.fg(Color::Green)),
        };
        let name = match backend.as_str() {
            _ if roomy => backend.as_str(),
            "storefront" => "store",
            "warehouse" => "whse",
            "carrier" => "carr",
            "vendor" => "vend",
            other => other,
        };
        if room == Room::Tight {
            spans.push(Span::raw(format!(" {name}")));
            spans.push(Span::styled(glyph, style));
        } else {
            spans.push(Span::raw(format!(" {name} ")));
            spans.push(Span::styled(glyph, style));
            spans.push(Span::styled(
                format!(" {}", age_of(state, health.last_ok)),
                theme.dim(),
            ));
        }
    }
    if room == Room::Tight && !state.health.is_empty() {
        // The stalest source's age speaks for all of them.
        let oldest = if state.health.values().any(|h| h.last_ok.is_none()) {
            None
        } else {
            state.health.values().filter_map(|h| h.last_ok).min()
        };
        spans.push(Span::styled(
            format!(" {}", age_of(state, oldest)),
            theme.dim(),
        ));
    }
    Line::from(spans)
}

fn live_indicator<'a>(state: &State, theme: &Theme) -> Line<'a> {
    let live = match (state.identity.live, state.paused) {
        (_, true) => Span::styled(
            " ‖ PAUSED ",
            theme.heading().add_modifier(Modifier::REVERSED),
        ),
        (true, false) => Span::styled(
            " ● LIVE",
            theme.fg(Color::Green).add_modifier(Modifier::BOLD),
        ),
        (false, false) => Span::styled(" ○ STORE ONLY", theme.dim()),
    };
    Line::from(vec![
        Span::raw(" │"),
        live,
        Span::styled(
            format!(
                " {} ",
                state.now.with_timezone(&state.zone).format("%H:%M %Z")
            ),
            theme.dim(),
        ),
    ])
}

/// One short word per system, so three systems fit a row; the detail pane
/// has the full story.
fn system_words(states: Option<&str>) -> [String; 3] {
    let mut systems = states.unwrap_or("-|-|-").split('|');
    let mut next = || systems.next().unwrap_or("-");
    let storefront = next();
    let (financial, fulfilment) = storefront.split_once('/').unwrap_or((storefront, ""));
    let store = match (financial, fulfilment) {
        ("cancelled", _) => "cancel",
        ("refunded", _) => "refund",
        (_, "fulfilled") => "fulfil",
        (_, "partial") => "partial",
        ("partially_refunded", _) => "p.rfnd",
        ("partially_paid", _) => "p.paid",
        ("authorized", _) => "auth",
        ("pending", _) => "unpaid",
        (other, _) => other,
    };
    let warehouse = match next() {
        "awaiting_payment" => "unpaid",
        "awaiting_shipment" => "await",
        "pending_fulfillment" => "pend",
        "shipped" => "shipd",
        "on_hold" => "hold",
        "cancelled" => "cancel",
        other => other,
    };
    let carrier = match next() {
        "pending" => "label",
        "picked_up" => "pickup",
        "in_transit" => "transit",
        "out_for_delivery" => "out",
        "ready_for_pickup" => "ready",
        "delivered" => "deliv",
        "delivery_failed" => "failed",
        "delayed" => "delay",
        "on_hold" => "hold",
        "returned_to_sender" => "return",
        "cancelled" => "cancel",
        "unknown" => "?",
        other => other,
    };
    [store, warehouse, carrier].map(str::to_string)
}

fn deadline_text(now: DateTime<Utc>, ship_by: Option<DateTime<Utc>>) -> String {
    match ship_by {
        Some(at) if at < now => format!("-{}", span_text(now - at)),
        Some(at) => span_text(at - now),
        None => "-".into(),
    }
}

/// The first row shown so that the selection is on screen, kept near the
/// middle once the list is longer than the pane.
fn first_shown(pane: &Pane, visible: usize) -> usize {
    let most = pane.total.saturating_sub(visible);
    pane.selected.saturating_sub(visible / 2).min(most)
}

fn render_pane(frame: &mut Frame, state: &State, theme: &Theme, index: usize, area: Rect) {
    let pane = &state.panes[index];
    let active = index == state.active && state.focus == Focus::Queue;
    let mut title = vec![
        Span::styled(
            format!(" {} {} ", index + 1, queue_title(pane.queue)),
            theme.queue(pane.queue),
        ),
        Span::styled(format!("{} ", pane.total), theme.heading()),
    ];
    if !state.filter.is_empty() {
        title.push(Span::raw(format!("/{} ", state.filter)));
    }
    let mut block = Block::bordered().title(Line::from(title)).title(
        Line::from(Span::styled(
            format!(
                " by {} · {} ",
                state.sort.name(),
                age(state.now, pane.loaded_at)
            ),
            theme.dim(),
        ))
        .right_aligned(),
    );
    if active {
        block = block
            .border_type(BorderType::Thick)
            .border_style(theme.heading());
    } else {
        block = block.border_style(theme.dim());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if pane.total == 0 {
        let text = match pane.loaded_at {
            Some(_) if state.filter.is_empty() => "nothing here",
            Some(_) => "nothing matches the filter",
            None => "loading…",
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), inner);
        return;
    }
    let is_active_pane = index == state.active;
    let heading_rows = usize::from(is_active_pane);
    let visible = usize::from(inner.height).saturating_sub(heading_rows);
    let first = if is_active_pane {
        first_shown(pane, visible)
    } else {
        pane.window_start.min(pane.selected)
    };
    let columns: Vec<&Column> = COLUMNS
        .iter()
        .filter(|c| !c.optional || inner.width >= WIDE_PANE)
        .collect();
    let rows: Vec<Row> = (first..(first + visible).min(pane.total))
        .map(|i| {
            let (mut cells, style) = order_cells(state, theme, pane, i, is_active_pane);
            Row::new(
                columns
                    .iter()
                    .map(|c| std::mem::take(&mut cells[c.index]))
                    .collect::<Vec<_>>(),
            )
            .style(style)
        })
        .collect();
    let widths: Vec<Constraint> = columns.iter().map(|c| c.width).collect();
    let mut table = Table::new(rows, widths).column_spacing(1);
    if is_active_pane {
        table = table.header(
            Row::new(columns.iter().map(|c| c.title).collect::<Vec<_>>()).style(theme.heading()),
        );
    }
    frame.render_widget(table, inner);
}

struct Column {
    /// Which of `order_cells`' cells it shows.
    index: usize,
    title: &'static str,
    width: Constraint,
    /// Left out of panes narrower than `WIDE_PANE`.
    optional: bool,
}

/// Inner width from which a pane shows every column.
const WIDE_PANE: u16 = 76;

const fn column(index: usize, title: &'static str, width: Constraint, optional: bool) -> Column {
    Column {
        index,
        title,
        width,
        optional,
    }
}

const COLUMNS: [Column; 9] = [
    column(0, "", Constraint::Length(1), false),
    column(1, "Order", Constraint::Length(8), false),
    column(2, "Age", Constraint::Length(6), true),
    column(3, "Due in", Constraint::Length(7), false),
    column(4, "Ships from", Constraint::Length(10), true),
    column(5, "Store", Constraint::Length(7), false),
    column(6, "Whse", Constraint::Length(6), false),
    column(7, "Carrier", Constraint::Length(7), false),
    column(8, "Top finding", Constraint::Min(10), false),
];

fn order_cells<'a>(
    state: &State,
    theme: &Theme,
    pane: &Pane,
    index: usize,
    active: bool,
) -> (Vec<Cell<'a>>, Style) {
    let Some(row) = pane.row(index) else {
        let mut cells = vec![Cell::default(); COLUMNS.len()];
        cells[1] = Cell::from(Span::styled("loading…", theme.dim()));
        return (cells, Style::new());
    };
    let marker = if pane.changed.contains(&row.id) {
        "•"
    } else {
        " "
    };
    let placed = row
        .placed_at
        .map_or_else(|| "-".into(), |at| span_text(state.now - at));
    let finding = match (&row.top_code, &row.top_reason) {
        (Some(code), Some(reason)) => Line::from(vec![
            Span::styled(code.clone(), theme.heading()),
            Span::raw(format!(" {}", sanitize(reason))),
        ]),
        (Some(code), None) => Line::from(code.clone()),
        _ => Line::default(),
    };
    let [store, warehouse, carrier] = system_words(row.system_states.as_deref());
    let mut cells = vec![
        Cell::from(marker),
        Cell::from(sanitize(&row.name).into_owned()),
        Cell::from(placed),
        Cell::from(deadline_text(state.now, row.ship_by)),
        Cell::from(sanitize(row.source_label.as_deref().unwrap_or("-")).into_owned()),
        Cell::from(store),
        Cell::from(warehouse),
        Cell::from(carrier),
        Cell::from(finding),
    ];
    if row.ship_by.is_some_and(|at| at < state.now) && pane.queue == Queue::Overdue {
        cells[3] = Cell::from(Span::styled(
            deadline_text(state.now, row.ship_by),
            theme.verdict(Verdict::Overdue),
        ));
    }
    let style = if active && index == pane.selected {
        theme.selected()
    } else {
        Style::new()
    };
    (cells, style)
}

fn render_detail(frame: &mut Frame, state: &State, theme: &Theme, area: Rect) {
    let focused = state.focus == Focus::Detail;
    let mut block = Block::bordered();
    block = if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(theme.heading())
    } else {
        block.border_style(theme.dim())
    };
    let Some(detail) = &state.detail else {
        let block = block.title(" Order ");
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new(Span::styled("select an order to see it here", theme.dim())),
            inner,
        );
        return;
    };
    let Some(loaded) = &detail.loaded else {
        let block = block.title(" Order ");
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(Paragraph::new(Span::styled("loading…", theme.dim())), inner);
        return;
    };
    let row = &loaded.detail.row;
    let block = block
        .title(Line::from(vec![
            Span::styled(format!(" {} ", sanitize(&row.name)), theme.heading()),
            Span::styled(
                format!("{} ", queue_title(row.queue)),
                theme.queue(row.queue),
            ),
        ]))
        .title(
            Line::from(Span::styled(
                format!(" {} ", age(state.now, Some(loaded.loaded_at))),
                theme.dim(),
            ))
            .right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text = detail_text(state, theme, detail);
    let paragraph = Paragraph::new(text).wrap(Wrap { trim: false });
    let scroll = clamp_scroll(&paragraph, detail.scroll, inner);
    frame.render_widget(paragraph.scroll((scroll, 0)), inner);
}

/// Scrolled no further than the last screenful of the wrapped text.
fn clamp_scroll(paragraph: &Paragraph, scroll: u16, area: Rect) -> u16 {
    let lines = u16::try_from(paragraph.line_count(area.width)).unwrap_or(u16::MAX);
    scroll.min(lines.saturating_sub(area.height))
}

fn systems_name(systems: Systems) -> &'static str {
    match systems {
        Systems::All => "all systems",
        Systems::Storefront => "the storefront",
        Systems::Warehouse => "the warehouse",
        Systems::Carrier => "the carriers",
    }
}

fn detail_text<'a>(state: &State, theme: &Theme, detail: &'a DetailView) -> Text<'a> {
    let Some(loaded) = &detail.loaded else {
        return Text::default();
    };
    let order = &loaded.detail;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(progress) = &detail.resync {
        lines.push(match progress {
            ResyncProgress::Queued(systems) => Line::styled(
                format!("⟳ resync from {} queued…", systems_name(*systems)),
                theme.heading(),
            ),
            ResyncProgress::AlreadyQueued => Line::styled(
                "⟳ a resync of this order is already queued…",
                theme.heading(),
            ),
            ResyncProgress::Done(text) => {
                Line::styled(format!("✓ resynced: {text}"), theme.fg(Color::Green))
            }
            ResyncProgress::Failed(text) => Line::styled(
                format!("✗ resync failed: {}", sanitize(text)),
                theme.verdict(Verdict::Blocked),
            ),
        });
    }
    let row = &order.row;
    let mut facts_line = vec![Span::raw(
        sanitize(row.customer.as_deref().unwrap_or("no customer")).into_owned(),
    )];
    if let Some(placed) = row.placed_at {
        facts_line.push(Span::styled(
            format!(" · placed {}", local(state, placed)),
            theme.dim(),
        ));
    }
    lines.push(Line::from(facts_line));
    if let Some(line) = also_named_line(&loaded.also_named) {
        lines.push(Line::styled(line, theme.dim()));
    }
    if let Some(ship_by) = row.ship_by {
        lines.push(Line::from(format!(
            "ship by {} ({})",
            local(state, ship_by),
            deadline_text(state.now, Some(ship_by))
        )));
    }

    if let Some(note) = order
        .facts
        .storefront
        .as_ref()
        .and_then(|o| o.value.note.as_deref())
        .filter(|n| !n.trim().is_empty())
    {
        lines.push(Line::from(vec![
            Span::styled("note: ", theme.dim()),
            Span::raw(sanitize(note).into_owned()),
        ]));
    }

    lines.push(Line::default());
    lines.push(Line::styled("Findings", theme.heading()));
    if order.findings.is_empty() {
        lines.push(Line::styled("  nothing to report", theme.dim()));
    }
    for finding in &order.findings {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{} {:<7} ",
                    verdict_glyph(finding.verdict),
                    finding.verdict.as_str()
                ),
                theme.verdict(finding.verdict),
            ),
            Span::styled(finding.code.as_str(), theme.heading()),
            Span::raw(format!(" {}", sanitize(&finding.reason))),
        ]));
    }

    lines.push(Line::default());
    summary_lines(state, theme, loaded, &mut lines);

    for step in vendor_steps(&order.facts, |at| local(state, at)) {
        if step.heading {
            lines.push(Line::default());
            lines.push(Line::styled(
                sanitize(&step.text).into_owned(),
                theme.heading(),
            ));
        } else {
            lines.push(rewrapped(&step.text));
        }
    }

    if !loaded.reservations.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("Reservations", theme.heading()));
        for line in reservation_lines(&loaded.reservations, |at| local(state, at)) {
            lines.push(rewrapped(&line));
        }
    }

    lines.push(Line::default());
    lines.push(Line::styled("Timeline", theme.heading()));
    for event in &loaded.timeline {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", local(state, event.at)), theme.dim()),
            Span::raw(format!(
                "{:<10} {}",
                event.system.as_str(),
                sanitize(&event.event)
            )),
        ]));
    }

    if !loaded.audit.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("Audit trail", theme.heading()));
        for entry in &loaded.audit {
            let fields = &entry.fields;
            let mut text = format!(
                "#{} {} {} by {} ({})",
                entry.seq,
                local(state, fields.at),
                fields.action,
                sanitize(&fields.actor),
                fields.reason_code
            );
            if let Some(note) = &fields.note {
                text.push_str(&format!(": {}", sanitize(note)));
            }
            lines.push(Line::from(text));
        }
    }

    if let Some(storefront) = &order.facts.storefront {
        lines.push(Line::default());
        lines.push(Line::styled("Lines", theme.heading()));
        for line in &storefront.value.lines {
            lines.push(Line::from(format!(
                "{:>3} × {:<14} owed {:<3} {}  {}",
                line.quantity,
                sanitize(line.sku.as_deref().unwrap_or("-")),
                line.owed,
                sanitize(line.vendor.as_deref().unwrap_or("")),
                sanitize(&line.title)
            )));
        }
    }
    Text::from(lines)
}

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// The summary: the model's, marked as such with the findings it cites,
/// or the offline one with why the model's is not shown; an unverified
/// model summary gets the offline one beside it.
fn summary_lines(
    state: &State,
    theme: &Theme,
    loaded: &LoadedDetail,
    lines: &mut Vec<Line<'static>>,
) {
    let offline_text = |lines: &mut Vec<Line<'static>>, summary: &Summary| {
        lines.push(Line::from(sanitize(&summary.text).into_owned()));
    };
    let outcome = match &loaded.model {
        None => {
            lines.push(Line::styled("Summary", theme.heading()));
            offline_text(lines, &loaded.summary);
            return;
        }
        Some(ModelSummary::Pending) => {
            lines.push(Line::from(vec![
                Span::styled("Summary ", theme.heading()),
                Span::styled(
                    format!(
                        "{} asking the model… (offline summary meanwhile)",
                        SPINNER[state.ticks % SPINNER.len()]
                    ),
                    theme.dim(),
                ),
            ]));
            offline_text(lines, &loaded.summary);
            return;
        }
        Some(ModelSummary::Ready(outcome)) => outcome,
    };
    if outcome.shown.author != Author::Model {
        let why = outcome
            .fallback_reason
            .as_deref()
            .map_or_else(String::new, |reason| {
                format!(" — the model's is not shown: {}", sanitize(reason))
            });
        lines.push(Line::from(vec![
            Span::styled("Summary", theme.heading()),
            Span::styled(why, theme.dim()),
        ]));
        offline_text(lines, &outcome.shown);
        return;
    }
    let model = outcome.model.as_deref().unwrap_or("a language model");
    lines.push(Line::from(vec![
        Span::styled("Summary ", theme.heading()),
        Span::styled(
            format!(
                "✎ written by {} from the facts below{}",
                sanitize(model),
                if outcome.cached { " (cached)" } else { "" }
            ),
            theme.fg(Color::Magenta),
        ),
    ]));
    if outcome.unverified {
        lines.push(Line::styled(
            format!(
                "⚠ UNVERIFIED: it names {} that the facts do not hold",
                sanitize(&outcome.unverified_terms.join(", "))
            ),
            theme.verdict(Verdict::Blocked),
        ));
    }
    offline_text(lines, &outcome.shown);
    if !outcome.shown.cites.is_empty() {
        let cites: Vec<&str> = outcome.shown.cites.iter().map(|c| c.as_str()).collect();
        lines.push(Line::styled(
            format!("cites: {}", cites.join(", ")),
            theme.dim(),
        ));
    }
    if let Some(offline) = &outcome.offline {
        lines.push(Line::styled(
            "Offline summary, from the findings",
            theme.heading(),
        ));
        offline_text(lines, offline);
    }
}

/// The few keys that matter in this context, from the live keymap.
fn hints(state: &State, context: Context) -> Vec<(String, &'static str)> {
    let wanted: &[Action] = match context {
        Context::Queue => &[
            Action::Open,
            Action::Filter,
            Action::Act,
            Action::Resync,
            Action::Reroute,
            Action::Sort,
            Action::NextPane,
            Action::Pause,
            Action::Help,
        ],
        Context::Detail => &[
            Action::Back,
            Action::ScrollDown,
            Action::Act,
            Action::Resync,
            Action::ResyncChoose,
            Action::Reroute,
            Action::Help,
        ],
        Context::Filter => &[Action::ApplyFilter, Action::ClearFilter],
        Context::Command => &[Action::RunCommand, Action::Cancel],
        Context::Help => &[Action::ScrollDown, Action::Back],
        Context::Reroute => &[
            Action::Down,
            Action::Approve,
            Action::Reject,
            Action::Cancel,
        ],
        _ => &[Action::NextButton, Action::PressButton, Action::Cancel],
    };
    wanted
        .iter()
        .filter_map(|action| {
            let key = state
                .keymap
                .bindings(context)
                .into_iter()
                .chain(state.keymap.bindings(Context::Global))
                .find(|(_, a)| a == action)?
                .0;
            Some((key.to_string(), short_description(*action)))
        })
        .collect()
}

fn short_description(action: Action) -> &'static str {
    match action {
        Action::Open => "open",
        Action::Filter => "filter",
        Action::Resync => "resync",
        Action::ResyncChoose => "resync from…",
        Action::Act => "act",
        Action::Sort => "sort",
        Action::NextPane => "pane",
        Action::Pause => "pause",
        Action::Help => "help",
        Action::Back => "back",
        Action::ScrollDown => "scroll",
        Action::ApplyFilter => "apply",
        Action::ClearFilter => "clear",
        Action::RunCommand => "run",
        Action::Cancel => "cancel",
        Action::Reroute => "reroute",
        Action::Down => "choose",
        Action::Approve => "approve",
        Action::Reject => "reject",
        Action::NextButton => "next",
        Action::PressButton => "choose",
        other => other.description(),
    }
}

fn render_footer(frame: &mut Frame, state: &State, theme: &Theme, area: Rect) {
    let (prompt, text) = match &state.overlay {
        Some(Overlay::Filter(text)) => ("/", Some(text)),
        Some(Overlay::Command(text)) => (":", Some(text)),
        _ => ("", None),
    };
    if let Some(text) = text {
        let [label, field] =
            ratatui::layout::Layout::horizontal([Constraint::Length(1), Constraint::Min(1)])
                .areas(area);
        frame.render_widget(Span::styled(prompt, theme.heading()), label);
        let mut field_text = text.clone();
        field_text.set_cursor_line_style(Style::new());
        frame.render_widget(&field_text, field);
        return;
    }
    let context = match (&state.overlay, state.focus) {
        (Some(Overlay::Help { .. }), _) => Context::Help,
        (Some(Overlay::ResyncChooser { .. }), _) => Context::Confirm,
        (Some(Overlay::Action(dialog)), _) => super::act::context(dialog),
        (Some(Overlay::Reroute(_)), _) => Context::Reroute,
        (_, Focus::Detail) => Context::Detail,
        _ => Context::Queue,
    };
    let mut spans = Vec::new();
    if let Some(status) = &state.status {
        spans.push(Span::styled(
            format!(" {} ", sanitize(status)),
            theme.heading(),
        ));
        spans.push(Span::raw("│"));
    }
    for (key, what) in hints(state, context) {
        spans.push(Span::styled(format!(" {key}"), theme.heading()));
        spans.push(Span::raw(format!(" {what}")));
    }
    frame.render_widget(Line::from(spans), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

fn render_help(frame: &mut Frame, state: &State, theme: &Theme, scroll: u16) {
    let mut lines: Vec<Line> = Vec::new();
    let contexts = [
        (Context::Global, "Everywhere"),
        (Context::Queue, "Queues"),
        (Context::Detail, "Order detail"),
        (Context::Filter, "Filter (/)"),
        (Context::Command, "Command (:)"),
        (Context::Confirm, "Dialogs"),
        (Context::Reroute, "Reroute view"),
        (Context::Help, "This help"),
    ];
    for (context, title) in contexts {
        let bindings = state.keymap.bindings(context);
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::styled(title, theme.heading()));
        let mut grouped: Vec<(Action, Vec<String>)> = Vec::new();
        for (key, action) in bindings {
            match grouped.iter_mut().find(|(a, _)| *a == action) {
                Some((_, keys)) => keys.push(key.to_string()),
                None => grouped.push((action, vec![key.to_string()])),
            }
        }
        for (action, keys) in grouped {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(" ")), theme.heading()),
                Span::raw(action.description()),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled(
        "Commands (:)  open ORDER · filter TEXT · sort deadline|newest|number · resync [storefront|warehouse|carrier] · quit",
        theme.dim(),
    ));
    let area = centered(frame.area(), 72, frame.area().height.saturating_sub(4));
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Span::styled(" Keys (from your keymap) ", theme.heading()));
    let inner = block.inner(area);
    let help = Paragraph::new(lines).wrap(Wrap { trim: false });
    let scroll = clamp_scroll(&help, scroll, inner);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(help.scroll((scroll, 0)), inner);
}

fn render_chooser(frame: &mut Frame, state: &State, theme: &Theme, order_id: i64, button: usize) {
    let name = state
        .detail
        .as_ref()
        .filter(|d| d.order_id == order_id)
        .and_then(|d| d.loaded.as_ref())
        .map_or_else(
            || format!("order {order_id}"),
            |l| sanitize(&l.detail.row.name).into_owned(),
        );
    let area = centered(frame.area(), 76, 6);
    let mut buttons = Vec::new();
    for (i, (label, _)) in RESYNC_CHOICES.iter().enumerate() {
        let style = if i == button {
            theme.selected().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        buttons.push(Span::styled(format!("[ {label} ]"), style));
        buttons.push(Span::raw(" "));
    }
    let text = vec![
        Line::from(format!("Read {name} again from:")),
        Line::default(),
        Line::from(buttons),
    ];
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Span::styled(" Resync ", theme.heading()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(text).block(block), area);
}

fn button<'a>(label: &str, focused: bool, theme: &Theme) -> Span<'a> {
    let style = if focused {
        theme.selected().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    Span::styled(format!("[ {label} ]"), style)
}

/// A one-line text field with its label; the focused one shows a cursor.
fn field_line<'a>(
    label: &str,
    text: &TextArea<'_>,
    focused: bool,
    hint: &str,
    theme: &Theme,
) -> Line<'a> {
    let value = text.lines().join(" ");
    let mut spans = vec![Span::styled(format!("{label:<10}"), theme.heading())];
    let shown = if focused {
        format!("{value}▏")
    } else {
        value.clone()
    };
    let style = if focused {
        Style::new().add_modifier(Modifier::UNDERLINED)
    } else {
        Style::new()
    };
    spans.push(Span::styled(format!(" {shown} "), style));
    if value.is_empty() {
        spans.push(Span::styled(hint.to_string(), theme.dim()));
    }
    Line::from(spans)
}

fn render_action(frame: &mut Frame, state: &State, theme: &Theme, dialog: &ActionDialog) {
    let area = centered(frame.area(), 100, frame.area().height.saturating_sub(2));
    let name = sanitize(&dialog.order_name).into_owned();
    let mut lines: Vec<Line> = Vec::new();
    let mut fixed: Vec<Line> = Vec::new();
    let mut scroll = 0;
    let title = match &dialog.stage {
        ActionStage::Choose { choices, selected } => {
            lines.push(Line::from(format!("What should happen to {name}?")));
            lines.push(Line::default());
            for (i, kind) in choices.iter().enumerate() {
                let marker = if i == *selected { "▶ " } else { "  " };
                let impact = match kind.impact() {
                    Impact::High => " (high impact: you type the order number)",
                    Impact::Low => "",
                };
                let style = if i == *selected {
                    theme.selected()
                } else {
                    Style::new()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{marker}{:<22}", kind.as_str()), style),
                    Span::styled(impact, theme.dim()),
                ]));
            }
            " Act ".to_string()
        }
        ActionStage::WriteNote { text } => {
            lines.push(Line::from(format!(
                "The note to add to {name} on the storefront:"
            )));
            lines.push(field_line("Note", text, true, "type it, then Enter", theme));
            " Act: note ".to_string()
        }
        ActionStage::Preparing { action, .. } => {
            lines.push(Line::styled(
                format!(
                    "{} working out the preflight and the requests…",
                    SPINNER[state.ticks % SPINNER.len()]
                ),
                theme.dim(),
            ));
            format!(" Act: {action} ")
        }
        ActionStage::Review(review) | ActionStage::Running(review) => {
            let running = matches!(dialog.stage, ActionStage::Running(_));
            plan_lines(theme, review, &mut lines);
            review_lines(state, theme, &name, review, running, &mut fixed);
            scroll = review.scroll;
            format!(" Act: {} on {name} ", review.prepared.plan.action)
        }
    };
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Span::styled(title, theme.heading()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    // The fields and buttons stay in view; the plan above them scrolls.
    let [plan_area, fields_area] = ratatui::layout::Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(fixed.len() as u16),
    ])
    .areas(inner);
    let plan = Paragraph::new(lines).wrap(Wrap { trim: false });
    let scroll = clamp_scroll(&plan, scroll, plan_area);
    frame.render_widget(plan.scroll((scroll, 0)), plan_area);
    frame.render_widget(Paragraph::new(fixed), fields_area);
}

fn plan_lines<'a>(theme: &Theme, review: &'a Review, lines: &mut Vec<Line<'a>>) {
    let plan = &review.prepared.plan;
    lines.push(Line::styled("Preflight", theme.heading()));
    for check in &plan.preflight.checks {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{} {:<7} ",
                    verdict_glyph(check.verdict),
                    check.verdict.as_str()
                ),
                theme.verdict(check.verdict),
            ),
            Span::styled(format!("{} ", check.code), theme.heading()),
            Span::raw(sanitize(&check.reason).into_owned()),
        ]));
    }
    lines.push(Line::styled(
        "What would be sent (PgDn/PgUp scroll)",
        theme.heading(),
    ));
    for line in plan.preview.render().lines() {
        lines.push(Line::styled(line.to_string(), theme.dim()));
    }
}

/// How wide a line of reason codes under the Reason field may run: the
/// dialog's inner width at 80 columns, less the field's label.
const REASON_CODES_WIDTH: usize = 62;

fn review_lines<'a>(
    state: &State,
    theme: &Theme,
    name: &str,
    review: &'a Review,
    running: bool,
    lines: &mut Vec<Line<'a>>,
) {
    let plan = &review.prepared.plan;
    lines.push(Line::default());
    let blocked = plan.preflight.blocked();
    if let Some(note) = &review.note {
        lines.push(Line::from(format!("Note      {}", sanitize(note))));
    }
    lines.push(field_line(
        "Reason",
        &review.reason,
        review.focus == ReviewFocus::Reason,
        "a code below, or its first letters",
        theme,
    ));
    // The codes on lines of their own, short enough for an 80-column
    // terminal: on one line the last of them were cut off.
    if review.reason.lines().join("").trim().is_empty() {
        let mut row = String::new();
        for code in &state.identity.reason_codes {
            if !row.is_empty() && row.len() + 1 + code.len() > REASON_CODES_WIDTH {
                lines.push(Line::styled(format!("{:11} {row}", ""), theme.dim()));
                row.clear();
            }
            if !row.is_empty() {
                row.push(' ');
            }
            row.push_str(code);
        }
        if !row.is_empty() {
            lines.push(Line::styled(format!("{:11} {row}", ""), theme.dim()));
        }
    }
    lines.push(field_line(
        "Note",
        &review.extra_note,
        review.focus == ReviewFocus::Note,
        "optional",
        theme,
    ));
    if let Some(typed) = &review.typed {
        lines.push(field_line(
            "Confirm",
            typed,
            review.focus == ReviewFocus::Typed,
            &format!("type {name} to confirm"),
            theme,
        ));
    }
    if let Some(problem) = &review.problem {
        lines.push(Line::styled(
            format!("✗ {}", sanitize(problem)),
            theme.verdict(Verdict::Blocked),
        ));
    }
    lines.push(Line::default());
    if running {
        lines.push(Line::styled(
            format!(
                "{} running {}…",
                SPINNER[state.ticks % SPINNER.len()],
                plan.action
            ),
            theme.heading(),
        ));
        return;
    }
    let confirm = if blocked { "Blocked" } else { "Confirm" };
    lines.push(Line::from(vec![
        button("Cancel", review.focus == ReviewFocus::Cancel, theme),
        Span::raw("  "),
        button(confirm, review.focus == ReviewFocus::Confirm, theme),
        Span::styled(
            if blocked {
                "   a blocked action cannot be confirmed"
            } else {
                "   Tab moves, Enter presses, Esc cancels"
            },
            theme.dim(),
        ),
    ]));
}

/// A line of `show`'s, indented, its column padding dropped: `show`'s
/// columns are wider than a pane, and single spaces wrap better.
fn rewrapped(text: &str) -> Line<'static> {
    let words: Vec<&str> = text.split_whitespace().collect();
    Line::from(format!("  {}", sanitize(&words.join(" "))))
}

fn reroute_status(status: RerouteStatus) -> &'static str {
    match status {
        RerouteStatus::Proposed => "waiting for approval",
        RerouteStatus::Automatic => "no rule asks for a human: runs on its own at the next pass",
        RerouteStatus::Observed => "observe-only vendor: recorded, never executed",
        RerouteStatus::Approved => "approved",
        RerouteStatus::Rejected => "rejected: the PO stays with its vendor",
    }
}

fn render_reroute(frame: &mut Frame, state: &State, theme: &Theme, view: &RerouteView) {
    let area = centered(frame.area(), 100, frame.area().height.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let mut title = " Reroute ".to_string();
    match super::reroute::loaded(state, view) {
        None => lines.push(Line::styled(
            format!(
                "{} reading the order…",
                SPINNER[state.ticks % SPINNER.len()]
            ),
            theme.dim(),
        )),
        Some(loaded) => {
            let facts = &loaded.detail.facts;
            let name = sanitize(&loaded.detail.row.name).into_owned();
            title = format!(" Reroute: {name} ");
            match super::reroute::shown(facts) {
                None => lines.push(Line::from(format!(
                    "{name} has no reroute proposal: none of its purchase orders is in trouble."
                ))),
                Some(proposal) => {
                    // Borders take two columns.
                    let width = area.width.saturating_sub(2);
                    reroute_lines(state, theme, view, proposal, width, &mut lines);
                    let pos = purchase_order_lines(facts, |at| local(state, at));
                    if !pos.is_empty() {
                        lines.push(Line::default());
                        lines.push(Line::styled("Purchase orders", theme.heading()));
                        lines.extend(pos.iter().map(|l| rewrapped(l)));
                    }
                }
            }
        }
    }
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Span::styled(title, theme.heading()));
    let inner = block.inner(area);
    let body = Paragraph::new(lines).wrap(Wrap { trim: false });
    let scroll = clamp_scroll(&body, view.scroll, inner);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(body.scroll((scroll, 0)), inner);
}

/// The proposal: why, what it waits for, each alternate with its cost
/// against the PO's, the ATP behind each line and the promise; then what
/// the decision did.
fn reroute_lines(
    state: &State,
    theme: &Theme,
    view: &RerouteView,
    proposal: &crate::domain::RerouteProposal,
    width: u16,
    lines: &mut Vec<Line<'static>>,
) {
    // Every column but the sources' has a fixed width; they take the rest.
    let from_width = usize::from(width.saturating_sub(44)).clamp(12, 40);
    lines.push(Line::from(
        sanitize(&format!(
            "PO {} at {}: {}",
            proposal.po_number,
            proposal.vendor_id,
            proposal.trigger.as_str()
        ))
        .into_owned(),
    ));
    let status_style = match proposal.status {
        RerouteStatus::Proposed => theme.verdict(Verdict::Blocked),
        _ => theme.heading(),
    };
    lines.push(Line::from(vec![
        Span::styled(reroute_status(proposal.status), status_style),
        Span::styled(
            format!(
                " · proposed {} · the PO costs {}",
                local(state, proposal.proposed_at),
                proposal
                    .original_cost_cents
                    .map_or("an unknown amount".to_string(), money)
            ),
            theme.dim(),
        ),
    ]));
    for reason in &proposal.needs_approval {
        lines.push(Line::from(format!("needs approval: {}", sanitize(reason))));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        format!(
            "  {:<3} {:<from_width$} {:>9} {:>9}  {}",
            "#", "From", "Cost", "vs PO", "Promised by"
        ),
        theme.heading(),
    ));
    let deciding = proposal.decided_at.is_none();
    for (i, alternate) in proposal.alternates.iter().enumerate() {
        let cursor = deciding && i == view.selected;
        let marker = match (cursor, proposal.chosen == Some(i)) {
            (true, _) => "▶",
            (false, true) => "*",
            _ => " ",
        };
        let from = alternate
            .sources
            .iter()
            .map(|s| s.vendor_id.as_str())
            .collect::<Vec<_>>()
            .join(" + ");
        let from = if alternate.substitution {
            format!("keep {from}, taking its substitute")
        } else {
            from
        };
        let difference = match (alternate.cost_cents, proposal.original_cost_cents) {
            (Some(cost), Some(original)) if cost >= original => {
                format!("+{}", money(cost - original))
            }
            (Some(cost), Some(original)) => money(cost - original),
            _ => "?".to_string(),
        };
        let style = if cursor {
            theme.selected()
        } else {
            Style::new()
        };
        lines.push(Line::styled(
            format!(
                "{marker} {i:<3} {:<from_width$} {:>9} {:>9}  {}",
                sanitize(&from),
                alternate.cost_cents.map_or("unknown".to_string(), money),
                difference,
                local(state, alternate.promised_by)
            ),
            style,
        ));
        for source in &alternate.sources {
            let goods: Vec<String> = source
                .lines
                .iter()
                .map(|(sku, qty, atp)| format!("{sku} ×{qty} (ATP {atp})"))
                .collect();
            let prefix = if alternate.split() {
                format!("{}: ", source.vendor_id)
            } else {
                String::new()
            };
            let expedite = source
                .expedite_fee_cents
                .map(|fee| format!("; expedited to meet the ship-by, fee {}", money(fee)))
                .unwrap_or_default();
            let ours = source
                .location_id
                .as_ref()
                .map(|l| format!("; our warehouse, its stock at location {l}: no PO"))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!(
                    "      {}",
                    sanitize(&format!("{prefix}{}{expedite}{ours}", goods.join(", ")))
                ),
                theme.dim(),
            ));
        }
    }
    if proposal.alternates.is_empty() {
        lines.push(Line::styled(
            "  no other vendor has the goods: reject it, or wait for ATP",
            theme.dim(),
        ));
    }
    let steps = decision_steps(proposal, |at| local(state, at));
    if !steps.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("What the decision did", theme.heading()));
        lines.extend(steps.iter().map(|l| Line::from(sanitize(l).into_owned())));
    }
    if deciding && !state.identity.allowed.contains(&ActionKind::RerouteApprove) {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!(
                "{} ({}) may look but not decide: reroute-approve needs another role",
                state.identity.operator,
                state.identity.role.as_deref().unwrap_or("no role")
            ),
            theme.dim(),
        ));
    }
}
