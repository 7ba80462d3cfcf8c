/**
 * What every lab server does the same way: listen on 127.0.0.1 only, and
 * track open sockets so close() can end hung connections and let jest exit.
 */
import type { Server } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export function trackSockets(server: Server, sockets: Set<Socket> = new Set()): Set<Socket> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** Listen on 127.0.0.1 (a random port unless given) and return the port. */
export async function listenLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
