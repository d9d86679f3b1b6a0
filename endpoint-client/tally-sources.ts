/**
 * The registry of tally sources: one entry per kind, each a small adapter
 * (tally-source.ts is the interface). Expressions are checked here, when the target is loaded,
 * so a JSONata typo is an error with file:line before any device starts.
 */
import { fleetsimSource, noneSource } from './fleetsim-source.js';
import { expressionProblem, httpSource, type HttpSourceConfig } from './http-source.js';
import { postgresSource, type PostgresSourceConfig } from './postgres-source.js';
import type { TallySource, TallySourceKind } from './tally-source.js';
import { targetConfigError, type DescriptionSource, type TargetProblem } from '../transport/wire/problems.js';

export type TallySourceConfig =
  | { source: 'fleetsim'; url?: string | undefined }
  | ({ source: 'http' } & HttpSourceConfig)
  | ({ source: 'postgres' } & PostgresSourceConfig)
  | { source: 'none' };

export interface SourceContext {
  /** The embedded endpoint's or the HTTP target's origin, for `fleetsim` without a url. */
  defaultUrl?: string | undefined;
  source?: DescriptionSource | undefined;
  /** Where the tallies section sits in its file. @default ["tallies"] */
  basePath?: (string | number)[];
}

type Factory<K extends TallySourceKind> = (
  config: Extract<TallySourceConfig, { source: K }>,
  ctx: SourceContext,
) => TallySource;

const SOURCES: { [K in TallySourceKind]: Factory<K> } = {
  fleetsim: (c, ctx) => {
    const url = c.url ?? ctx.defaultUrl;
    if (!url) {
      throw targetConfigError(
        [
          {
            path: [...(ctx.basePath ?? ['tallies']), 'url'],
            message:
              'the target has no fleetsim tallies API of its own; give tallies.url (a fleetsim serve), or another source',
          },
        ],
        ctx.source,
      );
    }
    return fleetsimSource(url);
  },
  http: (c) => httpSource(c),
  postgres: (c) => postgresSource(c),
  none: () => noneSource(),
};

/** Load-time checks a schema cannot make: the expressions parse. */
export function checkTallyConfig(config: TallySourceConfig, ctx: SourceContext): void {
  const base = ctx.basePath ?? ['tallies'];
  const problems: TargetProblem[] = [];
  if (config.source === 'http') {
    const p = expressionProblem(config.rows);
    if (p) problems.push({ path: [...base, 'rows'], message: p });
    if (config.devices) {
      const d = expressionProblem(config.devices.rows);
      if (d) problems.push({ path: [...base, 'devices', 'rows'], message: d });
    }
  }
  if (problems.length) throw targetConfigError(problems, ctx.source);
}

export function createTallySource(config: TallySourceConfig, ctx: SourceContext = {}): TallySource {
  checkTallyConfig(config, ctx);
  return (SOURCES[config.source] as Factory<typeof config.source>)(config as never, ctx);
}
