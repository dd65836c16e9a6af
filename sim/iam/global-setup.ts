import { PROJECT_ROOT } from '../simulation.js';
import { packagedTemplate } from './packaged-template.js';

/**
 * Vitest global setup: package the service's template once (or find it
 * cached) before the workers start, so no test's timeout pays for
 * `serverless package`. Both stages at once: each is one mostly
 * single-threaded `serverless` process.
 */
export default async function setup(): Promise<void> {
  await Promise.all([
    packagedTemplate(PROJECT_ROOT, 'example'),
    // The mutual TLS stage (config/mtls.yml): its roles also read the client certificate parameters.
    packagedTemplate(PROJECT_ROOT, 'mtls'),
  ]);
}
