// The pipeline graph and its lifecycle (what the CLI runs).
export { Service, type ServiceOptions } from './service.ts';
export { formatSummary, type ServiceSummary, type LifecycleError } from './summary.ts';
export { planCopies, type CopyPlan } from './copy-plan.ts';
