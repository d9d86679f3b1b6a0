import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { ScenarioError } from '../protocol/errors.js';

const BASE = 'name: x\napps: [{ id: a }]\ncohorts: [{ name: c, platform: ios, count: 2 }]\n';

function refusal(load: string): ScenarioError {
  try {
    parseScenario(`${BASE}${load}\n`, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('load models, one strict variant each', () => {
  it('a closed model is the default and takes rampUp and hold, no stages', () => {
    expect(parseScenario(`${BASE}load: { rampUp: 1s }\n`, 'x.yaml').load).toEqual({
      model: 'closed',
      rampUp: '1s',
      window: 'adaptive',
    });
    expect(refusal('load: { rampUp: 1s, stages: [{ duration: 1s, target: 1 }] }').message).toContain(
      'load.stages: unknown field "stages"; expected one of model, rampUp, hold',
    );
  });

  it('an open model needs stages and refuses rampUp, at its line', () => {
    const missing = refusal('load: { model: open }');
    expect(missing.message).toContain('x.yaml:4: load.stages: required field is missing');
    const ramp = refusal('load: { model: open, rampUp: 1s, stages: [{ duration: 1s, target: 1 }] }');
    expect(ramp.message).toContain('unknown field "rampUp"; expected one of model, startRate, stages');
    expect(ramp.line).toBe(4);
  });

  it('a misspelt model names the models and suggests one', () => {
    expect(refusal('load: { model: opne }').message).toContain(
      'load.model: expected model to be one of "closed", "open", got "opne" (did you mean "open"?)',
    );
  });
});
