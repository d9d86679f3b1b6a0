/**
 * The bounded offline queue of a device over mqtt.js, as the lean client has it: while the
 * connection is down after it was up, reports wait here in order (mqtt.js's own queue is
 * unbounded and runs their deadlines meanwhile), and a full queue drops by its overflow rule.
 */
import { SendError, type SendDone } from '../types.js';
import type { OfflineQueue } from '../mqtt-lean/connection.js';

export interface Waiting {
  topic: string;
  payload: string;
  done: SendDone;
}

/**
 * Where a new report goes when `pending` (the device's unsettled reports, those waiting and
 * those mqtt.js holds for a resend) has reached the bound: `drop-oldest` takes the oldest one
 * waiting and queues the new one; `drop-newest`, or nothing waiting (every pending report was
 * written once and waits in mqtt.js's store for its resend), drops the new one.
 */
export function overflow(
  waiting: Waiting[],
  pending: number,
  limit: OfflineQueue,
  item: Waiting,
): { queue: boolean; dropped: Waiting | undefined } {
  if (pending < limit.max) return { queue: true, dropped: undefined };
  const oldest = limit.overflow === 'drop-oldest' ? waiting.shift() : undefined;
  return oldest ? { queue: true, dropped: oldest } : { queue: false, dropped: item };
}

export function droppedError(deviceId: string, q: OfflineQueue): SendError {
  return new SendError(
    `a report of ${deviceId} was dropped on the device: its offline queue was full (${q.max} reports; overflow ${q.overflow})`,
    'dropped',
  );
}
