/**
 * One yargs CommandModule per command (cli/commands/<name>.ts): its positionals and flags, and
 * a handler that turns them into the arguments of the command's implementation
 * (cli/<name>-command.ts) and returns its exit code. main.ts lists the modules; each gets the
 * raw arguments (for FLEETSIM_<FLAG>) and where its exit code goes.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

export interface CommandContext {
  /** The command line as given, without node and the script. */
  readonly argv: readonly string[];
  exit(code: number): void;
}

export interface CommandSpec<U> {
  command: string;
  describe: string;
  builder: (y: Argv, ctx: CommandContext) => Argv<U>;
  /** Runs the command; resolves to its exit code. */
  handler: (a: ArgumentsCamelCase<U>) => Promise<number>;
}

export type FleetsimCommand = (ctx: CommandContext) => CommandModule<object, unknown>;

export function defineCommand<U>(spec: CommandSpec<U>): FleetsimCommand {
  return (ctx) =>
    ({
      command: spec.command,
      describe: spec.describe,
      builder: (y: Argv) => spec.builder(y, ctx),
      handler: async (a: ArgumentsCamelCase<U>) => ctx.exit(await spec.handler(a)),
    }) as CommandModule<object, unknown>;
}

export const EPILOG = [
  'Every flag can come from the environment as FLEETSIM_<FLAG> (FLEETSIM_DEVICES=5000, FLEETSIM_MAX_IN_FLIGHT=2000); a flag on the command line wins.',
  'Exit codes: 0 passed, 1 a threshold failed, 2 reconciliation mismatch, 3 invalid scenario or usage, 4 target unreachable, 5 compare found a regression, 6 a port is in use, 70 internal error (a bug), 130/143 stopped by SIGINT/SIGTERM (reports written).',
  'Docs: README.md, docs/report.md (report.json, thresholds), docs/scale.md (load, workers, shards), docs/protocol.md, docs/endpoint.md.',
].join('\n');
