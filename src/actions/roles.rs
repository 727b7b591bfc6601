//! Roles and what they may do: `[roles]` maps roles to OS accounts ("*" is
//! everyone listed nowhere else), `[permissions]` maps roles to actions ("*"
//! is every action). An account in several roles has what any of them has.

use std::collections::{BTreeMap, BTreeSet};

use super::ActionKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    roles: BTreeMap<String, Vec<String>>,
    grants: BTreeMap<String, Vec<String>>,
}

/// The outcome of asking whether an account may run an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorisation {
    /// Allowed, through this role.
    Allowed { role: String },
    /// Refused: the account's roles, and the roles that would do.
    Denied {
        has: Vec<String>,
        needs: Vec<String>,
    },
}

impl Permissions {
    pub fn new(
        roles: &BTreeMap<String, Vec<String>>,
        grants: &BTreeMap<String, Vec<String>>,
    ) -> Permissions {
        Permissions {
            roles: roles.clone(),
            grants: grants.clone(),
        }
    }

    /// The account's roles: those naming it, else those naming "*".
    pub fn roles_of(&self, account: &str) -> Vec<String> {
        let named: Vec<String> = self
            .roles
            .iter()
            .filter(|(_, accounts)| accounts.iter().any(|a| a == account))
            .map(|(role, _)| role.clone())
            .collect();
        if !named.is_empty() {
            return named;
        }
        self.roles
            .iter()
            .filter(|(_, accounts)| accounts.iter().any(|a| a == "*"))
            .map(|(role, _)| role.clone())
            .collect()
    }

    fn grants(&self, role: &str, action: ActionKind) -> bool {
        self.grants
            .get(role)
            .is_some_and(|actions| actions.iter().any(|a| a == "*" || a == action.as_str()))
    }

    pub fn authorise(&self, account: &str, action: ActionKind) -> Authorisation {
        let has = self.roles_of(account);
        if let Some(role) = has.iter().find(|role| self.grants(role, action)) {
            return Authorisation::Allowed { role: role.clone() };
        }
        let needs: BTreeSet<String> = self
            .grants
            .keys()
            .filter(|role| self.grants(role, action))
            .cloned()
            .collect();
        Authorisation::Denied {
            has,
            needs: needs.into_iter().collect(),
        }
    }

    /// The actions the account may run: what the console offers.
    pub fn allowed_actions(&self, account: &str) -> Vec<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .filter(|action| {
                matches!(
                    self.authorise(account, *action),
                    Authorisation::Allowed { .. }
                )
            })
            .collect()
    }
}
