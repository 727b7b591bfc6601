//! Who is acting: the OS account that runs the process, read from the real
//! user id and the password database. Never `$USER`, which anyone can set.

use std::ffi::CStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub account: String,
}

impl Identity {
    /// The account behind the real uid (not the effective one: a set-uid
    /// wrapper does not make its caller someone else).
    pub fn current() -> Result<Identity, String> {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        Ok(Identity {
            uid,
            account: account_name(uid)?,
        })
    }
}

fn account_name(uid: u32) -> Result<String, String> {
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: passwd is plain old data; getpwuid_r fills it in.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the sizes given, and the strings it
    // writes live in `buffer`, which outlives their use below.
    let status = unsafe {
        libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() || entry.pw_name.is_null() {
        return Err(format!(
            "cannot tell who is acting: uid {uid} has no entry in the password database"
        ));
    }
    // SAFETY: pw_name points at a NUL-terminated string inside `buffer`.
    let name = unsafe { CStr::from_ptr(entry.pw_name) };
    Ok(name.to_string_lossy().into_owned())
}

/// Whether a process is still running on this host (a claim's holder).
pub fn process_alive(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// This host's name, to tell whose process a claim's pid is.
pub fn host_name() -> String {
    let mut buffer = [0 as libc::c_char; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // within it on success (the last byte is kept zero in any case).
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr(), buffer.len() - 1) };
    if status != 0 {
        return "unknown-host".to_string();
    }
    // SAFETY: NUL-terminated within the buffer (see above).
    unsafe { CStr::from_ptr(buffer.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}
