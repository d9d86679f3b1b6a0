/**
 * The in-memory transport's declaration: no URL scheme and no socket. Events go straight into the
 * embedded endpoint's ingest sink in the run's own process, so it needs the embedded endpoint (no
 * --target) and one process (no --workers): for tests and fast runs that check a scenario's
 * lifecycles and reconciliation without the network.
 */
import { z } from 'zod';
import { defineTransport } from './spec.js';

/** What a run records as its target: the embedded endpoint, reached in process. */
export const MEMORY_TARGET = 'memory:embedded';

export const memoryTransport = defineTransport({
  kind: 'memory',
  summary:
    "In memory: events go straight into the embedded endpoint's ingest sink in this process, no socket (tests, fast runs).",
  schemes: [],
  exampleUrl: MEMORY_TARGET,
  embeddedTarget: () => MEMORY_TARGET,
  talliesAtTarget: false,
  inProcess: true,
  route: 'none',
  connections: 'none',
  connectionLabel: 'in-process',
  options: z.object({}),
  flags: {},
});
