// The CLI's commands with their one-line help; each lives in its own file.
export interface Command {
  summary: string;
  usage: string;
  run: (argv: string[]) => Promise<number>;
}

export const COMMANDS: Record<string, () => Promise<Command>> = {
  source: async () => (await import('./source-command.js')).sourceCommand,
  sink: async () => (await import('./sink-command.js')).sinkCommand,
  schema: async () => (await import('./schema-command.js')).schemaCommand,
  verify: async () => (await import('./verify-command.js')).verifyCommand,
  lag: async () => (await import('./lag-command.js')).lagCommand,
  gate: async () => (await import('./gate-command.js')).gateCommand,
  status: async () => (await import('./status-command.js')).statusCommand,
  demo: async () => (await import('./demo-command.js')).demoCommand,
  config: async () => (await import('./config-command.js')).configCommand,
};
