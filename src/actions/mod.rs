//! Controlled workflows (DESIGN.md §6): plan (preflight and the exact
//! requests) → authorise (the OS account's role) → confirm → execute (once,
//! under an idempotency key) → audit (hash-chained). `orderdeck act` is one
//! front end; the console is to call the same [`pipeline`].

pub mod identity;
pub mod pipeline;
mod plan;
mod preflight;
mod preview;
mod replace;
pub mod reroute;
pub mod roles;
mod send;
pub mod system;

pub use identity::Identity;
pub use plan::{plan, Plan, PlanInput};
pub use preflight::{Check, Preflight};
pub use preview::{PlannedRequest, Preview, Target, MASK};
pub use roles::{Authorisation, Permissions};

use serde::Serialize;

/// Every action an operator can take. Names are part of the command line
/// contract (DESIGN.md §4): never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    Replace,
    PushFulfilment,
    CancelAtWarehouse,
    Hold,
    Release,
    Note,
    Resolve,
    Resync,
    RerouteApprove,
    RerouteReject,
}

/// How much confirmation an action needs: high-impact ones are confirmed by
/// typing the order number in the console (`--yes` in scripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    Low,
    High,
}

impl ActionKind {
    pub const ALL: [ActionKind; 10] = [
        ActionKind::Replace,
        ActionKind::PushFulfilment,
        ActionKind::CancelAtWarehouse,
        ActionKind::Hold,
        ActionKind::Release,
        ActionKind::Note,
        ActionKind::Resolve,
        ActionKind::Resync,
        ActionKind::RerouteApprove,
        ActionKind::RerouteReject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Replace => "replace",
            ActionKind::PushFulfilment => "push-fulfilment",
            ActionKind::CancelAtWarehouse => "cancel-at-warehouse",
            ActionKind::Hold => "hold",
            ActionKind::Release => "release",
            ActionKind::Note => "note",
            ActionKind::Resolve => "resolve",
            ActionKind::Resync => "resync",
            ActionKind::RerouteApprove => "reroute-approve",
            ActionKind::RerouteReject => "reroute-reject",
        }
    }

    pub fn from_name(name: &str) -> Option<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name.trim())
    }

    pub fn impact(self) -> Impact {
        match self {
            ActionKind::Replace | ActionKind::CancelAtWarehouse | ActionKind::RerouteApprove => {
                Impact::High
            }
            _ => Impact::Low,
        }
    }

    /// Whether `act` can run it yet; the rest are named in the contract but
    /// are planned as blocked with the reason.
    pub fn available(self) -> bool {
        matches!(
            self,
            ActionKind::Replace
                | ActionKind::PushFulfilment
                | ActionKind::CancelAtWarehouse
                | ActionKind::Hold
                | ActionKind::Release
                | ActionKind::Note
                | ActionKind::Resolve
                | ActionKind::RerouteApprove
                | ActionKind::RerouteReject
        )
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reason codes every deployment has (DESIGN.md §4); `[actions]
/// reason_codes` adds more.
pub const REASON_CODES: [&str; 8] = [
    "CUSTOMER_REQUEST",
    "DAMAGED_IN_TRANSIT",
    "LOST_IN_TRANSIT",
    "WRONG_ITEM",
    "ADDRESS_PROBLEM",
    "VENDOR_FAILURE",
    "DATA_FIX",
    "OTHER",
];

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("unknown action {0:?}: one of replace, push-fulfilment, cancel-at-warehouse, hold, release, note, resolve, resync, reroute-approve, reroute-reject")]
    UnknownAction(String),
    #[error("read-only mode: {action} on {order} refused (started with --read-only)")]
    ReadOnly { action: ActionKind, order: String },
    #[error("{0}")]
    Denied(String),
    #[error("{action} on {order} is blocked: {reason}")]
    Blocked {
        action: ActionKind,
        order: String,
        reason: String,
    },
    #[error("a reason code is required for {action}: --reason one of {known}")]
    MissingReason { action: ActionKind, known: String },
    #[error("unknown reason code {given:?}: one of {known}")]
    UnknownReason { given: String, known: String },
    #[error("{action} on {order} not run: {holder}")]
    Busy {
        action: ActionKind,
        order: String,
        holder: String,
    },
    #[error("{action} on {order}: outcome unknown ({detail}); run the same command again to reconcile it under the same idempotency key")]
    Unknown {
        action: ActionKind,
        order: String,
        detail: String,
    },
    #[error("{action} on {order} failed: {detail}")]
    Failed {
        action: ActionKind,
        order: String,
        detail: String,
    },
    #[error("{0}")]
    Identity(String),
    #[error("unknown order {0:?}: no storefront, warehouse or vendor record has that name or id")]
    UnknownOrder(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
