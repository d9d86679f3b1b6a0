/**
 * The byte pipe under a lean connection: a TCP or TLS socket written to directly, or a WebSocket
 * carrying one MQTT packet per binary message (subprotocol "mqtt", as MQTT over WebSocket
 * requires). The connection sees the same four calls whichever it is.
 */
import { isIP, connect as netConnect, Socket, type SocketConstructorOpts } from 'node:net';
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
  /** Bytes `[0, length)` of `buf`, valid only during the call (a shared read buffer). */
  onData(buf: Buffer, length: number): void;
  /** Once, whatever closed it; `err` when it failed. */
  onClose(err: Error | undefined): void;
}

/** Named apart from a socket's own methods: a plain TCP wire is the socket itself. */
export interface Wire {
  send(buf: Buffer): void;
  /** Sends what is queued, then closes. */
  finish(last?: Buffer): void;
  kill(): void;
}

/**
 * Memory per connected device counts here (100,000 devices on one machine), so no closure per
 * connection: the listeners are module functions that find their wire through the socket, `on`
 * rather than `once` (which wraps each listener in a bound function and a state object), and the
 * uncork is one flush for every corked wire.
 */
interface Corkable {
  corked: boolean;
  readonly sock: Socket;
}

// Frames written in one pass of the event loop leave in one write per socket: corked on the
// first, uncorked once every socket's reads of the pass were handled (see flushCorked).
function corkedWrite(w: Corkable, b: Buffer): void {
  if (!w.corked) {
    w.corked = true;
    w.sock.cork();
    corked.push(w);
    if (corked.length === 1) setImmediate(flushCorked);
  }
  w.sock.write(b);
}

/**
 * Wires with frames waiting. With shared connections an acknowledgement read on one socket frees
 * a window slot whose next event goes out on another (its device's connection): uncorked after
 * each read, nearly every event would cost a write syscall of its own (and the endpoint a read).
 * Flushed once the poll phase has run every socket's reads, each socket writes what all of them
 * freed in one go. One pending flush for all wires: no timer or closure per connection.
 */
let corked: Corkable[] = [];
let spare: Corkable[] = [];

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

/**
 * Every plain TCP connection reads into this one buffer (net.Socket's `onread`): without it Node
 * allocates a fresh 64 KiB backing store per read and shrinks it to what was read, for each of
 * thousands of sockets. A read is parsed before the next can land (the connection copies the
 * bytes of an incomplete frame), so one per process is enough.
 */
const READ_BUFFER = Buffer.allocUnsafe(65_536);

/**
 * A plain TCP connection is its own wire: a net.Socket subclass, so no second object per
 * connection and no property added to the socket to find it.
 */
class TcpWire extends Socket implements Wire, Corkable {
  error: Error | undefined = undefined;
  corked = false;
  get sock(): Socket {
    return this;
  }

  constructor(
    readonly ev: WireEvents,
    claim: ((sock: Socket) => void) | undefined,
  ) {
    // Node takes `onread` in the Socket constructor too (net.connect passes its options there);
    // @types/node lists it only for net.connect
    super({ onread: { buffer: READ_BUFFER, callback: onTcpRead } } as SocketConstructorOpts);
    // claimed first: its owner is known when the connection's first bytes leave
    claim?.(this);
    this.on('connect', onTcpConnect);
    this.on('error', onTcpError);
    this.on('close', onTcpClose);
  }

  send(b: Buffer): void {
    corkedWrite(this, b);
  }

  finish(last?: Buffer): void {
    if (last) this.end(last);
    else this.end();
  }

  kill(): void {
    this.destroy();
  }
}

function onTcpRead(this: TcpWire, n: number, buf: Buffer): void {
  this.ev.onData(buf, n);
}
function onTcpConnect(this: TcpWire): void {
  this.ev.onOpen();
}
function onTcpError(this: TcpWire, e: Error): void {
  this.error = e;
}
function onTcpClose(this: TcpWire): void {
  this.ev.onClose(this.error);
}

/** The TLS socket's wire, for the listeners below (shared by every socket). */
const OWNER = Symbol('leanWire');
type OwnedSocket = Socket & { [OWNER]: TlsWire };

/** A TLS socket as a wire (tls.connect makes the socket, so the wire sits beside it). */
class TlsWire implements Wire, Corkable {
  error: Error | undefined;
  corked = false;

  constructor(
    readonly sock: Socket,
    readonly ev: WireEvents,
  ) {
    sock.setNoDelay(true);
    (sock as OwnedSocket)[OWNER] = this;
    // each of these is emitted once in a socket's life
    sock.on('secureConnect', onTlsConnect);
    sock.on('data', onTlsData);
    sock.on('error', onTlsError);
    sock.on('close', onTlsClose);
  }

  send(b: Buffer): void {
    corkedWrite(this, b);
  }

  finish(last?: Buffer): void {
    if (last) this.sock.end(last);
    else this.sock.end();
  }

  kill(): void {
    this.sock.destroy();
  }
}

function onTlsConnect(this: OwnedSocket): void {
  this[OWNER].ev.onOpen();
}
function onTlsData(this: OwnedSocket, b: Buffer): void {
  this[OWNER].ev.onData(b, b.length);
}
function onTlsError(this: OwnedSocket, e: Error): void {
  this[OWNER].error = e;
}
function onTlsClose(this: OwnedSocket): void {
  const w = this[OWNER];
  w.ev.onClose(w.error);
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
  ws.on('message', (b: Buffer) => ev.onData(b, b.length));
  ws.on('error', (e) => {
    error = e;
  });
  ws.once('close', () => ev.onClose(error));
  return {
    send: (b) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(b);
    },
    finish: (last) => {
      if (last && ws.readyState === WebSocket.OPEN) ws.send(last);
      ws.close();
    },
    kill: () => ws.terminate(),
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
  const local = o.localAddress ? { localAddress: o.localAddress } : {};
  if (t.protocol === 'mqtt') {
    const wire = new TcpWire(ev, o.claim);
    wire.connect({ host: t.host, port: t.port, noDelay: true, ...local });
    return wire;
  }
  if (t.protocol !== 'mqtts') return webSocketWire(t, o, ev);
  const sock = tlsConnect({
    host: t.host,
    port: t.port,
    ...(isIP(t.host) ? {} : { servername: t.host }),
    rejectUnauthorized: !o.insecureTls,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.cert ? { cert: o.cert, key: o.key } : {}),
    ...local,
  });
  o.claim?.(sock);
  return new TlsWire(sock, ev);
}
