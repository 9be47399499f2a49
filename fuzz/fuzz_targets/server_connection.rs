//! A server `Connection` under a random script: peer bytes in random splits,
//! application calls, clock steps and partial writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wscore::Connection;
use wscore_fuzz::{config, Run, Script, REQUEST};

fuzz_target!(|script: Script| {
    let mut run = Run::new(Connection::server(config(script.deflate)));
    if script.valid_start {
        run.receive(REQUEST);
    }
    for step in &script.steps {
        run.step(step);
    }
    run.finish();
});
