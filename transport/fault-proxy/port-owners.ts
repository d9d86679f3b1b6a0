/**
 * Whose socket a source port is: the devices' transport claims each socket it opens for a device
 * (or for a group of devices sharing a pool), and the fault proxy, which cannot read a client id
 * through TLS, a WebSocket or HTTP, looks the port up. Both run in the same process: the claim is
 * made when the socket connects, before the proxy can have read a byte of it.
 */
import type { Socket } from 'node:net';
import type { PortOwners } from './types.js';

export class PortOwnerMap implements PortOwners {
  private readonly owners = new Map<number, string>();

  claim(sock: Socket, owner: string): void {
    const mark = () => {
      const port = sock.localPort;
      if (port === undefined) return;
      this.owners.set(port, owner);
      sock.once('close', () => {
        if (this.owners.get(port) === owner) this.owners.delete(port);
      });
    };
    if (sock.localPort !== undefined) mark();
    else sock.once('connect', mark);
  }

  ownerOf(port: number): string | undefined {
    return this.owners.get(port);
  }
}
