/**
 * The scenario JSON Schema for editors (scenarios/scenario.schema.json), generated from the zod
 * schema that validates runs, so the two cannot drift. `fleetsim schema` prints it; a test checks
 * that the committed file is current. Refinements zod cannot express (durations, threshold
 * expressions) are plain strings here: the editor checks shape, the run checks meaning.
 */
import { z } from 'zod';
import { scenarioSchema } from './schema.js';

export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://fleetsim.dev/scenario.schema.json',
    title: 'fleetsim scenario',
    description:
      'A fleetsim scenario: apps, cohorts of devices, lifecycle overrides and quotas, load model, thresholds. See README.md and docs/lifecycles.md.',
  };
}

export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
