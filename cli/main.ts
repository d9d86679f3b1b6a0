/**
 * The fleetsim command line: one yargs CommandModule per command (cli/commands/<name>.ts), each
 * handing its flags to the command's implementation. User mistakes print one clear paragraph and
 * a documented exit code; anything else is a bug and prints its stack.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { INTERNAL_EXIT_CODE, isFleetsimError, UsageError } from '../protocol/errors.js';
import { VERSION } from '../protocol/version.js';
import { type CommandContext, EPILOG, type FleetsimCommand } from './commands/command.js';
import { compareModule } from './commands/compare.js';
import { initModule } from './commands/init.js';
import { mergeModule } from './commands/merge.js';
import { reconcileModule } from './commands/reconcile.js';
import { reportModule } from './commands/report.js';
import { runModule } from './commands/run.js';
import { schemaModule } from './commands/schema.js';
import { serveModule } from './commands/serve.js';
import { tallyBaselineModule } from './commands/tally-baseline.js';
import { traceModule } from './commands/trace.js';
import { validateModule } from './commands/validate.js';

/** In the order `fleetsim --help` lists them. */
const COMMANDS: readonly FleetsimCommand[] = [
  runModule,
  serveModule,
  mergeModule,
  reconcileModule,
  tallyBaselineModule,
  traceModule,
  reportModule,
  validateModule,
  compareModule,
  initModule,
  schemaModule,
];

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const ctx: CommandContext = { argv, exit: (c) => (code = c) };
  const cli = yargs(argv)
    .scriptName('fleetsim')
    .usage(
      '$0 <command> [options]\n\nA device-fleet simulator and load-test harness for MDM app-installation status ingestion.',
    );
  for (const command of COMMANDS) cli.command(command(ctx));
  cli
    .demandCommand(
      1,
      'Name a command: run, validate, init, compare, serve, merge, reconcile, tally-baseline, trace, report or schema (fleetsim --help lists them).',
    )
    .epilog(EPILOG)
    .strict()
    .recommendCommands()
    .help()
    .version(VERSION)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      const what = msg?.startsWith('Did you mean') ? `Unknown command "${argv[0]}". ${msg}` : msg;
      throw new UsageError(`${what}\nRun "fleetsim --help" for usage.`);
    });
  await cli.parseAsync();
  return code;
}

export function reportFatal(err: unknown): number {
  if (isFleetsimError(err) && !err.internal) {
    process.stderr.write(`fleetsim: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(
    `fleetsim: internal error (a bug; please report it with this output):\n${(err as Error)?.stack ?? String(err)}\n`,
  );
  return isFleetsimError(err) ? err.exitCode : INTERNAL_EXIT_CODE;
}

export async function cliEntry(): Promise<void> {
  // `fleetsim ... | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    process.exitCode = await main(hideBin(process.argv));
  } catch (err) {
    process.exitCode = reportFatal(err);
  }
}
