// capture.data / capture.close (event.ts): plaintext chunks between the receiver and processor-http.
import { address, bytes, closed, count, enumOf, pointer, str } from './common.ts';

export const connSchema = closed(
  {
    id: str,
    transport: enumOf('tls', 'tcp'),
    generation: count,
    role: enumOf('client', 'server'),
    pid: count,
    tid: count,
    fd: { type: 'integer' },
    ssl_ptr: pointer,
    lib: str,
    sni: str,
    local: address,
    remote: address,
  },
  ['id', 'transport', 'generation', 'pid'],
);

export const captureDataSchema = closed(
  { conn: connSchema, direction: enumOf('egress', 'ingress'), offset: count, data: bytes, bytes_lost: count },
  ['conn', 'direction', 'offset', 'data'],
);

export const captureCloseSchema = closed({ conn: connSchema, egress_bytes: count, ingress_bytes: count, reason: str }, ['conn']);
