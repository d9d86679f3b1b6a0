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
  /** Told of the TCP socket under the connection as it is opened (the fault proxy's port owners). */
  claim?: ((sock: Socket) => void) | undefined;
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

/** The socket's wire, for the listeners below (shared by every socket: no closure per connection). */
const OWNER = Symbol('leanWire');
type OwnedSocket = Socket & { [OWNER]: SocketWire };

/**
 * A TCP or TLS socket as a wire. Memory per connected device counts here (100,000 devices on one
 * machine): the listeners are module functions finding their wire through the socket, `on` rather
 * than `once` (which wraps each listener in a bound function and a state object), and the uncork
 * is one flush for every corked wire.
 */
class SocketWire implements Wire {
  error: Error | undefined;
  corked = false;

  constructor(
    readonly sock: Socket,
    readonly ev: WireEvents,
    secure: boolean,
  ) {
    sock.setNoDelay(true);
    (sock as OwnedSocket)[OWNER] = this;
    // each of these is emitted once in a socket's life
    sock.on(secure ? 'secureConnect' : 'connect', onConnect);
    sock.on('data', onData);
    sock.on('error', onError);
    sock.on('close', onClose);
  }

  // Frames written in one pass of the event loop leave in one write per socket: corked on the
  // first, uncorked once every socket's reads of the pass were handled (see flushCorked).
  write(b: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.sock.cork();
      corked.push(this);
      if (corked.length === 1) setImmediate(flushCorked);
    }
    this.sock.write(b);
  }

  end(last?: Buffer): void {
    if (last) this.sock.end(last);
    else this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }
}

function onConnect(this: OwnedSocket): void {
  this[OWNER].ev.onOpen();
}
function onData(this: OwnedSocket, b: Buffer): void {
  this[OWNER].ev.onData(b);
}
function onError(this: OwnedSocket, e: Error): void {
  this[OWNER].error = e;
}
function onClose(this: OwnedSocket): void {
  const w = this[OWNER];
  w.ev.onClose(w.error);
}
/**
 * Wires with frames waiting. With shared connections an acknowledgement read on one socket frees
 * a window slot whose next event goes out on another (its device's connection): uncorked after
 * each read, nearly every event would cost a write syscall of its own (and the endpoint a read).
 * Flushed once the poll phase has run every socket's reads, each socket writes what all of them
 * freed in one go. One pending flush for all wires: no timer or closure per connection.
 */
let corked: SocketWire[] = [];
let spare: SocketWire[] = [];

function flushCorked(): void {
  const ws = corked;
  corked = spare;
  spare = ws;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    w.corked = false;
    w.sock.uncork();
  }
  ws.length = 0;
}

function webSocketWire(t: WireTarget, o: WireOptions, ev: WireEvents): Wire {
  const ws = new WebSocket(t.url, 'mqtt', {
    rejectUnauthorized: !o.insecureTls,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.cert ? { cert: o.cert, key: o.key } : {}),
    ...(o.headers ? { headers: o.headers } : {}),
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    ...(o.claim ? { createConnection: claimed(t.protocol === 'wss', o.claim) } : {}),
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

/** ws's socket factory, with the socket claimed as it is made. */
function claimed(secure: boolean, claim: (sock: Socket) => void) {
  // ws calls it as net.connect or tls.connect, with the options it built
  const make = (opts: import('node:tls').ConnectionOptions) => {
    const sock = secure ? tlsConnect(opts) : netConnect(opts as import('node:net').NetConnectOpts);
    claim(sock);
    return sock;
  };
  return make as unknown as typeof netConnect;
}

export function openWire(t: WireTarget, o: WireOptions, ev: WireEvents): Wire {
  const sock = openSocket(t, o);
  if (sock && o.claim) o.claim(sock);
  return sock ? new SocketWire(sock, ev, t.protocol === 'mqtts') : webSocketWire(t, o, ev);
}

function openSocket(t: WireTarget, o: WireOptions): Socket | undefined {
  const local = o.localAddress ? { localAddress: o.localAddress } : {};
  switch (t.protocol) {
    case 'mqtt':
      return netConnect({ host: t.host, port: t.port, ...local });
    case 'mqtts':
      return tlsConnect({
        host: t.host,
        port: t.port,
        ...(isIP(t.host) ? {} : { servername: t.host }),
        rejectUnauthorized: !o.insecureTls,
        ...(o.ca ? { ca: o.ca } : {}),
        ...(o.cert ? { cert: o.cert, key: o.key } : {}),
        ...local,
      });
    default:
      return undefined;
  }
}
