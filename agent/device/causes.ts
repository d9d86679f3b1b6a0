/**
 * Failure causes as rules: each says which model transitions it forces, where (platform, cohort,
 * app, version, a share of the devices chosen by device id) and when (a window of simulated
 * time). A forced failure with a retry is forced again at every retry, so a wrong hash fails
 * every retry of every device that downloads the package. The scenario's `causes` compile here,
 * and so do the platforms' default causes (the small failure tail of a healthy fleet).
 *
 * Per (cohort, app) model variant the rules become a table by node, so the engine's question
 * "does a cause force the way out of this node?" is one array read for nodes no cause touches.
 */
import type { Platform } from '../../protocol/catalogue/catalogue.js';
import { parseDuration } from '../../core/delay.js';
import type { CompiledModel, CTrans } from '../lifecycle/compile.js';
import { DEVICES } from '../platforms/registry.js';
import type { CauseSpec } from '../scenario/causes-schema.js';
import type { AppSpec, Scenario } from '../scenario/schema.js';

export interface ForceRule {
  readonly name: string;
  readonly kind: string;
  readonly platform: Platform;
  /** Transition ids ("from->to") it forces. */
  readonly transitions: readonly string[];
  readonly cohort?: string;
  readonly app?: string;
  readonly version?: string;
  /** iOS: only apps of these kinds (an outage of the App Store spares in-house apps). */
  readonly appKinds?: readonly string[];
  readonly share: number;
  /** Window in simulated ms since the epoch; -Infinity..Infinity when always. */
  readonly from: number;
  readonly to: number;
  readonly why: string;
  /** Salt of the share's draw: a rule strikes the same devices wherever it is asked. */
  readonly salt: number;
}

export interface ForceEntry {
  readonly trans: CTrans;
  readonly version: string | undefined;
  readonly share: number;
  readonly from: number;
  readonly to: number;
  readonly why: string;
  readonly salt: number;
}

/** Per node index: the rules that may force its way out, in scenario order (defaults last). */
export type ForceTable = readonly (readonly ForceEntry[] | undefined)[];

const WINDOWS_INSTALL = {
  checksum: ['decrypted->failed_checksum', 'u_decrypted->failed_checksum'],
  enforce: ['enforcing->installation_failed', 'u_enforcing->installation_failed'],
};
const STORE_KINDS = ['free', 'paid', 'vpp'];

function label(c: { name?: string | undefined; kind: string }): string {
  return c.name ?? c.kind;
}

function windowOf(startMs: number, from: string | number, to: string | number): [number, number] {
  return [startMs + parseDuration(from)!, startMs + parseDuration(to)!];
}

/** What every cause's rules share: its label, the always-window and the salt of its share's draw. */
interface RuleContext {
  n: string;
  always: { from: number; to: number; salt: number };
  startMs: number;
  salt: number;
}

/** The rules each kind of scenario cause compiles to (a vpp-pool is no forced transition: the pool is
 * shared by devices, agent/sim/licence-pool.ts). */
