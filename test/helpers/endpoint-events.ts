/** Valid status events for endpoint tests, built from the catalogue so every one passes validation. */
import { allStates, PLATFORMS, type Platform } from '../../protocol/catalogue/catalogue.js';
import { EVENT_SCHEMA_VERSION, type StatusEvent } from '../../protocol/event.js';

export const SIM_START = Date.parse('2026-01-05T08:00:00Z');

const statesByPlatform = new Map<Platform, { status: string; state: string }[]>();
for (const s of allStates()) {
  const list = statesByPlatform.get(s.platform) ?? [];
  list.push({ status: s.status.id, state: s.state.id });
  statesByPlatform.set(s.platform, list);
}

export function statesOf(platform: Platform): { status: string; state: string }[] {
  return statesByPlatform.get(platform)!;
}

export function event(over: Partial<StatusEvent> = {}): StatusEvent {
  return {
    v: EVENT_SCHEMA_VERSION,
    deviceId: 'ios-000001',
    platform: 'ios',
    appId: 'com.acme.mail',
    appVersion: '4.2.0',
    jobId: 'job-1',
    seq: 1,
    status: 'pending_install',
    state: 'command_scheduled',
    simTs: SIM_START,
    wallTs: Date.now(),
    ...over,
  };
}

/** A small deterministic PRNG (mulberry32) so shuffles are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(list: T[], rnd: () => number): T[] {
  const out = list.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * `devices` devices x `apps` apps, each pair walking `steps` catalogue states with seq 1..steps
 * (a realistic mix over the four platforms), in send order: one pair's events in seq order.
 */
export function fleetEvents(
  devices: number,
  steps: number,
  apps = ['com.acme.mail', 'com.acme.vpn'],
  seed = 7,
): StatusEvent[] {
  const rnd = prng(seed);
  const out: StatusEvent[] = [];
  for (let d = 0; d < devices; d++) {
    const platform = PLATFORMS[d % PLATFORMS.length]!;
    const deviceId = `${platform}-${String(d).padStart(6, '0')}`;
    const states = statesOf(platform);
    for (const appId of apps) {
      for (let seq = 1; seq <= steps; seq++) {
        const s = states[Math.floor(rnd() * states.length)]!;
        out.push(
          event({
            deviceId,
            platform,
            appId,
            seq,
            status: s.status,
            state: s.state,
            simTs: SIM_START + seq * 60_000,
            jobId: `job-${appId}`,
          }),
        );
      }
    }
  }
  return out;
}
