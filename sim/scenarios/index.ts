import { defaultScenario } from './default.js';
import type { Scenario } from './types.js';

/** Every scenario `npm run sim` knows, by name. */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries([defaultScenario].map((s) => [s.name, s]));
