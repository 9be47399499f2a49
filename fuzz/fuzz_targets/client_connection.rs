//! A client `Connection` under a random script, like `server_connection`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wscore_fuzz::{client, config, with_accept_key, Run, Script, Step, RESPONSE};

fuzz_target!(|script: Script| {
    let (conn, head) = client(config(script.deflate));
    let mut run = Run::new(conn);
    if script.valid_start {
        run.receive(&with_accept_key(RESPONSE, &head));
    }
    for step in &script.steps {
        match step {
            Step::Receive(data) => run.receive(&with_accept_key(data, &head)),
            other => run.step(other),
        }
    }
    run.finish();
});
