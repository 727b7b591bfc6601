//! Where each part of the screen goes. Both `update` (how far a page moves)
//! and `view` (where to draw) read it, so they never disagree.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

use super::state::{Focus, State};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// From this width the detail pane sits beside the queues; below it, the
/// detail takes the screen while it has the focus.
pub const SIDE_BY_SIDE_WIDTH: u16 = 120;
/// Rows an inactive queue pane keeps: its borders and two orders.
const INACTIVE_PANE_HEIGHT: u16 = 4;

pub struct Areas {
    pub header: Rect,
    /// The three queue panes in `QUEUES` order, when shown.
    pub panes: Option<[Rect; 3]>,
    pub detail: Option<Rect>,
    pub footer: Rect,
}

pub fn too_small(size: (u16, u16)) -> bool {
    size.0 < MIN_WIDTH || size.1 < MIN_HEIGHT
}

pub fn areas(state: &State, screen: Rect) -> Areas {
    let [header, body, footer] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(screen);
    let (queues, detail) = if screen.width >= SIDE_BY_SIDE_WIDTH {
        let [left, right] = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(body);
        (Some(left), Some(right))
    } else if state.focus == Focus::Detail {
        (None, Some(body))
    } else {
        (Some(body), None)
    };
    Areas {
        header,
        panes: queues.map(|column| stack(column, state.active)),
        detail,
        footer,
    }
}

/// The active pane takes what the two others leave.
fn stack(column: Rect, active: usize) -> [Rect; 3] {
    let constraints: [Constraint; 3] = std::array::from_fn(|i| {
        if i == active {
            Constraint::Min(INACTIVE_PANE_HEIGHT)
        } else {
            Constraint::Length(INACTIVE_PANE_HEIGHT)
        }
    });
    Layout::default()
        .direction(Direction::Vertical)
        .constraints(constraints)
        .areas(column)
}

/// Order rows the active pane shows at once: its height less the borders
/// and the column heading.
pub fn visible_rows(state: &State) -> usize {
    let (width, height) = state.size;
    let screen = Rect::new(0, 0, width, height);
    areas(state, screen).panes.map_or(10, |panes| {
        usize::from(panes[state.active].height.saturating_sub(3)).max(1)
    })
}
