//! Writers (the stock ledger, the intake group writer) are single tasks that await the
//! database many times per group. As ordinary tasks, every one of those awaits re-queues the
//! writer behind all HTTP tasks that are ready on the runtime, so the busier the server, the
//! slower the one task everything waits for. On a multi-threaded runtime they therefore run
//! on a thread of their own (still inside the runtime, so sockets and timers work as usual).

use std::future::Future;

/// The environment switch: `AFTERCARE_WRITER_THREAD=off` runs writers as ordinary tasks
/// (for side-by-side measurements).
pub const WRITER_THREAD_ENV: &str = "AFTERCARE_WRITER_THREAD";

/// Run `fut` to completion on a dedicated thread of the current runtime (or as a task on a
/// current-thread runtime, where only the runtime's own `block_on` drives I/O).
pub(crate) fn spawn_writer(fut: impl Future<Output = ()> + Send + 'static) {
    let handle = tokio::runtime::Handle::current();
    let dedicated = handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        && std::env::var(WRITER_THREAD_ENV).map_or(true, |v| v != "off");
    if dedicated {
        tokio::task::spawn_blocking(move || handle.block_on(fut));
    } else {
        tokio::spawn(fut);
    }
}
