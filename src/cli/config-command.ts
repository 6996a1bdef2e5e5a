import { defaultsYaml, redactConfig } from '../ops/config.js';
import { preflight } from '../ops/preflight.js';
import { configFrom, parse } from './args.js';
import type { Command } from './commands.js';

export const configCommand: Command = {
  summary: 'Print the effective configuration (credentials redacted); --defaults prints a commented defaults file; --check also checks every service answers.',
  usage: 'tidemark config [--config <file>] [--defaults] [--check]',
  async run(argv) {
    const { values } = parse(argv, { defaults: { type: 'boolean' }, check: { type: 'boolean' } });
    if (values.defaults) {
      process.stdout.write(defaultsYaml());
      return 0;
    }
    const config = configFrom(values);
    console.log(JSON.stringify(redactConfig(config), null, 2));
    if (!values.check) return 0;
    const problems = await preflight(config, ['mongo', 'kafka', 'schemaRegistry', 'postgres']);
    for (const p of problems) console.error(`  - ${p}`);
    return problems.length === 0 ? 0 : 2;
  },
};
