import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook receiver on the loopback interface, run by the demo seed only
 * while it seeds, so the demo organization shows a real delivery: Tally POSTs
 * over HTTP, the receiver checks the Standard Webhooks signature with the
 * endpoint's secret and answers 204 (401 when the signature does not verify).
 */
export interface DemoReceiver {
  url: string;
  /** the endpoint's signing secret, known once the endpoint exists */
  accept(secret: string): void;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startDemoReceiver(): Promise<DemoReceiver> {
  let verifier: Webhook | null = null;
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      try {
        if (!verifier) throw new Error('no secret yet');
        verifier.verify(text, headers);
        res.writeHead(204).end();
      } catch {
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tally-hooks`,
    accept: (secret) => {
      verifier = new Webhook(secret);
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
