// The plugin contract, checked on the real agent processor.
import { runConformance } from '@oisp/core/testing';
import factory from './index.ts';

runConformance(factory);
