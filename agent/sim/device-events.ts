/**
 * What happens to a device, one event at a time: it comes online (its installations start), a
 * fault strikes it (it goes silent, or it is wiped and re-enrols), an installation reports and
 * walks on, an installation starts waiting for a check-in, the device checks in (its parked
 * installations go on, in the order they were queued). Each walks the installations through the
 * engine on the one scratch cursor; when each event happens is the simulator's business.
 */
import { NOT_NOW } from '../device/agents.js';
import { PlannedWalk } from '../lifecycle/goals.js';
import { startWalk, stepOf, walk } from '../lifecycle/engine.js';
import { DONE, PARKED } from './installs.js';
import type { Strike } from './device-faults.js';
import { licenceKey } from './licence-pool.js';
import { SimState } from './sim-state.js';

export abstract class DeviceEvents extends SimState {
  /** The device at fleet position `pos` comes online at `at`: its installations start. */
  protected arrive(pos: number, at: number): number {
    const device = this.fleet.devices[pos]!;
    const start = this.kinds.arrivalOf(device);
    const head = this.keyHead.set(this.seedPrefix, device.id);
    const d = this.agents.add(head, start.config, at);
    const a = this.agents;
    a.place(d, pos, this.table.size, start.shapes.length);
    let active = 0;
    for (const shape of start.shapes) {
      const sh = this.shapes[shape]!;
      const { model, app, traits } = sh;
      const i = this.table.add(shape);
      if (i === this.instPos.length) {
        const grown = new Int32Array(i * 2);
        grown.set(this.instPos);
        this.instPos = grown;
      }
      this.instPos[i] = pos;
      const quotaRole = device.quotaRoles?.[app.id];
      if (this.opts.recordPaths) this.install(i).path = [];
      if (this.licences?.has(licenceKey(device.id, app.id))) this.unlicensed!.add(i);
      this.table.rng.seedTail(i, head, sh.appKey);
      const c = this.freshCursor(i, model, at, app);
      if (quotaRole !== undefined) {
        const pending = c.updateAt !== Infinity;
        const scope = this.fleet.models.quotasInScope(device.cohort, app.id);
        const walkPlan = new PlannedWalk(
          this.fleet.models.plan(device.cohort, app.id, traits, scope, quotaRole, pending),
          pending,
        );
        this.constraints.set(i, walkPlan);
        c.constraint = walkPlan;
      }
      this.table.store(i, c, app);
      this.focus(d, i);
      const r = startWalk(
        model,
        this.load(i),
        traits,
        this.table.rng.at(i),
        this.agents,
        sh.v.visits,
        this.logOf(i),
        sh.choices,
      );
      if (this.settleWalk(i, r)) active++;
    }
    a.setActive(d, active);
    a.setSilent(d, 0);
    a.setEnrolment(d, 0);
    if (this.deviceFaults.any) this.deviceFaults.arrived(pos, at);
    return d;
  }

  /** A device fault strikes device `d` at its moment: it goes silent, or it is wiped and re-enrols. */
  protected strike(d: number, pos: number, s: Strike): void {
    const t = this.table;
    const device = this.fleet.devices[pos]!;
    const first = this.agents.first(d);
    const end = first + this.agents.apps(d);
    let inProgress = 0;
    for (let i = first; i < end; i++) if (t.kind(i) !== DONE) inProgress++;
    if (s.fault.kind === 'stuck') {
      this.deviceFaults.take(pos, device.id, inProgress);
      this.deviceFaults.forget(pos);
      this.noteAll(d, `the device went silent (fault '${s.fault.name}', stuck)`);
      for (let i = first; i < end; i++) {
        if (t.kind(i) === DONE) continue;
        t.setKind(i, DONE);
        this.finals++;
      }
      this.agents.setActive(d, 0);
      this.agents.setSilent(d, 1);
      return;
    }
    const enrolment = this.agents.enrolment(d) + 1;
    this.agents.setEnrolment(d, enrolment);
    this.deviceFaults.take(pos, device.id, inProgress, enrolment);
    let active = 0;
    for (let i = first; i < end; i++) {
      const sh = this.shapes[t.shape(i)]!;
      const app = sh.app;
      if (t.kind(i) === DONE) this.finals--;
      t.setSeq(i, 0);
      this.constraints.delete(i);
      // a device's licence stays with it through the wipe; one it lacked may be free when it checks in again
      if (this.unlicensed) {
        if (this.licences!.has(licenceKey(device.id, app.id, enrolment))) this.unlicensed.add(i);
        else this.unlicensed.delete(i);
      }
      this.table.rng.seed(i, `${this.opts.seed}|${device.id}|${app.id}|enrolment ${enrolment}`);
      t.store(i, this.freshCursor(i, sh.model, s.at, app), app);
      const log = this.logs[i];
      if (log) {
        log.via.length = 0;
        log.why = `the device was wiped and re-enrolled (fault '${s.fault.name}', factory-reset); the job starts again`;
      }
      this.focus(d, i);
      const r = startWalk(
        sh.model,
        this.load(i),
        sh.traits,
        t.rng.at(i),
        this.agents,
        sh.v.visits,
        log ?? null,
        sh.choices,
      );
      if (this.settleWalk(i, r)) active++;
    }
    this.agents.setActive(d, active);
  }

