//! The sans-IO `Connection` for JavaScript (Node, Deno, Bun on raw sockets).
