import { ConfigError } from '../ops/errors.js';
import { startStatus } from '../status/index.js';
import { configFrom, parse, shutdownSignal } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';

export const statusCommand: Command = {
  summary:
    'Serve the cutover status page (stage lags, lag chart, parked/rejected, last verification, gate) with its\n' +
    'JSON (/api/status) and Prometheus metrics (/metrics), sampling every collection\'s lag into PostgreSQL each\n' +
    'lag.sampleIntervalMs (the gate judges those samples). Binds to 127.0.0.1 unless told otherwise; with\n' +
    'TIDEMARK_STATUS_TOKEN set, data requests need "Authorization: Bearer <token>" (open the page as /#token=<token>).\n' +
    'SIGTERM stops it.',
  usage: 'tidemark status [--config <file>] [--host <address>] [--port <port>]',
  async run(argv) {
    const { values } = parse(argv, { host: { type: 'string' }, port: { type: 'string' } });
    const { config, logger, mappings } = await startService(configFrom(values), 'status', ['kafka', 'postgres']);
    const port = values.port === undefined ? config.status.port : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError([`--port must be a port number 0-65535, got '${values.port}'`], 'command line');
    const host = values.host ?? config.status.host;
    const signal = shutdownSignal((sig) => logger.info({ signal: sig }, 'stopping the status page'), config.service.shutdownTimeoutMs);
    const status = await startStatus(config, logger, mappings.map((m) => m.collection), { host, port });
    console.error(`tidemark status: serving ${status.url} (sampling lag every ${config.lag.sampleIntervalMs} ms)`);
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    await status.stop();
    return 0;
  },
};
