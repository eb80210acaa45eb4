//! Child processes that are always stopped by their PID: on request, when dropped, and
//! when this process is told to stop (Ctrl-C, SIGTERM) at any moment — during start-up
//! too. Call [`stop_everything_on_interrupt`] first thing; from then on every child this
//! module starts (and every clean-up registered with [`on_interrupt`]) is undone before
//! the process exits.

use anyhow::{bail, Context, Result};
use nix::errno::Errno;
use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Cleanup = Box<dyn FnOnce() + Send>;

/// What to undo if this process is interrupted, newest last.
static ON_INTERRUPT: Mutex<Vec<(u64, Cleanup)>> = Mutex::new(Vec::new());

/// Set once an interrupt arrived: children exiting from then on are expected.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether this process was told to stop (its children are being stopped).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// A clean-up that runs if this process is interrupted while it is alive; dropping it
/// (because the thing was cleaned up normally) cancels it.
#[must_use = "the clean-up is cancelled when this is dropped"]
pub struct Registration(u64);

/// Registers `cleanup` to run if this process is interrupted before the returned
/// registration is dropped.
pub fn on_interrupt(cleanup: impl FnOnce() + Send + 'static) -> Registration {
    let id = next_registration();
    if let Ok(mut pending) = ON_INTERRUPT.lock() {
        pending.push((id, Box::new(cleanup)));
    }
    Registration(id)
}

fn next_registration() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Spawns `command` and registers `cleanup(pid)` in one step that an interrupt cannot
/// split: the handler either sees the new process registered, or this refuses to start
/// it. (A supervisor restarting a server while Ctrl-C arrives would otherwise leave the
/// new process running after everyone else was stopped.)
fn spawn_registered(
    command: &mut Command,
    cleanup: impl FnOnce(i32) -> Cleanup,
) -> Result<(std::process::Child, Registration)> {
    let mut pending = ON_INTERRUPT
        .lock()
        .map_err(|_| anyhow::anyhow!("the list of processes to stop is poisoned"))?;
    if interrupted() {
        bail!("not starting {command:?}: everything is being stopped");
    }
    let child = command
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    let id = next_registration();
    pending.push((id, cleanup(child.id() as i32)));
    Ok((child, Registration(id)))
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut pending) = ON_INTERRUPT.lock() {
            pending.retain(|(id, _)| *id != self.0);
        }
    }
}

/// Installs the Ctrl-C/SIGTERM handler: it runs every registered clean-up, newest first
/// (so nginx stops before the BFFs, the BFFs before their services), and exits with 130.
/// Call it before starting anything.
pub fn stop_everything_on_interrupt() -> Result<()> {
    ctrlc::set_handler(|| {
        eprintln!("\nStopping…");
        // Flagged under the lock that spawning holds: nothing starts after this.
        let pending = ON_INTERRUPT
            .lock()
            .map(|mut pending| {
                INTERRUPTED.store(true, Ordering::SeqCst);
                std::mem::take(&mut *pending)
            })
            .unwrap_or_else(|_| {
                INTERRUPTED.store(true, Ordering::SeqCst);
                Vec::new()
            });
        for (_, cleanup) in pending.into_iter().rev() {
            cleanup();
        }
        eprintln!("Stopped.");
        std::process::exit(130);
    })
    .context("installing the Ctrl-C handler")
}

/// A long-running child (a server, nginx, chromedriver) whose output goes to a log file.
/// It leads a process group of its own; when it is gone, so is anything it left in that
/// group (nginx's workers, when its master was killed).
pub struct Child {
    name: String,
    log: PathBuf,
    child: std::process::Child,
    /// Its exit status, once it was reaped.
    status: Option<ExitStatus>,
    stopped: bool,
    _registration: Registration,
}

