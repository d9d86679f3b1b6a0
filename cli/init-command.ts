/**
 * `fleetsim init [file]`: writes a commented scenario that validates and runs as it is, from
 * flags, or from questions when the terminal is interactive (or --interactive). Refuses to
 * overwrite a file unless --force.
 */
import { isTransportKind, TRANSPORT_KINDS, TRANSPORTS, type TransportKind } from '../transport/kinds/kinds.js';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../agent/scenario/load.js';
import { isPlatform, PLATFORMS, type Platform } from '../protocol/catalogue/catalogue.js';
import { UsageError } from '../protocol/errors.js';
import { loadTargetFile } from '../agent/scenario/target-load.js';
import { initScenario, type InitAnswers } from './init-template.js';
import { initTarget } from './init-target-template.js';
import { wholeNumber } from './number-flags.js';

export interface InitArgs {
  file: string;
  name?: string;
  platforms?: string;
  devices?: unknown;
  transport?: string;
  app?: string;
  /** Your service's URL: a target description is written beside the scenario. */
  target?: string;
  force: boolean;
  /** Ask; default: when stdin is a terminal. */
  interactive?: boolean;
}

/** Where this package keeps the scenario JSON Schema (dist/cli/ or cli/ -> scenarios/). */
function schemaFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !existsSync(join(dir, 'scenarios', 'scenario.schema.json')); i++) dir = dirname(dir);
  return join(dir, 'scenarios', 'scenario.schema.json');
}

function platformsOf(text: string): Platform[] {
  const list = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((p) => p.toLowerCase());
  const bad = list.filter((p) => !isPlatform(p));
  if (bad.length || list.length === 0)
    throw new UsageError(
      `--platforms "${text}": ${bad.length ? `unknown platform ${bad.map((b) => `"${b}"`).join(', ')}` : 'none given'}; expected a comma-separated list of ${PLATFORMS.join(', ')}.`,
    );
  return [...new Set(list)] as Platform[];
}

function nameOf(text: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(text))
    throw new UsageError(`--name "${text}": a scenario name is 1-64 characters from [A-Za-z0-9._-], e.g. my-rollout.`);
  return text;
}

/** The transport a target URL needs (its scheme), as run picks it. */
function targetKindOf(url: string): TransportKind {
  let scheme = '';
  try {
    scheme = new URL(url).protocol.slice(0, -1);
  } catch {}
  for (const [kind, spec] of Object.entries(TRANSPORTS))
    if (spec.schemes.includes(scheme)) return kind as TransportKind;
  throw new UsageError(
    `--target "${url}": expected your service's URL, mqtt(s)://, ws(s):// or http(s)://host:port[/path], e.g. mqtt://127.0.0.1:1883.`,
  );
}

/** my.yaml -> my.target.yaml, beside it. */
const targetFileFor = (file: string) => join(dirname(file), `${basename(file, extname(file))}.target.yaml`);

function transportOf(text: string): TransportKind {
  if (!isTransportKind(text)) throw new UsageError(`--transport "${text}": expected ${TRANSPORT_KINDS.join(' or ')}.`);
  return text;
}

async function ask(
  a: InitArgs,
  defaults: Required<Pick<InitArgs, 'name' | 'platforms' | 'transport' | 'app'>> & { devices: string },
) {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
  const lines = rl[Symbol.asyncIterator]();
  // Read line by line (not rl.question) so answers piped in all at once are each taken.
  const question = async (q: string, def: string) => {
    process.stderr.write(`${q} [${def}]: `);
    const next = await lines.next();
    const answer = next.done ? '' : String(next.value).trim();
    return answer || def;
  };
  try {
    return {
      name: a.name ?? (await question('Scenario name', defaults.name)),
      platforms: a.platforms ?? (await question(`Platforms (${PLATFORMS.join(', ')})`, defaults.platforms)),
      devices: a.devices ?? (await question('Devices in all', defaults.devices)),
      transport: a.transport ?? (await question('Transport (mqtt, http)', defaults.transport)),
      app: a.app ?? (await question('App id', defaults.app)),
      target: a.target ?? (await question("Your service's URL (empty: the embedded endpoint)", '')),
    };
  } finally {
    rl.close();
  }
}

export async function initCommand(a: InitArgs): Promise<number> {
  const file = a.file;
  if (existsSync(file) && !a.force)
    throw new UsageError(`${file} already exists; pass --force to overwrite it, or name another file.`);
  const defaults = {
    name: 'my-rollout',
    platforms: PLATFORMS.join(','),
    devices: '1000',
    transport: 'mqtt',
    app: 'com.example.app',
  };
  const interactive = a.interactive ?? Boolean(process.stdin.isTTY);
  const given = interactive
    ? await ask(a, defaults)
    : {
        name: a.name ?? defaults.name,
        platforms: a.platforms ?? defaults.platforms,
        devices: a.devices ?? defaults.devices,
        transport: a.transport ?? defaults.transport,
        app: a.app ?? defaults.app,
        target: a.target ?? '',
      };
  const targetUrl = given.target.trim() || undefined;
  const targetKind = targetUrl ? targetKindOf(targetUrl) : undefined;
  const targetFile = targetUrl ? targetFileFor(file) : undefined;
  if (targetFile && existsSync(targetFile) && !a.force)
    throw new UsageError(`${targetFile} already exists; pass --force to overwrite it, or name another scenario file.`);
  const answers: InitAnswers = {
    name: nameOf(given.name),
    platforms: platformsOf(given.platforms),
    devices: wholeNumber('devices', given.devices),
    // the target's scheme picks the transport, as it does in a run
    transport: targetKind ?? transportOf(given.transport),
    appId: given.app,
    schemaPath: relative(dirname(resolve(file)), schemaFile())
      .split('\\')
      .join('/'),
    targetFile: targetFile ? basename(targetFile) : undefined,
  };
  if (answers.devices < answers.platforms.length)
    throw new UsageError(
      `--devices ${answers.devices}: give at least one device per platform (${answers.platforms.length}).`,
    );
  const text = initScenario(answers);
  // What init writes must load: a bad app id is reported against the flag, not the new file.
  parseScenario(text, file);
  writeFileSync(file, text);
  if (targetFile && targetUrl && targetKind) {
    writeFileSync(targetFile, initTarget({ url: targetUrl, kind: targetKind, scenarioFile: basename(file) }));
    // what init writes must load as run loads it
    loadTargetFile(targetFile, process.env);
  }
  const withTarget = targetFile ? ` --target-file ${targetFile}` : '';
  process.stdout.write(
    `wrote ${file}: ${answers.devices} devices (${answers.platforms.join(', ')}) over ${answers.transport}.\n` +
      (targetFile ? `wrote ${targetFile}: your service at ${targetUrl}; set its tallies: to reconcile.\n` : '') +
      `next: fleetsim validate ${file}${withTarget} && fleetsim run ${file}${withTarget}\n`,
  );
  return 0;
}
