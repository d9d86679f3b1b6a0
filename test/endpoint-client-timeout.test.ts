/**
 * A target that accepts the connection and never answers its read API: reading tallies ends
 * with a clear TALLY_SOURCE error after the read timeout, not undici's five minutes.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchTallies } from '../endpoint-client/tallies.js';
import { TallySourceError } from '../protocol/errors.js';

describe('reading tallies from a target that never answers', () => {
  it('gives up after the read timeout with what, where and what to do', async () => {
    const held: ServerResponse[] = [];
    const server = createServer((_req, res) => void held.push(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const err = await fetchTallies(base, ['com.acme.mail'], 300).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TallySourceError);
      expect((err as Error).message).toContain('GET /v1/apps/com.acme.mail/tallies');
      expect((err as Error).message).toContain(`on ${base} gave no answer in 0.3 s`);
      expect((err as Error).message).toContain('source: none');
      expect(held).toHaveLength(1); // the request did reach the server
    } finally {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a target that is not there is a TALLY_SOURCE error naming it', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((r) => server.close(r));
    const err = await fetchTallies(base, ['a'], 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TallySourceError);
    expect((err as Error).message).toMatch(
      /Cannot read \/v1\/apps\/a\/tallies from http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
  });
});
