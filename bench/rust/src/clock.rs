//! The clock around each row's measured loop. With `BENCH_CALLGRIND_CLOCKS=1`
//! in the environment, under callgrind started with `--collect-atstart=no`
//! (bench/rust/callgrind.py does both), it also switches instruction counting
//! on and off, so counts cover exactly what is timed: not the set-up (a
//! handshake, payloads made once per batch). Without the variable it never
//! toggles, so a plain callgrind run still counts everything.

use std::time::{Duration, Instant};

pub struct Clock(Instant);

impl Clock {
    pub fn start() -> Clock {
        toggle_callgrind_collect();
        Clock(Instant::now())
    }

    pub fn stop(self) -> Duration {
        let elapsed = self.0.elapsed();
        toggle_callgrind_collect();
        elapsed
    }
}

/// Valgrind's client request CALLGRIND_TOGGLE_COLLECT (callgrind.h): a
/// no-op sequence of rotations outside valgrind, a request inside it.
#[inline(never)]
fn toggle_callgrind_collect() {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*ON.get_or_init(|| std::env::var_os("BENCH_CALLGRIND_CLOCKS").is_some_and(|v| v == "1")) {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // VG_USERREQ_TOOL_BASE('C', 'T') + 2, then five unused arguments.
        let args: [u64; 6] = [0x4354_0002, 0, 0, 0, 0, 0];
        let mut _result: u64 = 0;
        // SAFETY: the rotations by 3+13+61+51 = 128 bits leave rdi as it was
        // and `xchg rbx, rbx` changes nothing: only valgrind reads them.
        unsafe {
            std::arch::asm!(
                "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") _result,
                options(nostack),
            );
        }
    }
}
