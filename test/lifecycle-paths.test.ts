/**
 * Per-platform lifecycle paths, walked by the one engine in virtual time (no clock, no sleeps):
 * overrides force a branch with probability 1 and the test reads the exact reported steps.
 */
import { describe, expect, it } from 'vitest';
import { fixed } from '../core/delay.js';
import { checkModel } from '../agent/lifecycle/check.js';
import { compileModel, type ModelOverride } from '../agent/lifecycle/compile.js';
import { advance, newCursor, type Step } from '../agent/lifecycle/engine.js';
import { MODELS } from '../agent/platforms/registry.js';
import type { Traits } from '../agent/lifecycle/model.js';
import { installTraits, type DeviceSpec } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Rng } from '../core/rng.js';
import { findState, PLATFORMS, type Platform } from '../protocol/catalogue/catalogue.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

function walk(
  platform: Platform,
  traits: Traits,
  overrides: ModelOverride[] = [],
  update?: { at: number; version: string },
  limit = 100,
): Step[] {
  const cm = compileModel(MODELS[platform], overrides);
  const c = newCursor(cm, T0, '1.0.0', update);
  const rng = new Rng(`test|${platform}|${JSON.stringify(overrides)}`);
  const steps: Step[] = [];
  for (let s = advance(cm, c, traits, rng, undefined, true); s && steps.length < limit; s = advance(cm, c, traits, rng))
    steps.push(s);
  return steps;
}
const states = (steps: Step[]) => steps.map((s) => `${s.status}/${s.state}`);
const p1 = (transition: string): ModelOverride => ({ transition, probability: 1 });

const IOS = {
  platform: 'ios',
  osMajor: 17,
  supervised: false,
  enrollment: 'device',
  hasUser: true,
  appKind: 'free',
  licence: 'device',
  osOk: true,
  deviceOk: true,
  storeLogin: true,
};

describe('the platform models', () => {
  it.each(PLATFORMS)(
    '%s: every catalogue state has a node, every transition a target, no node mixes guards and weights',
    (p) => {
      expect(checkModel(MODELS[p])).toEqual([]);
    },
  );
});

