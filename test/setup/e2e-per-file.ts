/**
 * Setup files run again before every test file, also when the files of a
 * worker share one module cache (\`isolate: false\`): the e2e files' hook that
 * stops each test's simulations is registered here, for every file.
 */
import { afterEach } from 'vitest';
import { stopSimulationsOfTest } from '../e2e/world.js';

afterEach(stopSimulationsOfTest);
