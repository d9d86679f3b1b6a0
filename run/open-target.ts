/**
 * Opens what a run sends to: the embedded endpoint (started here, with the run's credentials), or
 * an external one given by URL. The single-process run and the workers' parent open it the same
 * way, so both know where devices send, where tallies are read, and what to close.
 */
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { resolveAuth, type RunAuth } from '../transport/credentials.js';
import { TRANSPORTS, talliesAtTarget } from '../transport/kinds/kinds.js';
import { endpointAuth } from './endpoint-auth.js';
import { startEndpointProcess, type EndpointProcess } from './endpoint-process.js';
import type { RunOptions, RunPlan } from './run-options.js';
import { systemClock } from '../core/clock.js';

export interface Target {
  kind: 'embedded' | 'external';
  /** Where devices send. */
  url: string;
  /** Where tallies, device rows and stats are read; undefined when the target has no such API. */
  talliesUrl: string | undefined;
  /** The credentials devices use (the embedded endpoint was started with the same). */
  auth: RunAuth | undefined;
  /** The embedded endpoint in this process; undefined for an external target or a child process. */
  endpoint: Endpoint | undefined;
  /** The embedded endpoint as a child process, when a fault restarts it. */
  process?: EndpointProcess | undefined;
  /** Stops the embedded endpoint; nothing for an external one. */
  close(): Promise<void>;
}

/** `restartable`: an endpoint-restart fault strikes the embedded endpoint, which then runs as a
 * child process (run/endpoint-process.ts) that can be killed and started again. */
export async function openTarget(
  scenario: Scenario,
  opts: RunOptions,
  plan: RunPlan,
  restartable = false,
): Promise<Target> {
  const auth = opts.auth ?? resolveAuth(scenario, plan.target !== undefined);
  if (plan.target) {
    return {
      kind: 'external',
      url: opts.target!,
      talliesUrl: opts.talliesUrl ?? talliesAtTarget(plan.transport, plan.target),
      auth,
      endpoint: undefined,
      close: async () => undefined,
    };
  }
  if (restartable) {
    const proc = await startEndpointProcess({
      auth: auth ? endpointAuth(auth) : undefined,
      clock: opts.clock ?? systemClock,
    });
    return {
      kind: 'embedded',
      url: TRANSPORTS[plan.transport].embeddedTarget(proc),
      talliesUrl: proc.httpUrl,
      auth,
      endpoint: undefined,
      process: proc,
      close: () => proc.close(),
    };
  }
  const endpoint = await startEndpoint(auth ? { auth: endpointAuth(auth) } : {});
  opts.onEndpoint?.(endpoint);
  return {
    kind: 'embedded',
    url: TRANSPORTS[plan.transport].embeddedTarget(endpoint),
    talliesUrl: endpoint.httpUrl,
    auth,
    endpoint,
    close: () => endpoint.close(),
  };
}
