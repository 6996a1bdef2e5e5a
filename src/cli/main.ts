import { ConfigError, TidemarkError, describe } from '../ops/errors.js';
import { COMMANDS } from './commands.js';

const HELP = `tidemark — MongoDB change streams -> Kafka -> PostgreSQL, with a lag-aware verifier

Usage: tidemark <command> [options]

Commands:
  source   run the source service: snapshot + change streams of every configured collection into Kafka
  sink     run the sink service: consume the topics and apply them to PostgreSQL (scale by adding processes)
  schema   apply or print the PostgreSQL target schema (schema apply [--dry-run], schema status)
  verify   compare MongoDB and PostgreSQL (exit 0 clean, 1 differences, 2 could not verify)
  lag      per-collection lag by stage (source, Kafka, apply, end-to-end), p50/p99 over a window
  gate     the cutover gate: exit 0 only when lag and verification allow reads to flip
  status   the cutover status page, lag sampling and metrics (http://127.0.0.1:8088/)
  demo     bring up the local stack, seed Amanat-shaped data, replicate it with live changes and show it arriving;
           'demo seed' / 'demo live' seed and change the configured MongoDB database
  config   print the effective configuration (redacted), or --defaults for a commented file

Common options:
  -c, --config <file>   YAML or JSON configuration (also TIDEMARK_CONFIG); environment overrides it
  -h, --help            help for a command

Run 'tidemark <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    process.exitCode = name ? 0 : 2;
    return;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`tidemark: unknown command '${name}'\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nUsage: ${command.usage}`);
    return;
  }
  try {
    process.exitCode = await command.run(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tidemark ${name}: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    const code = err instanceof TidemarkError ? ` [${err.code}]` : '';
    console.error(`tidemark ${name}: failed${code}: ${describe(err)}`);
    // Usage errors (unknown option, missing value) are exit 2 like configuration errors.
    process.exitCode = String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}
