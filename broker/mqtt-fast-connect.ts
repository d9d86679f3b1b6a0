/**
 * CONNECT past aedes' connect pipeline, for the plain case: a clean session (MQTT 3.1.1 or
 * 3.1) whose client id has no live client and never had a persistent session on this broker.
 * aedes answers every CONNECT with a setImmediate, a chain of callbacks, Promises to clean the
 * session's subscriptions, incoming QoS 2 store and will in its persistence, a $SYS publish, and
 * a stream pipeline (an AbortController and a DOMException each) to replay stored messages; for
 * such a session there is nothing stored, so measured on `fleetsim serve` that is ~270 of its
 * ~380 µs CPU per connect. Here the same client state is set, in aedes' order, in one go: the
 * connect timer cleared, preConnect and authenticate (our hooks), the keepalive timer, the
 * will, the client registered and counted, CONNACK, then connected. Being synchronous, the
 * client is marked connected as CONNACK is written, so a PUBLISH right behind it takes the fast
 * ingest path instead of waiting in aedes' queue. A refused CONNECT is answered as aedes
 * answers it. Anything else (persistent sessions, a take-over of a live id, other protocol
 * versions) goes aedes' way.
 *
 * The will is not stored in aedes' persistence: the broker's in-memory persistence reads wills
 * back only for other, dead brokers of a cluster (aedes' _clearWills), and the client publishes
 * its own will when it drops. The $SYS new-client publish is made only when someone but aedes
 * listens to it.
 *
 * The seam is aedes 1.x (lib/client.js, lib/handlers/connect.js, aedes.js registerClient).
 */
import type { Aedes, Client } from 'aedes';
import { systemClock } from '../core/clock.js';

/** A CONNECT as aedes' parser (mqtt-packet) gives it. */
export interface ParsedConnect {
  cmd: 'connect';
  protocolVersion?: number;
  clientId?: string;
  clean?: boolean;
  keepalive?: number;
  username?: string;
  password?: Buffer;
  will?: unknown;
}

type Refusal = Error & { returnCode?: number; errorCode?: number };

interface BrokerSeam {
  id: string;
  closed: boolean;
  clients: Record<string, Client | undefined>;
  connectedClients: number;
  keepaliveLimit: number;
  maxClientsIdLength: number;
  opts: { persistence?: unknown };
  mq: { _matcher?: { match(topic: string): unknown[] } };
  preConnect: (client: Client, packet: ParsedConnect, cb: (err: Error | null, ok?: boolean) => void) => void;
  authenticate: (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    cb: (err: Refusal | null, ok?: boolean | null) => void,
  ) => void;
  publish(packet: { topic: string; payload: Buffer }, done: () => void): void;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

interface ClientSeam {
  id: string | null;
  clean: boolean;
  version: number | null;
  connecting: boolean;
  connected: boolean;
  connackSent: boolean;
  closed: boolean;
  _authorized: boolean;
  will: unknown;
  _will: unknown;
  _connectTimer: NodeJS.Timeout | null;
  _keepaliveTimer: NodeJS.Timeout | null;
  _keepaliveInterval: number;
  _parsingBatch: number;
  _nextBatch: (err?: Error) => void;
  conn: { write(b: Buffer): boolean };
  close(done?: () => void): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** aedes' texts for the CONNACK return codes (lib/handlers/connect.js). */
const MESSAGES = [
  '',
  'unacceptable protocol version',
  'identifier rejected',
  'Server unavailable',
  'bad user name or password',
  'not authorized',
];

const noop = () => undefined;

/** CONNACK, MQTT 3.1.1 §3.2: session present 0 (a clean session), return code 0. Never written to, so shared. */
const ACCEPTED = Buffer.from([0x20, 2, 0, 0]);

/** The lean CONNECT of one broker; it remembers the client ids that had a persistent session. */
export class FastConnect {
  private readonly persistent = new Set<string>();
  private readonly broker: BrokerSeam;
  /** Installed only on the broker's own in-memory persistence (see above). */
  readonly usable: boolean;

  constructor(broker: Aedes) {
    this.broker = broker as unknown as BrokerSeam;
    const b = this.broker;
    this.usable =
      b.opts?.persistence === undefined &&
      typeof b.clients === 'object' &&
      typeof b.connectedClients === 'number' &&
      typeof b.preConnect === 'function' &&
      typeof b.authenticate === 'function';
  }

  /** Puts the lean CONNECT in front of aedes' packet listener; false when aedes' internals are not as expected. */
  install(client: Client): boolean {
    const parser = (client as unknown as { _parser?: NodeJS.EventEmitter })._parser;
    const c = client as unknown as Partial<ClientSeam>;
    if (!this.usable || !parser || parser.listenerCount('packet') !== 1) return false;
    if (typeof c._parsingBatch !== 'number' || typeof c._nextBatch !== 'function' || c.conn === undefined) return false;
    const aedesEnqueue = parser.listeners('packet')[0] as (this: unknown, p: { cmd: string }) => void;
    parser.removeListener('packet', aedesEnqueue);
    const fast = this;
    parser.on('packet', function connectOrAedes(this: unknown, p: { cmd: string }) {
      if (p.cmd === 'connect' && fast.take(client, p as ParsedConnect)) return;
      aedesEnqueue.call(this, p);
    });
    return true;
  }

