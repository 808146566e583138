//! The sandbox (#22): a simulated warehouse, carrier and DWS scanner that take every order of
//! a sandbox tenant through its whole life on their own, so that an integrator sees every push
//! of their protocol within a minute instead of when a real warehouse gets to their order.
//!
//! Nothing here has a code path of its own: every step calls the use case the ops API, the
//! carrier door or the device door calls (`service::ops`, `service::carrier`, `service::dws`),
//! so what an integrator receives is exactly what production sends.

mod orders;
mod tenants;

use crate::state::AppState;
use crate::store;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The carrier code of the simulated carrier; registered as a sandbox namespace (migration), so
/// its routes and sign-offs can reach only sandbox tenants' orders.
pub const CARRIER: &str = "HX-SANDBOX-CARRIER";
/// The simulated scanner's identity (created on first use; nobody holds its secret).
pub const SCANNER: (&str, &str) = ("HX-SANDBOX-DWS", "SANDBOX-DWS-01");

/// How many open sandbox orders one tick moves at most (the rest wait for the next tick).
const ORDERS_PER_TICK: i64 = 200;
/// Trackers of sandbox slips report their position every this many ticks.
const GPS_EVERY_TICKS: u64 = 5;

/// Runs the simulator every `sandbox.step_secs` until shutdown.
pub async fn run(app: AppState, shutdown: CancellationToken) {
    let every = Duration::from_secs_f64(app.settings.sandbox.step_secs);
    let mut scanner = None;
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        if scanner.is_none() {
            scanner = tenants::scanner_id(&app).await;
        }
        ticks += 1;
        if let Err(e) = tick(&app, scanner, ticks % GPS_EVERY_TICKS == 1).await {
            tracing::warn!(error = %e, "sandbox tick failed; trying again next step");
        }
    }
}

/// One step for every open sandbox order, then the tenants' periodic work, holding the turn.
async fn tick(app: &AppState, scanner: Option<i64>, positions: bool) -> anyhow::Result<()> {
    let mut turn = app.db.begin().await?;
    if !store::sandbox::try_turn(&mut turn).await? {
        return Ok(());
    }
    store::sandbox::enlist_new_orders(&mut *app.db.acquire().await?).await?;
    for o in store::sandbox::open_orders(&app.db, ORDERS_PER_TICK).await? {
        orders::step(app, scanner, &o).await;
    }
    tenants::slips(app, positions).await;
    tenants::periodic(app).await;
    turn.rollback().await?;
    Ok(())
}