describe('iOS', () => {
  it('an unsupervised device prompts and the user rejects: Failed / User rejected app install', () => {
    const steps = walk('ios', IOS, [p1('on_device->route_prompt'), p1('prompted->user_rejected')]);
    expect(states(steps)).toEqual([
      'pending_install/command_scheduled',
      'installing/prompted_install',
      'failed/user_rejected',
    ]);
    expect(steps[2]!.native).toBe('apple:UserRejected');
    expect(steps[2]!.why).toMatch(/rejected/);
  });

  it('a supervised device installs silently', () => {
    const steps = walk('ios', { ...IOS, supervised: true }, [
      p1('on_device->route_prompt'),
      p1('installing->installed'),
      p1('installed->(end)'),
    ]);
    expect(states(steps)).toEqual([
      'pending_install/command_scheduled',
      'installing/installing',
      'installed/installed',
    ]);
  });

  it('a VPP app acquires its licence first', () => {
    const steps = walk('ios', { ...IOS, appKind: 'vpp', supervised: true }, [
      p1('on_device->route_prompt'),
      p1('installing->installed'),
      p1('installed->(end)'),
    ]);
    expect(states(steps)[0]).toBe('pending_install/licensed_installation_scheduled');
  });

  it('a paid app waits for a redemption code, redeems it, then prompts; App Store login and purchase validation', () => {
    const steps = walk('ios', { ...IOS, appKind: 'paid' }, [
      p1('prompted->prompted_login'),
      p1('prompted_login->validating'),
      p1('installing->installed'),
      p1('installed->(end)'),
    ]);
    expect(states(steps)).toEqual([
      'pending_install/command_scheduled',
      'installing/waiting_for_redemption_code',
      'installing/redeeming_code',
      'installing/prompted_install',
      'installing/prompted_login',
      'installing/validating_purchase',
      'installing/installing',
      'installed/installed',
    ]);
    expect(steps.map((s) => s.native).slice(1, 3)).toEqual(['apple:NeedsRedemption', 'apple:Redeeming']);
  });

  it('an ignored prompt is shown again at a later check-in', () => {
    const steps = walk(
      'ios',
      IOS,
      [
        p1('on_device->route_prompt'),
        { transition: 'prompted->prompt_ignored', probability: 1, delay: fixed(DAY) },
        { checkIn: fixed(60_000) },
      ],
      undefined,
      4,
    );
    // a user who always ignores it is prompted again and again, a day and a check-in apart
    expect(states(steps)).toEqual([
      'pending_install/command_scheduled',
      'installing/prompted_install',
      'installing/prompted_install',
      'installing/prompted_install',
    ]);
    expect(steps[3]!.at - steps[2]!.at).toBe(DAY + 60_000);
    expect(steps[3]!.why).toMatch(/ignored.*prompted again/);
  });

  it('a user-installed app asks for management; rejected management stays Installed / User rejected management', () => {
    const steps = walk('ios', IOS, [
      p1('on_device->user_installed_before'),
      p1('prompted_management->management_rejected'),
    ]);
    expect(states(steps)).toEqual([
      'pending_install/command_scheduled',
      'installed/user_installed_before',
      'installed/prompted_management',
      'installed/management_rejected',
    ]);
  });

  it('device criteria: a device licence on a user enrollment, a user licence with no user, a store app on a shared device', () => {
    const device = (traits: Record<string, string | number | boolean>): DeviceSpec => ({
      index: 0,
      id: 'ios-000001',
      cohort: 'c',
      platform: 'ios',
      traits: { osMajor: 17, supervised: true, enrollment: 'device', hasUser: true, ...traits },
      arrivalMs: 0,
      apps: [],
    });
    const s = parseScenario(
      'name: x\napps: [{ id: a, ios: { kind: vpp, licence: device } }, { id: b, ios: { kind: vpp, licence: user } }, { id: c, ios: { kind: free } }]\ncohorts: [{ name: c, platform: ios, count: 1 }]\n',
      'x.yaml',
    );
    const [a, b, c] = s.apps as [(typeof s.apps)[0], (typeof s.apps)[0], (typeof s.apps)[0]];
    expect(installTraits(device({ enrollment: 'user' }), a).deviceOk).toBe(false);
    expect(installTraits(device({ hasUser: false }), b).deviceOk).toBe(false);
    expect(installTraits(device({ enrollment: 'shared', hasUser: false }), c).deviceOk).toBe(false);
    expect(installTraits(device({}), a).deviceOk).toBe(true);
    const steps = walk('ios', { ...IOS, deviceOk: false });
    expect(states(steps)).toEqual(['not_relevant/device_criteria']);
    expect(states(walk('ios', { ...IOS, osOk: false }))).toEqual(['not_relevant/os_criteria']);
  });

  it('an update distributed on day 2 drives Pending Update -> Updating -> Installed with the new version, or Upgrade Failed', () => {
    const update = { at: T0 + 2 * DAY, version: '2.0.0' };
    const ok = walk(
      'ios',
      IOS,
      [
        p1('on_device->route_prompt'),
        p1('prompted->installing'),
        p1('installing->installed'),
        p1('installed->(end)'),
        p1('prompted_update->prompted_update_login'),
        p1('prompted_update_login->validating_update'),
      ],
      update,
    );
    expect(states(ok)).toEqual([
      'pending_install/command_scheduled',
      'installing/prompted_install',
      'installing/installing',
      'installed/installed',
      'pending_update/prompted_update',
      'pending_update/prompted_update_login',
      'updating/validating_update',
      'updating/updating',
      'installed/installed',
    ]);
    expect(ok[3]!.version).toBe('1.0.0');
    expect(ok[4]!.version).toBe('2.0.0');
    expect(ok[4]!.at).toBeGreaterThanOrEqual(update.at);
    const rejected = walk(
      'ios',
      IOS,
      [
        p1('on_device->route_prompt'),
        p1('prompted->installing'),
        p1('installing->installed'),
        p1('prompted_update->user_rejected_update'),
      ],
      update,
    );
    expect(states(rejected).slice(-2)).toEqual([
      'pending_update/prompted_update',
      'upgrade_failed/user_rejected_update',
    ]);
  });

  it('an installed app can be removed, and an unknown state can stay unknown', () => {
    expect(
      states(
        walk('ios', { ...IOS, supervised: true }, [
          p1('on_device->route_prompt'),
          p1('installing->installed'),
          p1('installed->removed'),
        ]),
      ).at(-1),
    ).toBe('removed/uninstalled');
    expect(
      states(
        walk('ios', { ...IOS, supervised: true }, [
          p1('on_device->route_prompt'),
          p1('installing->unknown'),
          p1('unknown->(end)'),
        ]),
      ).at(-1),
    ).toBe('unknown/unknown');
  });
});

