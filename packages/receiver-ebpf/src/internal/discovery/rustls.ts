// rustls, compiled into a Rust binary: found, reported, not hooked yet. Its plaintext crosses at
// `<Reader as io::Read>::read` (findable: it alone holds the unexpected-EOF message next to
// ChunkVecBuffer::read's panic location in vecbuf.rs) and at `CommonState::buffer_plaintext`,
// which LTO leaves with no anchor of its own; and the two see a connection through different
// pointers (the received-plaintext buffer vs the CommonState holding it), whose distance is a
// layout fact of each build. Until both are verified the stack is said to be invisible, with why.
import type { ElfImage } from './elf-image.ts';
import type { FunctionEntries } from './function-entry.ts';
import type { Recognized } from './recognized.ts';

const EOF_MESSAGE = 'peer closed connection without sending TLS close_notify';

/** Strings whose presence makes the binary worth reading through. */
export const RUSTLS_ANCHORS = [EOF_MESSAGE];

export function recognizeRustls(image: ElfImage, _entries: FunctionEntries): Recognized | undefined {
  const rodata = image.sections.filter((s) => s.addr !== 0 && !(s.flags & 0x4) && s.type === 1);
  if (!rodata.some((s) => image.contents(s).includes(EOF_MESSAGE))) return undefined;
  // The crate's version, from the source paths its panic locations keep (`…/rustls-0.23.36/src/…`).
  const versions = new Set<string>();
  for (const s of rodata) {
    const text = image.contents(s).toString('latin1');
    for (const m of text.matchAll(/\/rustls-(\d+\.\d+\.\d+)\/src\//g)) versions.add(m[1]);
  }
  const stack = versions.size > 0 ? `rustls ${[...versions].sort().join(', ')}` : 'rustls';
  return { stack, functions: [], unsure: 'its write path is inlined differently in every build and not verified yet: not hooked, its traffic is not visible' };
}
