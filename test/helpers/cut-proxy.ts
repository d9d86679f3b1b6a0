/**
 * A TCP proxy in front of a broker that the test can use to lose the network: cut every
 * connection at once (the broker sees them vanish, as when a device drops off), or hold back
 * what the broker sends (acknowledgements never arrive). It reads the client's frames on the way
 * through, so a test can see a PUBLISH sent again with its DUP flag.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { splitFrames } from '../../transport/mqtt-lean/frames.js';

export interface CutProxy {
  url: string;
  /** First bytes of every frame the clients sent, in order. */
  clientFrames: number[];
  /** Drops everything the broker sends from now on (until `release`). */
  hold(): void;
  release(): void;
  /** Destroys every proxied connection, both sides. */
  cut(): void;
  close(): Promise<void>;
}

export async function startCutProxy(target: string): Promise<CutProxy> {
  const u = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  const clientFrames: number[] = [];
  let holding = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(u.port), u.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    let rest: Buffer | undefined;
    client.on('data', (b: Buffer) => {
      const buf = rest ? Buffer.concat([rest, b]) : b;
      rest = splitFrames(buf, (f, start) => clientFrames.push(f[start]!));
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (!holding) client.write(b);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientFrames,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
    },
    cut: () => {
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => r());
      }),
  };
}
