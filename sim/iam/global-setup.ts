import { PROJECT_ROOT } from '../simulation.js';
import { packagedTemplate } from './packaged-template.js';

/**
 * Vitest global setup: package the service once (or find it cached) before
 * the workers start, so no test's timeout pays for `serverless package`.
 */
export default async function setup(): Promise<void> {
  await packagedTemplate(PROJECT_ROOT, 'example');
  // The mutual TLS stage (config/mtls.yml): its roles also read the client certificate parameters.
  await packagedTemplate(PROJECT_ROOT, 'mtls');
}
