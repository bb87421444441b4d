// The `ebpf` receiver factory.
import { defineReceiver } from '@oisp/core';
import { TYPE, configSchema, createDefaultConfig, validateConfig, type EbpfReceiverConfig } from './config.ts';
import { EbpfReceiver } from './ebpf-receiver.ts';

export const ebpfReceiverFactory = defineReceiver<EbpfReceiverConfig>({
  type: TYPE,
  stability: 'development',
  configSchema,
  createDefaultConfig,
  validate: validateConfig,
  create: (settings, config, next) => new EbpfReceiver(settings, config, next),
});
