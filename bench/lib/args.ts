// The bench's command line: --quick, --stage, --only, --pairs, --no-stack.

export interface Options {
  quick: boolean;
  stages: string[];
  only?: Set<string>;
  pairs?: number;
  skipStack: boolean;
}

export function parseArgs(argv: readonly string[], stages: readonly string[]): Options {
  const opts: Options = { quick: false, stages: [...stages], skipStack: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--stage') opts.stages = value().split(',');
    else if (arg === '--only') opts.only = new Set(value().split(',').map((s) => s.trim()).filter(Boolean));
    else if (arg === '--pairs') opts.pairs = Number(value());
    else if (arg === '--no-stack') opts.skipStack = true;
    else throw new Error(`unknown argument ${arg} (known: --quick, --stage sink|pipeline, --only id,…, --pairs n, --no-stack)`);
  }
  for (const s of opts.stages) if (!stages.includes(s)) throw new Error(`unknown stage ${s} (known: ${stages.join(', ')})`);
  if (opts.pairs !== undefined && !(Number.isInteger(opts.pairs) && opts.pairs >= 5)) throw new Error('--pairs must be an integer ≥ 5');
  return opts;
}
