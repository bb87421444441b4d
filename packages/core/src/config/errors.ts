// One error for everything wrong with a configuration: every problem, each starting with its path.
export class ConfigError extends Error {
  readonly errors: string[];
  constructor(errors: string[]) {
    super(errors.length === 1 ? errors[0] : `${errors.length} config errors:\n  ${errors.join('\n  ')}`);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

/** `a::b::c`, the Collector's way of writing a config path. */
export function joinPath(path: readonly (string | number)[]): string {
  return path.join('::');
}
