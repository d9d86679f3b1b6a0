/**
 * Why events failed, counted by kind: a target that refuses every report (a 404 on a wrong path,
 * a 401, a schema it rejects) says so in the verdict instead of only in the log. A reason is the
 * failure message with what differs from event to event taken out (the URL and path, device ids,
 * packet ids), so ten thousand refusals of one kind are one line with its count. Bounded: the
 * first 32 kinds are kept by name, the rest count as one "(other reasons)".
 */

export interface FailureReason {
  /** e.g. "HTTP 404: {"error":"no such route"}" or "no acknowledgement within 30000 ms". */
  reason: string;
  count: number;
  /** The HTTP status, when the target answered with one. */
  status?: number;
}

const KEPT = 32;
const SHOWN = 5;
export const OTHER_REASONS = '(other reasons)';

const HTTP = /^HTTP (\d{3}) from (?:[A-Z]+ )?\S+?(?:: ([\s\S]*))?$/;
const DEVICE = /\b(?:ios|android|windows|dme)-\d+(?:\.[\w-]+)?\b/g;
const URLS = /\b(?:https?|mqtts?|wss?):\/\/\S+/g;

/** The kind of a failure message: the same for every event refused the same way. */
export function reasonOf(message: string): { reason: string; status?: number } {
  const m = HTTP.exec(message);
  if (m) {
    const status = Number(m[1]);
    const body = (m[2] ?? '').trim().replace(DEVICE, '<device>').slice(0, 160);
    return { reason: `HTTP ${status}${body ? `: ${body}` : ''}`, status };
  }
  return { reason: message.replace(URLS, '<target>').replace(DEVICE, '<device>').slice(0, 200) };
}

export class FailureReasons {
  private readonly byReason = new Map<string, FailureReason>();

  add(message: string, count = 1): void {
    const { reason, status } = reasonOf(message);
    this.addReason({ reason, count, ...(status !== undefined ? { status } : {}) });
  }

  addReason(r: FailureReason): void {
    let entry = this.byReason.get(r.reason);
    if (!entry) {
      const full = this.byReason.size >= KEPT;
      const key = full ? OTHER_REASONS : r.reason;
      entry = this.byReason.get(key);
      if (!entry) {
        entry = { reason: key, count: 0, ...(r.status !== undefined && !full ? { status: r.status } : {}) };
        this.byReason.set(key, entry);
      }
    }
    entry.count += r.count;
  }

  get size(): number {
    return this.byReason.size;
  }

  /** Every kind, most common first (ties by reason, so merges and reruns read the same). */
  all(): FailureReason[] {
    return [...this.byReason.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  }
}

/** The reasons of several runs (shards, workers) added up. */
export function mergeFailureReasons(lists: readonly (readonly FailureReason[] | undefined)[]): FailureReason[] {
  const out = new FailureReasons();
  for (const list of lists) for (const r of list ?? []) out.addReason({ ...r });
  return out.all();
}

/** One line for the verdict: "2,250 events failed, most common: HTTP 404: ... (2,250); ...". */
export function failureLine(failed: number, reasons: readonly FailureReason[] | undefined): string | undefined {
  if (!failed || !reasons?.length) return undefined;
  const shown = reasons.slice(0, SHOWN).map((r) => `${r.reason} (${r.count.toLocaleString('en-US')})`);
  const codes = [...new Set(reasons.filter((r) => r.status !== undefined).map((r) => r.status))];
  const statusWords = codes.length ? `; HTTP status ${codes.slice(0, SHOWN).join(', ')}` : '';
  return `${failed.toLocaleString('en-US')} event(s) failed${statusWords}; most common: ${shown.join('; ')}`;
}
