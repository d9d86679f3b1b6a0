/** `fleetsim schema`: the scenario JSON Schema, as scenarios/scenario.schema.json holds it. */
import { scenarioJsonSchemaText } from '../../agent/scenario/json-schema.js';
import { defineCommand } from './command.js';

export const schemaModule = defineCommand({
  command: 'schema',
  describe: 'print the scenario JSON Schema (for editors; scenarios/scenario.schema.json is this)',
  builder: (y) => y,
  handler: async () => {
    process.stdout.write(scenarioJsonSchemaText());
    return 0;
  },
});
