// Self-telemetry seen by a component. The pipeline counts what enters (accepted) and leaves
// (emitted) each component; the component itself reports what it drops and what goes wrong.

export interface ComponentTelemetry {
  /** Events dropped on purpose or by necessity, by kind (`queue_full`, `filtered`, ...). */
  dropped(kind: string, count?: number): void;
  /**
   * A problem with input the component could not handle (bad HTTP, bad JSON...): counted by kind,
   * logged at debug the first time each kind is seen, never thrown through the pipeline.
   */
  error(kind: string, detail?: unknown): void;
  /** A monotonic counter of the component's own (`name` in lower_snake_case). */
  add(name: string, value?: number, labels?: Record<string, string>): void;
  /** A value that goes up and down (queue depth, open connections, bytes held). */
  gauge(name: string, value: number, labels?: Record<string, string>): void;
}
