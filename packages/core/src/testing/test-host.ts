// A Host for one component under test: records fatal errors and the receiver's done signal.
import type { ComponentKind, Host } from '../component.ts';

export interface TestHost extends Host {
  readonly fatalErrors: Error[];
  /** True once reportDone() was called. */
  readonly done: boolean;
  /** Resolves at the first reportDone(). */
  readonly whenDone: Promise<void>;
  /** Resolves with the first fatal error reported. */
  readonly whenFatal: Promise<Error>;
}

export function testHost(componentIds: Partial<Record<ComponentKind, string[]>> = {}): TestHost {
  let resolveDone!: () => void;
  let resolveFatal!: (error: Error) => void;
  const whenDone = new Promise<void>((resolve) => (resolveDone = resolve));
  const whenFatal = new Promise<Error>((resolve) => (resolveFatal = resolve));
  const fatalErrors: Error[] = [];
  let done = false;
  return {
    componentIds: { receiver: [], processor: [], exporter: [], ...componentIds },
    fatalErrors,
    get done() {
      return done;
    },
    whenDone,
    whenFatal,
    reportFatalError(error: Error) {
      fatalErrors.push(error);
      resolveFatal(error);
    },
    reportDone() {
      done = true;
      resolveDone();
    },
  };
}
