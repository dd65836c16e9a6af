/**
 * The environment the conformance tests run the real AWS CLI in: fixed
 * credentials and region, no profile or instance metadata from this machine,
 * and one attempt (botocore's own retries would hide the simulator's answer).
 */
export const AWS_CLI_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'y',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '1',
};
