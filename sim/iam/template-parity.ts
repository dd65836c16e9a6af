import { isDeepStrictEqual } from 'node:util';
import type { CfnTemplate } from './packaged-template.js';

/**
 * The simulator reads IAM from a template packaged without bundling the
 * functions (plugins/template-only.cjs). It may differ from a full
 * `serverless package` only where the code goes: the artifacts' S3 keys
 * (named after the zip and timestamped, also in Outputs), the versions' CodeSha256 and the
 * version resources' logical ids (suffixed with a hash of the code).
 * Everything else, IAM included, must be the same.
 */
export function templateDifferences(full: CfnTemplate, templateOnly: CfnTemplate): string[] {
  const differences: string[] = [];
  compare(codeBlind(full), codeBlind(templateOnly), '', differences);
  return differences;
}

function codeBlind(template: CfnTemplate): unknown {
  const text = JSON.stringify(template)
    .replace(/"serverless\/[^"]*\.zip"/g, '"<artifact>"')
    .replace(/"CodeSha256":"[^"]*"/g, '"CodeSha256":"<code hash>"')
    .replace(/(\w+LambdaVersion)[A-Za-z0-9]{20,}"/g, '$1<code hash>"');
  return JSON.parse(text);
}

function compare(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isDeepStrictEqual(a, b)) return;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) compare(a[key], b[key], `${path}/${key}`, out);
    return;
  }
  out.push(`${path || '/'}: ${JSON.stringify(a)?.slice(0, 200)} ≠ ${JSON.stringify(b)?.slice(0, 200)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
