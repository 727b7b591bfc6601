//! The contexts a key can be bound in and the actions it can be bound to.
//!
//! Their names are what `keymap.toml` files say, so a name, once shipped,
//! is never changed: users' files would stop loading.

use std::fmt;
use std::str::FromStr;

/// Declares a name-carrying enum once, so the enum, its `ALL` list (which is
/// also the help overlay's order) and the names cannot drift apart.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in `keymap.toml`.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = ();

            fn from_str(text: &str) -> Result<Self, ()> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum! {
    /// Where the console's focus is; each has its own `[table]` in `keymap.toml`.
    pub enum Context {
        /// Keys that work everywhere unless a context binds them itself.
        Global => "global",
        /// The list of orders in a queue.
        Queue => "queue",
        /// One order's findings, summary and timeline.
        Detail => "detail",
        /// The `/` filter prompt: takes typed text.
        Filter => "filter",
        /// The `:` command prompt: takes typed text.
        Command => "command",
        /// A confirmation dialog answered with buttons.
        Confirm => "confirm",
        /// A high-impact confirmation: the order number is typed, then confirmed.
        ConfirmTyped => "confirm-typed",
        /// The `?` overlay listing the keys.
        Help => "help",
        /// An order's reroute proposal and its alternates.
        Reroute => "reroute",
    }
}

impl Context {
    /// Contexts with a text field. There printable characters and the keys
    /// that edit a line (backspace, delete, left, right, home, end) are text:
    /// they cannot be bound in the context, and `[global]` bindings of them do
    /// not reach it, so typing "q" into a filter never backs out.
    pub fn is_text_entry(self) -> bool {
        matches!(
            self,
            Context::Filter | Context::Command | Context::ConfirmTyped
        )
    }

    /// All context names, for error messages.
    pub(super) fn names() -> String {
        join_names(Context::ALL.iter().map(|c| c.name()))
    }
}

named_enum! {
    /// What a key does. The declaration order is the order of the help overlay.
    pub enum Action {
        Help => "help",
        Command => "command",
        Back => "back",
        Quit => "quit",
        Redraw => "redraw",
        NextPane => "next-pane",
        PreviousPane => "previous-pane",
        QueueOverdue => "queue-overdue",
        QueueInformational => "queue-informational",
        QueueBlocked => "queue-blocked",
        Pause => "pause",
        Down => "down",
        Up => "up",
        Top => "top",
        Bottom => "bottom",
        PageDown => "page-down",
        PageUp => "page-up",
        ScrollDown => "scroll-down",
        ScrollUp => "scroll-up",
        Open => "open",
        Filter => "filter",
        Sort => "sort",
        Resync => "resync",
        ResyncChoose => "resync-choose",
        Act => "act",
        ApplyFilter => "apply-filter",
        ClearFilter => "clear-filter",
        RunCommand => "run-command",
        NextButton => "next-button",
        PreviousButton => "previous-button",
        PressButton => "press-button",
        Cancel => "cancel",
        Reroute => "reroute",
        Approve => "approve",
        Reject => "reject",
    }
}

impl Action {
    /// Whether the action goes through the audited action pipeline (DESIGN
    /// §4), which `--read-only` forbids: `Keymap::read_only` drops these.
    /// Resync counts because `act ORDER resync` is one of those actions.
    pub fn changes_backend(self) -> bool {
        matches!(
            self,
            Action::Resync | Action::ResyncChoose | Action::Act | Action::Approve | Action::Reject
        )
    }

    /// A few words for the help overlay and the hint bar.
    pub fn description(self) -> &'static str {
        match self {
            Action::Help => "show the keys",
            Action::Command => "run a command",
            Action::Back => "back out",
            Action::Quit => "quit",
            Action::Redraw => "redraw the screen",
            Action::NextPane => "next pane",
            Action::PreviousPane => "previous pane",
            Action::QueueOverdue => "overdue queue",
            Action::QueueInformational => "informational queue",
            Action::QueueBlocked => "blocked queue",
            Action::Pause => "pause or resume the panes",
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::ScrollDown => "scroll down",
            Action::ScrollUp => "scroll up",
            Action::Open => "open the order",
            Action::Filter => "filter",
            Action::Sort => "change the sort",
            Action::Resync => "resync the order",
            Action::ResyncChoose => "resync from one system",
            Action::Act => "act on the order (preflight, preview, confirm)",
            Action::ApplyFilter => "apply the filter",
            Action::ClearFilter => "clear the filter",
            Action::RunCommand => "run the command",
            Action::NextButton => "next button",
            Action::PreviousButton => "previous button",
            Action::PressButton => "press the focused button",
            Action::Cancel => "cancel",
            Action::Reroute => "the order's reroute proposal and its alternates",
            Action::Approve => "approve the chosen alternate (preview, confirm)",
            Action::Reject => "reject the reroute: the PO stays with its vendor",
        }
    }

    /// All action names, for error messages.
    pub(super) fn names() -> String {
        join_names(Action::ALL.iter().map(|a| a.name()))
    }
}

fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}