const RULES: { [K in CauseSpec['kind']]: (c: Extract<CauseSpec, { kind: K }>, at: RuleContext) => ForceRule[] } = {
  'bad-hash': (c, { n, always }) => [
    {
      ...always,
      name: n,
      kind: c.kind,
      platform: 'windows',
      transitions: WINDOWS_INSTALL.checksum,
      app: c.app,
      version: c.version,
      share: 1,
      why: `failed checksum: package ${c.app}@${c.version} has a wrong hash (cause '${n}')`,
    },
  ],
  'msi-error': (c, { n, always }) => [
    {
      ...always,
      name: n,
      kind: c.kind,
      platform: 'windows',
      transitions: WINDOWS_INSTALL.enforce,
      ...(c.app ? { app: c.app } : {}),
      ...(c.cohort ? { cohort: c.cohort } : {}),
      share: c.share,
      why: `the installer exited ${c.code}${c.code === 1603 ? ' (a fatal error during installation)' : ''} (cause '${n}')`,
    },
  ],
  'wrong-abi': (c, { n, always }) => [
    {
      ...always,
      name: n,
      kind: c.kind,
      platform: 'android',
      transitions: ['i_downloading->i_incompatible'],
      app: c.app,
      ...(c.version ? { version: c.version } : {}),
      ...(c.cohort ? { cohort: c.cohort } : {}),
      share: c.share,
      why: `the APK of ${c.app}${c.version ? `@${c.version}` : ''} is built for another ABI (cause '${n}')`,
    },
  ],
  'oem-outage': (c, { n, startMs, salt }) => {
    const [from, to] = windowOf(startMs, c.from, c.to);
    return [
      {
        name: n,
        kind: c.kind,
        platform: 'android',
        transitions: ['i_downloading->failed_oem'],
        ...(c.app ? { app: c.app } : {}),
        ...(c.cohort ? { cohort: c.cohort } : {}),
        share: 1,
        from,
        to,
        salt,
        why: `the OEM server was down (cause '${n}')`,
      },
    ];
  },
  'app-store-outage': (c, { n, startMs, salt }) => {
    const [from, to] = windowOf(startMs, c.from, c.to);
    return [
      {
        name: n,
        kind: c.kind,
        platform: 'ios',
        transitions: ['installing->install_failed'],
        appKinds: STORE_KINDS,
        share: 1,
        from,
        to,
        salt,
        why: `the App Store was unavailable (cause '${n}')`,
      },
    ];
  },
  'vpp-pool': () => [],
  'disk-full': (c, { n, always }) => {
    const why = `the disk is full (cause '${n}')`;
    const base = { ...always, name: n, kind: c.kind, cohort: c.cohort, share: c.share, why };
    // every platform, where its profile says a full disk fails an installation
    return (Object.keys(DEVICES) as Platform[]).map((platform) => ({
      ...base,
      platform,
      transitions: DEVICES[platform].diskFull,
    }));
  },
};

/** The rules one scenario cause compiles to. */
function rulesOf(c: CauseSpec, startMs: number, salt: number): ForceRule[] {
  const at: RuleContext = { n: label(c), always: { from: -Infinity, to: Infinity, salt }, startMs, salt };
  return (RULES[c.kind] as (c: CauseSpec, at: RuleContext) => ForceRule[])(c, at);
}

/** Every rule of a scenario: its own causes in file order, then the platforms' defaults. */
export function forceRules(scenario: Scenario): ForceRule[] {
  const startMs = Date.parse(scenario.startTime);
  const out: ForceRule[] = [];
  scenario.causes.forEach((c, i) => {
    out.push(...rulesOf(c, startMs, 1000 + i));
  });
  if (scenario.defaultCauses) {
    const platforms = Object.keys(DEVICES) as Platform[];
    platforms.forEach((platform, p) => {
      DEVICES[platform].causes.forEach((c, i) => {
        out.push({
          name: c.name,
          kind: 'default',
          platform,
          transitions: c.transitions,
          share: c.share,
          from: -Infinity,
          to: Infinity,
          salt: 100 * (1 + p) + i,
          why: `${c.why} (cause '${c.name}', a default)`,
        });
      });
    });
  }
  return out;
}

/** The table of one (cohort, app) variant, or null when no rule touches it. */
export function forceTable(
  rules: readonly ForceRule[],
  cm: CompiledModel,
  cohort: string,
  app: AppSpec,
): ForceTable | null {
  const table: ForceEntry[][] = [];
  let any = false;
  for (const r of rules) {
    if (r.platform !== cm.platform || (r.cohort && r.cohort !== cohort) || (r.app && r.app !== app.id)) continue;
    if (r.appKinds && !r.appKinds.includes(app.ios.kind)) continue;
    for (const id of r.transitions) {
      const trans = cm.byTransition.get(id);
      if (!trans) continue;
      (table[trans.from] ??= []).push({
        trans,
        version: r.version,
        share: r.share,
        from: r.from,
        to: r.to,
        why: r.why,
        salt: r.salt,
      });
      any = true;
    }
  }
  return any ? table : null;
}