describe('Windows', () => {
  const WIN = { platform: 'windows', osMajor: 11, relevant: true, installer: 'msi' };

  it('a failing download is retried RetryCount times, RetryTimeout apart, then reported Failed download', () => {
    const steps = walk('windows', WIN, [p1('downloading->failed_download')]);
    expect(steps.map((s) => s.native)).toEqual([
      // the server's Pending Install carries no CSP code: the device does not have the job yet
      undefined,
      'msi:10',
      'msi:20',
      'msi:25',
      'msi:20',
      'msi:25',
      'msi:20',
      'msi:25',
      'msi:20',
      'msi:30',
    ]);
    expect(states(steps).at(-1)).toBe('failed/failed_download');
    expect(steps[7]!.why).toMatch(/retry 3 of 3/);
    // each retry waits exactly the CSP's RetryTimeout (5 minutes) before downloading again
    expect(steps[4]!.at - steps[3]!.at).toBe(5 * 60_000);
  });

  it.each([
    ['downloaded->failed_decryption', 'failed/failed_decryption'],
    ['decrypted->failed_checksum', 'failed/failed_checksum'],
    ['verified->failed_launch', 'failed/failed_launch_installer'],
    ['enforcing->installation_failed', 'failed/installation_failed'],
  ])('%s ends in %s after its retries', (transition, end) => {
    const steps = walk('windows', WIN, [p1(transition)]);
    expect(states(steps).at(-1)).toBe(end);
    expect(steps.filter((s) => s.native === 'msi:25' || s.native === 'msi:55')).toHaveLength(3);
  });

  it('relevance criteria not met fails at once', () => {
    expect(states(walk('windows', { ...WIN, relevant: false }))).toEqual(['failed/relevance_not_met']);
  });

  it('the whole chain succeeds: download, decrypt, checksum, launch, install', () => {
    const steps = walk('windows', WIN, [
      p1('downloading->downloaded'),
      p1('downloaded->decrypted'),
      p1('decrypted->verified'),
      p1('verified->enforcing'),
      p1('enforcing->installed'),
      p1('installed->(end)'),
    ]);
    expect(steps.map((s) => s.native)).toEqual([undefined, 'msi:10', 'msi:20', 'msi:50', 'msi:70']);
    expect(steps.at(-1)!.via).toEqual(['enforcing->installed']);
  });

  it('an MSI update runs the CSP chain quietly under Updating, with its retries and failures: no prompt', () => {
    const update = { at: T0 + 2 * DAY, version: '2.0.0' };
    const ok = walk('windows', WIN, [p1('installed->(end)'), p1('u_downloading->u_downloaded')], update);
    expect(states(ok).slice(-5)).toEqual([
      'installed/installed',
      'updating/updating',
      'updating/updating',
      'updating/updating',
      'installed/installed',
    ]);
    expect(ok.slice(-4).map((s) => s.native)).toEqual(['msi:10', 'msi:20', 'msi:50', 'msi:70']);
    expect(states(ok)).not.toContain('pending_update/prompted_update');
    const bad = walk('windows', WIN, [p1('installed->(end)'), p1('u_decrypted->failed_checksum')], update);
    expect(states(bad).at(-1)).toBe('failed/failed_checksum');
    expect(bad.at(-1)!.version).toBe('2.0.0');
    expect(bad.filter((s) => s.native === 'msi:25')).toHaveLength(3);
  });

  it('a Microsoft Store app has no MSI job, and its update is offered to the user', () => {
    const store = { ...WIN, installer: 'store' };
    const steps = walk('windows', store, [p1('installed->(end)'), p1('prompted_update->user_rejected_update')], {
      at: T0 + 2 * DAY,
      version: '2.0.0',
    });
    expect(states(steps)).toEqual([
      'pending_install/command_scheduled',
      'installing/installing',
      'installed/installed',
      'pending_update/prompted_update',
      'upgrade_failed/user_rejected_update',
    ]);
    // no MSI job, so none of its codes (Installed shares its node, and its code, with MSI apps)
    expect(steps.filter((s) => s.native && s.native !== 'msi:70')).toEqual([]);
  });
});

