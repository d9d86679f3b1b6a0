/**
 * The HTTP transport's declaration: the schemes it reaches, its pool and batching options with
 * their defaults, and the flags that override them. An HTTP target serves the tallies API at its
 * origin, so a run against one reconciles without --tallies-url.
 */
import { z } from 'zod';
import { defineTransport } from './spec.js';

export const httpTransport = defineTransport({
  kind: 'http',
  summary: 'HTTP: POST /v1/events over a keep-alive pool, optionally pipelined and batched.',
  schemes: ['http', 'https'],
  exampleUrl: 'http://127.0.0.1:8080',
  embeddedTarget: (urls) => urls.httpUrl,
  talliesAtTarget: true,
  route: 'path',
  connections: 'pooled',
  connectionLabel: 'HTTPS',
  sharedBy: ({ batch }) =>
    batch > 1
      ? `HTTP batches of ${batch} carry several devices' reports in one request, so one device's connection cannot be cut apart from another's: use batch 1`
      : undefined,
  options: z.object({
    connections: z
      .number()
      .int('a whole number')
      .min(1, 'at least 1')
      .max(10_000, 'at most 10,000')
      .default(64)
      .describe('Keep-alive connections in the pool.'),
    pipelining: z
      .number()
      .int('a whole number')
      .min(1, 'at least 1')
      .max(1_000, 'at most 1,000')
      .default(1)
      .describe('Requests in flight per connection.'),
    batch: z
      .number()
      .int('a whole number')
      .min(1, 'at least 1')
      .max(2_000, 'at most 2,000')
      .default(1)
      .describe('Most events per POST (a JSON array); 1 sends each event alone.'),
  }),
  flags: {
    connections: { option: 'connections', type: 'number', describe: 'HTTP: keep-alive connections in the pool' },
    pipelining: { option: 'pipelining', type: 'number', describe: 'HTTP: requests in flight per connection' },
    batch: { option: 'batch', type: 'number', describe: 'HTTP: most events per POST' },
  },
});
