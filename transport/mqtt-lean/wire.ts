/**
 * The byte pipe under a lean connection: a TCP or TLS socket written to directly, or a WebSocket
 * carrying one MQTT packet per binary message (subprotocol "mqtt", as MQTT over WebSocket
 * requires). The connection sees the same four calls whichever it is.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';

export interface WireTarget {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  host: string;
  port: number;
  url: string;
}

export interface WireOptions {
  localAddress?: string | undefined;
  insecureTls?: boolean;
  ca?: Buffer | string | undefined;
  /** This connection's client certificate and key (a device's own identity). */
  cert?: string | undefined;
  key?: string | undefined;
  /** Extra headers on the WebSocket upgrade (a target's `headers`). */
  headers?: Record<string, string> | undefined;
}

export interface WireEvents {
  onOpen(): void;
  onData(buf: Buffer): void;
  /** Once, whatever closed it; `err` when it failed. */
  onClose(err: Error | undefined): void;
}

export interface Wire {
  write(buf: Buffer): void;
  /** Sends what is queued, then closes. */
  end(last?: Buffer): void;
  destroy(): void;
}

function socketWire(sock: Socket, ev: WireEvents, secure: boolean): Wire {
  let error: Error | undefined;
  sock.setNoDelay(true);
  sock.once(secure ? 'secureConnect' : 'connect', () => ev.onOpen());
  sock.on('data', (b: Buffer) => ev.onData(b));
  sock.on('error', (e) => {
    error = e;
  });
  sock.once('close', () => ev.onClose(error));
  // Frames written in one turn of the event loop leave in one write: corked on the first, uncorked
  // once the turn's callbacks ran (a syscall per burst, not per event).
  let corked = false;
  const uncork = () => {
    corked = false;
    sock.uncork();
  };
  return {
    write: (b) => {
      if (!corked) {
        corked = true;
        sock.cork();
        process.nextTick(uncork);
      }
      sock.write(b);
    },
    end: (last) => {
      if (last) sock.end(last);
      else sock.end();
    },
    destroy: () => sock.destroy(),
  };
}

function webSocketWire(t: WireTarget, o: WireOptions, ev: WireEvents): Wire {
  const ws = new WebSocket(t.url, 'mqtt', {
    rejectUnauthorized: !o.insecureTls,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.cert ? { cert: o.cert, key: o.key } : {}),
    ...(o.headers ? { headers: o.headers } : {}),
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  let error: Error | undefined;
  ws.binaryType = 'nodebuffer';
  ws.once('open', () => ev.onOpen());
  ws.on('message', (b: Buffer) => ev.onData(b));
  ws.on('error', (e) => {
    error = e;
  });
  ws.once('close', () => ev.onClose(error));
  return {
    write: (b) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(b);
    },
    end: (last) => {
      if (last && ws.readyState === WebSocket.OPEN) ws.send(last);
      ws.close();
    },
    destroy: () => ws.terminate(),
  };
}

export function openWire(t: WireTarget, o: WireOptions, ev: WireEvents): Wire {
  const local = o.localAddress ? { localAddress: o.localAddress } : {};
  switch (t.protocol) {
    case 'mqtt':
      return socketWire(netConnect({ host: t.host, port: t.port, ...local }), ev, false);
    case 'mqtts':
      return socketWire(
        tlsConnect({
          host: t.host,
          port: t.port,
          ...(isIP(t.host) ? {} : { servername: t.host }),
          rejectUnauthorized: !o.insecureTls,
          ...(o.ca ? { ca: o.ca } : {}),
          ...(o.cert ? { cert: o.cert, key: o.key } : {}),
          ...local,
        }),
        ev,
        true,
      );
    default:
      return webSocketWire(t, o, ev);
  }
}