describe('Android', () => {
  const AND = { platform: 'android', osMajor: 14, osOk: true };
  const HAPPY = [
    p1('precheck->p_queue'),
    p1('p_queue->p_downloading'),
    p1('i_downloading->installed'),
    p1('installed->(end)'),
  ];

  it('waiting for network: the device goes offline, comes back after the outage and resumes', () => {
    const steps = walk('android', AND, [
      p1('precheck->p_queue'),
      p1('p_queue->p_offline'),
      p1('i_downloading->installed'),
      p1('installed->(end)'),
      // the engine alone draws the outage; with a device it is the device's (test/device-agent.test.ts)
      { transition: 'p_offline->p_downloading', delay: fixed(2 * 3_600_000) },
    ]);
    expect(states(steps)).toEqual([
      'pending_install/not_installed',
      'pending_install/waiting_for_network',
      'pending_install/downloading',
      'installing/downloading',
      'success/installed',
    ]);
    expect(steps[2]!.at - steps[1]!.at).toBe(2 * 3_600_000);
  });

  it('out of compliance: the install waits until the device complies', () => {
    const steps = walk('android', AND, [
      p1('precheck->p_noncompliant'),
      p1('p_queue->p_downloading'),
      p1('i_downloading->installed'),
      p1('installed->(end)'),
    ]);
    expect(states(steps).slice(0, 3)).toEqual([
      'pending_install/not_installed',
      'pending_install/out_of_compliance',
      'pending_install/downloading',
    ]);
  });

  it('an OEM server failure is retried under Installing, then Failed', () => {
    const steps = walk('android', AND, [
      p1('precheck->p_queue'),
      p1('p_queue->p_downloading'),
      p1('i_downloading->failed_oem'),
    ]);
    expect(states(steps).filter((s) => s === 'installing/oem_server_failed')).toHaveLength(2);
    expect(states(steps).at(-1)).toBe('failed/oem_server_failed');
  });

  it('not compatible, higher version installed, uninstalled by the user vs by the MDM', () => {
    expect(states(walk('android', { ...AND, osOk: false })).slice(-2)).toEqual([
      'installing/not_compatible',
      'failed/not_compatible',
    ]);
    expect(states(walk('android', AND, [p1('precheck->higher_version')])).at(-1)).toBe(
      'success/higher_version_installed',
    );
    expect(states(walk('android', AND, [...HAPPY.slice(0, 3), p1('installed->removed_user')])).at(-1)).toBe(
      'removed/uninstalled_by_user',
    );
    expect(states(walk('android', AND, [...HAPPY.slice(0, 3), p1('installed->removed_mdm')])).at(-1)).toBe(
      'removed/uninstalled_by_mdm',
    );
  });

  it('an update waits for a scheduled window, then installs the new version', () => {
    const steps = walk('android', AND, [...HAPPY, p1('u_route->u_scheduled')], { at: T0 + DAY, version: '2.0.0' });
    expect(states(steps).slice(-4)).toEqual([
      'pending_update/update_pending',
      'pending_update/update_scheduled',
      'installing/downloading',
      'success/installed',
    ]);
    expect(steps.at(-1)!.version).toBe('2.0.0');
  });
});

describe('DME', () => {
  const DME = { platform: 'dme', method: 'oma-dm', software: 'dme-client' };

  it('OMA DM: bootstrap fails, falls back to a download link marked for install, waits for the next sync, verified at the next system-info sync', () => {
    const steps = walk('dme', DME, [
      p1('waiting_bootstrap->link_sent'),
      p1('link_sent->waiting_sync'),
      p1('installing_dl->dl_done'),
      p1('dl_verify->downloaded_wait'),
      { checkIn: fixed(4 * 3_600_000) },
    ]);
    expect(states(steps)).toEqual([
      'installing/waiting_for_bootstrap',
      'installing/waiting_for_download',
      'installing/installing_software',
      'installing/downloaded_waiting_verification',
      'installed/downloaded_verified',
    ]);
    expect(steps[4]!.at - steps[3]!.at).toBe(4 * 3_600_000);
  });

  it('a DME client version already on the device is verified at once; other software is not verified', () => {
    const at = walk('dme', DME, [
      p1('waiting_bootstrap->installing_dm'),
      p1('installing_dm->dm_done'),
      p1('dm_verify->installed_verified'),
    ]);
    expect(states(at).slice(-2)).toEqual(['installing/installing_software', 'installed/installed_verified']);
    expect(
      states(
        walk('dme', { ...DME, software: 'other', method: 'download-link' }, [
          p1('waiting_push->installing_dl'),
          p1('installing_dl->dl_done'),
        ]),
      ).at(-1),
    ).toBe('installed/downloaded');
  });

  it('errors are two states, one per column of the seed: Installation failed (OMA DM), Unknown status (download link)', () => {
    const steps = walk('dme', DME, [p1('waiting_bootstrap->installing_dm'), p1('installing_dm->failed')]);
    expect(states(steps).at(-1)).toBe('errors/installation_failed');
    expect(steps.at(-1)!.native).toBe('scomo:1400');
    const link = walk('dme', { ...DME, method: 'download-link' }, [
      p1('waiting_push->installing_dl'),
      p1('installing_dl->failed_unknown'),
    ]);
    expect(states(link).at(-1)).toBe('errors/unknown_status');
    expect(link.at(-1)!.native).toBeUndefined();
    expect(findState('dme', 'errors', 'unknown_status')!.label).toBe('Unknown status');
    expect(findState('dme', 'errors', 'installation_failed')!.label).toBe('Installation failed');
  });
});

describe('docs/lifecycles.md', () => {
  it('lists every transition of every model, so overrides and quota paths can be looked up', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const doc = readFileSync(join(__dirname, '..', 'docs', 'lifecycles.md'), 'utf8');
    for (const p of PLATFORMS) {
      for (const t of compileModel(MODELS[p]).transitions)
        expect(doc, `${p} ${t.id}`).toContain(`\`${t.id.replace(' (update)', '')}\``);
    }
  });
});
