/**
 * `@aws-sdk/credential-provider-node` as the Lambda bundles see it (see
 * esbuild-plugins.cjs): the function role's credentials from the environment.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
