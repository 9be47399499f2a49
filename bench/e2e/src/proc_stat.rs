//! CPU time and resident memory of a process, from /proc (Linux).

use std::fs;

/// Clock ticks per second for /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux).
pub fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of `pid` (all its threads), in seconds; `pid` "self" works too.
pub fn cpu_seconds(pid: &str, ticks: f64) -> f64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/<pid>/stat");
    // Fields after the command name, which ends at the last ')': state is field 3,
    // utime 14 and stime 15.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f[11].parse().expect("utime");
    let stime: f64 = f[12].parse().expect("stime");
    (utime + stime) / ticks
}

/// Time on CPU of all of `pid`'s live threads, in seconds, from
/// /proc/<pid>/task/*/schedstat (nanoseconds): the same utime + stime as
/// `cpu_seconds` without its 10 ms ticks, which matter over a 1-second cell.
/// (A thread that exits drops out of the sum; the servers here do not start any.)
pub fn cpu_seconds_precise(pid: &str) -> f64 {
    let mut ns: u64 = 0;
    for task in fs::read_dir(format!("/proc/{pid}/task")).expect("read /proc/<pid>/task") {
        let path = task.expect("task entry").path().join("schedstat");
        if let Ok(s) = fs::read_to_string(path) {
            ns += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    ns as f64 / 1e9
}

/// Resident set size of `pid` in bytes (VmRSS).
pub fn rss_bytes(pid: &str) -> u64 {
    let status =
        fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/<pid>/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("VmRSS kB");
    kib * 1024
}
