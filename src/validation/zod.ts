/**
 * zod as every bundled schema uses it: `zod/mini` (the functional API, a
 * fraction of classic zod's size and faster to build at import), with its
 * English messages configured here once. Without a locale mini reports only
 * "Invalid input"; `z.locales` would bundle every language.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';
