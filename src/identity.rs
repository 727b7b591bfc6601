//! Who is at the keyboard: the OS account that runs this process, read from
//! the kernel's record of its real user id, never from `$USER` (which anyone
//! can set), and the role `[roles]` gives that account.

use std::collections::BTreeMap;

/// The account name of the real user id, or `uid N` when the account
/// database does not name it.
pub fn os_account() -> String {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("Uid:")
                    .and_then(|ids| ids.split_whitespace().next())
                    .map(str::to_string)
            })
        });
    let Some(uid) = uid else {
        return "unknown account".into();
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|entry| {
            let mut fields = entry.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?;
            (id == uid).then(|| name.to_string())
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}

/// The role `[roles]` names `account` in; an account listed nowhere gets the
/// role that lists `"*"`, if any.
pub fn role_of(roles: &BTreeMap<String, Vec<String>>, account: &str) -> Option<String> {
    let listed = |wanted: &str| {
        roles
            .iter()
            .find(|(_, accounts)| accounts.iter().any(|a| a == wanted))
            .map(|(role, _)| role.clone())
    };
    listed(account).or_else(|| listed("*"))
}
