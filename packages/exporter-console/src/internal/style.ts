// ANSI styling, only when asked for: a pipe gets plain text.
export interface Style {
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const code = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export function style(color: boolean): Style {
  if (!color) {
    const id = (s: string) => s;
    return { dim: id, bold: id, red: id, green: id, yellow: id, cyan: id };
  }
  return { dim: code(2, 22), bold: code(1, 22), red: code(31, 39), green: code(32, 39), yellow: code(33, 39), cyan: code(36, 39) };
}

/** Visible width (ANSI codes take none). */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** Cut to `width` visible characters, marking the cut. */
export function fit(s: string, width: number | undefined): string {
  if (!width || visibleLength(s) <= width) return s;
  // eslint-disable-next-line no-control-regex
  const plain = s.replace(/\x1b\[[0-9;]*m/g, '');
  return plain.slice(0, Math.max(0, width - 1)) + '…';
}
