/**
 * iOS install lifecycle (MaaS360 iOS table, seed 000; Apple's ManagedApplicationList statuses as
 * native codes). Delays and weights are assumptions (no published figures): see docs/lifecycles.md.
 */
import { exponential, lognormal, uniform } from '../delay.js';
import type { LifecycleModel } from './model.js';

/** APNs push -> device check-in: assumption, median 30 s with a long tail. */
const CHECK_IN = lognormal(30_000, 1.2);

export const iosModel: LifecycleModel = {
  platform: 'ios',
  start: 'start',
  nodes: {
    start: {
      out: [
        { to: 'not_relevant_os', when: { osOk: false }, why: 'device OS is below the app minimum' },
        { to: 'not_relevant_device', when: { osOk: true, deviceOk: false }, why: 'licence type does not fit the enrollment (device criteria)' },
        { to: 'licensed_scheduled', when: { osOk: true, deviceOk: true, appKind: 'vpp' }, delay: uniform(500, 5_000), why: 'VPP licence acquired first' },
        { to: 'command_scheduled', when: { osOk: true, deviceOk: true, appKind: ['free', 'paid', 'enterprise'] }, why: 'install command queued for the device' },
      ],
    },
    not_relevant_os: { status: 'not_relevant', state: 'os_criteria' },
    not_relevant_device: { status: 'not_relevant', state: 'device_criteria' },
    command_scheduled: {
      status: 'pending_install', state: 'command_scheduled',
      out: [{ to: 'checked_in', delay: CHECK_IN, why: 'device checked in after the push' }],
    },
    licensed_scheduled: {
      status: 'pending_install', state: 'licensed_installation_scheduled',
      out: [{ to: 'checked_in', delay: CHECK_IN, why: 'device checked in after the push' }],
    },
    checked_in: {
      out: [
        { to: 'waiting_code', when: { appKind: 'paid' }, why: 'paid app without VPP licence needs a redemption code' },
        { to: 'installing', when: { appKind: ['free', 'vpp', 'enterprise'], supervised: true }, why: 'supervised device installs silently' },
        { to: 'prompted', when: { appKind: ['free', 'vpp', 'enterprise'], supervised: false }, why: 'unsupervised device prompts the user' },
      ],
    },
    waiting_code: {
      status: 'installing', state: 'waiting_for_redemption_code',
      out: [{ to: 'redeeming', delay: exponential(600_000), why: 'redemption code assigned' }],
    },
    redeeming: {
      status: 'installing', state: 'redeeming_code',
      out: [
        { to: 'prompted', delay: uniform(1_000, 10_000), why: 'code redeemed; user must accept' },
      ],
    },
    prompted: {
      status: 'installing', state: 'prompted_install',
      out: [
        { to: 'installing', weight: 0.85, delay: lognormal(20_000, 1), why: 'user accepted the prompt' },
        { to: 'prompted_login', weight: 0.05, delay: lognormal(10_000, 1), why: 'user accepted; App Store asked for a login' },
        { to: 'user_rejected', weight: 0.1, delay: lognormal(15_000, 1), why: 'user rejected the install prompt' },
      ],
    },
    prompted_login: {
      status: 'installing', state: 'prompted_login',
      out: [
        { to: 'validating', weight: 0.9, delay: lognormal(30_000, 1), why: 'user logged in to the App Store' },
        { to: 'user_rejected', weight: 0.1, delay: lognormal(60_000, 1), why: 'user cancelled the App Store login' },
      ],
    },
    validating: {
      status: 'installing', state: 'validating_purchase',
      out: [{ to: 'installing', delay: uniform(1_000, 5_000), why: 'purchase validated' }],
    },
    installing: {
      status: 'installing', state: 'installing',
      out: [
        { to: 'installed', weight: 0.97, delay: lognormal(45_000, 0.8), why: 'download and install completed' },
        { to: 'install_failed', weight: 0.03, delay: lognormal(45_000, 0.8), why: 'installation failed on the device' },
      ],
    },
    installed: { status: 'installed', state: 'installed' },
    user_rejected: { status: 'failed', state: 'user_rejected' },
    install_failed: { status: 'failed', state: 'install_failed' },
  },
};
