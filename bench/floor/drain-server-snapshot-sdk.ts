/**
 * The floor of the largest bundle's import (drainServerSnapshot): the AWS SDK
 * clients and commands its wrappers call (S3 with lib-storage's multipart
 * upload, SSM GetParameters for the tokens, the Auto Scaling heartbeat) and
 * the Powertools logger and metrics, built the same way and with no
 * control-plane code. `npm run bench -- --only bundles` measures it beside
 * the function; what the function pays beyond it is ours.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AutoScalingClient, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: 'floor', serviceName: 'floor' });
export const clients = { s3: new S3Client({}), ssm: new SSMClient({}), autoscaling: new AutoScalingClient({}) };
export const commands = { GetObjectCommand, HeadObjectCommand, PutObjectCommand, Upload, GetParametersCommand, RecordLifecycleActionHeartbeatCommand };