  /** Emits installation `i`'s pending report (into the out fields) and walks on to its next state. */
  protected emit(d: number, i: number): void {
    const t = this.table;
    const sh = this.shapes[t.shape(i)]!;
    this.outAt = t.at(i);
    this.outNode = t.node(i);
    this.outVersion = t.ver(i) ? sh.app.update!.version : sh.app.version;
    this.outSeq = t.seq(i) + 1;
    this.outPrevNode = t.lastNode(i);
    this.outPrevAt = t.lastAt(i);
    this.outPrevVer = t.lastVer(i);
    t.setSeq(i, this.outSeq);
    t.reported(i);
    if (this.opts.recordPaths) {
      const step = stepOf(sh.model, this.outNode, this.outAt, this.outVersion, this.logs[i] ?? null);
      if (this.unlicensed) this.namePool(i, step);
      this.install(i).path!.push(step);
      this.outStep = step;
      this.logs[i] = { via: [], why: '' };
    }
    if (this.opts.licenceWatch && sh.model.nodes[this.outNode]!.status === 'removed') this.noteRemoval(i);
    this.focus(d, i);
    const r = walk(
      sh.model,
      this.load(i),
      sh.traits,
      t.rng.at(i),
      this.agents,
      sh.v.visits,
      this.logs[i] ?? null,
      null,
      sh.choices,
    );
    let deviceDone = false;
    // a device with a factory reset still to come is not done: its connection must stay for what follows
    if (!this.settleWalk(i, r)) {
      const left = this.agents.active(d) - 1;
      this.agents.setActive(d, left);
      if (left === 0) deviceDone = !this.deviceFaults.any || !this.deviceFaults.resetPending(this.agents.pos(d));
    }
    this.outDone = deviceDone;
    this.outEnrolment = this.agents.enrolment(d);
    this.emitted++;
  }

  /** Installation `i` starts waiting for its device's check-in. */
  protected beginWait(d: number, i: number): void {
    const t = this.table;
    t.setKind(i, PARKED);
    const trans = this.shapes[t.shape(i)]!.model.transitions[t.park(i)]!;
    this.agents.requestCheckIn(d, t.at(i), trans.push);
  }

  /** Device `d` checks in at `at`: its parked installations go on, in the order they were queued. */
  protected checkIn(d: number, at: number): void {
    const record = this.opts.recordPaths === true;
    if (this.agents.checkIn(d, at) === NOT_NOW) {
      this.noteAll(d, 'the device answered NotNow at a check-in (locked); the command waited');
      if (record) this.checkIns.push({ deviceId: this.deviceIdOf(d), at, apps: [], notNow: true });
      return;
    }
    const t = this.table;
    const served = this.served;
    let count = 0;
    const first = this.agents.first(d);
    const end = first + this.agents.apps(d);
    // in the order they were queued (ties by slot): an insertion sort, as a device has a few apps
    for (let i = first; i < end; i++) {
      if (t.kind(i) !== PARKED) continue;
      let k = count++;
      for (; k > 0 && t.at(served[k - 1]!) > t.at(i); k--) served[k] = served[k - 1]!;
      served[k] = i;
    }
    if (record)
      this.checkIns.push({
        deviceId: this.deviceIdOf(d),
        at,
        apps: Array.from(served.subarray(0, count), (i) => this.install(i).app.id),
        notNow: false,
      });
    const gap = this.agents.config(d).commandGapMs;
    this.agents.current = d;
    for (let k = 0; k < count; k++) {
      const i = served[k]!;
      const sh = this.shapes[t.shape(i)]!;
      this.focus(d, i);
      const c = this.load(i);
      c.at = at + k * gap;
      const resume = sh.model.transitions[t.park(i)]!;
      const log = this.logs[i] ?? null;
      const r = walk(sh.model, c, sh.traits, t.rng.at(i), this.agents, sh.v.visits, log, resume, sh.choices);
      if (!this.settleWalk(i, r)) this.agents.setActive(d, this.agents.active(d) - 1);
    }
  }
}
