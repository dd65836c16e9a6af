/**
 * The Powertools Logger of the control plane (service name from
 * POWERTOOLS_SERVICE_NAME). Never give it request headers or tokens: the HTTP
 * client logs only method, path and status.
 */
import { Logger } from '@aws-lambda-powertools/logger';

let logger: Logger | undefined;

/** The shared Logger, created on first use. */
export function getLogger(): Logger {
  logger ??= new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'hashistack-control-plane' });
  return logger;
}
