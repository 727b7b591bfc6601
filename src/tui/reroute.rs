//! The reroute view: an order's reroute proposal with its alternates (cost,
//! ATP, promise), opened from a queue or the detail pane. Approving the
//! alternate under the cursor, or rejecting the reroute, goes on in the
//! action dialog: the same preflight, exact requests, reason, typed order
//! number and audit as `orderdeck act … reroute-approve --alternate N`.

use super::keymap::Action;
use super::state::{
    ActionDialog, ActionStage, Effect, Focus, LoadedDetail, Overlay, RerouteView, State,
};
use super::update::open_detail;
use crate::actions::reroute::open_proposal;
use crate::actions::ActionKind;
use crate::domain::{OrderFacts, RerouteProposal};

/// Opens the view on the order in focus.
pub fn open(state: &mut State) -> Vec<Effect> {
    let target = match state.focus {
        Focus::Detail => state.detail.as_ref().map(|d| d.order_id),
        Focus::Queue => state.active_pane().selected_id,
    };
    match target {
        Some(order_id) => show(state, order_id),
        None => Vec::new(),
    }
}

/// Opens the view on `order_id`, loading the order's detail when the one
/// loaded is another order's: the view reads the proposal from it.
pub fn show(state: &mut State, order_id: i64) -> Vec<Effect> {
    state.overlay = Some(Overlay::Reroute(RerouteView {
        order_id,
        selected: 0,
        scroll: 0,
    }));
    if state.detail.as_ref().map(|d| d.order_id) == Some(order_id) {
        Vec::new()
    } else {
        open_detail(state, order_id)
    }
}

/// The order's detail, once loaded for the view's order.
pub fn loaded<'a>(state: &'a State, view: &RerouteView) -> Option<&'a LoadedDetail> {
    state
        .detail
        .as_ref()
        .filter(|d| d.order_id == view.order_id)
        .and_then(|d| d.loaded.as_ref())
}

/// The proposal the view shows: the one waiting for a decision, which is
/// the one `reroute-approve` acts on, else the latest decided one, for its
/// steps.
pub fn shown(facts: &OrderFacts) -> Option<&RerouteProposal> {
    open_proposal(facts).or_else(|| facts.reroutes.last().map(|r| &r.value))
}

/// A key's action while the view is open.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(Overlay::Reroute(view)) = &state.overlay else {
        return Vec::new();
    };
    let view = view.clone();
    let (alternates, waiting, order) = match loaded(state, &view) {
        Some(loaded) => {
            let facts = &loaded.detail.facts;
            (
                shown(facts).map_or(0, |p| p.alternates.len()),
                open_proposal(facts).is_some(),
                loaded.detail.row.name.clone(),
            )
        }
        None => return close_on_back(state, action),
    };
    let decision = match action {
        Action::Down | Action::Up | Action::PageDown | Action::PageUp => {
            if let Some(Overlay::Reroute(view)) = &mut state.overlay {
                match action {
                    Action::Down if view.selected + 1 < alternates => view.selected += 1,
                    Action::Up => view.selected = view.selected.saturating_sub(1),
                    Action::PageDown => view.scroll = view.scroll.saturating_add(5),
                    Action::PageUp => view.scroll = view.scroll.saturating_sub(5),
                    _ => {}
                }
            }
            return Vec::new();
        }
        Action::Approve => ActionKind::RerouteApprove,
        Action::Reject => ActionKind::RerouteReject,
        _ => return close_on_back(state, action),
    };
    if !waiting {
        state.status = Some(format!("no reroute of {order} waits for a decision"));
        return Vec::new();
    }
    if !state.identity.allowed.contains(&decision) {
        state.status = Some(format!(
            "{} ({}) may not {decision}: see [roles] and [permissions]",
            state.identity.operator,
            state.identity.role.as_deref().unwrap_or("no role")
        ));
        return Vec::new();
    }
    let alternate = (decision == ActionKind::RerouteApprove).then_some(view.selected);
    state.overlay = Some(Overlay::Action(Box::new(ActionDialog {
        order_id: view.order_id,
        order_name: order.clone(),
        stage: ActionStage::Preparing {
            action: decision,
            note: None,
        },
    })));
    vec![Effect::PrepareAction {
        order_id: view.order_id,
        order,
        action: decision,
        note: None,
        alternate,
    }]
}

fn close_on_back(state: &mut State, action: Action) -> Vec<Effect> {
    if matches!(action, Action::Back | Action::Cancel) {
        state.overlay = None;
    }
    Vec::new()
}
