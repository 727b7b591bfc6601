#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The real binary's console in a real terminal: `orderdeck demo` inside
//! tmux, driven with send-keys and read back with capture-pane, as an
//! operator on a jump host would use it. Skipped, with the reason printed,
//! where tmux is not installed (`.ci/run` installs it).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Generous: a busy machine builds and syncs slowly; a pass stops waiting
/// as soon as the screen shows what it waits for.
const PATIENCE: Duration = Duration::from_secs(90);

struct Tmux {
    socket: String,
    pid_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// `orderdeck demo` in a fresh tmux server of its own, or None when
    /// there is no tmux.
    fn demo(width: u16, height: u16, extra_env: &str) -> Option<Tmux> {
        Tmux::demo_of(40, width, height, extra_env)
    }

    /// As `demo`, with a shop of `orders` orders.
    fn demo_of(orders: u32, width: u16, height: u16, extra_env: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipping the terminal tests: tmux is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        // A server of its own each time: one just killed may still hold
        // its socket when the next test (or loop round) starts.
        static SERVERS: AtomicU32 = AtomicU32::new(0);
        let socket = format!(
            "orderdeck-test-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::Relaxed)
        );
        let pid_file = dir.path().join("pid");
        // The inner shell becomes orderdeck (its pid is the one to signal);
        // the outer one reports how it ended on the screen it left behind.
        let inner = format!(
            "echo \\$\\$ > '{pid}'; exec '{exe}' demo --orders {orders} --dir '{demo}'",
            pid = pid_file.display(),
            exe = env!("CARGO_BIN_EXE_orderdeck"),
            demo = dir.path().join("demo").display(),
        );
        let script = format!(
            "export XDG_CONFIG_HOME='{config}' XDG_DATA_HOME='{data}' {extra_env}; \
             sh -c \"{inner}\"; echo \"orderdeck exited with $?\"; sleep 600",
            config = dir.path().join("config").display(),
            data = dir.path().join("data").display(),
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "m",
            ])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .args(["sh", "-c", &script])
            .status()
            .unwrap();
        assert!(status.success());
        Some(Tmux {
            socket,
            pid_file,
            _dir: dir,
        })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "m"])
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "m", key]);
            // Separate keys: an Esc followed at once by a key reads as Alt.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn show(&self, format: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", "m", format])
            .trim()
            .to_string()
    }

    /// Waits until the screen satisfies `test`; fails with the last screen.
    fn wait_for(&self, what: &str, test: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if test(&screen) {
                return screen;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "waited for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn wait_for_text(&self, needle: &str) -> String {
        self.wait_for(needle, |screen| screen.contains(needle))
    }

    /// Waits for orderdeck to end, then checks the terminal as it was left:
    /// the main screen back, the cursor shown, a clean exit.
    fn assert_exits_and_restores(&self) {
        self.wait_for_text("orderdeck exited with");
        assert!(
            self.screen().contains("orderdeck exited with 0"),
            "{}",
            self.screen()
        );
        assert_eq!(
            self.show("#{alternate_on}"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(self.show("#{cursor_flag}"), "1", "cursor still hidden");
    }

    fn signal(&self, signal: &str) {
        let pid = std::fs::read_to_string(&self.pid_file).unwrap();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), pid.trim()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_for_first_sync(&self) -> String {
        self.wait_for("the first sync to land", |s| {
            s.contains("● LIVE") && (s.contains("store ✓") || s.contains("storefront ✓"))
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn an_operator_session_from_queue_to_resync_to_quit() {
    let Some(tmux) = Tmux::demo(100, 30, "") else {
        return;
    };
    let screen = tmux.wait_for_first_sync();
    assert_eq!(tmux.show("#{alternate_on}"), "1");
    assert!(
        screen.contains("1 Overdue") && screen.contains("3 Blocked"),
        "{screen}"
    );

    tmux.keys(&["3"]);
    tmux.wait_for_text("┏ 3 Blocked");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("Findings");
    tmux.keys(&["r"]);
    tmux.wait_for_text("✓ resynced");

    // A replacement from the console: preview, reason, the order number
    // typed, and the result in the order's audit trail.
    tmux.keys(&["q", "1", "Enter"]);
    tmux.wait_for_text("Findings");
    tmux.keys(&["a", "Enter"]);
    let dialog = tmux.wait_for_text("Act: replace on #");
    assert!(dialog.contains("X-Shopify-Access-Token: ***"), "{dialog}");
    let name: String = dialog
        .split("Act: replace on #")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    tmux.keys(&["Tab", "damaged", "Tab", "Tab", &name, "Tab", "Enter"]);
    tmux.wait_for_text(&format!("done: replace on #{name}"));
    tmux.keys(&["G"]);
    tmux.wait_for_text("replace by");
    tmux.keys(&["g"]);

    tmux.keys(&["?"]);
    tmux.wait_for_text("Keys (from your keymap)");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help to close", |s| {
        !s.contains("Keys (from your keymap)")
    });

    // Resizes, including below the minimum and back.
    tmux.tmux(&["resize-window", "-t", "m", "-x", "70", "-y", "20"]);
    tmux.wait_for_text("Terminal too small: 70x20");
    tmux.tmux(&["resize-window", "-t", "m", "-x", "80", "-y", "24"]);
    let small = tmux.wait_for("the 80x24 screen", |s| {
        s.contains("● LIVE") && s.contains("Findings") && !s.contains("too small")
    });
    assert!(small.lines().all(|l| l.chars().count() <= 80));

    tmux.keys(&["q", "/", "c", "a", "n", "d", "l", "e", "Enter"]);
    tmux.wait_for_text("/candle");

    tmux.keys(&["C-c"]);
    tmux.assert_exits_and_restores();
    let logs = Path::new(&tmux.pid_file)
        .parent()
        .unwrap()
        .join("demo/orderdeck.log");
    assert!(logs.is_file(), "logs go to a file, not the terminal");
}

/// The demo's drop-ship vendor has run out of rugs; with 70 orders one
/// order's rugs wait for a reroute to be approved.
#[test]
fn an_operator_approves_a_reroute_from_the_console() {
    let Some(tmux) = Tmux::demo_of(70, 120, 35, "NO_COLOR=1") else {
        return;
    };
    tmux.wait_for_first_sync();
    tmux.keys(&["3", "/"]);
    tmux.keys(&["r", "e", "r", "o", "u", "t", "e", "_", "p", "Enter"]);
    let queue = tmux.wait_for("the proposal in the blocked queue", |s| {
        s.contains("┏ 3 Blocked 1 /reroute_p") && s.contains("REROUTE_PROPOSED")
    });
    assert!(queue.contains("v reroute"), "{queue}");

    tmux.keys(&["v"]);
    let view = tmux.wait_for_text("▶ 0");
    assert!(view.contains("Reroute: #"), "{view}");
    assert!(view.contains("waiting for approval"), "{view}");
    assert!(view.contains("northwind-supply"), "{view}");
    // Two rugs, each 11.50 dearer at northwind than at acme.
    assert!(view.contains("RUG-160 ×2 (ATP 25)"), "{view}");
    assert!(view.contains("vs PO") && view.contains("+23.00"), "{view}");
    let name: String = view
        .split("Reroute: #")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();

    // Approving opens the action dialog on that alternate: its exact
    // requests, a reason, the order number typed.
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for_text(&format!("Act: reroute-approve on #{name}"));
    assert!(dialog.contains("alternate 0 (chosen)"), "{dialog}");
    assert!(
        dialog.contains("/vendors/northwind/v1/purchase-orders"),
        "{dialog}"
    );
    assert!(dialog.contains("Bearer ***"), "{dialog}");
    tmux.keys(&["Tab", "vendor", "Tab", "Tab", &name, "Tab", "Enter"]);
    tmux.wait_for_text(&format!("done: reroute-approve on #{name}"));

    // Each step's result: the old PO cancelled, the new one sent, then
    // acknowledged by the new vendor on the simulator's clock.
    tmux.keys(&["/", "Escape", "/", &name, "Enter", "2", "v"]);
    let decided = tmux.wait_for("the new vendor's acknowledgement", |s| {
        s.contains("What the decision did") && s.contains("Accepted")
    });
    assert!(decided.contains("approved"), "{decided}");
    assert!(decided.contains("Cancelled"), "{decided}");
    assert!(decided.contains("cancelled"), "{decided}");

    tmux.keys(&["C-c"]);
    tmux.assert_exits_and_restores();
}

#[test]
fn sigterm_and_sighup_give_the_terminal_back() {
    for signal in ["TERM", "HUP"] {
        let Some(tmux) = Tmux::demo(90, 28, "NO_COLOR=1") else {
            return;
        };
        tmux.wait_for_first_sync();
        tmux.signal(signal);
        tmux.assert_exits_and_restores();
    }
}
