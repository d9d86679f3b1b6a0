/**
 * Lifecycle figures for the result: how long installations took in simulated time (per platform
 * and final status/state), and the flow of installations between reported (status, state) steps.
 * Durations are read from the simulator once, at the end; the flow is counted per event with two
 * map lookups and no allocation after the first sighting of a transition.
 */
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { newDurationHistogram, summarise, type Histogram, type HistogramSummary } from './metrics.js';
import type { Emitted, Installation } from '../agent/sim/simulator.js';

/** The pseudo-step every installation's flow starts from. */
export const FLOW_START = '(start)';

export interface LifecycleDuration {
  platform: Platform;
  /** Final status and state of the installations counted here. */
  status: string;
  state: string;
  /** Simulated ms from the device coming online to its final report; `unit` is "ms". */
  duration: HistogramSummary;
}

export interface FlowLink {
  platform: Platform;
  /** "status/state" of the step before, or "(start)". */
  from: string;
  to: string;
  count: number;
}

export interface LifecycleFigures {
  durations: LifecycleDuration[];
  flows: FlowLink[];
}

/** Counts transitions between consecutive reported steps of each installation. */
export class FlowCounter {
  /** The last reported node per installation, preallocated so the array stays packed (installation ids arrive in any order). */
  private readonly prev: string[];
  /** platform -> from -> to -> count */
  private readonly links = new Map<Platform, Map<string, Map<string, number>>>();

  constructor(installations: number) {
    this.prev = new Array<string>(installations).fill(FLOW_START);
  }

  record(e: Emitted): void {
    const inst = e.inst;
    const to = e.step.node;
    const from = this.prev[inst.id]!;
    this.prev[inst.id] = to;
    let byFrom = this.links.get(inst.device.platform);
    if (!byFrom) this.links.set(inst.device.platform, (byFrom = new Map()));
    let byTo = byFrom.get(from);
    if (!byTo) byFrom.set(from, (byTo = new Map()));
    byTo.set(to, (byTo.get(to) ?? 0) + 1);
  }

  /** Links with node ids turned into "status/state" through the installations' models. */
  toLinks(installs: readonly Installation[]): FlowLink[] {
    // node name -> "status/state", from every compiled model in use (cohorts may have their own)
    const label = new Map<string, string>();
    const seen = new Set<unknown>();
    for (const inst of installs) {
      if (seen.has(inst.model)) continue;
      seen.add(inst.model);
      for (const n of inst.model.nodes) {
        if (n.status) label.set(`${inst.device.platform}\u0000${n.name}`, `${n.status}/${n.state ?? ''}`);
      }
    }
    const merged = new Map<string, FlowLink>();
    for (const [platform, byFrom] of this.links) {
      for (const [from, byTo] of byFrom) {
        for (const [to, count] of byTo) {
          const f = from === FLOW_START ? FLOW_START : (label.get(`${platform}\u0000${from}`) ?? from);
          const t = label.get(`${platform}\u0000${to}`) ?? to;
          const k = `${platform}\u0000${f}\u0000${t}`;
          const link = merged.get(k);
          if (link) link.count += count;
          else merged.set(k, { platform, from: f, to: t, count });
        }
      }
    }
    return sortLinks([...merged.values()]);
  }
}

export function sortLinks(links: FlowLink[]): FlowLink[] {
  return links.sort(
    (a, b) => a.platform.localeCompare(b.platform) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to),
  );
}

/** Duration histograms per (platform, final status, final state), from the simulator's installs. */
export function lifecycleDurations(installs: readonly Installation[], simStartMs: number): LifecycleDuration[] {
  const hists = new Map<string, { platform: Platform; status: string; state: string; h: Histogram }>();
  for (const inst of installs) {
    const last = inst.last;
    if (!last) continue;
    const key = `${inst.device.platform}\u0000${last.status}\u0000${last.state}`;
    let entry = hists.get(key);
    if (!entry)
      hists.set(
        key,
        (entry = { platform: inst.device.platform, status: last.status, state: last.state, h: newDurationHistogram() }),
      );
    const ms = last.at - (simStartMs + inst.device.arrivalMs);
    entry.h.recordValue(ms > 0 ? Math.round(ms) : 0);
  }
  return [...hists.values()]
    .sort(
      (a, b) =>
        a.platform.localeCompare(b.platform) || a.status.localeCompare(b.status) || a.state.localeCompare(b.state),
    )
    .map(({ platform, status, state, h }) => ({ platform, status, state, duration: summarise(h, 'ms') }));
}
