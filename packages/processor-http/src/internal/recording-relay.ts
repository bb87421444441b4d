// Test support: a TCP relay that records what passes through it, in order, as the eBPF receiver
// would see a client's plaintext (egress: client to server). Real protocol libraries talk through
// it, so tests and fixtures get real bytes (node's HTTP/2, the `ws` WebSocket library).
import { once } from 'node:events';
import net from 'node:net';

export interface Recorded {
  direction: 'egress' | 'ingress';
  bytes: Buffer;
}

export interface RecordingRelay {
  /** The port clients connect to instead of the server's. */
  port: number;
  chunks: Recorded[];
  close(): void;
}

export async function startRecordingRelay(serverPort: number): Promise<RecordingRelay> {
  const chunks: Recorded[] = [];
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(serverPort, '127.0.0.1');
    inbound.on('data', (b: Buffer) => {
      chunks.push({ direction: 'egress', bytes: Buffer.from(b) });
      outbound.write(b);
    });
    outbound.on('data', (b: Buffer) => {
      chunks.push({ direction: 'ingress', bytes: Buffer.from(b) });
      inbound.write(b);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => {});
    outbound.on('error', () => {});
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return { port: (relay.address() as net.AddressInfo).port, chunks, close: () => relay.close() };
}
