import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { decodeBatch, RecordDecodeError, TLS_CLOSE_LAYOUT, TLS_DATA_LAYOUT, TLS_SNI_LAYOUT, TLS_SOCKET_LAYOUT, type TlsDataRecord } from './records.ts';
import { CONNECT_LAYOUT, EXEC_LAYOUT, EXIT_LAYOUT, FILE_DUP_LAYOUT, FILE_IO_LAYOUT, FILE_OPEN_LAYOUT, FORK_LAYOUT } from './sys-records.ts';

const header = resolve(import.meta.dirname, '../../../../bpf/oisp_records.h');

describe('records', () => {
  it('the TypeScript layouts equal bpf/oisp_records.h (compiled with offsetof)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oisp-layout-'));
    const src = join(dir, 'layout.c');
    const layouts = {
      oisp_tls_data: TLS_DATA_LAYOUT, oisp_tls_close: TLS_CLOSE_LAYOUT, oisp_tls_sni: TLS_SNI_LAYOUT, oisp_tls_socket: TLS_SOCKET_LAYOUT,
      oisp_exec: EXEC_LAYOUT, oisp_exit: EXIT_LAYOUT, oisp_file_open: FILE_OPEN_LAYOUT, oisp_file_io: FILE_IO_LAYOUT, oisp_connect: CONNECT_LAYOUT, oisp_file_dup: FILE_DUP_LAYOUT, oisp_fork: FORK_LAYOUT,
    };
    const lines = Object.entries(layouts).flatMap(([struct, layout]) => [
      ...Object.keys(layout).filter((f) => f !== 'size').map((f) => `printf("${struct} ${f} %zu\\n", offsetof(struct ${struct}, ${f}));`),
      `printf("${struct} size %zu\\n", sizeof(struct ${struct}));`,
    ]);
    writeFileSync(src, `#include <stdio.h>\n#include <stddef.h>\n#include <linux/types.h>\n#include "${header}"\nint main(void){\n${lines.join('\n')}\nreturn 0;}\n`);
    execFileSync('cc', ['-o', join(dir, 'layout'), src]);
    const printed: Record<string, Record<string, number>> = {};
    for (const line of execFileSync(join(dir, 'layout'), { encoding: 'utf8' }).trim().split('\n')) {
      const [struct, field, value] = line.split(' ');
      (printed[struct] ??= {})[field] = Number(value);
    }
    assert.deepEqual(printed, JSON.parse(JSON.stringify(layouts)));
  });

  it('decodes a batch and names the byte offset of a malformed record', () => {
    const rec = Buffer.alloc(TLS_DATA_LAYOUT.size + 3);
    rec.writeUInt32LE(1, 0);
    rec.writeUInt32LE(3, 4);
    rec.writeBigUInt64LE(42n, 8);
    rec.writeBigUInt64LE(0xdeadbeefn, 16);
    rec.writeBigUInt64LE(100n, 24);
    rec.writeUInt32LE(7, 32);
    rec.writeUInt32LE(8, 36);
    rec.writeUInt32LE(1, 40);
    rec.write('curl', 48);
    rec.writeBigUInt64LE(5n, TLS_DATA_LAYOUT.lib);
    rec.write('abc', TLS_DATA_LAYOUT.size);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(rec.length);
    const [r] = decodeBatch(Buffer.concat([len, rec])) as TlsDataRecord[];
    assert.deepEqual({ ...r, data: r.data.toString() }, {
      kind: 1, tsNs: 42n, sslPtr: 0xdeadbeefn, offset: 100, pid: 7, tid: 8, direction: 'ingress', generation: 0, comm: 'curl', lib: 5, data: 'abc',
    });
    const at = len.length + rec.length;
    assert.throws(() => decodeBatch(Buffer.concat([len, rec, len])), (e: unknown) => e instanceof RecordDecodeError && e.message.includes(`at byte ${at}`));
  });
});
