/** `--target-address`: addresses and ranges on the target's port, or `address:port` destinations. */
import { describe, expect, it } from 'vitest';
import { namesPorts, parseTargetAddresses } from '../transport/kinds/local-address.js';
import { transportOptions } from '../transport/registry.js';
import { parseScenario } from '../agent/scenario/load.js';
import { SMALL_SCENARIO } from './helpers.js';

describe('--target-address', () => {
  it('takes ranges, addresses and address:port entries in order', () => {
    const got = parseTargetAddresses('127.0.0.1:41001, 127.0.0.2-127.0.0.3,127.0.0.9:7');
    expect(got).toEqual(['127.0.0.1:41001', '127.0.0.2', '127.0.0.3', '127.0.0.9:7']);
    expect(namesPorts(got)).toBe(true);
    expect(namesPorts(parseTargetAddresses('127.0.0.1-127.0.0.8'))).toBe(false);
  });

  it.each(['127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:x', 'localhost:1883', '127.0.0.1:1:2', ':1883'])(
    'refuses %s, naming it',
    (bad) => {
      expect(() => parseTargetAddresses(bad)).toThrow(/--target-address/);
    },
  );

  it('is checked as a transport option, with the expected form in the message', () => {
    const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
    expect(transportOptions('mqtt', scenario, { targetAddress: '127.0.0.1:41001' }).targetAddress).toBe(
      '127.0.0.1:41001',
    );
    expect(() => transportOptions('mqtt', scenario, { targetAddress: '127.0.0.1:99999' })).toThrow(
      /address:port entries/,
    );
  });
});
