/**
 * FLEETSIM_<FLAG> for every flag of the command that the command line does not give: what a CI
 * job varies (FLEETSIM_DEVICES=5000) without editing the scenario. Other FLEETSIM_ variables
 * (FLEETSIM_AUTH_SECRET) are left alone, so they are not unknown flags.
 */
import type { Argv } from 'yargs';

interface EnvOptions {
  key: Record<string, unknown>;
  boolean: string[];
  number: string[];
}

export function envFlags(parsed: Record<string, unknown>, argv: readonly string[], options: EnvOptions): void {
  for (const key of Object.keys(options.key)) {
    if (!/^[a-z][a-z0-9-]*$/.test(key) || key === 'help' || key === 'version') continue;
    const value = process.env[`FLEETSIM_${key.toUpperCase().replace(/-/g, '_')}`];
    if (value === undefined) continue;
    if (argv.some((t) => t === `--${key}` || t.startsWith(`--${key}=`) || t === `--no-${key}`)) continue;
    const v = options.boolean.includes(key)
      ? value === 'true' || value === '1'
      : options.number.includes(key)
        ? Number(value)
        : value;
    parsed[key] = v;
    parsed[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
}

/** The flags yargs knows for a command, for envFlags. */
export function optionsOf(y: Argv): EnvOptions {
  return (y as unknown as { getOptions(): EnvOptions }).getOptions();
}
