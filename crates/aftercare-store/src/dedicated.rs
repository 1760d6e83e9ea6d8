//! Writers (the stock ledger, the intake group writer) are single tasks that await the
//! database many times per group. As ordinary tasks, every one of those awaits re-queues the
//! writer behind all HTTP tasks that are ready on the runtime, so the busier the server, the
//! slower the one task everything waits for. On SQLite (whose connections each run on a
//! thread of their own, so every await is a hand-off between threads anyway) they therefore
//! run on a thread of their own (still inside the runtime, so timers work as usual): intake
//! 1,620 → 2,125 tickets/s at 32 clients. On PostgreSQL the same made the ledger slower (its
//! socket's readiness then has to wake another thread: 1,403 → 938 movements/s at 8
//! clients), so there they stay ordinary tasks. Measured in docs/BENCHMARKS.md.

use crate::Db;
use std::future::Future;

/// The environment switch for side-by-side measurements: `AFTERCARE_WRITER_THREAD=off` runs
/// every writer as an ordinary task, `always` gives PostgreSQL's writers a thread too.
pub const WRITER_THREAD_ENV: &str = "AFTERCARE_WRITER_THREAD";

/// Run the writer `fut` on `db`: on SQLite on a dedicated thread of the current runtime,
/// otherwise (and on a current-thread runtime, where only the runtime's own `block_on`
/// drives I/O) as an ordinary task.
pub(crate) fn spawn_writer(db: &Db, fut: impl Future<Output = ()> + Send + 'static) {
    let handle = tokio::runtime::Handle::current();
    let setting = std::env::var(WRITER_THREAD_ENV).unwrap_or_default();
    let dedicated = handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        && match setting.as_str() {
            "off" => false,
            "always" => true,
            _ => matches!(db, Db::Sqlite(_)),
        };
    if dedicated {
        tokio::task::spawn_blocking(move || handle.block_on(fut));
    } else {
        tokio::spawn(fut);
    }
}
