/**
 * Endpoint restarts: the embedded endpoint's process killed with SIGKILL, down for `down` and
 * started again on its data directory, or the user's hook run against their own service. What
 * the proxy sees close meanwhile is the restart's doing (its reconnects and resends), and so is
 * what the devices queue from its moment.
 */
import type { NetworkFaultFigures } from './network-figures.js';
import type { FaultRunner, RestartFault } from './network-fault-types.js';
import { runRestartHook } from './restart-hook.js';

/** How long after a restart elsewhere is due its connections closing are still its doing: its
 * down time, and the time it takes to come back (the process start and its journal). */
const RESTART_GRACE_MS = 5000;

export function restartNow(run: FaultRunner, f: RestartFault, fig: NetworkFaultFigures): void {
  if (f.elsewhere) return restartElsewhere(run, f, fig);
  fig.struck++;
  const p = f.hook !== undefined ? runHook(run, f, fig, f.hook) : killAndRestart(run, f, fig);
  run.awaitOnStop(p);
}

/** Another process kills and restarts the endpoint now: what the proxy sees close meanwhile is its doing. */
function restartElsewhere(run: FaultRunner, f: RestartFault, fig: NetworkFaultFigures): void {
  const proxy = run.deps.proxy;
  run.blameQueue(f.index);
  run.noteInFlight(fig, undefined);
  proxy?.blameUpstream(f.index);
  run.after(f.downMs + RESTART_GRACE_MS, () => proxy?.blameUpstream(undefined));
}

async function runHook(run: FaultRunner, f: RestartFault, fig: NetworkFaultFigures, hook: string): Promise<void> {
  const { proxy, logger, clock } = run.deps;
  logger?.warn({ fault: f.name, hook }, 'endpoint restart: running the hook');
  run.blameQueue(f.index);
  run.noteInFlight(fig, undefined);
  proxy?.blameUpstream(f.index);
  const o = await runRestartHook(hook, f.hookTimeoutMs, clock);
  proxy?.blameUpstream(undefined);
  fig.hooks.push(o);
  if (o.error) {
    fig.error = o.error;
    logger?.warn({ fault: f.name, exitCode: o.exitCode, timedOut: o.timedOut, stderr: o.stderr }, o.error);
  }
}

async function killAndRestart(run: FaultRunner, f: RestartFault, fig: NetworkFaultFigures): Promise<void> {
  const { proxy, logger, endpoint } = run.deps;
  logger?.warn({ fault: f.name, downMs: f.downMs }, 'endpoint restart: SIGKILL');
  run.inForce(fig);
  run.blameQueue(f.index);
  run.noteInFlight(fig, undefined);
  proxy?.blameUpstream(f.index);
  try {
    const r = await endpoint!.restart(f.downMs);
    run.inForce(fig);
    proxy?.blameUpstream(undefined);
    fig.restarts.push({ ...r, downMs: r.upAt - r.killedAt });
    logger?.info({ fault: f.name, replayed: r.replayed, downMs: r.upAt - r.killedAt }, 'endpoint restarted');
  } catch (err) {
    proxy?.blameUpstream(undefined);
    fig.error = `the endpoint did not come back after its restart: ${(err as Error).message}`;
    logger?.warn({ fault: f.name }, fig.error);
  }
}
