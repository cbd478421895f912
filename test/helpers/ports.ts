import net from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1, taken from 20000–32767: below Linux's ephemeral range
 * (32768–60999), where the kernel picks ports for outgoing connections and for `listen(0)`. The Temporal dev server
 * takes several internal ports that way as it starts; a port from the ephemeral range, freed a moment before, could be
 * one of them (an API server then fails to listen and its health check reaches Temporal's HTTP API instead).
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found in 20000–32767 after 100 tries');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
