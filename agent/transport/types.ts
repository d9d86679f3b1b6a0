/**
 * What the run loop needs from a transport. Callback-style on the hot path: no promise or
 * closure per event beyond the one completion callback.
 */
export type SendDone = (err: Error | undefined) => void;

export interface Transport {
  readonly kind: 'mqtt' | 'http';
  /** Checks that the target answers before any device starts; throws TargetUnreachableError. */
  preflight(): Promise<void>;
  /** Sends one encoded event for a device; `done` runs once, on acknowledgement or failure. */
  send(deviceId: string, appId: string, payload: string, done: SendDone): void;
  /** The device has nothing more to send: its connection may go once its events are acked. */
  deviceDone(deviceId: string): void;
  /** Ends every connection once in-flight events are settled. */
  close(): Promise<void>;
  /** Connections open now (for progress and reports). */
  connections(): number;
}