impl Child {
    /// Starts `command` in its own process group (so a Ctrl-C in the terminal reaches only
    /// us, and we stop children in order), appending its stdout and stderr to `log`.
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> Result<Self> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0);
        let (child, registration) = spawn_registered(&mut command, |pid| {
            Box::new(move || stop_leader_and_group(pid, Duration::from_secs(5)))
        })
        .with_context(|| name.to_owned())?;
        Ok(Self {
            name: name.to_owned(),
            log: log.to_owned(),
            child,
            status: None,
            stopped: false,
            _registration: registration,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    /// `Some(status)` once the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            let pid = Pid::from_raw(self.child.id() as i32);
            // Peek without reaping: while the exited child is not reaped its PID stays
            // taken, so the group id still names only what it left behind.
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
            match waitid(Id::Pid(pid), flags) {
                Ok(WaitStatus::StillAlive) => return None,
                Ok(_) => {
                    let _ = killpg(pid, Signal::SIGKILL);
                    self.status = self.child.wait().ok();
                }
                // Reaped elsewhere (or never ours to wait for): ask std, which knows.
                Err(_) => self.status = self.child.try_wait().ok().flatten(),
            }
        }
        self.status
    }

    /// Sends `signal` to the child by its PID (SIGKILL to crash it on purpose, SIGHUP to
    /// make nginx reload). Its exit is noticed by [`Child::exited`].
    pub fn signal(&self, signal: Signal) -> Result<()> {
        if self.status.is_some() {
            bail!("{} ({}) has exited already", self.name, self.pid());
        }
        kill(Pid::from_raw(self.child.id() as i32), signal)
            .with_context(|| format!("sending {signal} to {} ({})", self.name, self.pid()))
    }

    /// `"<name> <what>. Last lines of <log>: ..."`, for an error about this child.
    pub fn report(&self, what: &str) -> String {
        format!(
            "{} {what}. Last lines of {}:\n{}",
            self.name,
            self.log.display(),
            log_tail(&self.log, 20)
        )
    }

    /// SIGTERM to its process group, then SIGKILL if it has not exited within `grace`.
    pub fn stop(&mut self, grace: Duration) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if self.exited().is_some() {
            return;
        }
        let group = Pid::from_raw(self.child.id() as i32);
        let _ = killpg(group, Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while self.exited().is_none() {
            if Instant::now() > deadline {
                let _ = killpg(group, Signal::SIGKILL);
                self.status = self.child.wait().ok();
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

/// The last `lines` lines of a log file.
fn log_tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The cargo running this command, for arguments to be added.
pub fn cargo() -> Command {
    Command::new(env!("CARGO"))
}

/// Runs `command` to completion with inherited output; fails naming the command. It runs
/// in its own process group, which an interrupt stops as a whole (cargo, the compilers
/// and test binaries it started, trunk and its tools).
pub fn run(command: &mut Command) -> Result<()> {
    command.process_group(0);
    let (mut child, registration) = spawn_registered(command, |group| {
        Box::new(move || stop_group(group, Duration::from_secs(10)))
    })?;
    let status = child.wait();
    drop(registration);
    let status = status.with_context(|| format!("waiting for {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

/// Runs `command` in the foreground (it may ask the terminal for a password, as sudo
/// does); a Ctrl-C reaches it directly.
pub fn run_in_foreground(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

/// Runs `command` and returns its stdout, or `None` if it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A TCP port on loopback that was free a moment ago — only for programs that cannot bind
/// port 0 and report what they got (nginx, chromedriver, PostgreSQL); callers retry when
/// it was taken meanwhile. The shop's own servers report their port instead.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Whether a process with this PID is still running. A child of ours that exited is
/// reaped here (a zombie would look alive to `kill(pid, 0)`).
pub fn is_alive(pid: i32) -> bool {
    let target = Pid::from_raw(pid);
    match waitpid(target, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::StillAlive) => true,
        Ok(_) => false,
        // Not our child (a daemon such as the PostgreSQL postmaster): ask the kernel.
        Err(Errno::ECHILD) => kill(target, None).is_ok(),
        Err(_) => false,
    }
}

/// Stops a process by its PID: `signal`, then SIGKILL after `grace`.
pub fn stop_pid(pid: i32, signal: Signal, grace: Duration) {
    let target = Pid::from_raw(pid);
    if kill(target, signal).is_err() {
        return;
    }
    if !wait_for_exit(|| is_alive(pid), grace) {
        let _ = kill(target, Signal::SIGKILL);
    }
}

/// Stops a child of ours that leads a process group, on an interrupt (this process exits
/// next): SIGTERM to the group; once the leader has exited (reaped here), or after
/// `grace`, SIGKILL to whatever is left in it.
fn stop_leader_and_group(leader: i32, grace: Duration) {
    let group = Pid::from_raw(leader);
    if killpg(group, Signal::SIGTERM).is_err() {
        return;
    }
    wait_for_exit(|| is_alive(leader), grace);
    let _ = killpg(group, Signal::SIGKILL);
}

/// Stops a whole process group (its leader's PID): SIGTERM, then SIGKILL after `grace`.
fn stop_group(group: i32, grace: Duration) {
    let target = Pid::from_raw(group);
    if killpg(target, Signal::SIGTERM).is_err() {
        return;
    }
    if !wait_for_exit(|| killpg(target, None).is_ok(), grace) {
        let _ = killpg(target, Signal::SIGKILL);
    }
}

/// The PIDs of the running processes whose parent is `parent` (nginx's workers, say).
pub fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .filter_map(|entry| {
            let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            let after_comm = &stat[stat.rfind(')')? + 1..];
            let ppid: i32 = after_comm.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

/// Polls `alive` until it says no (true) or `grace` passes (false).
fn wait_for_exit(alive: impl Fn() -> bool, grace: Duration) -> bool {
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !alive() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_cleanup_is_cancelled_when_dropped() {
        let registered = |id: u64| ON_INTERRUPT.lock().unwrap().iter().any(|(i, _)| *i == id);
        let registration = on_interrupt(|| {});
        let id = registration.0;
        assert!(registered(id));
        drop(registration);
        assert!(!registered(id));
    }

    #[test]
    fn a_spawned_child_is_registered_until_stopped() {
        let log = std::env::temp_dir().join(format!("xtask-child-{}.log", std::process::id()));
        let mut sleeper = Command::new("sleep");
        sleeper.arg("30");
        let mut child = Child::spawn("sleeper", sleeper, &log).unwrap();
        let pid = child.pid() as i32;
        let registered = |id: u64| ON_INTERRUPT.lock().unwrap().iter().any(|(i, _)| *i == id);
        let id = child._registration.0;
        assert!(is_alive(pid));
        assert!(registered(id), "an interrupt would stop it");
        child.stop(Duration::from_secs(5));
        assert!(!is_alive(pid));
        drop(child);
        assert!(!registered(id), "nothing left to stop once it is gone");
        let _ = std::fs::remove_file(log);
    }
}
