import { describe, expect, it } from 'vitest';
import { type CfnTemplate, packagedTemplate } from '../../../sim/iam/packaged-template.js';
import { templateDifferences } from '../../../sim/iam/template-parity.js';
import { PROJECT_ROOT } from '../../../sim/simulation.js';

/** The simulator's template with its code parts rewritten as another package of other code would write them. */
function withOtherCode(template: CfnTemplate): CfnTemplate {
  const text = JSON.stringify(template)
    .replace(/serverless\/([^/"]+)\/([^/"]+)\/[^/"]+\/[^/"]+\.zip/g, 'serverless/$1/$2/1700000000000-2023-11-14T22:13:20.000Z/other.zip')
    .replace(/"CodeSha256":"[^"]*"/g, '"CodeSha256":"b3RoZXIgY29kZQ=="')
    .replace(/(\w+LambdaVersion)[A-Za-z0-9]{20,}"/g, '$1OtherCodeHashOtherCodeHashOtherCodeHash"');
  return JSON.parse(text) as CfnTemplate;
}

describe('template parity (the simulator packages the template without bundling the functions)', () => {
  it('ignores what depends on the code: artifact keys, code hashes, version ids', async () => {
    const template = await packagedTemplate(PROJECT_ROOT, 'example');
    const other = withOtherCode(template);
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(template));
    expect(templateDifferences(other, template)).toEqual([]);
  });

  it('reports any other difference by its path: a role statement, a resource only one side has', async () => {
    const template = await packagedTemplate(PROJECT_ROOT, 'example');
    const full = withOtherCode(template);
    const [roleId, role] = Object.entries(full.Resources).find(([, r]) => r.Type === 'AWS::IAM::Role') ?? [];
    if (!roleId || !role) throw new Error('no role in the template');
    const policies = role.Properties?.Policies as { PolicyDocument: { Statement: { Action: string[] }[] } }[];
    policies[0]?.PolicyDocument.Statement[0]?.Action.push('s3:DeleteBucket');
    full.Resources.Extra = { Type: 'AWS::SNS::Topic' };
    const differences = templateDifferences(full, template);
    expect(differences).toHaveLength(2);
    expect(differences[0]).toMatch(new RegExp(`^/Resources/${roleId}/Properties/Policies/0/PolicyDocument/Statement/0/Action`));
    expect(differences[1]).toMatch(/^\/Resources\/Extra: /);
  });
});
