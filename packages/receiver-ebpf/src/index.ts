// @oisp/receiver-ebpf: TLS plaintext from uprobes on OpenSSL, as capture.* events.
import { ebpfReceiverFactory } from './factory.ts';

export { EbpfReceiver, preflight } from './ebpf-receiver.ts';
export { checkHost, listTargets, type CheckLine, type Uncovered } from './diagnose.ts';
export { createDefaultConfig, configSchema, type EbpfReceiverConfig } from './config.ts';
export default ebpfReceiverFactory;