  /** Takes the CONNECT and returns true, or returns false having done nothing, for aedes. */
  take(client: Client, packet: ParsedConnect): boolean {
    const c = client as unknown as ClientSeam;
    const id = packet.clientId;
    if (packet.clean === false && id) this.persistent.add(id);
    if (!this.plain(c, packet)) return false;
    const b = this.broker;
    if (c._connectTimer) clearTimeout(c._connectTimer);
    c._connectTimer = null;
    c.connecting = true;
    // held as aedes' enqueue holds it for the CONNECT, given back once it is answered
    c._parsingBatch++;
    b.preConnect(client, packet, (err, ok) => {
      if (err || ok !== true) {
        c.connecting = false;
        return later(c, err ?? undefined);
      }
      c.id = id!;
      c.clean = true;
      c.version = packet.protocolVersion!;
      c._will = packet.will;
      b.authenticate(client, packet.username, packet.password, (e, yes) => {
        // as aedes: a client (or the broker) closed while authenticating is left alone
        if (c.closed || b.closed) return;
        if (!e && yes) {
          c._authorized = true;
          return this.accept(c, client, packet);
        }
        refuse(c, client, e);
      });
    });
    return true;
  }

  private plain(c: ClientSeam, p: ParsedConnect): boolean {
    const b = this.broker;
    const id = p.clientId;
    return (
      this.usable &&
      !b.closed &&
      !c.connecting &&
      !c.connected &&
      !c.closed &&
      p.clean === true &&
      typeof id === 'string' &&
      id.length > 0 &&
      (p.protocolVersion === 4 || (p.protocolVersion === 3 && id.length <= b.maxClientsIdLength)) &&
      !b.keepaliveLimit &&
      b.clients[id] === undefined &&
      !this.persistent.has(id)
    );
  }

  private accept(c: ClientSeam, client: Client, p: ParsedConnect): void {
    const b = this.broker;
    const id = c.id!;
    const keepalive = p.keepalive ?? 0;
    if (keepalive > 0) {
      // [MQTT-3.1.2-24], aedes' one timer per client, refreshed by its packet handler
      c._keepaliveInterval = keepalive * 1500 + 1;
      c._keepaliveTimer = systemClock.setTimeout(() => {
        b.emit('keepaliveTimeout', client);
        c.emit('error', new Error('keep alive timeout'));
      }, c._keepaliveInterval) as unknown as NodeJS.Timeout;
    }
    c.will = c._will;
    b.connectedClients++;
    b.clients[id] = client;
    b.emit('client', client);
    const sys = `$SYS/${b.id}/new/clients`;
    // aedes' own listener (closeSameClients) acts only on other brokers' clients
    const heard = b.mq._matcher ? b.mq._matcher.match(sys).length > 1 : true;
    if (heard || b.listenerCount('publish') > 0) b.publish({ topic: sys, payload: Buffer.from(id, 'utf8') }, noop);
    writeConnack(c, client, 0);
    c.connecting = false;
    c.connected = true;
    b.emit('clientReady', client);
    c.emit('connected');
    later(c);
  }
}

/** A CONNACK with this return code, and aedes' record of it. */
function writeConnack(c: ClientSeam, client: Client, returnCode: number): void {
  c.conn.write(returnCode === 0 ? ACCEPTED : Buffer.from([0x20, 2, 0, returnCode]));
  c.connackSent = true;
  const b = (c as unknown as { broker: BrokerSeam }).broker;
  if (b.listenerCount('connackSent') > 0)
    b.emit('connackSent', { cmd: 'connack', returnCode, sessionPresent: false }, client);
}

/** As aedes: the refusal's CONNACK code (2-5, else 5), then the client closed and the error raised. */
function refuse(c: ClientSeam, client: Client, e: Refusal | null): void {
  const code = e?.returnCode && e.returnCode >= 2 && e.returnCode <= 5 ? e.returnCode : 5;
  const err: Refusal = e ?? new Error(MESSAGES[code]);
  if (!err.message) err.message = MESSAGES[code]!;
  err.errorCode = code;
  writeConnack(c, client, code);
  setImmediate(() =>
    c.close(() => {
      c.connecting = false;
      c._nextBatch(err);
    }),
  );
}

/** The held read batch given back after this read's packets: never inside the parser's loop. */
function later(c: ClientSeam, err?: Error): void {
  process.nextTick(() => c._nextBatch(err));
}
