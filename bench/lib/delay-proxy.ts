// A TCP proxy that holds every chunk for `delayMs` in each direction: a database on
// another host, for the naive-vs-tidemark comparison at a real network round trip.
// It runs as its own process, like the network it stands for: inside the bench's process
// it would take CPU from the sink measured there, and its timers would fire late
// whenever that event loop is busy (a busy sink would see a longer network).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../test/helpers/child-process.js';

export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

/** Forwards in order: each chunk leaves `delayMs` after it arrived (timers of one delay fire in order). */
function delayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', () => to.destroy());
}

/** The proxy in this process: what the child process of startDelayProxy runs. */
export async function listenDelayProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    delayed(client, upstream, delayMs);
    delayed(upstream, client, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The proxy as a child process (`node delay-proxy.js <host> <port> <delayMs>`, which prints its port). */
export async function startDelayProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [script, target.host, String(target.port), String(delayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`delay proxy exited (code ${code}) before listening`))));
  const firstLine = new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const port = Number(await Promise.race([firstLine, exited]));
  return {
    port,
    close: () => stopChild(child, 'SIGTERM'),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host, port, delayMs] = process.argv.slice(2);
  const proxy = await listenDelayProxy({ host: host!, port: Number(port) }, Number(delayMs));
  console.log(proxy.port);
  process.once('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}

/** The same URL pointing at another host and port. */
export function viaPort(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host;
  u.port = String(port);
  return u.toString();
}
