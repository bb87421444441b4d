// The shape of a config file's top level (components' own schemas come from their factories).
const idList = { type: 'array', items: { type: 'string' }, default: [] };
const componentMap = {
  anyOf: [{ type: 'object', additionalProperties: { anyOf: [{ type: 'object' }, { type: 'null' }] } }, { type: 'null' }],
  default: {},
};

export const topLevelSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: {
    plugins: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    receivers: componentMap,
    processors: componentMap,
    exporters: componentMap,
    service: {
      type: 'object',
      additionalProperties: false,
      required: ['pipelines'],
      properties: {
        pipelines: {
          type: 'object',
          minProperties: 1,
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            properties: { receivers: idList, processors: idList, exporters: idList },
          },
        },
        telemetry: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            logs: {
              type: 'object',
              additionalProperties: false,
              default: {},
              properties: {
                level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info' },
                format: { enum: ['auto', 'json', 'pretty'], default: 'auto' },
              },
            },
            metrics: {
              type: 'object',
              additionalProperties: false,
              default: {},
              properties: { address: { type: 'string', pattern: '^[^\\s]+:\\d+$' } },
            },
          },
        },
        shutdown_timeout_ms: { type: 'integer', minimum: 100, default: 10000 },
      },
    },
  },
};
