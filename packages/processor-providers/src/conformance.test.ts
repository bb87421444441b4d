// The plugin contract, checked on the real providers processor: it consumes the http.* of the
// provider calls it decodes.
import { runConformance } from '@oisp/core/testing';
import factory from './index.ts';

runConformance(factory, { ownedEventTypes: ['http.*'] });
